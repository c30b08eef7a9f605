/**
 * Apps on another origin: the explicit allow-list `cors: { origins }` and the CORS answers of the
 * three routes a single-page app calls with credentials, `GET /auth/session`, `POST /auth/logout`
 * and `POST /auth/token` (and their `OPTIONS` preflights).
 *
 * - An allowed `Origin` gets `Access-Control-Allow-Origin: <that origin>` and
 *   `Access-Control-Allow-Credentials: true`; a preflight also gets the methods, the headers (the
 *   CSRF header among them) and a max-age. Any other origin gets no CORS header at all (the browser
 *   then keeps the answer from the page), and its preflight a 403 `CORS_ORIGIN_REFUSED`.
 * - Every answer of these routes carries `Vary: Origin` once origins are listed, since whether it
 *   carries `Access-Control-Allow-Origin` depends on the request's `Origin`.
 * - The origins are exact (`scheme://host[:port]`, as browsers serialise them): a wildcard cannot
 *   work with credentials, and `null` is the opaque origin of any sandboxed frame or `data:` page.
 *
 * @see [Fetch Standard - CORS protocol](https://fetch.spec.whatwg.org/#http-cors-protocol)
 * @module
 */
import { ConfigurationError, SessionError } from '../errors.js';
import { isLoopbackHost } from '../internal/loopback.js';
import type { AuthRouteName } from './edge.js';
import type { AuthAnswer, AuthRequest } from './http-shapes.js';
import { isSameOrigin } from './request-origin.js';
import { authAnswer, errorAnswer } from './responses.js';

/** `cors` in the `createAuth` options. */
export interface CorsOptions {
  /**
   * The exact origins of the apps (single-page apps on another port or host) that may call
   * `GET /auth/session`, `POST /auth/logout` and `POST /auth/token` with credentials, and that a
   * `returnTo` may name: `['http://localhost:5173', 'https://app.example.com']`.
   */
  readonly origins?: readonly string[];
  /** How long a browser may cache a preflight answer (`Access-Control-Max-Age`). Default 600 seconds. */
  readonly maxAgeSeconds?: number;
}

/** What the CORS answers need from the resolved configuration. */
export interface CorsPolicy {
  /** The app's own origin. */
  readonly origin: string;
  /** The allowed app origins, exact. */
  readonly allowedOrigins: readonly string[];
  /** `Access-Control-Max-Age` of a preflight answer, in seconds. */
  readonly corsMaxAgeSeconds: number;
  /** Development mode: a refusal carries the developer's message. */
  readonly development?: boolean;
}

/** The routes that answer CORS. */
const CORS_ROUTES: ReadonlySet<AuthRouteName> = new Set(['session', 'logout', 'token']);

/** The request headers an app may send to them: the CSRF header of logout, a JSON body, a Bearer token. */
const ALLOWED_HEADERS = 'content-type, x-csrf-token, authorization';

/** Preflight answers are cached at most this long by any browser (Firefox's cap; Chromium's is 7200). */
const MAX_PREFLIGHT_AGE = 86_400;

/**
 * Checks one allow-list entry: an exact origin, written as browsers send it in `Origin`.
 *
 * @param value - the configured entry.
 * @param option - the option's name, for the message.
 * @returns the origin.
 * @throws ConfigurationError `CORS_ORIGIN_INVALID` with a message that says what to write.
 */
export function checkAppOrigin(value: unknown, option: string): string {
  const shown = JSON.stringify(String(value)).slice(0, 100);
  const bad = (why: string): never => {
    throw new ConfigurationError(`\`${option}\` entry ${shown} ${why}`, 'CORS_ORIGIN_INVALID');
  };
  if (typeof value !== 'string' || value.trim() === '') return bad('is not an origin such as "https://spa.example.com".');
  // Fetch, CORS protocol and credentials: with credentials a wildcard is not honoured; list each origin.
  if (value.includes('*')) return bad('holds a wildcard: with credentials browsers accept only the exact origin, so list each app origin.');
  // HTML, origins: `null` is the opaque origin of sandboxed frames, `data:` and `file:` pages; allowing it allows all of them.
  if (value.trim().toLowerCase() === 'null') return bad('is the opaque origin `null`, which any sandboxed frame or data: page sends; list real origins only.');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return bad('is not an absolute origin such as "https://spa.example.com" (scheme, host and, unless the default, port).');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return bad('must use https (or http on localhost/127.0.0.1).');
  if (url.username || url.password || url.search || url.hash || url.pathname !== '/' || value.endsWith('/')) {
    return bad(`must be a bare origin: scheme, host and port, with no path (not even a trailing "/"), query or credentials; write "${url.origin}".`);
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    return bad(
      'must use https: a page served over plain http can be altered on the way and would act with the user session (http is allowed on loopback only).',
    );
  }
  // Browsers send the serialised origin: lower-case host, no default port.
  if (url.origin !== value) return bad(`must be written exactly as browsers send it in \`Origin\`: "${url.origin}".`);
  return url.origin;
}

/**
 * Resolves the allow-list: `cors.origins`, plus the older `accessToken.allowedOrigins`, each checked.
 *
 * @param cors - the `cors` option.
 * @param legacy - `accessToken.allowedOrigins`.
 * @param appOrigin - the app's own origin (not listed again: it needs no CORS).
 * @returns the frozen list and the preflight max-age.
 * @throws ConfigurationError `CORS_ORIGIN_INVALID`, `CONFIG_INVALID` (max-age).
 */
export function resolveCors(
  cors: CorsOptions | undefined,
  legacy: readonly string[] | undefined,
  appOrigin: string,
): { allowedOrigins: readonly string[]; corsMaxAgeSeconds: number } {
  if (cors !== undefined && (typeof cors !== 'object' || cors === null)) throw new ConfigurationError('`cors` must be an object: { origins: [...] }.');
  const listed = cors?.origins ?? [];
  if (!Array.isArray(listed))
    throw new ConfigurationError('`cors.origins` must be an array of origins such as ["http://localhost:5173"].', 'CORS_ORIGIN_INVALID');
  const origins = new Set<string>();
  for (const o of listed) origins.add(checkAppOrigin(o, 'cors.origins'));
  for (const o of legacy ?? []) origins.add(checkAppOrigin(o, 'accessToken.allowedOrigins'));
  origins.delete(appOrigin);
  const maxAge = cors?.maxAgeSeconds ?? 600;
  if (!Number.isInteger(maxAge) || maxAge < 0 || maxAge > MAX_PREFLIGHT_AGE) {
    throw new ConfigurationError(`\`cors.maxAgeSeconds\` must be an integer from 0 to ${MAX_PREFLIGHT_AGE} (got ${String(maxAge)}).`);
  }
  return { allowedOrigins: Object.freeze([...origins]), corsMaxAgeSeconds: maxAge };
}

/** Second-level labels under which names are registered (`example.co.uk`), for {@link siteOf}. */
const REGISTRY_LABELS = new Set(['co', 'com', 'net', 'org', 'gov', 'edu', 'ac', 'or', 'ne', 'go']);

/**
 * The site of an origin, approximately: its scheme and registrable domain. Without the Public
 * Suffix List this is a heuristic (the last two labels, three under `co.uk`-like suffixes; an IP
 * address or a one-label host such as `localhost` is its own site), good enough for a warning.
 *
 * @param origin - an origin.
 * @returns `scheme://registrable-domain`.
 * @see [HTML Standard - sites](https://html.spec.whatwg.org/multipage/browsers.html#sites)
 */
export function siteOf(origin: string): string {
  const url = new URL(origin);
  const host = url.hostname;
  if (host.startsWith('[') || /^\d{1,3}(?:\.\d{1,3}){3}$/.test(host)) return `${url.protocol}//${host}`;
  const labels = host.split('.');
  const take = labels.length >= 3 && labels.at(-1)!.length === 2 && REGISTRY_LABELS.has(labels.at(-2)!) ? 3 : 2;
  return `${url.protocol}//${labels.slice(-take).join('.')}`;
}

/**
 * The allowed origins on another site than the app: their fetches carry no `SameSite=Lax` cookie.
 *
 * @param appOrigin - the app's origin.
 * @param origins - the allowed origins.
 * @returns those whose (schemeful) site differs from the app's.
 */
export function crossSiteOrigins(appOrigin: string, origins: readonly string[]): string[] {
  const own = siteOf(appOrigin);
  return origins.filter((o) => siteOf(o) !== own);
}

/**
 * Whether a route answers CORS.
 *
 * @param route - the route name.
 * @returns true for `session`, `logout` and `token`.
 */
export function isCorsRoute(route: AuthRouteName): boolean {
  return CORS_ROUTES.has(route);
}

/**
 * The request's `Origin` when it is an allowed app origin (not the app's own).
 *
 * @param policy - the CORS policy.
 * @param request - the request.
 * @returns the origin, or undefined.
 */
export function allowedCorsOrigin(policy: CorsPolicy, request: AuthRequest): string | undefined {
  if (policy.allowedOrigins.length === 0) return undefined;
  const origin = request.header('origin');
  // Fetch, `Origin` header: compared byte for byte with the serialised origins of the list.
  return origin !== null && policy.allowedOrigins.includes(origin) ? origin : undefined;
}

/**
 * Whether a state-changing request comes from the app itself or from an allowed app origin. For an
 * allowed origin the browser's `Origin` is what counts (it sends one on every cross-origin POST;
 * `Sec-Fetch-Site` then says `same-site` or `cross-site`, rightly).
 *
 * @param policy - the CORS policy.
 * @param request - the request.
 * @returns false when the browser says the request comes from anywhere else.
 */
export function isTrustedOrigin(policy: CorsPolicy, request: AuthRequest): boolean {
  return isSameOrigin(request, policy.origin) || allowedCorsOrigin(policy, request) !== undefined;
}

/** `Vary` with `Origin` added once. */
function varyOrigin(vary: string | undefined): string {
  if (!vary) return 'Origin';
  return vary.split(',').some((v) => v.trim().toLowerCase() === 'origin' || v.trim() === '*') ? vary : `${vary}, Origin`;
}

/**
 * Adds the CORS headers to an answer of a CORS route: `Vary: Origin` once origins are listed, and
 * for an allowed origin `Access-Control-Allow-Origin` with `Access-Control-Allow-Credentials`.
 * Errors get them too, so that the app can read a 401 or a 403 rather than a network error.
 *
 * @param policy - the CORS policy.
 * @param request - the request.
 * @param answer - the route's answer.
 * @returns the answer with the headers.
 */
export function withCorsHeaders(policy: CorsPolicy, request: AuthRequest, answer: AuthAnswer): AuthAnswer {
  if (policy.allowedOrigins.length === 0) return answer;
  // Fetch, CORS protocol and HTTP caches: an answer that depends on `Origin` says so in `Vary`.
  const headers: Record<string, string> = { ...answer.headers, vary: varyOrigin(answer.headers.vary) };
  const origin = allowedCorsOrigin(policy, request);
  if (origin !== undefined) {
    // Fetch, CORS protocol and credentials: the exact origin (never `*`) and `true`, or the page never sees the answer.
    headers['access-control-allow-origin'] = origin;
    headers['access-control-allow-credentials'] = 'true';
  }
  return { ...answer, headers };
}

/**
 * Answers `OPTIONS` on a CORS route. A CORS preflight (with `Origin`) from an allowed origin gets 204 with the methods, the headers and the max-age; from any other
 * origin a 403 `CORS_ORIGIN_REFUSED` without CORS headers (the browser then refuses the request
 * itself). An `OPTIONS` that is no preflight gets 204 with `Allow` (RFC 9110 §9.3.7).
 *
 * @param policy - the CORS policy.
 * @param methods - the methods the route serves.
 * @param request - the `OPTIONS` request.
 * @returns the answer.
 */
export function preflightAnswer(policy: CorsPolicy, methods: readonly string[], request: AuthRequest): AuthAnswer {
  const origin = request.header('origin');
  const vary = { vary: 'Origin' };
  // Fetch, HTTP requests: a CORS-preflight request carries `Origin` (and `Access-Control-Request-Method`,
  // not required here: an `OPTIONS` with an `Origin` is answered as the preflight it stands for).
  if (origin === null) return authAnswer(null, 204, { allow: methods.join(', '), ...vary });
  const allowed = allowedCorsOrigin(policy, request);
  if (allowed === undefined) {
    const refusal = errorAnswer(
      new SessionError(
        'CORS_ORIGIN_REFUSED',
        origin === policy.origin
          ? 'A same-origin request needs no preflight.'
          : 'This origin may not call the auth routes with credentials; add its exact origin to `cors.origins` in createAuth.',
      ),
      request.header('accept'),
      [],
      { development: policy.development === true },
    );
    return { ...refusal, headers: { ...refusal.headers, ...vary } };
  }
  // Fetch, HTTP responses: a successful preflight answer names the methods and headers allowed.
  // Listed explicitly: with credentials, `*` is a literal name, not a wildcard.
  return authAnswer(null, 204, {
    ...vary,
    'access-control-allow-origin': allowed,
    'access-control-allow-credentials': 'true',
    // A GET of the sign-out confirmation is a page for the browser itself, not for the SPA's fetch.
    'access-control-allow-methods': methods.filter((m) => m !== 'OPTIONS' && !(m === 'GET' && methods.includes('POST'))).join(', '),
    'access-control-allow-headers': ALLOWED_HEADERS,
    'access-control-max-age': String(policy.corsMaxAgeSeconds),
  });
}

/**
 * The start-up warnings of allowed origins on another site while cookies are `SameSite=Lax`:
 * browsers send such an origin's requests no cookie, so its `GET /auth/session` answers 401.
 *
 * @param origin - the app's own origin.
 * @param allowedOrigins - the allowed origins.
 * @param sameSite - the cookies' SameSite attribute.
 * @returns one warning per cross-site origin (none unless `Lax`).
 */
export function crossSiteWarnings(origin: string, allowedOrigins: readonly string[], sameSite: string): string[] {
  if (sameSite !== 'Lax') return [];
  return crossSiteOrigins(origin, allowedOrigins).map(
    (o) =>
      `cors.origins: ${o} is another site than ${origin}, so browsers send its requests no SameSite=Lax cookie (GET /auth/session answers 401 after sign-in). Serve app and API from one site (e.g. both on localhost), or set cookies: { sameSite: 'none' }; see docs/cross-origin.md.`,
  );
}
