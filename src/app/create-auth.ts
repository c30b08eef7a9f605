/**
 * `createAuth`: configure providers once, mount one Web-standard `Request -> Response` handler, and
 * protect routes with `requireUser` / `optionalUser` / `getSession`.
 *
 * Routes (under `basePath`, default `/auth`):
 * - `GET  /auth/:provider/login?returnTo=/path` → 302 to the provider (one transaction cookie per login).
 * - `GET|POST /auth/:provider/callback` → session cookie set, 302 to `returnTo`.
 * - `POST /auth/logout[?federated=1]` (same-origin + CSRF token) → session ended; RP-initiated
 *   logout at the provider when federated, which returns to `GET /auth/logout/callback`.
 * - `GET  /auth/session` → 200 `{ user, expiresAt, csrfToken, data }` or 401 `{ error: "unauthenticated" }`.
 * - `POST /auth/token` → a short-lived access token (JWT) for a single-page app, from the session.
 * - `POST /auth/:provider/backchannel-logout` → ends the sessions a valid logout token names.
 *
 * @module
 */
import { OidcClient } from '../core/client.js';
import { readLimitedText } from '../core/http.js';
import type { TokenSet } from '../core/types.js';
import { AccountError, LatchkeyError, ProviderError, SessionError, ValidationError } from '../errors.js';
import { randomToken, timingSafeEqual } from '../internal/encoding.js';
import type { Profile, ProfileContext, ProviderConfig } from '../providers/types.js';
import { signInWithIdentity } from '../storage/linking.js';
import { MemorySessionStore, MemoryUserStore } from '../storage/memory.js';
import { createTokenCipher } from '../storage/token-cipher.js';
import type { AccountTokens, UserStore } from '../storage/types.js';
import { type AuthOptions, type LoginDecision, type ResolvedConfig, resolveConfig } from './config.js';
import { expireCookie, readCookie, serializeCookie } from './cookies.js';
import { type AuthEdge, type AuthRoute, type EdgeRefusal, MAX_BODY_BYTES, MAX_BODY_MS, readBoundedText, refusalResponse, screenRequest } from './edge.js';
import { type GuardRequest, type PlainResponse, toResponse, unauthenticatedResponse } from './guards.js';
import { externalOrigin, isSameOrigin } from './request-origin.js';
import { AUTH_HEADERS, authResponse, describeError, errorResponse, escapeHtml, jsonResponse, redirectResponse, wantsHtml } from './responses.js';
import { returnToOr, safeReturnTo } from './return-to.js';
import { Keyring } from './seal.js';
import { CookieSessionStrategy } from './sessions/cookie.js';
import { cacheKey, SessionManager } from './sessions/manager.js';
import { ServerSessionStrategy } from './sessions/server.js';
import type { Session, SessionUser } from './sessions/types.js';
import { Transactions } from './transactions.js';
import { createTokenVault, type VaultAccessToken, type VaultAccountChoice, type VaultFetchInit, type VaultRevokeResult } from '../vault/vault.js';

/** The hidden field marking a same-origin re-post of a `form_post` callback. */
const REPOST_FIELD = 'lk_repost';
/** Bearer access tokens are re-checked against the live session at least this often. */
const BEARER_RECHECK_MS = 5_000;

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
  /** The CSRF token for `POST /auth/logout` of a session (also in `GET /auth/session`). */
  csrfToken(session: Session): Promise<string>;
  /** Session administration. */
  readonly sessions: {
    /** "Log out everywhere": ends every session of a user; returns how many were ended (when known). */
    revokeUser(userId: string): Promise<number>;
    /** Ends one session. */
    revoke(session: Session): Promise<void>;
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
   * Unlinks a provider account from a user: revokes its tokens at the provider (best effort), then
   * removes the link. Never removes the last way to sign in (`LAST_LOGIN_METHOD`).
   */
  unlink(userId: string, accountId: string): Promise<void>;
  /** The user store in use. */
  readonly users: UserStore;
  /** The validated configuration (frozen). */
  readonly config: ResolvedConfig;
  /** The path prefix of the auth routes as the app sees it, e.g. `/auth`. */
  readonly routePrefix: string;
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
  const config = resolveConfig(options);
  const hooks = options.hooks ?? {};
  const clock = config.clock;
  let keyringPromise: Promise<Keyring> | undefined;
  const keyring = (): Promise<Keyring> => (keyringPromise ??= Keyring.create(config.secrets));
  // Derive keys now (off the request path); a failure surfaces on first use.
  keyring().catch(() => {
    keyringPromise = undefined;
  });

  const users: UserStore = options.store?.users ?? new MemoryUserStore();
  const cookieStrategy =
    config.strategy === 'cookie'
      ? new CookieSessionStrategy({
          keyring,
          cookieName: config.cookies.session,
          idleTimeoutMs: config.idleTimeoutMs,
          absoluteTimeoutMs: config.absoluteTimeoutMs,
        })
      : undefined;
  const strategy =
    cookieStrategy ??
    new ServerSessionStrategy({
      store: options.store?.sessions ?? new MemorySessionStore(),
      // The ID token is encrypted at rest like provider tokens: same derivation, same rotation.
      idTokenCipher: createTokenCipher({ secrets: config.secrets }),
      idleTimeoutMs: config.idleTimeoutMs,
      absoluteTimeoutMs: config.absoluteTimeoutMs,
    });
  const sessions = new SessionManager(strategy, {
    cookieName: config.cookies.session,
    secure: config.cookies.secure,
    maxEntries: config.cacheMaxEntries,
    revalidateMs: config.strategy === 'cookie' ? Number.POSITIVE_INFINITY : config.revalidateMs,
    absoluteTimeoutMs: config.absoluteTimeoutMs,
    idleTimeoutMs: config.idleTimeoutMs,
    backgroundTouch: config.strategy === 'server',
    clock,
  });
  const transactions = new Transactions({
    keyring,
    prefix: config.cookies.transactionPrefix,
    secure: config.cookies.secure,
    max: config.maxConcurrentLogins,
    maxAgeMs: config.loginTimeoutMs,
    clock,
  });

  const routePrefix = `${new URL(config.baseUrl).pathname.replace(/\/$/, '')}${config.basePath}`;
  const firstProvider = config.providers.keys().next().value as string;
  // Where the guard sends a browser: the app's page, the one provider's login, or the page that lists them all.
  const loginPath = config.signInPage ?? (config.providers.size === 1 ? `${routePrefix}/${firstProvider}/login` : `${routePrefix}/login`);
  const realm = new URL(config.baseUrl).host;

  // ── provider clients, created on first use (discovery), retried after a failure ────────────────
  const clients = new Map<string, Promise<OidcClient>>();
  function client(provider: ProviderConfig): Promise<OidcClient> {
    let c = clients.get(provider.id);
    if (!c) {
      c = OidcClient.create({
        issuer: provider.issuer,
        kind: provider.kind,
        ...(provider.metadata !== undefined ? { metadata: provider.metadata } : {}),
        clientId: provider.clientId,
        ...(provider.clientSecret !== undefined ? { clientSecret: provider.clientSecret } : {}),
        ...(provider.tokenEndpointAuthMethod !== undefined ? { tokenEndpointAuthMethod: provider.tokenEndpointAuthMethod } : {}),
        ...(provider.clientPrivateKey !== undefined ? { privateKey: provider.clientPrivateKey } : {}),
        ...(provider.idTokenSignedResponseAlg !== undefined ? { idTokenSignedResponseAlg: provider.idTokenSignedResponseAlg } : {}),
        redirectUri: config.redirectUris[provider.id]!,
        postLogoutRedirectUri: config.postLogoutRedirectUri,
        ...(provider.hooks !== undefined ? { hooks: provider.hooks } : {}),
        ...(provider.usePar !== undefined ? { usePar: provider.usePar } : {}),
        ...(provider.dpop !== undefined ? { dpop: provider.dpop } : {}),
        ...(provider.http !== undefined ? { http: provider.http } : {}),
        ...(provider.allowPrivateNetwork !== undefined ? { allowPrivateNetwork: provider.allowPrivateNetwork } : {}),
        ...(provider.issuerSource !== undefined ? { issuerSource: provider.issuerSource } : {}),
        clock,
      });
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

  // ── bearer access tokens (POST /auth/token) ─────────────────────────────────────────────────────
  const bearerCache = new Map<string, { token: string; session: Session; checkUntil: number; exp: number }>();
  const audience = `${config.baseUrl}${config.basePath}`;

  function bearer(header: string): Session | null | Promise<Session | null> {
    if (header.length < 8 || header.slice(0, 7).toLowerCase() !== 'bearer ') return null;
    const token = header.slice(7).trim();
    const hit = bearerCache.get(cacheKey(token));
    const now = clock();
    if (hit && hit.token === token && now < hit.checkUntil && now < hit.exp) {
      // Bearer use keeps the session alive like cookie use (server strategy, once a minute).
      hit.session = sessions.keepAlive(hit.session);
      return hit.session;
    }
    return verifyBearer(token, now);
  }

  async function verifyBearer(token: string, now: number): Promise<Session | null> {
    const claims = await (await keyring()).verifyAccessToken(token, { issuer: config.baseUrl, audience, now });
    if (!claims || typeof claims.sid !== 'string' || typeof claims.exp !== 'number') return null;
    const s = claims.ses as (Omit<Session, 'id' | 'data'> & { data?: undefined }) | undefined;
    if (!s || typeof s !== 'object' || typeof s.user?.id !== 'string' || s.user.id !== claims.sub) return null;
    let session: Session = { ...s, id: claims.sid, data: {} };
    // The token is bound to a live session: logout, revocation and expiry end it too.
    const live = await strategy.resolveById(session.id, now);
    if (live === null) return null;
    if (live !== undefined) session = live;
    if (strategy.isRevoked(session) || !(now < session.idleExpiresAt && now < session.absoluteExpiresAt)) return null;
    session = sessions.keepAlive(session);
    if (bearerCache.size >= config.cacheMaxEntries) bearerCache.delete(bearerCache.keys().next().value!);
    bearerCache.set(cacheKey(token), { token, session, checkUntil: now + BEARER_RECHECK_MS, exp: claims.exp * 1000 });
    return session;
  }

  function authenticate(cookieHeader: string | null | undefined, authorizationHeader?: string | null): Session | null | Promise<Session | null> {
    const fromCookie = sessions.lookup(cookieHeader);
    if (!authorizationHeader) return fromCookie;
    // A cookie that names no live session (stale, expired, from an old deployment) must not hide
    // a valid Bearer token: fall back to the token, synchronously or once the lookup settles.
    if (fromCookie === null) return bearer(authorizationHeader);
    if (fromCookie instanceof Promise) return fromCookie.then((s) => s ?? bearer(authorizationHeader));
    return fromCookie;
  }

  function dropBearers(ids: readonly string[]): void {
    const set = new Set(ids);
    for (const [k, v] of bearerCache) if (set.has(v.session.id)) bearerCache.delete(k);
  }

  async function revoke(selector: Parameters<SessionManager['revoke']>[0]): Promise<readonly string[]> {
    const ids = await sessions.revoke(selector);
    for (const [k, v] of bearerCache) {
      const s = v.session;
      const match = 'userId' in selector ? s.user.id === selector.userId : 'sid' in selector ? s.issuer === selector.issuer && s.sid === selector.sid : s.issuer === selector.issuer && s.subject === selector.subject;
      if (match) bearerCache.delete(k);
    }
    return ids;
  }

  async function csrfToken(session: Session): Promise<string> {
    return (await keyring()).mac(`csrf/${session.id}`);
  }

  async function checkCsrf(session: Session, presented: string | null): Promise<boolean> {
    if (!presented) return false;
    for (const m of await (await keyring()).macs(`csrf/${session.id}`)) if (timingSafeEqual(m, presented)) return true;
    return false;
  }

  // ── routes ───────────────────────────────────────────────────────────────────────────────────────
  async function login(request: Request, url: URL, id: string): Promise<Response> {
    const p = provider(id);
    // Behind a trusted proxy, a login that reached us under another host would set its transaction
    // cookie where the callback (on baseUrl) cannot see it: send the browser to the canonical URL.
    if (config.trustProxy && externalOrigin(request, true, config.origin) !== config.origin) {
      return redirectResponse(`${config.baseUrl}${config.basePath}/${id}/login${url.search}`);
    }
    const rawReturnTo = url.searchParams.get('returnTo');
    const returnTo = rawReturnTo === null ? '/' : safeReturnTo(rawReturnTo, config.origin);
    let linkUserId: string | undefined;
    const intent = url.searchParams.get('intent');
    if (intent !== null && intent !== 'link') throw new SessionError('BAD_REQUEST', '`intent` may only be "link".');
    if (intent === 'link') {
      const current = await sessions.lookup(request.headers.get('cookie'));
      if (!current) throw new SessionError('UNAUTHENTICATED', 'Linking a provider needs a signed-in user: sign in first, then link.');
      linkUserId = current.user.id;
    }
    const c = await client(p);
    const scopes = [...p.scopes, ...(p.offline ? (p.offlineAccess?.scopes ?? []) : [])];
    const extraParams = { ...(p.authorizationParams ?? {}), ...(p.offline ? (p.offlineAccess?.params ?? {}) : {}) };
    // Offline access may need its own prompt (Google issues a refresh token only with prompt=consent).
    const prompt = p.offline ? (p.offlineAccess?.prompt ?? p.prompt) : p.prompt;
    const { url: target, transaction } = await c.authorizationUrl({
      scope: [...new Set(scopes)],
      ...(prompt !== undefined ? { prompt } : {}),
      ...(p.loginHint !== undefined ? { loginHint: p.loginHint } : {}),
      ...(p.responseMode !== undefined ? { responseMode: p.responseMode } : {}),
      ...(p.usePar !== undefined ? { usePar: p.usePar } : {}),
      extraParams,
    });
    const setCookies = await transactions.create(
      { providerId: id, transaction, returnTo, ...(linkUserId !== undefined ? { intent: 'link' as const, linkUserId } : {}) },
      request.headers.get('cookie'),
    );
    return redirectResponse(target.href, setCookies);
  }

  /** The form of a POST whose body the handler already read within the budget. */
  function readForm(request: Request, body: string): URLSearchParams {
    const type = request.headers.get('content-type') ?? '';
    if (!type.toLowerCase().startsWith('application/x-www-form-urlencoded')) {
      throw new SessionError('BAD_REQUEST', 'Expected an application/x-www-form-urlencoded body.');
    }
    return new URLSearchParams(body);
  }

  /**
   * `GET /auth/login?returnTo=…`: the configured providers, as a page of "Sign in with …" links
   * (browsers) or as JSON (`{ providers: [{ id, name, loginUrl }] }`); with one provider, a
   * redirect to its login. `returnTo` is kept only when it is a same-origin path.
   */
  function chooserRoute(request: Request, url: URL): Response {
    const returnTo = returnToOr(url.searchParams.get('returnTo'), config.origin, '/');
    const query = `?returnTo=${encodeURIComponent(returnTo)}`;
    const providers = [...config.providers.values()].map((p) => ({ id: p.id, name: p.name, loginUrl: `${routePrefix}/${encodeURIComponent(p.id)}/login${query}` }));
    if (providers.length === 1) return redirectResponse(providers[0]!.loginUrl, []);
    if (!wantsHtml(request.headers.get('accept'))) return jsonResponse({ providers });
    const items = providers.map((p) => `<li><a href="${escapeHtml(p.loginUrl)}">Sign in with ${escapeHtml(p.name)}</a></li>`).join('');
    const nonce = randomToken(16);
    const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Sign in</title>
<style nonce="${nonce}">body{font:16px system-ui,sans-serif;max-width:24rem;margin:4rem auto;padding:0 1rem}ul{list-style:none;padding:0}li{margin:.5rem 0}a{display:block;padding:.75rem 1rem;border:1px solid #8889;border-radius:.5rem;text-decoration:none;color:inherit}</style></head>
<body><h1>Sign in</h1><ul>${items}</ul></body></html>`;
    return authResponse(html, 200, {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': `default-src 'none'; style-src 'nonce-${nonce}'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
    });
  }

  function repostPage(action: string, params: URLSearchParams): Response {
    // form_post (OAuth 2.0 Form Post Response Mode §2): the provider's cross-site POST carries no
    // SameSite=Lax cookie. Re-post the same parameters from our own origin, where it does.
    const nonce = randomToken(16);
    const inputs = [...params]
      .filter(([k]) => k !== REPOST_FIELD)
      .map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}">`)
      .join('');
    const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Signing in…</title></head><body>
<form method="post" action="${escapeHtml(action)}">${inputs}<input type="hidden" name="${REPOST_FIELD}" value="1"><noscript><button type="submit">Continue signing in</button></noscript></form>
<script nonce="${nonce}">document.forms[0].submit()</script></body></html>`;
    return authResponse(html, 200, {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'`,
    });
  }

  async function buildProfile(p: ProviderConfig, c: OidcClient, tokens: TokenSet, params: URLSearchParams): Promise<Profile> {
    const callbackParams: Record<string, string> = {};
    for (const [k, v] of params) if (k !== 'code' && k !== 'state' && k !== 'iss') callbackParams[k] = v;
    let userinfo: Record<string, unknown> | undefined;
    if (p.kind === 'oidc' && p.userinfo !== false && c.metadata.userinfo_endpoint) userinfo = await c.userinfo(tokens);
    const ctx: ProfileContext = {
      tokens,
      ...(userinfo !== undefined ? { userinfo } : {}),
      issuer: c.metadata.issuer,
      callbackParams,
      fetchJson: async (target, init) => {
        const res = await c.fetchResource(target, tokens, init?.headers ? { headers: init.headers } : {});
        if (!res.ok) {
          await res.body?.cancel().catch(() => {});
          throw new ProviderError('RESOURCE_ERROR', { error: `http_${res.status}`, httpStatus: res.status });
        }
        // The provider's body is bounded like every other back-channel response.
        const text = await readLimitedText(res, target);
        try {
          return JSON.parse(text) as unknown;
        } catch (cause) {
          throw new ValidationError('USERINFO_INVALID', 'A provider API answered with something that is not JSON.', { cause });
        }
      },
    };
    const raw = p.fetchProfile ? await p.fetchProfile(ctx) : { ...(tokens.idTokenClaims ?? {}), ...(userinfo ?? {}) };
    return p.mapProfile(raw, ctx);
  }

  async function callback(request: Request, url: URL, id: string, body: string): Promise<Response> {
    const p = provider(id);
    const params = request.method === 'POST' ? readForm(request, body) : new URLSearchParams(url.search);
    const cookieHeader = request.headers.get('cookie');
    const state = params.get('state');
    const reposted = params.get(REPOST_FIELD) === '1';
    params.delete(REPOST_FIELD);
    if (request.method === 'POST' && !reposted && state && readCookie(cookieHeader, transactions.cookieName(state)) === undefined) {
      return repostPage(`${routePrefix}/${id}/callback`, params);
    }
    const setCookies = state ? [transactions.clear(state)] : [];
    try {
      const tx = await transactions.consume(id, state, cookieHeader);
      const c = await client(p);
      const tokens = await c.callback(params, tx.transaction);
      let profile = await buildProfile(p, c, tokens, params);
      let decision: LoginDecision;
      if (hooks.onLogin) decision = await hooks.onLogin({ providerId: id, profile, tokens, request });
      if (decision === false) throw new SessionError('LOGIN_REJECTED');
      let sessionData: Readonly<Record<string, unknown>> = {};
      if (typeof decision === 'object') {
        if (decision.profile) profile = { ...profile, ...decision.profile };
        if (decision.sessionData) sessionData = decision.sessionData;
      }
      const accountTokens: AccountTokens = {
        accessToken: tokens.accessToken,
        tokenType: tokens.tokenType,
        ...(tokens.refreshToken !== undefined ? { refreshToken: tokens.refreshToken } : {}),
        ...(tokens.idToken !== undefined ? { idToken: tokens.idToken } : {}),
        ...(tokens.expiresAt !== undefined ? { expiresAt: tokens.expiresAt } : {}),
      };
      const { user } = await signInWithIdentity(users, {
        providerId: id,
        profile,
        tokens: accountTokens,
        scopes: tokens.grantedScopes,
        allowEmailLinking: p.allowEmailLinking ?? false,
        ...(tx.linkUserId !== undefined ? { linkToUserId: tx.linkUserId } : {}),
      });
      // A new session with a fresh id at every login (no fixation); the previous one ends.
      const previous = await sessions.lookup(cookieHeader);
      if (previous) await sessions.destroy(previous);
      const sid = tokens.idTokenClaims?.sid;
      const created = await sessions.create({
        user: { id: user.id, email: user.email, emailVerified: user.emailVerified, name: user.name, image: user.image },
        providerId: id,
        issuer: profile.issuer,
        subject: profile.subject,
        ...(typeof sid === 'string' ? { sid } : {}),
        data: sessionData,
        ...(tokens.idToken !== undefined ? { idToken: tokens.idToken } : {}),
      });
      setCookies.push(created.setCookie);
      // What is emitted is checked, even from our own sealed cookie (sealed by an older version, say).
      return redirectResponse(returnToOr(tx.returnTo, config.origin), setCookies);
    } catch (error) {
      report(error, 'callback');
      return errorResponse(error, request.headers.get('accept'), setCookies);
    }
  }

  async function sessionRoute(request: Request): Promise<Response> {
    const cookieHeader = request.headers.get('cookie');
    // Not getSession: a store outage must answer 503, not "signed out".
    const session = await authenticate(cookieHeader, request.headers.get('authorization'));
    if (!session) {
      const clear = readCookie(cookieHeader, config.cookies.session) !== undefined ? [sessions.clearCookie()] : [];
      return jsonResponse({ error: 'unauthenticated', code: 'UNAUTHENTICATED', message: 'Sign in first.' }, 401, clear, {
        'www-authenticate': `Bearer realm="${realm}"`,
      });
    }
    const value = readCookie(cookieHeader, config.cookies.session);
    const refreshed = value !== undefined ? await sessions.touch(session, value) : undefined;
    return jsonResponse(
      {
        user: session.user,
        expiresAt: new Date(Math.min(session.idleExpiresAt, session.absoluteExpiresAt)).toISOString(),
        provider: session.providerId,
        csrfToken: await csrfToken(session),
        data: session.data,
      },
      200,
      refreshed ? [refreshed] : [],
    );
  }

  async function logout(request: Request, url: URL, body: string): Promise<Response> {
    // CSRF: the browser must say the request is same-origin (Origin / Sec-Fetch-Site), and a
    // session-bound token (HMAC of the session id) must come in `X-CSRF-Token` or the form field
    // `csrfToken`. Without a session there is nothing to end and no token is needed.
    if (!isSameOrigin(request, config.origin)) throw new SessionError('CSRF_FAILED', 'Logout must be posted from this site (Origin or Sec-Fetch-Site says otherwise).');
    const isForm = (request.headers.get('content-type') ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
    const form = isForm ? readForm(request, body) : new URLSearchParams();
    const session = await sessions.lookup(request.headers.get('cookie'));
    const setCookies = [sessions.clearCookie()];
    const rawReturnTo = form.get('returnTo') ?? url.searchParams.get('returnTo');
    const returnTo = rawReturnTo === null ? config.logoutReturnTo : safeReturnTo(rawReturnTo, config.origin);
    let location = returnTo;
    if (session) {
      if (!(await checkCsrf(session, request.headers.get('x-csrf-token') ?? form.get('csrfToken')))) {
        throw new SessionError('CSRF_FAILED', 'Logout needs the CSRF token from GET /auth/session (header X-CSRF-Token or form field csrfToken).');
      }
      await sessions.destroy(session);
      dropBearers([session.id]);
      // The local session is already gone; revoking the grant is best effort.
      if (options.tokens?.revokeOnLogout) {
        // The session names its identity: revoke that account's grant, not another one at the provider.
        const account = await users.getAccount(session.issuer, session.subject).catch(() => null);
        await revokeProviderTokens(session.user.id, session.providerId, 'logout', account?.userId === session.user.id ? account.id : undefined);
      }
      const federated = config.federatedLogout || url.searchParams.get('federated') === '1' || form.get('federated') === '1';
      const p = config.providers.get(session.providerId);
      if (federated && p) {
        const c = await client(p);
        if (c.metadata.end_session_endpoint) {
          const state = randomToken(32);
          const sealed = await (await keyring()).seal('logout', { state, returnTo, providerId: p.id, exp: clock() + config.loginTimeoutMs });
          setCookies.push(serializeCookie(config.cookies.logout, sealed, { secure: config.cookies.secure, maxAgeSeconds: config.loginTimeoutMs / 1000 }));
          location = c.endSessionUrl({
            ...(session.idToken !== undefined ? { idTokenHint: session.idToken } : {}),
            state,
            postLogoutRedirectUri: config.postLogoutRedirectUri,
          }).href;
        }
      }
    }
    if (!wantsHtml(request.headers.get('accept'))) return jsonResponse({ loggedOut: true, redirectTo: location }, 200, setCookies);
    // 303: the browser follows with a GET.
    return authResponse(null, 303, { location }, setCookies);
  }

  async function logoutCallback(request: Request, url: URL): Promise<Response> {
    const clear = [expireCookie(config.cookies.logout, config.cookies.secure)];
    const raw = readCookie(request.headers.get('cookie'), config.cookies.logout);
    const data = raw === undefined ? undefined : ((await (await keyring()).open('logout', raw)) as { state?: unknown; returnTo?: unknown; providerId?: unknown; exp?: unknown } | undefined);
    if (!data || typeof data.state !== 'string' || typeof data.returnTo !== 'string' || typeof data.exp !== 'number' || !(clock() < data.exp)) {
      throw Object.assign(new ValidationError('LOGOUT_STATE_MISMATCH', 'No logout was started from this browser (or it expired); you are signed out here anyway.', { claim: 'state' }), {
        setCookies: clear,
      });
    }
    const p = typeof data.providerId === 'string' ? config.providers.get(data.providerId) : undefined;
    if (!p) throw new ValidationError('LOGOUT_STATE_MISMATCH', 'The logout names an unknown provider; you are signed out here anyway.', { claim: 'state' });
    try {
      (await client(p)).validateEndSessionCallback(url.searchParams, data.state);
    } catch (error) {
      report(error, 'logout/callback');
      return errorResponse(error, request.headers.get('accept'), clear);
    }
    return redirectResponse(safeReturnTo(data.returnTo, config.origin), clear);
  }

  const seenJti = new Map<string, number>();
  function jtiSeen(jti: string, expSeconds: number): boolean {
    const now = clock();
    if (seenJti.size > 10_000) for (const [k, exp] of seenJti) if (exp <= now) seenJti.delete(k);
    if (seenJti.has(jti)) return true;
    if (seenJti.size > 50_000) seenJti.delete(seenJti.keys().next().value!);
    seenJti.set(jti, expSeconds * 1000 + 60_000);
    return false;
  }

  async function backchannel(request: Request, id: string, body: string): Promise<Response> {
    const p = provider(id);
    try {
      const form = readForm(request, body);
      const token = form.get('logout_token');
      if (!token) throw new ValidationError('LOGOUT_TOKEN_INVALID', 'The request has no `logout_token`.', { claim: 'logout_token' });
      const c = await client(p);
      // Back-Channel Logout 1.0 §2.6: validate; a jti seen before is a replay.
      const claims = await c.validateLogoutToken(token, { seenJti: jtiSeen });
      // §2.7: end the sessions with that sid, or every session of that sub.
      if (typeof claims.sid === 'string') await revoke({ issuer: claims.iss, sid: claims.sid });
      else if (typeof claims.sub === 'string') await revoke({ issuer: claims.iss, subject: claims.sub });
      return authResponse(null, 200);
    } catch (error) {
      report(error, 'backchannel-logout');
      const status = error instanceof LatchkeyError && error.status >= 500 && error.code !== 'SESSION_TOO_LARGE' ? error.status : 400;
      const code = error instanceof LatchkeyError ? error.code : 'INTERNAL_ERROR';
      const message = error instanceof LatchkeyError ? error.message : 'The logout could not be processed.';
      // §2.8: 400 Bad Request, with an RFC 6749 error body.
      return jsonResponse({ error: status === 400 ? 'invalid_request' : 'temporarily_unavailable', code, message }, status);
    }
  }

  function corsHeaders(request: Request): Record<string, string> | undefined {
    const origin = request.headers.get('origin');
    if (origin === null || origin === config.origin) return {};
    if (!config.allowedOrigins.includes(origin)) return undefined;
    return { 'access-control-allow-origin': origin, 'access-control-allow-credentials': 'true', vary: 'Origin' };
  }

  async function tokenRoute(request: Request): Promise<Response> {
    const cors = corsHeaders(request);
    if (!cors) throw new SessionError('CSRF_FAILED', 'This origin may not request tokens; add it to `accessToken.allowedOrigins`.');
    if (request.method === 'OPTIONS') {
      return authResponse(null, 204, {
        ...cors,
        'access-control-allow-methods': 'POST',
        'access-control-allow-headers': 'content-type, x-csrf-token',
        'access-control-max-age': '600',
      });
    }
    const site = request.headers.get('sec-fetch-site');
    if (Object.keys(cors).length === 0 && site !== null && site !== 'same-origin') throw new SessionError('CSRF_FAILED');
    const session = await sessions.lookup(request.headers.get('cookie'));
    if (!session) return jsonResponse({ error: 'unauthenticated', code: 'UNAUTHENTICATED', message: 'Sign in first.' }, 401, [], cors);
    const { data: _data, idToken: _idToken, id: _id, ...compact } = session;
    const token = await (await keyring()).signAccessToken(
      { sub: session.user.id, sid: session.id, ses: compact },
      { issuer: config.baseUrl, audience, expiresInSeconds: config.accessTokenSeconds, now: clock() },
    );
    return jsonResponse({ access_token: token, token_type: 'Bearer', expires_in: config.accessTokenSeconds }, 200, [], cors);
  }

  function report(error: unknown, route: string): void {
    try {
      if (hooks.onError) hooks.onError(error, { route });
      else if (!(error instanceof LatchkeyError) || error.status >= 500) {
        // Never the message or the stack: they could hold request data. The code or the class name only.
        console.error(`[latchkey] ${route}: ${error instanceof LatchkeyError ? error.code : error instanceof Error ? error.name : 'unknown error'}`);
      }
    } catch {
      // A failing logger must not change the answer.
    }
  }

  // ── the HTTP edge: one route table, one body budget, no answer left unsent (src/app/edge.ts) ────
  function refuse(refusal: EdgeRefusal, accept: string | null | undefined): Response {
    report(refusal.error, refusal.route?.name ?? 'unknown');
    return refusalResponse(refusal, accept);
  }

  function failed(error: unknown, route: string, accept: string | null | undefined): Response {
    report(error, route);
    const setCookies = (error as { setCookies?: string[] } | null)?.setCookies ?? [];
    if (error instanceof SessionError) return refusalResponse({ error }, accept, setCookies);
    return errorResponse(error, accept ?? null, setCookies);
  }

  const edge: AuthEdge = Object.freeze({
    bodyLimit: MAX_BODY_BYTES,
    bodyTimeoutMs: MAX_BODY_MS,
    screen(method: string, pathname: string, contentLength: string | null | undefined, accept: string | null | undefined) {
      const d = screenRequest(routePrefix, method, pathname, contentLength);
      return 'error' in d ? refuse(d, accept) : d;
    },
    tooLarge: (accept: string | null | undefined) => refuse({ route: undefined, error: new SessionError('PAYLOAD_TOO_LARGE') }, accept),
    failure: (error: unknown, accept: string | null | undefined) => failed(error, 'adapter', accept),
  });

  function dispatch(route: AuthRoute, request: Request, url: URL, body: string): Promise<Response> | Response {
    switch (route.name) {
      case 'session':
        return sessionRoute(request);
      case 'token':
        return tokenRoute(request);
      case 'login-chooser':
        return chooserRoute(request, url);
      case 'logout':
        return logout(request, url, body);
      case 'logout/callback':
        return logoutCallback(request, url);
      case 'login':
        return login(request, url, route.providerId);
      case 'callback':
        return callback(request, url, route.providerId, body);
      case 'backchannel-logout':
        return backchannel(request, route.providerId, body);
    }
  }

  async function handler(request: Request): Promise<Response> {
    let accept: string | null = null;
    let route = 'unknown';
    // Never rejects: whatever goes wrong is an answer.
    try {
      accept = request.headers.get('accept');
      let url: URL;
      try {
        url = new URL(request.url);
      } catch {
        return errorResponse(new SessionError('BAD_REQUEST'), accept);
      }
      const decision = screenRequest(routePrefix, request.method, url.pathname, request.headers.get('content-length'));
      if ('error' in decision) return refuse(decision, accept);
      route = decision.route.name;
      // Every POST body is read here, once, within the budget; the routes get the text.
      const body = decision.readsBody ? await readBoundedText(request.body, MAX_BODY_BYTES) : '';
      return await dispatch(decision.route, request, url, body);
    } catch (error) {
      return failed(error, route, accept);
    }
  }

  async function getSession(request: Request): Promise<Session | null> {
    try {
      return await authenticate(request.headers.get('cookie'), request.headers.get('authorization'));
    } catch (error) {
      report(error, 'getSession');
      return null;
    }
  }

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

  function unauthenticated(r: GuardRequest, error?: unknown): PlainResponse {
    if (error !== undefined) {
      report(error, 'guard');
      const { status, body } = describeError(error);
      if (status >= 500) return { status, headers: { ...AUTH_HEADERS, 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify(body) };
    }
    return unauthenticatedResponse(r, loginPath, config.origin, realm);
  }

  const vault = createTokenVault({
    users,
    clientFor: (providerId: string) => client(provider(providerId)),
    // auth.fetch sends a provider's token only to its API origins (declared by the preset, extended by the app).
    apiOrigins: (providerId: string) => config.providers.get(providerId)?.apiOrigins,
    ...(options.tokens?.lock !== undefined ? { lock: options.tokens.lock } : {}),
    ...(options.tokens?.leewaySeconds !== undefined ? { leewaySeconds: options.tokens.leewaySeconds } : {}),
    ...(options.tokens?.cacheSeconds !== undefined ? { cacheSeconds: options.tokens.cacheSeconds } : {}),
    ...(options.tokens?.onTokens !== undefined ? { onTokens: options.tokens.onTokens } : {}),
    clock,
  });

  /** Revokes an account's tokens at the provider; failures are reported (onError), never thrown. */
  async function revokeProviderTokens(userId: string, providerId: string, route: string, accountId?: string): Promise<void> {
    const result = await vault.revoke(userId, providerId, { accountId }).catch((error: unknown) => ({ revoked: false, error }));
    if (!result.revoked && result.error !== undefined) report(result.error, route);
  }

  return Object.freeze({
    handler,
    edge,
    getSession,
    tokens: Object.freeze({ get: (userId: string, providerId: string, choice?: VaultAccountChoice) => vault.get(userId, providerId, { accountId: choice?.accountId }), revoke: vault.revoke }),
    fetch: vault.fetch,
    async unlink(userId: string, accountId: string): Promise<void> {
      const accounts = await users.listAccounts(userId);
      const account = accounts.find((a) => a.id === accountId);
      if (!account) throw new SessionError('NOT_FOUND', 'No such linked account for this user.');
      // Checked before revoking: the last way to sign in keeps its tokens (the store enforces it too).
      if (accounts.length === 1) throw new AccountError('LAST_LOGIN_METHOD', undefined, { provider: account.providerId });
      // RFC 7009: the grant ends at the provider too; a provider failure never blocks the unlink.
      if (account.tokens?.refreshToken || account.tokens?.accessToken) await revokeProviderTokens(userId, account.providerId, 'unlink', account.id);
      await users.unlinkAccount(userId, accountId);
    },
    async requireUser(request: Request): Promise<SessionUser | Response> {
      let s: Session | null;
      try {
        s = await authenticate(request.headers.get('cookie'), request.headers.get('authorization'));
      } catch (error) {
        return toResponse(unauthenticated(guardFacts(request), error));
      }
      return s ? s.user : toResponse(unauthenticated(guardFacts(request)));
    },
    async optionalUser(request: Request): Promise<SessionUser | null> {
      return (await getSession(request))?.user ?? null;
    },
    authenticate,
    unauthenticated,
    csrfToken,
    client: async (providerId: string): Promise<OidcClient> => client(provider(providerId)),
    sessions: Object.freeze({
      async revokeUser(userId: string): Promise<number> {
        return (await revoke({ userId })).length;
      },
      async revoke(session: Session): Promise<void> {
        await sessions.destroy(session);
        dropBearers([session.id]);
      },
    }),
    users,
    config,
    routePrefix,
  });
}
