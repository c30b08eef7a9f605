/**
 * `createAuth` options, their defaults and their validation. Everything is checked at start-up and a
 * wrong value fails with a `ConfigurationError` (`CONFIG_INVALID`) whose message says what to change,
 * including the exact redirect URI to register at each provider.
 *
 * @module
 */

import { isLoopbackHost } from '../core/http.js';
import { checkVerificationOptions } from '../core/id-token.js';
import type { TokenSet } from '../core/types.js';
import { ConfigurationError } from '../errors.js';
import { normalizeApiOrigin } from '../internal/api-origins.js';
import type { Profile, ProviderConfig } from '../providers/types.js';
import type { ReplayStore, SessionStore, UserStore } from '../storage/types.js';
import type { DistributedLock } from '../vault/locks/types.js';
import { parseApiBase } from '../vault/provider-api.js';
import type { TokenEvent } from '../vault/vault.js';
import { type CookieNames, type CookieOptions, cookieNames, resolveCookieAttributes } from './cookies.js';
import { type CorsOptions, crossSiteWarnings, resolveCors } from './cors.js';
import { findRoute } from './edge.js';
import type { AuthLogger } from './error-log.js';
import type { AuthEvent } from './events.js';
import { type PageOptions, type ResolvedPages, resolvePages } from './page-options.js';
import type { RateLimitOptions } from './rate-limit.js';
import { returnToOr } from './return-to.js';
import { MIN_SECRET_LENGTH } from './seal.js';
import { isWeakSecret } from './secret-strength.js';

/** What `onLogin` receives. */
export interface LoginContext {
  /** The provider id (`google`, …). */
  readonly providerId: string;
  /** The normalized profile from the provider. */
  readonly profile: Profile;
  /** The validated tokens of this sign-in. */
  readonly tokens: TokenSet;
  /** The callback request. */
  readonly request: Request;
}

/**
 * What `onLogin` may return: `false` refuses the sign-in (`LOGIN_REJECTED`, 403); an object shapes
 * the user (profile fields to override) and adds small app data to the session; nothing (or `true`)
 * accepts it unchanged. Throwing a `LatchkeyError` ends the sign-in with that error.
 */
export type LoginDecision =
  | undefined
  | boolean
  | {
      /** Overrides of the normalized profile before the user is created or updated. */
      readonly profile?: Partial<Pick<Profile, 'email' | 'emailVerified' | 'name' | 'picture'>>;
      /** Small app data kept in the session and returned by `GET /auth/session` as `data`. */
      readonly sessionData?: Readonly<Record<string, unknown>>;
    };

/** What `onError` receives besides the error. */
export interface ErrorContext {
  /** The route (`callback`, `session`, …), `guard`, `getSession` or `adapter`. */
  readonly route: string;
  /**
   * The auth request the error ended, when there is one: the Web `Request` the handler was given,
   * or on the Node-family adapters one built from the Node request on first read (its body, if
   * already read, is not in it). Lets an app pair the error with its own per-request state.
   */
  readonly request?: Request;
  /** The reference id of the failure's log line (shown on its page), when it was logged. */
  readonly referenceId?: string;
  /** The provider the failure concerns, when there is one. */
  readonly provider?: string;
}

/** Lifecycle hooks. */
export interface AuthHooks {
  /** Runs after the provider response is validated and before the user is stored. */
  readonly onLogin?: (ctx: LoginContext) => LoginDecision | Promise<LoginDecision>;
  /**
   * Called with every error that ends an auth request, logged or not (the client's own mistakes
   * too), with the route and, for a logged failure, the reference id its answer shows. Logging
   * itself is the `logger` option's job.
   */
  readonly onError?: (error: unknown, ctx: ErrorContext) => void;
  /**
   * Audit events (sign-in, sign-out, link, unlink, refresh failure, back-channel logout, sessions
   * revoked; docs/app.md, "Audit events"), never with a token, code, cookie or secret. Called after
   * the answer, never awaited by a request: a throw or a rejection is reported to `onError` (route
   * `event-hook`) and the logger.
   */
  readonly onEvent?: (event: AuthEvent) => void | Promise<void>;
}

/** Session settings. */
export interface SessionOptions {
  /**
   * `server` (default): a random id in the cookie and the session in `store.sessions` (default: an
   * in-memory store), so logout and back-channel logout really revoke it. `cookie`: a stateless
   * encrypted cookie, for edge and serverless deployments with no store.
   */
  readonly strategy?: 'cookie' | 'server';
  /** Ends a session unused for this long. Default 7 days. */
  readonly idleTimeoutSeconds?: number;
  /** Ends every session this long after sign-in, used or not. Default 30 days. */
  readonly absoluteTimeoutSeconds?: number;
  /**
   * Server strategy: how long a cached session is trusted before the store is asked again, the
   * bound on how late another process's revocation is seen when the store cannot push it. Default 5.
   */
  readonly revalidateSeconds?: number;
  /** In-process cache of verified sessions, by exact cookie value. Default 10,000 entries. */
  readonly cacheMaxEntries?: number;
  /** `always` (default): the cookie outlives the browser (`Max-Age`). `ask`: it ends with the browser unless the login had `remember=1` (docs/app.md). */
  readonly remember?: 'always' | 'ask';
}

/** `createAuth` options. Never mutated. */
export interface AuthOptions {
  /** The absolute URL users see, e.g. `https://app.example.com` (https, or http on loopback). */
  readonly baseUrl: string;
  /** Where the auth routes live. Default `/auth`. */
  readonly basePath?: string;
  /** The secret that encrypts cookies and signs tokens (at least 32 characters). */
  readonly secret?: string;
  /** Several secrets for rotation, newest first: the first seals, every one opens. */
  readonly secrets?: readonly string[];
  /** The configured providers (`google({...})`, `oidc({...})`, …). */
  readonly providers: readonly ProviderConfig[];
  readonly session?: SessionOptions;
  /** Where users and server-side sessions are kept. Default: in-memory stores. */
  readonly store?: {
    readonly users?: UserStore;
    readonly sessions?: SessionStore;
    /**
     * Where every instance of the app remembers used `state` values, seen back-channel logout
     * `jti`s and (cookie strategy) revoked sessions. Default: `sessions.replay` when the session
     * store has one (Redis, SQL), else this process only.
     */
    readonly replay?: ReplayStore;
  };
  /** Honour `Forwarded` / `X-Forwarded-*` from a reverse proxy. Default false. */
  readonly trustProxy?: boolean;
  /**
   * The app's own sign-in page (a same-origin path such as `/signin`), where guards send browsers
   * with `?returnTo=…`. Default: the provider's login when there is one provider, else the built-in
   * chooser `GET /auth/login`.
   */
  readonly signInPage?: string;
  readonly hooks?: AuthHooks;
  /** Logout settings. */
  readonly logout?: {
    /** Also end the provider session (RP-initiated logout) on every logout. Default false. */
    readonly federated?: boolean;
    /** Where to land after logout. Default `/`. */
    readonly returnTo?: string;
  };
  /** The token vault: provider API calls with refresh that never races (see docs/tokens.md). */
  readonly tokens?: {
    /**
     * The refresh lock shared by every process of the app (`createRedisLock`, `createPostgresLock`
     * from `latchkey/vault`). Without one, refreshes are single-flight within this process only.
     */
    readonly lock?: DistributedLock;
    /** Refresh when the access token expires within this many seconds. Default 60. */
    readonly leewaySeconds?: number;
    /**
     * Reuse an access token read from the store for this many seconds in this process (no store
     * read on the hot path). A revocation in another process reaches this one within this time.
     * 0 turns it off. Default 5.
     */
    readonly cacheSeconds?: number;
    /** Revoke the provider tokens of the session's account at logout (RFC 7009). Default false. */
    readonly revokeOnLogout?: boolean;
    /** Called, and awaited, after the vault stored new tokens (apps that keep tokens themselves). */
    readonly onTokens?: (event: TokenEvent) => void | Promise<void>;
  };
  /** `POST /auth/token`: short-lived access tokens for single-page apps. */
  readonly accessToken?: {
    /** Lifetime. Default 300 seconds. */
    readonly expiresInSeconds?: number;
    /** Older name of `cors.origins` (merged into it): other origins (SPAs) allowed to call the auth routes with credentials. */
    readonly allowedOrigins?: readonly string[];
  };
  /**
   * Apps on another origin (docs/cross-origin.md): `origins` may call `GET /auth/session`,
   * `POST /auth/logout` and `POST /auth/token` with credentials (CORS), and a `returnTo` may name them.
   */
  readonly cors?: CorsOptions;
  /** Cookie attributes: `sameSite: 'none'` for an app origin on another site (cookies then `Secure`). */
  readonly cookies?: CookieOptions;
  /** At most this many login transactions live at once per browser (the oldest are dropped). Default 10. */
  readonly maxConcurrentLogins?: number;
  /** How long a login may take, provider screens included. Default 600 seconds. */
  readonly loginTimeoutSeconds?: number;
  /** The base name of Latchkey's cookies. Default `lk`. */
  readonly cookieName?: string;
  /** The clock, in epoch milliseconds (tests). Default `Date.now`. */
  readonly clock?: () => number;
  /**
   * Where failed sign-ins and other failures of the app or the provider are logged, one event each
   * with its code and reference id (see docs/app.md, "Errors and logging"): a function taking the
   * structured event, or `{ warn, error }` called with a one-line text and the event. Default: the
   * console, one line per failure.
   */
  readonly logger?: AuthLogger;
  /**
   * Development mode: error pages and JSON errors also show the developer detail (code, message,
   * hint). Default: true when `NODE_ENV` is `development`. Refused when `NODE_ENV` is `production`.
   */
  readonly development?: boolean;
  /** Rate limits of login start, callback and `POST /auth/token` per client address (docs/app.md, "Rate limits"). Default: none. */
  readonly rateLimits?: RateLimitOptions;
  /** The built-in pages: their languages, the app's own words, the app's own renderer for any page (docs/app.md, "Pages"). */
  readonly pages?: PageOptions;
}

/** The validated configuration, with defaults applied. Frozen. */
export interface ResolvedConfig {
  readonly baseUrl: string;
  readonly origin: string;
  readonly basePath: string;
  readonly secrets: readonly string[];
  readonly providers: ReadonlyMap<string, ProviderConfig>;
  /** The redirect URI to register at each provider, by provider id. */
  readonly redirectUris: Readonly<Record<string, string>>;
  /**
   * The providers' own callback paths (`callbackPath`), each as the part after `basePath/`
   * (`callback/google`), mapped to the provider id; the route table serves them as callbacks.
   */
  readonly callbackRoutes: ReadonlyMap<string, string>;
  readonly postLogoutRedirectUri: string;
  readonly strategy: 'cookie' | 'server';
  readonly idleTimeoutMs: number;
  readonly absoluteTimeoutMs: number;
  readonly revalidateMs: number;
  readonly cacheMaxEntries: number;
  /** `session.remember`. */
  readonly remember: 'always' | 'ask';
  readonly trustProxy: boolean;
  /** The app's own sign-in page, if it named one. */
  readonly signInPage: string | undefined;
  readonly federatedLogout: boolean;
  readonly logoutReturnTo: string;
  readonly accessTokenSeconds: number;
  /** The app origins allowed CORS with credentials and named by `returnTo` (`cors.origins` and `accessToken.allowedOrigins`). */
  readonly allowedOrigins: readonly string[];
  /** `Access-Control-Max-Age` of a preflight answer. */
  readonly corsMaxAgeSeconds: number;
  /** What `createAuth` warns about at start-up (an allowed origin on another site with `SameSite=Lax` cookies). */
  readonly warnings: readonly string[];
  readonly maxConcurrentLogins: number;
  readonly loginTimeoutMs: number;
  readonly cookies: CookieNames;
  readonly clock: () => number;
  /** Whether error answers show the developer detail (`development`, or `NODE_ENV=development`). */
  readonly development: boolean;
  /** The languages and renderers of the pages. */
  readonly pages: ResolvedPages;
}

/** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
const PROVIDER_ID = /^[a-z0-9][a-z0-9-]{0,31}$/;

/** The `session` options, checked: strategy, timeouts, revalidation, cache size, "remember me". */
function resolveSessionSettings(session: SessionOptions | undefined) {
  const strategy = session?.strategy ?? 'server';
  if (strategy !== 'cookie' && strategy !== 'server') fail(`\`session.strategy\` must be "cookie" or "server" (got "${String(strategy)}").`);
  const idle = positive('session.idleTimeoutSeconds', session?.idleTimeoutSeconds, 7 * 86400);
  const absolute = positive('session.absoluteTimeoutSeconds', session?.absoluteTimeoutSeconds, 30 * 86400);
  if (idle > absolute) fail('`session.idleTimeoutSeconds` must not exceed `session.absoluteTimeoutSeconds`.');
  const remember = session?.remember ?? 'always';
  if (remember !== 'always' && remember !== 'ask') fail(`\`session.remember\` must be "always" or "ask" (got "${String(remember).slice(0, 40)}").`);
  return {
    strategy,
    idleTimeoutMs: idle * 1000,
    absoluteTimeoutMs: absolute * 1000,
    revalidateMs: positive('session.revalidateSeconds', session?.revalidateSeconds, 5) * 1000,
    cacheMaxEntries: Math.max(1, Math.floor(session?.cacheMaxEntries ?? 10_000)),
    remember,
  } as const;
}

function fail(message: string): never {
  throw new ConfigurationError(message);
}

function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value <= 0) fail(`\`${name}\` must be a positive number of seconds (got ${String(value)}).`);
  return value;
}

/**
 * Validates options and applies defaults.
 *
 * @param options - the `createAuth` options.
 * @returns the frozen resolved configuration.
 * @throws ConfigurationError `CONFIG_INVALID` with a message that says what to change.
 */
export function resolveConfig(options: AuthOptions): ResolvedConfig {
  if (typeof options !== 'object' || options === null) fail('createAuth needs an options object: { baseUrl, secret, providers }.');
  let base: URL;
  try {
    base = new URL(options.baseUrl);
  } catch {
    fail('`baseUrl` must be the absolute URL users see, e.g. "https://app.example.com".');
  }
  if (base.protocol !== 'https:' && base.protocol !== 'http:') {
    // `localhost:3000` or `app.example.com:443` parse as a URL whose "scheme" is the host name.
    fail('`baseUrl` needs its scheme: write "https://app.example.com" (or "http://localhost:3000" in development).');
  }
  if (base.protocol !== 'https:' && !(base.protocol === 'http:' && isLoopbackHost(base.hostname))) {
    fail(
      `\`baseUrl\` ${base.origin} must use https (cookies are Secure and providers refuse http redirect URIs); plain http is allowed only on localhost/127.0.0.1.`,
    );
  }
  if (base.search || base.hash || base.username || base.password) fail('`baseUrl` must not contain a query, a fragment or credentials.');
  const baseUrl = `${base.origin}${base.pathname.replace(/\/+$/, '')}`;

  const basePath = options.basePath ?? '/auth';
  if (!/^\/[A-Za-z0-9._~\-/]*[A-Za-z0-9._~-]$/.test(basePath) || basePath.includes('//')) {
    fail(`\`basePath\` must be a path such as "/auth" without a trailing slash (got "${basePath}").`);
  }

  const secrets = options.secrets ?? (options.secret !== undefined ? [options.secret] : []);
  if (secrets.length === 0) fail('Set `secret` (or `secrets`, newest first): at least 32 random characters, e.g. from `openssl rand -base64 32`.');
  secrets.forEach((s, i) => {
    if (typeof s !== 'string' || s.length < MIN_SECRET_LENGTH) {
      fail(`Secret #${i + 1} is shorter than ${MIN_SECRET_LENGTH} characters; generate one with \`openssl rand -base64 32\`.`);
    }
  });
  if (new Set(secrets).size !== secrets.length) fail('`secrets` contains the same secret twice.');
  if (runsInProduction()) {
    secrets.forEach((s, i) => {
      if (isWeakSecret(s))
        fail(
          `Secret #${i + 1} looks guessable (too few different characters, or a placeholder word); in production use a random one from \`openssl rand -base64 32\` or \`npx latchkey secret\`.`,
        );
    });
  }

  if (!Array.isArray(options.providers) || options.providers.length === 0) {
    fail('`providers` is empty: add at least one, e.g. providers: [google({ clientId, clientSecret })].');
  }
  const providers = new Map<string, ProviderConfig>();
  const redirectUris: Record<string, string> = {};
  const callbackRoutes = new Map<string, string>();
  for (const p of options.providers) {
    if (!p || typeof p.id !== 'string' || !PROVIDER_ID.test(p.id)) {
      fail(`Provider id "${String(p?.id)}" is invalid: use lower-case letters, digits and dashes (it appears in the route ${basePath}/<id>/login).`);
    }
    if (providers.has(p.id)) fail(`Two providers have the id "${p.id}"; give each a distinct \`id\`.`);
    const callbackPath = p.callbackPath === undefined ? `${basePath}/${p.id}/callback` : checkCallbackPath(p.id, p.callbackPath, basePath, callbackRoutes);
    const redirectUri = `${baseUrl}${callbackPath}`;
    const where = p.docs?.consoleUrl ? ` at ${p.docs.consoleUrl}` : '';
    if (typeof p.clientId !== 'string' || p.clientId.trim() === '') {
      fail(`Provider "${p.id}": \`clientId\` is empty. Create an OAuth client${where} with the redirect URI ${redirectUri} and pass its client id.`);
    }
    if (typeof p.issuer !== 'string' || p.issuer === '') fail(`Provider "${p.id}": \`issuer\` is missing.`);
    if (typeof p.mapProfile !== 'function') fail(`Provider "${p.id}": \`mapProfile\` is missing; use a preset such as oidc({...}).`);
    if (!Array.isArray(p.scopes)) fail(`Provider "${p.id}": \`scopes\` must be an array.`);
    if (p.kind === 'oidc' && !p.scopes.includes('openid')) fail(`Provider "${p.id}" is OpenID Connect: \`scopes\` must include "openid".`);
    if (p.clientSecret === undefined && p.clientPrivateKey === undefined && p.tokenEndpointAuthMethod !== 'none') {
      fail(
        `Provider "${p.id}": set \`clientSecret\` (from the client registered${where} with redirect URI ${redirectUri}), or tokenEndpointAuthMethod: 'none' for a public client.`,
      );
    }
    // RFC 7518 §3.2: a client secret that keys HS* ID tokens must be at least the hash length.
    try {
      checkVerificationOptions({ clientSecret: p.clientSecret, idTokenSignedResponseAlg: p.idTokenSignedResponseAlg });
    } catch (error) {
      fail(`Provider "${p.id}": ${(error as Error).message}`);
    }
    // Where auth.fetch may send this provider's tokens: a mistyped origin fails at start-up.
    for (const o of p.apiOrigins ?? []) normalizeApiOrigin(o, `provider "${p.id}"`);
    // Where auth.api paths start: a malformed base fails at start-up too.
    if (p.apiBaseUrl !== undefined) parseApiBase(p.apiBaseUrl, p.id);
    if (
      p.optionalScopes !== undefined &&
      !(Array.isArray(p.optionalScopes) && p.optionalScopes.every((x: unknown) => typeof x === 'string' && SCOPE_TOKEN.test(x)))
    ) {
      fail(`Provider "${p.id}": \`optionalScopes\` must be an array of scope names (RFC 6749 §3.3: no spaces or quotes).`);
    }
    providers.set(p.id, p);
    redirectUris[p.id] = redirectUri;
  }

  const { allowedOrigins, corsMaxAgeSeconds } = resolveCors(options.cors, options.accessToken?.allowedOrigins, base.origin);
  const cookieAttributes = resolveCookieAttributes(options.cookies, base.protocol === 'https:');
  const warnings = crossSiteWarnings(base.origin, allowedOrigins, cookieAttributes.sameSite);

  const signInPage = options.signInPage;
  if (signInPage !== undefined && (!signInPage.startsWith('/') || signInPage.startsWith('//') || signInPage.includes('\\') || signInPage.includes('?'))) {
    fail('`signInPage` must be a same-origin path without a query, such as "/signin".');
  }

  // The same check as every returnTo: `/..//evil.example` starts with one slash but emits `//evil.example`.
  const logoutReturnTo = returnToOr(options.logout?.returnTo ?? '/', base.origin, '', allowedOrigins);
  if (logoutReturnTo === '') fail('`logout.returnTo` must be a same-origin path such as "/" (or a URL on an origin of `cors.origins`).');

  const max = options.maxConcurrentLogins ?? 10;
  if (!Number.isInteger(max) || max < 1 || max > 20) fail('`maxConcurrentLogins` must be an integer from 1 to 20.');
  const cookieBase = options.cookieName ?? 'lk';
  if (options.development !== undefined && typeof options.development !== 'boolean') fail('`development` must be true or false.');
  // Developer detail on error pages is for development machines: never in production.
  if (options.development === true && runsInProduction())
    fail('`development: true` shows developer detail on error pages, but NODE_ENV is production: remove it.');
  const logger = options.logger;
  if (logger !== undefined && typeof logger !== 'function' && (typeof logger?.warn !== 'function' || typeof logger?.error !== 'function')) {
    fail('`logger` must be a function taking an event, or an object with `warn` and `error` methods (such as `console`).');
  }
  if (!/^[A-Za-z0-9_-]{1,32}$/.test(cookieBase)) fail('`cookieName` may contain only letters, digits, "_" and "-".');

  return Object.freeze({
    baseUrl,
    origin: base.origin,
    basePath,
    secrets: Object.freeze([...secrets]),
    providers,
    redirectUris: Object.freeze(redirectUris),
    callbackRoutes,
    postLogoutRedirectUri: `${baseUrl}${basePath}/logout/callback`,
    ...resolveSessionSettings(options.session),
    trustProxy: options.trustProxy === true,
    signInPage,
    federatedLogout: options.logout?.federated === true,
    logoutReturnTo,
    accessTokenSeconds: positive('accessToken.expiresInSeconds', options.accessToken?.expiresInSeconds, 300),
    allowedOrigins,
    corsMaxAgeSeconds,
    warnings: Object.freeze(warnings),
    maxConcurrentLogins: max,
    loginTimeoutMs: positive('loginTimeoutSeconds', options.loginTimeoutSeconds, 600) * 1000,
    cookies: cookieNames(cookieAttributes.secure, cookieBase, cookieAttributes.sameSite),
    clock: options.clock ?? Date.now,
    development: options.development ?? nodeEnvIs('development'),
    pages: resolvePages(options.pages),
  });
}

/** Path characters allowed in `basePath` and `callbackPath` (RFC 3986 §3.3 unreserved, and `/`). */
const PATH_CHARS = /^\/[A-Za-z0-9._~\-/]*[A-Za-z0-9._~-]$/;

/**
 * Checks a provider's `callbackPath` and records it in `callbackRoutes`: a path under `basePath`
 * (the adapters hand Latchkey only those), with no query or fragment (RFC 6749 §3.1.2: the
 * redirection URI must not include a fragment; the provider appends the response as the query),
 * no `.`/`..` segment, not the path of another auth route, and not another provider's.
 *
 * @returns the path.
 */
function checkCallbackPath(id: string, path: unknown, basePath: string, callbackRoutes: Map<string, string>): string {
  const what = `Provider "${id}": \`callbackPath\``;
  const example = `"${basePath}/callback/${id}"`;
  if (typeof path !== 'string' || !path.startsWith('/')) fail(`${what} must be a path starting with "/", such as ${example}.`);
  if (path.includes('?') || path.includes('#'))
    fail(`${what} "${path.slice(0, 100)}" must not contain a query or a fragment (providers append the response as the query).`);
  if (!PATH_CHARS.test(path) || path.includes('//') || /\/\.\.?(\/|$)/.test(path)) {
    fail(
      `${what} "${path.slice(0, 100)}" must be a plain path (letters, digits, "-", ".", "_", "~" and "/"; no "//", "." or ".." segment, no trailing slash), such as ${example}.`,
    );
  }
  if (!path.startsWith(`${basePath}/`))
    fail(`${what} "${path}" must be under \`basePath\` "${basePath}" (the adapters hand Latchkey only those paths), such as ${example}.`);
  const existing = findRoute(basePath, path);
  if (existing && !(existing.name === 'callback' && existing.providerId === id)) {
    fail(
      `${what} "${path}" is the path of the auth route "${existing.name}"${existing.providerId ? ` of "${existing.providerId}"` : ''}; choose another, such as ${example}.`,
    );
  }
  const rest = path.slice(basePath.length + 1);
  const other = callbackRoutes.get(rest);
  if (other !== undefined) fail(`${what} "${path}" is also the callback path of provider "${other}": give each provider its own.`);
  callbackRoutes.set(rest, id);
  return path;
}

/** Whether the process says production (`NODE_ENV=production`); false where there is no `process`. */
function runsInProduction(): boolean {
  return nodeEnvIs('production');
}

/** Whether `NODE_ENV` (trimmed, any case) is `value`; false where there is no `process`. */
function nodeEnvIs(value: string): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.NODE_ENV?.trim().toLowerCase() === value;
}
