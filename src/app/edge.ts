/**
 * The HTTP edge of the auth routes, decided before any protocol code runs and, in the Node-family
 * adapters, before any Web `Request` is built (`new Request()` throws for `TRACE`, `TRACK` and
 * `CONNECT`): the one route table (which path is which route, which methods it serves), the body
 * budget every POST route reads within, and the bounded reader of a Web body stream.
 *
 * - A method a route does not serve is answered 405 with `Allow` (RFC 9110 §15.5.6). `HEAD` is not
 *   served: every GET auth route has an effect (a login transaction cookie, a sliding session, a
 *   consumed logout cookie) that a link checker's `HEAD` must not trigger (`GET /auth/logout` has
 *   none, but a `HEAD` of a confirmation page serves no one). `OPTIONS` is served only where the
 *   route answers CORS (`/auth/session`, `/auth/logout`, `/auth/token`; see `cors.ts`).
 * - A POST body is read up to {@link MAX_BODY_BYTES}, counted as bytes arrive; a declared
 *   `Content-Length` over it is refused before reading, a longer stream is cancelled at the first
 *   byte over it, and either is answered 413 (RFC 9110 §15.5.14) with `Connection: close`.
 *
 * @module
 */
import { SessionError } from '../errors.js';
import { readBoundedText as readStream } from '../internal/bounded-read.js';
import type { AuthAnswer, AuthRequest } from './http-shapes.js';
import { type ErrorRenderOptions, errorAnswer } from './responses.js';

/** The most bytes any auth route reads from a request body (form_post callbacks and logout tokens are a few KB). */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * The longest time any auth route waits for a request body, from the first read to its end. At
 * most 64 KB in 10 s is 6.4 KB/s; a form_post callback or a logout token is a few KB. A body
 * trickled more slowly (a "slow POST" attack) would otherwise hold its connection and its buffer
 * for as long as the server lets it: 300 s with Node's defaults, without end under Fastify
 * (`requestTimeout: 0`).
 */
export const MAX_BODY_MS = 10_000;

/** The auth routes. */
export type AuthRouteName =
  | 'session'
  | 'token'
  | 'login-chooser'
  | 'logout'
  | 'logout/callback'
  | 'login'
  | 'callback'
  | 'backchannel-logout'
  | 'accounts'
  | 'unlink'
  | 'sessions'
  | 'sessions/revoke';

/** A route the path names, with the methods it serves. */
export interface AuthRoute {
  readonly name: AuthRouteName;
  /** The methods served, in the order `Allow` lists them. */
  readonly methods: readonly string[];
  /** The provider id of a per-provider route (`/auth/:provider/…`); empty for the others. */
  readonly providerId: string;
}

/** A request the edge lets through: its route, and whether its body is read (every POST). */
export interface EdgeRoute {
  readonly route: AuthRoute;
  readonly readsBody: boolean;
}

/** A request the edge refuses, as a value: the error to render and, for 405, the `Allow` value. */
export interface EdgeRefusal {
  readonly route: AuthRoute | undefined;
  readonly error: SessionError;
  readonly allow?: string;
}

/** What the HTTP edge of an `Auth` offers adapters that see the native request first. */
export interface AuthEdge {
  /** The body budget in bytes ({@link MAX_BODY_BYTES}). */
  readonly bodyLimit: number;
  /** How long a body may take to arrive, in milliseconds ({@link MAX_BODY_MS}). */
  readonly bodyTimeoutMs: number;
  /**
   * Screens a request by method, path and declared length, before any Web `Request` exists.
   *
   * @param method - the request method, exactly as received.
   * @param pathname - the URL path (no query).
   * @param contentLength - the `Content-Length` header, if any.
   * @param accept - the `Accept` header, to render a refusal as HTML or JSON.
   * @returns the route to serve, or the answer to send (404, 405 with `Allow`, 413).
   */
  screen(method: string, pathname: string, contentLength: string | null | undefined, accept: string | null | undefined): EdgeRoute | Response;
  /** The 413 answer for a body found over the budget while reading (with `Connection: close`). */
  tooLarge(accept: string | null | undefined): Response;
  /**
   * The last-resort answer for whatever escaped a handler: reported (`hooks.onError`, or the error's
   * class name on the console, never request data) and rendered as a 500 page or JSON.
   */
  failure(error: unknown, accept: string | null | undefined): Response;
  /**
   * Answers an auth request given as the internal request shape, with no Web `Request` or
   * `Response` on the way: screened by the route table, the body read within the budget, the route
   * dispatched. Never throws or rejects: whatever goes wrong is an answer. Synchronous when the
   * route answers from the caches (a signed-in `GET /auth/session`), so the adapter writes it in
   * the same tick, with no promise on the way.
   *
   * @param request - the request shape (built lazily by the adapter).
   * @returns the answer to write, or a promise of it.
   */
  answer(request: AuthRequest): AuthAnswer | Promise<AuthAnswer>;
  /**
   * The Web handler of the `Auth` this edge belongs to. The Node-family adapters take the lean path
   * ({@link AuthEdge.answer}) only while `auth.handler` is this function; an `Auth` whose `handler`
   * was replaced or wrapped (`{ ...auth, handler }`) is served through its own handler.
   */
  readonly handler: (request: Request) => Promise<Response>;
  /** {@link AuthEdge.screen}, the refusal as an answer shape. */
  screenAnswer(method: string, pathname: string, contentLength: string | null | undefined, accept: string | null | undefined): EdgeRoute | AuthAnswer;
  /** {@link AuthEdge.failure} as an answer shape. */
  failureAnswer(error: unknown, accept: string | null | undefined): AuthAnswer;
}

/** The routes without a provider id, each one frozen object (the session poll allocates no route). */
const ROUTES: Readonly<Record<string, AuthRoute>> = {
  session: Object.freeze({ name: 'session', methods: Object.freeze(['GET', 'OPTIONS']), providerId: '' }),
  token: Object.freeze({ name: 'token', methods: Object.freeze(['POST', 'OPTIONS']), providerId: '' }),
  login: Object.freeze({ name: 'login-chooser', methods: Object.freeze(['GET']), providerId: '' }),
  // GET shows the sign-out confirmation (its form posts here); POST signs out; OPTIONS is its CORS preflight.
  logout: Object.freeze({ name: 'logout', methods: Object.freeze(['GET', 'POST', 'OPTIONS']), providerId: '' }),
  'logout/callback': Object.freeze({ name: 'logout/callback', methods: Object.freeze(['GET']), providerId: '' }),
  // The user's own view: linked accounts and sessions (same-origin only: no OPTIONS, no CORS).
  accounts: Object.freeze({ name: 'accounts', methods: Object.freeze(['GET']), providerId: '' }),
  sessions: Object.freeze({ name: 'sessions', methods: Object.freeze(['GET']), providerId: '' }),
  'sessions/revoke': Object.freeze({ name: 'sessions/revoke', methods: Object.freeze(['POST']), providerId: '' }),
};
const PROVIDER_ROUTES: Readonly<Record<string, Omit<AuthRoute, 'providerId'>>> = {
  login: { name: 'login', methods: ['GET'] },
  callback: { name: 'callback', methods: ['GET', 'POST'] },
  'backchannel-logout': { name: 'backchannel-logout', methods: ['POST'] },
  unlink: { name: 'unlink', methods: ['POST'] },
};

/**
 * The auth route a path names, whatever the method.
 *
 * @param routePrefix - the prefix of the auth routes, e.g. `/auth`.
 * @param pathname - the URL path.
 * @param callbackRoutes - the providers' own callback paths (after the prefix) to provider ids.
 * @returns the route, or undefined when no auth route has this path.
 */
export function findRoute(routePrefix: string, pathname: string, callbackRoutes?: ReadonlyMap<string, string>): AuthRoute | undefined {
  if (!pathname.startsWith(`${routePrefix}/`)) return undefined;
  const rest = pathname.slice(routePrefix.length + 1);
  // A provider's `callbackPath` is its callback route, with the callback's methods.
  const custom = callbackRoutes?.get(rest);
  if (custom !== undefined) return { ...PROVIDER_ROUTES.callback!, providerId: custom };
  const fixed = Object.hasOwn(ROUTES, rest) ? ROUTES[rest] : undefined;
  if (fixed) return fixed;
  const parts = rest.split('/');
  if (parts.length !== 2) return undefined;
  const [providerId, action] = parts as [string, string];
  const perProvider = Object.hasOwn(PROVIDER_ROUTES, action) ? PROVIDER_ROUTES[action] : undefined;
  return perProvider ? { ...perProvider, providerId } : undefined;
}

/** The routes a sign-in passes through: a `returnTo` naming one of them would nest sign-ins. */
const SIGN_IN_ROUTES: ReadonlySet<AuthRouteName> = new Set(['login', 'login-chooser', 'callback']);

/**
 * Whether a `returnTo` (a same-origin path, query and fragment) names a route of the sign-in
 * itself (a provider's login, the chooser, a callback), as `app.use(lk.requireUser)` mounted before
 * the routes produced: `/auth/op/login?returnTo=%2Fauth%2Fop%2Flogin%3FreturnTo%3D…`.
 *
 * @param routePrefix - the prefix of the auth routes.
 * @param returnTo - the checked `returnTo`.
 * @returns true when returning there would start another sign-in.
 */
export function nestsSignIn(routePrefix: string, returnTo: string): boolean {
  const end = returnTo.search(/[?#]/);
  const route = findRoute(routePrefix, end === -1 ? returnTo : returnTo.slice(0, end));
  return route !== undefined && SIGN_IN_ROUTES.has(route.name);
}

/**
 * Screens a request: its route, whether the route serves its method, and a declared body length
 * within the budget.
 *
 * @param routePrefix - the prefix of the auth routes.
 * @param method - the request method (case-sensitive, RFC 9110 §9.1).
 * @param pathname - the URL path.
 * @param contentLength - the `Content-Length` header, if any.
 * @param callbackRoutes - the providers' own callback paths, see {@link findRoute}.
 * @returns the route to serve, or the refusal.
 */
export function screenRequest(
  routePrefix: string,
  method: string,
  pathname: string,
  contentLength: string | null | undefined,
  callbackRoutes?: ReadonlyMap<string, string>,
): EdgeRoute | EdgeRefusal {
  const route = findRoute(routePrefix, pathname, callbackRoutes);
  if (!route) return { route, error: new SessionError('NOT_FOUND') };
  if (!route.methods.includes(method)) {
    // RFC 9110 §15.5.6: a 405 lists the methods the target resource supports in `Allow`.
    const allow = route.methods.join(', ');
    return { route, error: new SessionError('METHOD_NOT_ALLOWED', `This route accepts ${allow}.`), allow };
  }
  const readsBody = method === 'POST';
  // RFC 9110 §8.6: a declared length over the budget is refused before a byte of it is read.
  if (readsBody && contentLength && /^\d+$/.test(contentLength.trim()) && Number(contentLength.trim()) > MAX_BODY_BYTES) {
    return { route, error: new SessionError('PAYLOAD_TOO_LARGE') };
  }
  return { route, readsBody };
}

/**
 * Renders a refusal: the error page or JSON, `Allow` on a 405, `Connection: close` on a 413 or a
 * 408 (the rest of the body is not read, so the connection cannot carry another request).
 *
 * @param refusal - the error and the `Allow` value.
 * @param accept - the `Accept` header.
 * @param setCookies - `Set-Cookie` values to send anyway.
 * @param options - the reference id (when the refusal was logged), development detail and links.
 * @returns the answer.
 */
export function refusalAnswer(
  refusal: Pick<EdgeRefusal, 'error' | 'allow'>,
  accept: string | null | undefined,
  setCookies: readonly string[] = [],
  options: ErrorRenderOptions = {},
): AuthAnswer {
  const res = errorAnswer(refusal.error, accept ?? null, setCookies, options);
  const code = refusal.error.code;
  const closes = code === 'PAYLOAD_TOO_LARGE' || code === 'BODY_TIMEOUT';
  if (refusal.allow === undefined && !closes) return res;
  return {
    ...res,
    headers: { ...res.headers, ...(refusal.allow !== undefined ? { allow: refusal.allow } : {}), ...(closes ? { connection: 'close' } : {}) },
  };
}

/**
 * Reads a Web body stream as UTF-8 text, at most `limit` bytes, counted as chunks arrive, within
 * `timeoutMs`; the stream is cancelled at the first chunk over the budget or when the time is up,
 * so nothing more is read or kept.
 *
 * @param body - `request.body` (null reads as the empty string).
 * @param limit - the budget in bytes.
 * @param timeoutMs - how long the whole body may take to arrive.
 * @returns the text.
 * @throws SessionError `PAYLOAD_TOO_LARGE` when the body is longer than `limit`.
 * @throws SessionError `BODY_TIMEOUT` when the body has not ended within `timeoutMs`.
 * @throws SessionError `BODY_ABORTED` when the stream fails before its end.
 */
export async function readBoundedText(
  body: ReadableStream<Uint8Array> | null,
  limit: number = MAX_BODY_BYTES,
  timeoutMs: number = MAX_BODY_MS,
): Promise<string> {
  try {
    // RFC 9110 §15.5.9: a server that no longer waits for the rest of a request answers 408.
    return await readStream(body, limit, () => new SessionError('PAYLOAD_TOO_LARGE'), { timeoutMs, timedOut: () => new SessionError('BODY_TIMEOUT') });
  } catch (error) {
    // A stream that fails (the client went away mid-body) is bad input, not a server failure.
    throw error instanceof SessionError ? error : new SessionError('BODY_ABORTED');
  }
}
