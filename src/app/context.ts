/**
 * The one context object of an `Auth`: the validated configuration, the keyring, the stores, the
 * session strategy and manager, the Bearer token sessions, the login transactions, the provider
 * clients, the token vault, error reporting, the CSRF helpers and the back-channel `jti` replay
 * memory. `createAuth` builds it once with {@link createAuthContext}; every route module in
 * `routes/` receives it as its first argument, so a test can build one and call a route alone.
 *
 * @module
 */
import { OidcClient } from '../core/client.js';
import { LatchkeyError } from '../errors.js';
import { BoundedMap } from '../internal/bounded-map.js';
import { base64url, sha256, timingSafeEqual } from '../internal/encoding.js';
import type { ProviderConfig } from '../providers/types.js';
import { MemorySessionStore, MemoryUserStore } from '../storage/memory.js';
import { createTokenCipher } from '../storage/token-cipher.js';
import type { ReplayStore, UserStore } from '../storage/types.js';
import { createTokenVault, type TokenVault } from '../vault/vault.js';
import { type AuthHooks, type AuthOptions, type ErrorContext, type ResolvedConfig, resolveConfig } from './config.js';
import { errorEvent, isLoggedFailure, logErrorEvent, newReferenceId } from './error-log.js';
import { createEventEmitter, type EmitEvent } from './events.js';
import type { AuthRequest } from './http-shapes.js';
import { providerContext } from './provider-context.js';
import { createRateLimiter, type RateLimiter } from './rate-limit.js';
import { Keyring } from './seal.js';
import { authenticateRequest, BearerSessions } from './sessions/bearer.js';
import { CookieSessionStrategy } from './sessions/cookie.js';
import { SessionManager } from './sessions/manager.js';
import { ServerSessionStrategy } from './sessions/server.js';
import type { RevokeSelector, Session, SessionStrategy } from './sessions/types.js';
import { Transactions } from './transactions.js';

/** Most sessions whose CSRF token is kept (a 43-character token per entry: about 1 MB at capacity). */
const CSRF_CACHE_ENTRIES = 10_000;

/** Everything the routes, the edge and the `Auth` members share; built once, frozen. */
export interface AuthContext {
  /** The validated configuration (frozen). */
  readonly config: ResolvedConfig;
  /** The app's hooks (`onLogin`, `onError`). */
  readonly hooks: AuthHooks;
  readonly clock: () => number;
  /** The keys of every purpose (derived once, on first use; retried after a failure). */
  keyring(): Promise<Keyring>;
  /** The user store in use. */
  readonly users: UserStore;
  readonly strategy: SessionStrategy;
  /** Cookie sessions, with the verified-session cache. */
  readonly sessions: SessionManager;
  /** Sessions presented as Bearer access tokens, with their cache. */
  readonly bearer: BearerSessions;
  /** One cookie per login. */
  readonly transactions: Transactions;
  /** The token vault. */
  readonly vault: TokenVault;
  /** Whether logout also revokes the provider grant (`tokens.revokeOnLogout`). */
  readonly revokeOnLogout: boolean;
  /** The path prefix of the auth routes as the app sees it, e.g. `/auth`. */
  readonly routePrefix: string;
  /** Where the guard sends a browser: the app's page, the one provider's login, or the chooser. */
  readonly loginPath: string;
  /** The `realm` of `WWW-Authenticate` (the host of `baseUrl`). */
  readonly realm: string;
  /** The `aud` of the access tokens of `POST /auth/token`. */
  readonly audience: string;
  /**
   * The configured provider with this id.
   *
   * @throws LatchkeyError `PROVIDER_UNKNOWN`.
   */
  provider(id: string): ProviderConfig;
  /** The protocol client of a provider, created on first use (discovery), retried after a failure. */
  client(provider: ProviderConfig): Promise<OidcClient>;
  /** The session of raw `Cookie` and `Authorization` headers (cookie first, then Bearer). */
  authenticate(cookieHeader: string | null | undefined, authorizationHeader?: string | null): Session | null | Promise<Session | null>;
  /** Ends the sessions a selector names, and forgets their Bearer tokens; returns their ids. */
  revoke(selector: RevokeSelector): Promise<readonly string[]>;
  /**
   * The CSRF token of a session (HMAC of its id), computed once per session and then answered
   * synchronously from a bounded cache.
   */
  csrfToken(session: Session): string | Promise<string>;
  /** Whether a presented CSRF token is the session's (any key of the ring, constant time). */
  checkCsrf(session: Session, presented: string | null): Promise<boolean>;
  /** The back-channel logout replay memory: true when this `jti` was seen before (then records it). */
  jtiSeen(jti: string, expSeconds: number): boolean | Promise<boolean>;
  /**
   * Reports an error: to `hooks.onError` always (with the request, if given), and to the logger
   * when it is a logged failure (`isLoggedFailure`), once, with a fresh reference id. Never throws.
   *
   * @returns the reference id of the log line, or undefined when the failure is not logged.
   */
  report(error: unknown, route: string, provider?: string, request?: AuthRequest): string | undefined;
  /** The rate limits of login, callback and token (`rateLimits`); undefined when none is set. */
  readonly rateLimiter: RateLimiter | undefined;
  /** Emits an audit event to `hooks.onEvent` (a no-op without it); returns at once, never throws. */
  readonly emit: EmitEvent;
  /** Revokes an account's tokens at the provider; failures are reported (onError), never thrown. */
  revokeProviderTokens(userId: string, providerId: string, route: string, accountId?: string): Promise<void>;
}

/**
 * Builds the context of an `Auth`. Validates the whole configuration now, so a mistake fails at start-up.
 *
 * @param options - providers, secret(s), base URL and settings; never mutated.
 * @returns the frozen context.
 * @throws ConfigurationError `CONFIG_INVALID` with what to change.
 */
export function createAuthContext(options: AuthOptions): AuthContext {
  const config = resolveConfig(options);
  // Start-up warnings (a cross-site app origin with SameSite=Lax cookies): once, at createAuth.
  for (const warning of config.warnings) console.warn(`[latchkey] ${warning}`);
  const hooks = options.hooks ?? {};
  const clock = config.clock;
  let keyringPromise: Promise<Keyring> | undefined;
  const keyring = (): Promise<Keyring> => (keyringPromise ??= Keyring.create(config.secrets));
  // Derive keys now (off the request path); a failure surfaces on first use.
  keyring().catch(() => {
    keyringPromise = undefined;
  });

  const users: UserStore = options.store?.users ?? new MemoryUserStore();
  // What every instance must remember (used states, logout jtis, cookie revocations): the store's.
  const replay = options.store?.replay ?? options.store?.sessions?.replay;
  const strategy = createStrategy(options, config, keyring, replay);
  const sessions = new SessionManager(strategy, {
    cookieName: config.cookies.session,
    secure: config.cookies.secure,
    sameSite: config.cookies.sameSite,
    maxEntries: config.cacheMaxEntries,
    // Cookie strategy: a verified cookie needs no second look unless another instance may revoke it.
    revalidateMs: config.strategy === 'cookie' && replay === undefined ? Number.POSITIVE_INFINITY : config.revalidateMs,
    absoluteTimeoutMs: config.absoluteTimeoutMs,
    idleTimeoutMs: config.idleTimeoutMs,
    backgroundTouch: config.strategy === 'server',
    clock,
  });
  const transactions = new Transactions({
    keyring,
    prefix: config.cookies.transactionPrefix,
    secure: config.cookies.secure,
    sameSite: config.cookies.sameSite,
    max: config.maxConcurrentLogins,
    maxAgeMs: config.loginTimeoutMs,
    clock,
  });

  const routePrefix = `${new URL(config.baseUrl).pathname.replace(/\/$/, '')}${config.basePath}`;
  const firstProvider = config.providers.keys().next().value as string;
  // Where the guard sends a browser: the app's page, the one provider's login, or the page that lists them all.
  const loginPath = config.signInPage ?? (config.providers.size === 1 ? `${routePrefix}/${firstProvider}/login` : `${routePrefix}/login`);
  const realm = new URL(config.baseUrl).host;
  const audience = `${config.baseUrl}${config.basePath}`;
  const bearer = new BearerSessions({ keyring, strategy, sessions, issuer: config.baseUrl, audience, maxEntries: config.cacheMaxEntries, clock });

  // ── provider clients, created on first use (discovery), retried after a failure ────────────────
  const clients = new Map<string, Promise<OidcClient>>();
  function client(provider: ProviderConfig): Promise<OidcClient> {
    let c = clients.get(provider.id);
    if (!c) {
      c = createClient(provider, config, replay);
      c.catch(() => clients.delete(provider.id));
      clients.set(provider.id, c);
    }
    return c;
  }

  function provider(id: string): ProviderConfig {
    const p = config.providers.get(id);
    if (!p) throw new LatchkeyError('PROVIDER_UNKNOWN', `No provider "${id.slice(0, 40)}" is configured.`);
    return p;
  }

  function report(error: unknown, route: string, provider?: string, request?: AuthRequest): string | undefined {
    const referenceId = isLoggedFailure(error, route) ? newReferenceId() : undefined;
    if (referenceId !== undefined) {
      try {
        logErrorEvent(options.logger, errorEvent(error, { route, provider, referenceId }));
      } catch {
        // A failing logger must not change the answer.
      }
    }
    try {
      hooks.onError?.(error, errorContext(route, referenceId, provider || undefined, request));
    } catch {
      // Nor a failing hook.
    }
    return referenceId;
  }

  // The hook's own failure is the app's: reported without the request.
  const emit = createEventEmitter({ hook: hooks.onEvent, clock, trustProxy: config.trustProxy, origin: config.origin, report: (e) => report(e, 'event-hook') });

  const vault = createVault(options, config, users, (providerId) => client(provider(providerId)), routePrefix, emit);

  // The CSRF token of a session is an HMAC of its id with the current key: the same for the life of
  // the session, so it is computed once (an async HMAC per `GET /auth/session` poll otherwise).
  // Insertion order, bounded: a flood of sessions evicts the oldest entries, which are recomputed.
  const csrfTokens = new BoundedMap<string, string>({ maxEntries: CSRF_CACHE_ENTRIES });

  async function revokeProviderTokens(userId: string, providerId: string, route: string, accountId?: string): Promise<void> {
    const result = await vault.revoke(userId, providerId, { accountId }).catch((error: unknown) => ({ revoked: false, error }));
    if (!result.revoked && result.error !== undefined) report(result.error, route);
  }

  return Object.freeze({
    config,
    hooks,
    clock,
    keyring,
    users,
    strategy,
    sessions,
    bearer,
    transactions,
    vault,
    revokeOnLogout: options.tokens?.revokeOnLogout === true,
    routePrefix,
    loginPath,
    realm,
    audience,
    provider,
    client,
    authenticate: (cookieHeader: string | null | undefined, authorizationHeader?: string | null) =>
      authenticateRequest(sessions, bearer, cookieHeader, authorizationHeader),
    async revoke(selector: RevokeSelector): Promise<readonly string[]> {
      const ids = await sessions.revoke(selector);
      bearer.purge(selector);
      return ids;
    },
    csrfToken(session: Session): string | Promise<string> {
      const cached = csrfTokens.get(session.id);
      if (cached !== undefined) return cached;
      return keyring()
        .then((ring) => ring.mac(`csrf/${session.id}`))
        .then((token) => {
          csrfTokens.set(session.id, token);
          return token;
        });
    },
    async checkCsrf(session: Session, presented: string | null): Promise<boolean> {
      if (!presented) return false;
      for (const m of await (await keyring()).macs(`csrf/${session.id}`)) if (timingSafeEqual(m, presented)) return true;
      return false;
    },
    jtiSeen: createJtiMemory(clock, replay),
    report,
    rateLimiter: createRateLimiter(options.rateLimits, replay, clock, config.trustProxy),
    emit,
    revokeProviderTokens,
  });
}

/** The token vault of the configuration; a failed refresh becomes the `refresh-failure` event. */
function createVault(
  options: AuthOptions,
  config: ResolvedConfig,
  users: UserStore,
  clientFor: (providerId: string) => Promise<OidcClient>,
  routePrefix: string,
  emit: EmitEvent,
): TokenVault {
  return createTokenVault({
    users,
    clientFor,
    // auth.fetch sends a provider's token only to its API origins (declared by the preset, extended by the app).
    apiOrigins: (providerId: string) => config.providers.get(providerId)?.apiOrigins,
    // auth.api paths are relative to the provider's API base (its preset's, else its issuer).
    apiBaseUrl: (providerId: string) => config.providers.get(providerId)?.apiBaseUrl,
    // INSUFFICIENT_SCOPE errors carry the login URL asking for exactly the missing scopes.
    loginBasePath: routePrefix,
    ...(options.tokens?.lock !== undefined ? { lock: options.tokens.lock } : {}),
    ...(options.tokens?.leewaySeconds !== undefined ? { leewaySeconds: options.tokens.leewaySeconds } : {}),
    ...(options.tokens?.cacheSeconds !== undefined ? { cacheSeconds: options.tokens.cacheSeconds } : {}),
    ...(options.tokens?.onTokens !== undefined ? { onTokens: options.tokens.onTokens } : {}),
    onRefreshFailure: ({ userId, providerId, accountId, error }) => {
      const code = error instanceof LatchkeyError ? error.code : 'TOKEN_REFRESH_FAILED';
      emit({ type: 'refresh-failure', userId, providerId, accountId, code, reauthRequired: code === 'REAUTH_REQUIRED' });
    },
    clock: config.clock,
  });
}

/** The `onError` context of a request: its Web `Request` built only if the hook reads it. */
function errorContext(route: string, referenceId: string | undefined, provider: string | undefined, request: AuthRequest | undefined): ErrorContext {
  const where = { route, ...(referenceId !== undefined ? { referenceId } : {}), ...(provider !== undefined ? { provider } : {}) };
  if (request === undefined) return where;
  let web: Request | undefined;
  return {
    ...where,
    get request() {
      try {
        web ??= request.toWeb();
      } catch {
        // A method a Web `Request` cannot carry (TRACE): no request then.
      }
      return web;
    },
  };
}

/** The session strategy the configuration names: sealed cookies, or a server-side store. */
function createStrategy(options: AuthOptions, config: ResolvedConfig, keyring: () => Promise<Keyring>, replay: ReplayStore | undefined): SessionStrategy {
  if (config.strategy === 'cookie') {
    return new CookieSessionStrategy({
      keyring,
      cookieName: config.cookies.session,
      idleTimeoutMs: config.idleTimeoutMs,
      absoluteTimeoutMs: config.absoluteTimeoutMs,
      shared: replay,
    });
  }
  return new ServerSessionStrategy({
    store: options.store?.sessions ?? new MemorySessionStore(),
    // The ID token is encrypted at rest like provider tokens: same derivation, same rotation.
    idTokenCipher: createTokenCipher({ secrets: config.secrets }),
    idleTimeoutMs: config.idleTimeoutMs,
    absoluteTimeoutMs: config.absoluteTimeoutMs,
  });
}

/** The protocol client of a provider, as configured (discovery runs now). */
function createClient(provider: ProviderConfig, config: ResolvedConfig, replay: ReplayStore | undefined): Promise<OidcClient> {
  const sharedStates = replay && { remember: (key: string, expiresAt: number) => replay.remember('state', key, expiresAt) };
  return OidcClient.fromContext(providerContext(provider, config, sharedStates));
}

/** The `jti` replay memory of back-channel logout tokens (Back-Channel Logout 1.0 §2.6 step 9). */
function createJtiMemory(clock: () => number, replay: ReplayStore | undefined): (jti: string, expSeconds: number) => boolean | Promise<boolean> {
  // Kept a minute past the token's expiry (which the validation checks anyway), 50,000 at most.
  const seenJti = new BoundedMap<string, number>({ maxEntries: 50_000, expiresAt: (exp) => exp, clock });
  return function jtiSeen(jti: string, expSeconds: number): boolean | Promise<boolean> {
    if (seenJti.has(jti)) return true;
    const until = expSeconds * 1000 + 60_000;
    seenJti.set(jti, until);
    if (replay === undefined) return false;
    // Every instance: a token replayed to another one is refused there too.
    return sha256(`latchkey-jti ${jti}`).then(async (hash) => !(await replay.remember('logout-jti', base64url(hash), until)));
  };
}
