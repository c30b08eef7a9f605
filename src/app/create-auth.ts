/**
 * `createAuth`: configure providers once, mount one Web-standard `Request -> Response` handler, and
 * protect routes with `requireUser` / `optionalUser` / `getSession`.
 *
 * Routes (under `basePath`, default `/auth`), one module each in `routes/`, dispatched by
 * `router.ts` over the route table of `edge.ts`:
 * - `GET  /auth/:provider/login?returnTo=/path` → 302 to the provider (one transaction cookie per login).
 * - `GET|POST /auth/:provider/callback` (or the provider's `callbackPath`) → session cookie set, 302 to `returnTo`.
 * - `GET  /auth/logout` → a sign-out confirmation page whose form posts to `POST /auth/logout`.
 * - `POST /auth/logout[?federated=1]` (same-origin + CSRF token) → session ended; RP-initiated
 *   logout at the provider when federated, which returns to `GET /auth/logout/callback`.
 * - `GET  /auth/session` → 200 `{ user, expiresAt, csrfToken, data }` or 401 `{ error: "unauthenticated" }`.
 * - `POST /auth/token` → a short-lived access token (JWT) for a single-page app, from the session.
 * - `POST /auth/:provider/backchannel-logout` → ends the sessions a valid logout token names.
 *
 * This file only assembles: the shared state is the {@link AuthContext} of `context.ts`.
 *
 * @module
 */
import type { OidcClient } from '../core/client.js';
import { SessionError } from '../errors.js';
import type { UserStore } from '../storage/types.js';
import type { ProviderApi, ProviderApiOptions, VaultAccessToken, VaultAccountChoice, VaultFetchInit, VaultRevokeResult } from '../vault/vault.js';
import { unlinkAccount } from './accounts.js';
import type { AuthOptions, ResolvedConfig } from './config.js';
import { type AuthContext, createAuthContext } from './context.js';
import { type AuthDescription, describeAuth } from './describe.js';
import { type SessionView, sessionViewsOf } from './devices.js';
import type { AuthEdge } from './edge.js';
import { renderOptions } from './failures.js';
import { type GuardRequest, type LatchkeyState, type PlainResponse, SIGNED_OUT, toResponse, unauthenticatedResponse } from './guards.js';
import { misplacedGuard, probeIfDue } from './mount-check.js';
import { reauthAnswer } from './reauth-answer.js';
import { AUTH_HEADERS, describeError } from './responses.js';
import { createAuthEdge, handleRequest } from './router.js';
import type { Session, SessionUser } from './sessions/types.js';

/** The object `createAuth` returns. */
export interface Auth {
  /** The Web-standard handler of every auth route; mount it at `basePath`. Never rejects. */
  handler(request: Request): Promise<Response>;
  /**
   * The HTTP edge, for adapters that see the native request before a Web `Request` exists: the
   * route and method table (405 with `Allow`), the body budget (413) and the last-resort 500.
   */
  readonly edge: AuthEdge;
  /**
   * The session of a request (session cookie, or `Authorization: Bearer` with a token from
   * `POST /auth/token`), or null. Never throws for bad input.
   */
  getSession(request: Request): Promise<Session | null>;
  /** The signed-in user, or a `Response` to send (302 to the login route, or 401 JSON for API calls). */
  requireUser(request: Request): Promise<SessionUser | Response>;
  /** The signed-in user or null; never throws. */
  optionalUser(request: Request): Promise<SessionUser | null>;
  /**
   * The hot path for adapters: the session for the raw `Cookie` and `Authorization` headers,
   * synchronously when the verified-session cache knows the cookie, otherwise a promise. A cookie
   * that names no live session falls back to the Bearer token; every use keeps a server session
   * alive (its idle expiry moves, one store write a minute at most).
   */
  authenticate(cookieHeader: string | null | undefined, authorizationHeader?: string | null | undefined): Session | null | Promise<Session | null>;
  /**
   * What to answer a guarded request that has no user (302 for browsers, 401 for API calls). With
   * `error` (the session lookup failed), a server-side failure such as `STORAGE_UNAVAILABLE` is
   * answered with its own status (503): the guard fails closed without sending users to log in.
   */
  unauthenticated(request: GuardRequest, error?: unknown): PlainResponse;
  /**
   * What a guard answers a request without a user: {@link Auth.unauthenticated}, except that a
   * guard never redirects from an auth route (`GUARD_ON_AUTH_ROUTE`, 404: it runs in front of the
   * routes) and, in development, checks once that the login route it would redirect to is mounted
   * (`AUTH_ROUTES_NOT_MOUNTED`, 404, with what to mount). Synchronous except while that check runs.
   */
  guardAnswer(request: GuardRequest, error?: unknown): PlainResponse | Promise<PlainResponse>;
  /** The CSRF token for `POST /auth/logout` of a session (also in `GET /auth/session`). */
  csrfToken(session: Session): Promise<string>;
  /**
   * The request state the adapters' guards record ({@link LatchkeyState}): the user, the session
   * and its CSRF token; synchronous once the token of the session is cached.
   */
  requestState(session: Session | null): LatchkeyState | Promise<LatchkeyState>;
  /** Session administration. */
  readonly sessions: {
    /** "Log out everywhere": ends every session of a user; returns how many were ended (when known). */
    revokeUser(userId: string): Promise<number>;
    /** Ends one session. */
    revoke(session: Session): Promise<void>;
    /**
     * The signed-in user's sessions (devices), as `GET /auth/sessions` answers them, for a page
     * the app renders itself: an opaque handle (what `POST /auth/sessions/revoke` takes), a label,
     * the provider, when created and last seen; `current` for `session`.
     *
     * @throws SessionError `SESSIONS_UNSUPPORTED` (cookie strategy, or a store without `listByUser`); StorageError.
     */
    list(session: Session): Promise<SessionView[]>;
  };
  /**
   * The protocol client of a provider, shared with the routes (one discovery and JWKS cache, one
   * DPoP key): for the token vault (`createTokenVault({ clientFor: (id) => auth.client(id) })`) and
   * provider API calls.
   *
   * @throws LatchkeyError `PROVIDER_UNKNOWN`; transport errors from discovery.
   */
  client(providerId: string): Promise<OidcClient>;
  /**
   * The token vault: a valid provider access token for a signed-in user's linked account, refreshed
   * single-flight (across processes with `tokens.lock`) when it is about to expire.
   */
  readonly tokens: {
    /** A valid access token; `REAUTH_REQUIRED` when the user must sign in again (see `reauthRedirect`). */
    get(userId: string, providerId: string, options?: VaultAccountChoice): Promise<VaultAccessToken>;
    /** Revokes the account's tokens at the provider and clears them locally. */
    revoke(userId: string, providerId: string, options?: VaultAccountChoice): Promise<VaultRevokeResult>;
  };
  /**
   * Calls a provider API for a user with the vault's access token (Bearer or DPoP); on a 401
   * `invalid_token` refreshes once and retries once. The token goes only to the provider's API
   * origins (its preset's, its issuer's and userinfo's, and the provider's `apiOrigins`).
   *
   * @throws TokenError `API_ORIGIN_REFUSED` for any other URL, before any request is made.
   */
  fetch(userId: string, providerId: string, url: string | URL, init?: VaultFetchInit): Promise<Response>;
  /**
   * A provider's API for a user, by path relative to the provider's API base URL (its preset's
   * `apiBaseUrl`, else its issuer): `await auth.api(user, 'google').get('/oauth2/v3/userinfo')`.
   * Token, refresh and the one retry on `401 invalid_token` as {@link Auth.fetch}; a path that would
   * leave the base is refused with `API_PATH_REFUSED` before anything is sent.
   *
   * @param user - the signed-in user (or its id).
   * @throws SessionError `UNAUTHENTICATED` when `user` is not a user or a user id.
   */
  api(user: string | { readonly id: string }, providerId: string, options?: ProviderApiOptions): ProviderApi;
  /**
   * What to answer a request whose handler failed with `error`: for `REAUTH_REQUIRED` of a
   * configured provider, a 302 to its login route (with the error's `scopes` and the page as
   * `returnTo`) for browsers, or a 401 JSON body `{ code: 'REAUTH_REQUIRED', provider, scopes,
   * loginUrl }` for API clients (the guards' rule); undefined for any other error. The adapters'
   * reauth handlers call it.
   */
  reauthResponse(error: unknown, request: GuardRequest | Request): PlainResponse | undefined;
  /**
   * Unlinks a provider account from a user: revokes its tokens at the provider (best effort), then
   * removes the link. Never removes the last way to sign in (`LAST_LOGIN_METHOD`); an account
   * that is not the user's is `ACCOUNT_NOT_FOUND` (404). `POST /auth/:provider/unlink` takes the
   * same path.
   */
  unlink(userId: string, accountId: string): Promise<void>;
  /** The user store in use. */
  readonly users: UserStore;
  /** The validated configuration (frozen). */
  readonly config: ResolvedConfig;
  /** The path prefix of the auth routes as the app sees it, e.g. `/auth`. */
  readonly routePrefix: string;
  /**
   * What `latchkey doctor --config` checks: providers, issuers, the redirect URIs to register and
   * the production-relevant settings; never a secret or a token. Non-enumerable (a spread
   * `{ ...auth }` does not copy it).
   */
  describe(): AuthDescription;
}

/**
 * Creates the auth runtime. Validates the whole configuration now, so a mistake fails at start-up.
 *
 * @param options - providers, secret(s), base URL and settings; never mutated.
 * @returns the handler, the guards and session helpers.
 * @throws ConfigurationError `CONFIG_INVALID` with what to change (e.g. the redirect URI to register).
 * @example
 * const auth = createAuth({ baseUrl: 'https://app.example.com', secret: process.env.AUTH_SECRET!, providers: [google({})] });
 * // every route: auth.handler(request); a guarded route: const user = await auth.requireUser(request);
 * @see [OpenID Connect Core 1.0, section 3.1](https://openid.net/specs/openid-connect-core-1_0.html#CodeFlowAuth)
 */
export function createAuth(options: AuthOptions): Auth {
  const ctx = createAuthContext(options);
  const { config, users, vault } = ctx;
  const authenticate = ctx.authenticate;

  async function getSession(request: Request): Promise<Session | null> {
    try {
      return await authenticate(request.headers.get('cookie'), request.headers.get('authorization'));
    } catch (error) {
      ctx.report(error, 'getSession');
      return null;
    }
  }

  const handler = (request: Request): Promise<Response> => handleRequest(ctx, request);
  const reauthSite = { routePrefix: ctx.routePrefix, origin: config.origin, realm: ctx.realm, hasProvider: (id: string) => config.providers.has(id) };
  const auth = {
    handler,
    edge: createAuthEdge(ctx, handler),
    getSession,
    tokens: Object.freeze({
      get: (userId: string, providerId: string, choice?: VaultAccountChoice) => vault.get(userId, providerId, { accountId: choice?.accountId }),
      revoke: vault.revoke,
    }),
    fetch: vault.fetch,
    api(user: string | { readonly id: string }, providerId: string, apiOptions?: ProviderApiOptions): ProviderApi {
      const userId = typeof user === 'string' ? user : (user as { id?: unknown } | null)?.id;
      if (typeof userId !== 'string' || userId === '') throw new SessionError('UNAUTHENTICATED', '`auth.api` needs the signed-in user (or its id).');
      return vault.api(userId, providerId, apiOptions);
    },
    reauthResponse: (error: unknown, request: GuardRequest | Request): PlainResponse | undefined =>
      reauthAnswer(reauthSite, error, request instanceof Request ? guardFacts(request) : request),
    async unlink(userId: string, accountId: string): Promise<void> {
      await unlinkAccount(ctx, userId, accountId);
    },
    async requireUser(request: Request): Promise<SessionUser | Response> {
      let s: Session | null;
      try {
        s = await authenticate(request.headers.get('cookie'), request.headers.get('authorization'));
      } catch (error) {
        return toResponse(await guardAnswer(ctx, guardFacts(request), error));
      }
      return s ? s.user : toResponse(await guardAnswer(ctx, guardFacts(request)));
    },
    async optionalUser(request: Request): Promise<SessionUser | null> {
      return (await getSession(request))?.user ?? null;
    },
    authenticate,
    unauthenticated: (r: GuardRequest, error?: unknown): PlainResponse => unauthenticated(ctx, r, error),
    guardAnswer: (r: GuardRequest, error?: unknown): PlainResponse | Promise<PlainResponse> => guardAnswer(ctx, r, error),
    csrfToken: async (session: Session): Promise<string> => ctx.csrfToken(session),
    requestState(session: Session | null): LatchkeyState | Promise<LatchkeyState> {
      if (session === null) return SIGNED_OUT;
      const csrf = ctx.csrfToken(session);
      return typeof csrf === 'string'
        ? { user: session.user, session, csrfToken: csrf }
        : csrf.then((csrfToken) => ({ user: session.user, session, csrfToken }));
    },
    client: async (providerId: string): Promise<OidcClient> => ctx.client(ctx.provider(providerId)),
    sessions: Object.freeze({
      async revokeUser(userId: string): Promise<number> {
        return (await ctx.revoke({ userId })).length;
      },
      async revoke(session: Session): Promise<void> {
        await ctx.sessions.destroy(session);
        ctx.bearer.drop([session.id]);
      },
      list: (session: Session): Promise<SessionView[]> => sessionViewsOf(ctx, session),
    }),
    users,
    config,
    routePrefix: ctx.routePrefix,
  };
  const description = describeAuth(options, config, ctx.routePrefix);
  Object.defineProperty(auth, 'describe', { value: (): AuthDescription => description, enumerable: false });
  return Object.freeze(auth as typeof auth & Pick<Auth, 'describe'>);
}

/** What a guard needs of a Web `Request`. */
function guardFacts(request: Request): GuardRequest {
  let pathAndQuery = '/';
  try {
    const u = new URL(request.url);
    pathAndQuery = `${u.pathname}${u.search}`;
  } catch {
    // keep "/"
  }
  return {
    pathAndQuery,
    accept: request.headers.get('accept'),
    authorization: request.headers.get('authorization'),
    xRequestedWith: request.headers.get('x-requested-with'),
    secFetchMode: request.headers.get('sec-fetch-mode'),
  };
}

/** The answer to a guarded request without a user; a server-side lookup failure keeps its own status. */
function unauthenticated(ctx: AuthContext, r: GuardRequest, error?: unknown): PlainResponse {
  if (error !== undefined) {
    const { status, body } = describeError(error, renderOptions(ctx, 'guard', ctx.report(error, 'guard')));
    if (status >= 500) return { status, headers: { ...AUTH_HEADERS, 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(body) };
  }
  return misplacedGuard(ctx, r) ?? unauthenticatedResponse(r, ctx.loginPath, ctx.config.origin, ctx.realm);
}

/** {@link unauthenticated}, after the one development check that the login route is mounted when a redirect is due. */
function guardAnswer(ctx: AuthContext, r: GuardRequest, error?: unknown): PlainResponse | Promise<PlainResponse> {
  const answer = unauthenticated(ctx, r, error);
  if (answer.status !== 302) return answer;
  const probe = probeIfDue(ctx);
  return probe === undefined ? answer : probe.then(() => unauthenticated(ctx, r, error));
}
