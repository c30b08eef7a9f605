/**
 * The development identity provider: a small, real OpenID Provider as a Web-standard
 * `(request: Request) => Promise<Response>` handler. One handler hosts several flavors under path
 * prefixes, each its own issuer: generic OIDC at `/oidc`, `/google`, `/github`,
 * `/microsoft/<tenant>/v2.0` and `/apple`.
 *
 * It implements the code flow with PKCE, RFC 9207 `iss`, `prompt=none`, `max_age`, query and
 * form_post response modes, one-time codes, refresh-token rotation with reuse detection, userinfo,
 * RFC 7009 revocation, RP-initiated logout with back-channel logout delivery, and simulated
 * failures. It is for development and tests only: state lives in memory.
 *
 * @module
 */
import { compactVerify, decodeJwt, decodeProtectedHeader, importJWK } from 'jose';
import { httpRequest, isLoopbackHost } from '../core/http.js';
import { ConfigurationError, isLatchkeyError } from '../errors.js';
import { base64url, fromBase64url, fromUtf8, randomToken, sha256, timingSafeEqual } from '../internal/encoding.js';
import { appleFlavor } from './flavors/apple.js';
import { type ClaimsContext, type Flavor, type FlavorApi, type FlavorInstance, json, type TokenAnswer } from './flavors/flavor.js';
import { genericFlavor } from './flavors/generic.js';
import { githubFlavor } from './flavors/github.js';
import { googleFlavor } from './flavors/google.js';
import { MULTI_TENANTS, microsoftFlavor, microsoftIssuer } from './flavors/microsoft.js';
import { KeyRing, type PublishedJwks } from './keys.js';
import { avatarSvg, errorPage, formPostPage, htmlResponse, indexPage, logoutConfirmPage, signedOutPage, signInPage } from './pages.js';
import { type BrowserSession, DevStore, type Interaction, type TokenFamily } from './store.js';
import {
  DEFAULT_USERS,
  type DevClient,
  type DevIdpOptions,
  type DevUser,
  FLAVOR_NAMES,
  type FlavorName,
  type LogoutDelivery,
  type SimulatedFailure,
} from './types.js';

/** The flavors by name. */
export const FLAVORS: Readonly<Record<FlavorName, Flavor>> = {
  generic: genericFlavor,
  google: googleFlavor,
  github: githubFlavor,
  microsoft: microsoftFlavor,
  apple: appleFlavor,
};

/** The first path segment of each flavor. */
const SEGMENTS: Readonly<Record<string, FlavorName>> = { oidc: 'generic', google: 'google', github: 'github', microsoft: 'microsoft', apple: 'apple' };
const SEGMENT_OF: Readonly<Record<FlavorName, string>> = { generic: 'oidc', google: 'google', github: 'github', microsoft: 'microsoft', apple: 'apple' };

const BACKCHANNEL_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/** The test users of a running dev IdP. */
export interface DevUserDirectory {
  /** Every user, in display order. */
  list(): readonly DevUser[];
  /** The user with this id. */
  get(id: string): DevUser | undefined;
  /**
   * Adds a user (or replaces the one with the same id).
   *
   * @throws {ConfigurationError} `CONFIG_INVALID` when the id is not lower-case letters, digits and dashes.
   */
  add(user: DevUser): DevUser;
}

/** A running development identity provider. */
export interface DevIdp {
  /** The Web-standard handler; mount it anywhere or serve it with `startDevIdp`. */
  readonly handler: (request: Request) => Promise<Response>;
  /**
   * The issuer URL to configure a client with (the discovery location). For Microsoft it is
   * `…/microsoft/<tenant>/v2.0` (default tenant `common`, whose discovery names the templated
   * `{tenantid}` issuer).
   *
   * @throws {ConfigurationError} `CONFIG_INVALID` when no `baseUrl` is known.
   */
  issuerFor(flavor: FlavorName, options?: { readonly tenant?: string }): string;
  /**
   * The discovery (or, for GitHub, RFC 8414) document of a flavor, as it is served: handy for
   * presets that take explicit endpoints. GitHub's API base is `<issuer>/api`; Google's Calendar-like
   * API is under `<issuer>/calendar/v3`.
   *
   * @throws {ConfigurationError} `CONFIG_INVALID` when no `baseUrl` is known.
   */
  metadataFor(flavor: FlavorName, options?: { readonly tenant?: string }): Record<string, unknown>;
  /** The test users. */
  readonly users: DevUserDirectory;
  /** Registers a client (or replaces the one with the same `client_id`). */
  registerClient(client: DevClient): void;
  /** Adds a new signing key and signs with it from now on; older keys stay published. Returns the new `kid`. */
  rotateKeys(): Promise<string>;
  /** The published JWKS. */
  jwks(): Promise<PublishedJwks>;
  /** Makes the next authorization or token request fail or answer slowly. Calls queue up. */
  simulate(failure: SimulatedFailure): void;
  /**
   * OP-initiated logout: ends every browser session of `userId` and delivers back-channel logout
   * tokens. Resolves with the number of sessions ended.
   */
  logoutUser(userId: string): Promise<number>;
  /** Every back-channel logout delivery attempted so far (no tokens kept). */
  readonly logoutDeliveries: readonly LogoutDelivery[];
}

interface ResolvedInstance {
  readonly instance: FlavorInstance;
  /** The path after the prefix, starting with `/`. */
  readonly rest: string;
  readonly cookieName: string;
  readonly cookiePath: string;
}

class OAuthRedirectError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
  ) {
    super(description);
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.min(ms, 120_000))));
}

function oauthError(error: string, description: string, status = 400, headers: Record<string, string> = {}): Response {
  return json({ error, error_description: description }, status, headers);
}

/** Reads the parameters of a GET query or an urlencoded POST body; `undefined` when a parameter repeats. */
async function readParams(request: Request): Promise<Record<string, string> | undefined> {
  let source: URLSearchParams;
  if (request.method === 'POST') {
    const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    source = type === 'application/x-www-form-urlencoded' ? new URLSearchParams(await request.text()) : new URLSearchParams();
  } else {
    source = new URL(request.url).searchParams;
  }
  const out: Record<string, string> = {};
  for (const [k, v] of source) {
    // RFC 6749 §3.1: request parameters MUST NOT be included more than once.
    if (Object.hasOwn(out, k)) return undefined;
    out[k] = v;
  }
  return out;
}

function parseCookies(header: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

function splitScopes(scope: string | undefined): string[] {
  return [...new Set((scope ?? '').split(/[\s,]+/).filter(Boolean))];
}

function bearerToken(request: Request, allowTokenScheme: boolean): string | undefined {
  const h = request.headers.get('authorization') ?? '';
  const m = /^(Bearer|token)\s+([A-Za-z0-9\-._~+/]+=*)$/i.exec(h.trim());
  if (!m) return undefined;
  if (m[1]!.toLowerCase() === 'token' && !allowTokenScheme) return undefined;
  return m[2];
}

/** Whether a redirect URI may be used by an unregistered client in `acceptAnyClient` mode. */
function isAcceptableDevRedirect(uri: string): boolean {
  try {
    const u = new URL(uri);
    return (u.protocol === 'http:' || u.protocol === 'https:') && isLoopbackHost(u.hostname) && u.hash === '';
  } catch {
    return false;
  }
}

const USER_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/**
 * Creates a development identity provider.
 *
 * @param options Users, clients, `acceptAnyClient`, lifetimes and the public `baseUrl`.
 * @returns The handler plus controls: `issuerFor`, `users`, `rotateKeys`, `simulate`, `logoutUser`.
 * @throws {ConfigurationError} `CONFIG_INVALID` for an invalid user id or client.
 * @example
 * ```ts
 * const idp = createDevIdp({ baseUrl: 'http://127.0.0.1:4000', acceptAnyClient: true });
 * const response = await idp.handler(new Request('http://127.0.0.1:4000/oidc/.well-known/openid-configuration'));
 * ```
 * @see [OpenID Connect Core 1.0](https://openid.net/specs/openid-connect-core-1_0.html#CodeFlowAuth)
 */
export function createDevIdp(options: DevIdpOptions = {}): DevIdp {
  const now = options.now ?? Date.now;
  const nowSeconds = () => Math.floor(now() / 1000);
  const ttl = options.accessTokenTtlSeconds ?? 3600;
  const slowMs = options.slowMs ?? 3000;
  const genericPolicy = options.genericRefreshTokens ?? 'always';
  const acceptAnyClient = options.acceptAnyClient ?? false;
  const baseUrl = options.baseUrl?.replace(/\/+$/, '');
  const keys = new KeyRing(options.maxPublishedKeys ?? 3);
  const store = new DevStore(now);
  const users = new Map<string, DevUser>();
  const clients = new Map<string, DevClient>();
  const failures: SimulatedFailure[] = [];
  const deliveries: LogoutDelivery[] = [];

  const directory: DevUserDirectory = {
    list: () => [...users.values()],
    get: (id) => users.get(id),
    add(user) {
      if (!USER_ID.test(user.id)) throw new ConfigurationError(`Dev IdP user id "${user.id}" must be lower-case letters, digits and dashes.`);
      users.set(user.id, user);
      return user;
    },
  };
  for (const u of options.users ?? DEFAULT_USERS) directory.add(u);

  function registerClient(client: DevClient): void {
    if (!client.client_id) throw new ConfigurationError('A dev IdP client needs a client_id.');
    for (const uri of client.redirect_uris) {
      try {
        new URL(uri);
      } catch {
        throw new ConfigurationError(`Dev IdP client "${client.client_id}": redirect URI "${uri}" is not an absolute URL.`);
      }
    }
    clients.set(client.client_id, client);
  }
  for (const c of options.clients ?? []) registerClient(c);

  // ── helpers ─────────────────────────────────────────────────────────────────────────────────────

  function avatarUrl(base: string, user: DevUser): string {
    return user.picture ?? `${base}/avatars/${encodeURIComponent(user.id)}.svg`;
  }

  function resolve(base: string, pathname: string): ResolvedInstance | undefined {
    const segments = pathname.split('/');
    const first = segments[1] ?? '';
    const name = SEGMENTS[first];
    if (name === undefined) return undefined;
    const flavor = FLAVORS[name];
    let prefix = `/${first}`;
    let issuer = `${base}${prefix}`;
    let tenant: string | undefined;
    if (name === 'microsoft') {
      tenant = segments[2] ?? '';
      if (!/^[A-Za-z0-9.-]{1,64}$/.test(tenant)) return undefined;
      prefix = `/microsoft/${tenant}`;
      // Microsoft quirk: multi-tenant discovery names a templated issuer.
      issuer = microsoftIssuer(base, MULTI_TENANTS.includes(tenant) ? '{tenantid}' : tenant);
    }
    const instance: FlavorInstance = tenant === undefined ? { flavor, base, prefix, issuer } : { flavor, base, prefix, issuer, tenant };
    return { instance, rest: pathname.slice(prefix.length) || '/', cookieName: `lkdev_${first}`, cookiePath: `/${first}` };
  }

  /** Takes the next simulated failure meant for this endpoint, if any. */
  function takeFailure(at: 'authorization' | 'token'): SimulatedFailure | undefined {
    const i = failures.findIndex((f) => {
      const target = f.endpoint ?? (f.error === 'access_denied' ? 'authorization' : 'any');
      return target === 'any' || target === at;
    });
    return i === -1 ? undefined : failures.splice(i, 1)[0];
  }

  function currentSession(request: Request, r: ResolvedInstance): BrowserSession | undefined {
    const id = parseCookies(request.headers.get('cookie'))[r.cookieName];
    const session = id === undefined ? undefined : store.sessions.get(id);
    if (!session || session.flavor !== r.instance.flavor.name || !users.has(session.userId)) return undefined;
    return session;
  }

  function sessionCookie(r: ResolvedInstance, value: string | undefined): string {
    const base = `${r.cookieName}=${value ?? ''}; Path=${r.cookiePath}; HttpOnly; SameSite=Lax`;
    return value === undefined ? `${base}; Max-Age=0` : base;
  }

  function claimsContext(r: ResolvedInstance, fields: Omit<ClaimsContext, 'instance' | 'avatarUrl'>, user: DevUser): ClaimsContext {
    return { ...fields, instance: r.instance, avatarUrl: avatarUrl(r.instance.base, user) };
  }

  /** Sends an authorization response (success or error) by the requested response mode, with RFC 9207 `iss`. */
  function authorizationResponse(r: ResolvedInstance, redirectUri: string, responseMode: string, params: Record<string, string>, headers: Record<string, string> = {}): Response {
    const out = { ...params };
    // RFC 9207 §2: the iss parameter on every authorization response, errors included.
    if (r.instance.flavor.issParameter) out.iss = r.instance.issuer;
    if (responseMode === 'form_post') return htmlResponse(formPostPage(redirectUri, out), 200, headers);
    const target = new URL(redirectUri);
    for (const [k, v] of Object.entries(out)) target.searchParams.set(k, v);
    return new Response(null, { status: 302, headers: { location: target.href, 'cache-control': 'no-store', ...headers } });
  }

  /** Checks `client_id` and `redirect_uri`; failures here are shown, never redirected (RFC 6749 §4.1.2.1). */
  function checkClientAndRedirect(params: Record<string, string>): { client: DevClient | undefined; redirectUri: string } | { error: string; description: string } {
    const clientId = params.client_id;
    if (!clientId) return { error: 'invalid_request', description: 'client_id is missing.' };
    const client = clients.get(clientId);
    const redirectUri = params.redirect_uri;
    if (client) {
      // Exact string comparison with a registered redirect URI (RFC 9700 §4.1.3).
      if (redirectUri === undefined) {
        if (client.redirect_uris.length === 1) return { client, redirectUri: client.redirect_uris[0]! };
        return { error: 'invalid_request', description: 'redirect_uri is missing.' };
      }
      if (!client.redirect_uris.includes(redirectUri)) return { error: 'invalid_request', description: 'redirect_uri is not registered for this client.' };
      return { client, redirectUri };
    }
    if (!acceptAnyClient) return { error: 'invalid_client', description: `Unknown client_id "${clientId}".` };
    if (redirectUri === undefined || !isAcceptableDevRedirect(redirectUri)) {
      return { error: 'invalid_request', description: 'Unregistered clients may only use an http(s) redirect_uri on a loopback host.' };
    }
    return { client: undefined, redirectUri };
  }

  // ── /authorize ─────────────────────────────────────────────────────────────────────────────────

  async function authorize(request: Request, r: ResolvedInstance): Promise<Response> {
    const params = await readParams(request);
    if (!params) return htmlResponse(errorPage('invalid_request', 'A parameter was repeated.'), 400);
    const checked = checkClientAndRedirect(params);
    if ('error' in checked) return htmlResponse(errorPage(checked.error, checked.description), 400);
    const { redirectUri } = checked;
    const responseMode = params.response_mode === 'form_post' ? 'form_post' : 'query';
    const state: Record<string, string> = params.state === undefined ? {} : { state: params.state };
    const fail = (error: string, description: string) => authorizationResponse(r, redirectUri, responseMode, { error, error_description: description, ...state });

    const simulated = takeFailure('authorization');
    if (simulated?.delayMs) await sleep(simulated.delayMs);
    if (simulated?.error) return fail(simulated.error, 'Simulated by the dev IdP.');

    try {
      validateAuthorizationRequest(r.instance.flavor, params);
    } catch (e) {
      if (e instanceof OAuthRedirectError) return fail(e.error, e.description);
      throw e;
    }
    const prompts = splitScopes(params.prompt);
    const maxAge = params.max_age === undefined ? undefined : Number(params.max_age);
    const session = currentSession(request, r);
    const fresh = session !== undefined && !prompts.includes('login') && (maxAge === undefined || nowSeconds() - session.authTime <= maxAge);
    const interaction = store.createInteraction({ flavor: r.instance.flavor.name, prefix: r.instance.prefix, clientId: params.client_id!, redirectUri, params });
    if (prompts.includes('none')) {
      // OIDC Core 3.1.2.6: prompt=none never shows a page; without a usable session, login_required.
      if (!fresh) return fail('login_required', 'No signed-in session (prompt=none).');
      store.interactions.delete(interaction.id);
      return complete(r, interaction, session, users.get(session.userId)!, {});
    }
    return renderSignIn(r, interaction, fresh ? session : undefined);
  }

  function validateAuthorizationRequest(flavor: Flavor, params: Record<string, string>): void {
    // RFC 6749 §3.1.1: only response_type=code is offered (OAuth 2.1, RFC 9700 §2.1.2).
    if ((params.response_type ?? (flavor.responseTypeOptional ? 'code' : undefined)) !== 'code') throw new OAuthRedirectError('unsupported_response_type', 'Only response_type=code is supported.');
    if (params.response_mode !== undefined && params.response_mode !== 'query' && params.response_mode !== 'form_post') {
      throw new OAuthRedirectError('invalid_request', 'response_mode must be query or form_post.');
    }
    const scopes = splitScopes(params.scope);
    if (flavor.requireOpenid && !scopes.includes('openid')) throw new OAuthRedirectError('invalid_scope', 'The scope must include openid.');
    // RFC 7636 §4.3: S256 only; plain is refused (RFC 9700 §2.1.1).
    if (params.code_challenge !== undefined) {
      if ((params.code_challenge_method ?? 'plain') !== 'S256') throw new OAuthRedirectError('invalid_request', 'code_challenge_method must be S256.');
      if (!/^[A-Za-z0-9_-]{43}$/.test(params.code_challenge)) throw new OAuthRedirectError('invalid_request', 'code_challenge is malformed.');
    } else if (flavor.pkce === 'required') {
      throw new OAuthRedirectError('invalid_request', 'PKCE is required: send code_challenge with code_challenge_method=S256.');
    }
    const prompts = splitScopes(params.prompt);
    if (prompts.includes('none') && prompts.length > 1) throw new OAuthRedirectError('invalid_request', 'prompt=none cannot be combined with other values.');
    if (params.max_age !== undefined && !/^\d{1,9}$/.test(params.max_age)) throw new OAuthRedirectError('invalid_request', 'max_age must be a non-negative integer.');
    const extra = flavor.checkAuthorizationRequest?.(params);
    if (extra) throw new OAuthRedirectError(extra.error, extra.error_description);
  }

  function renderSignIn(r: ResolvedInstance, interaction: Interaction, continueSession: BrowserSession | undefined, notice?: string): Response {
    const hint = interaction.params.login_hint;
    const hinted = hint === undefined ? undefined : directory.list().find((u) => u.id === hint || u.email === hint);
    const html = signInPage({
      providerTitle: r.instance.flavor.title,
      accent: r.instance.flavor.accent,
      clientId: interaction.clientId,
      redirectUri: interaction.redirectUri,
      scopes: splitScopes(interaction.params.scope),
      action: `${r.instance.prefix}/interaction/${interaction.id}`,
      users: directory.list(),
      avatarUrl: (u) => avatarUrl(r.instance.base, u),
      ...(hinted ? { hintedUserId: hinted.id } : {}),
      ...(continueSession ? { continueAs: users.get(continueSession.userId)! } : {}),
      ...(notice ? { notice } : {}),
      slowMs,
    });
    return htmlResponse(html);
  }

  async function interactionRoute(request: Request, r: ResolvedInstance, id: string): Promise<Response> {
    const interaction = store.getInteraction(id);
    if (!interaction || interaction.prefix !== r.instance.prefix) {
      return htmlResponse(errorPage('invalid_request', 'This sign-in page has expired or was already used; start the sign-in again.'), 400);
    }
    const session = currentSession(request, r);
    const maxAge = interaction.params.max_age === undefined ? undefined : Number(interaction.params.max_age);
    const fresh = session !== undefined && !splitScopes(interaction.params.prompt).includes('login') && (maxAge === undefined || nowSeconds() - session.authTime <= maxAge);
    if (request.method === 'GET') return renderSignIn(r, interaction, fresh ? session : undefined);
    if (request.method !== 'POST') return new Response(null, { status: 405, headers: { allow: 'GET, POST' } });
    const form = (await readParams(request)) ?? {};
    const responseMode = interaction.params.response_mode === 'form_post' ? 'form_post' : 'query';
    const state: Record<string, string> = interaction.params.state === undefined ? {} : { state: interaction.params.state };
    const action = form.action ?? 'login';

    if (action === 'add-user') {
      const name = (form.name ?? '').trim().slice(0, 80);
      const email = (form.email ?? '').trim().slice(0, 120);
      if (!name) return renderSignIn(r, interaction, fresh ? session : undefined, 'A name is required to add a user.');
      if (email !== '' && !/^[^\s@]+@[^\s@]+$/.test(email)) return renderSignIn(r, interaction, fresh ? session : undefined, 'That email address does not look valid.');
      const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 40) || 'user';
      let userId = slug;
      for (let n = 2; users.has(userId) && n < 1000; n++) userId = `${slug}-${n}`;
      const parts = name.split(/\s+/);
      directory.add({
        id: userId,
        name,
        givenName: parts[0]!,
        ...(parts.length > 1 ? { familyName: parts.slice(1).join(' ') } : {}),
        email: email === '' ? null : email,
        emailVerified: form.email_verified === '1' || form.email_verified === 'on',
      });
      // Post/Redirect/Get back to the page.
      return new Response(null, { status: 303, headers: { location: `${r.instance.prefix}/interaction/${interaction.id}`, 'cache-control': 'no-store' } });
    }

    // Every other action ends the interaction (one-time).
    store.interactions.delete(interaction.id);
    if (action === 'deny') {
      return authorizationResponse(r, interaction.redirectUri, responseMode, { error: 'access_denied', error_description: 'The user denied the request.', ...state });
    }
    if (action === 'server-error') {
      return authorizationResponse(r, interaction.redirectUri, responseMode, { error: 'server_error', error_description: 'Simulated server error.', ...state });
    }
    if (action === 'continue') {
      if (!fresh || !session) return htmlResponse(errorPage('login_required', 'The session has ended; start the sign-in again.'), 400);
      return complete(r, interaction, session, users.get(session.userId)!, {});
    }
    const user = form.user === undefined ? undefined : users.get(form.user);
    if (!user) return htmlResponse(errorPage('invalid_request', 'Unknown user; start the sign-in again.'), 400);
    if (form.slow === '1') await sleep(slowMs);
    const newSession = store.createSession(r.instance.flavor.name, user.id);
    if (session && session.userId !== user.id) store.sessions.delete(session.id);
    return complete(r, interaction, newSession, user, { 'set-cookie': sessionCookie(r, newSession.id) });
  }

  /** Issues the code and answers the client (OIDC Core 3.1.2.5). */
  async function complete(r: ResolvedInstance, interaction: Interaction, session: BrowserSession, user: DevUser, headers: Record<string, string>): Promise<Response> {
    const flavor = r.instance.flavor;
    const params = interaction.params;
    const grantKey = `${flavor.name} ${user.id} ${interaction.clientId}`;
    const previous = store.grants.get(grantKey);
    const firstConsent = previous === undefined;
    let scopes = splitScopes(params.scope);
    // Google: include_granted_scopes=true adds the scopes granted before (incremental authorization).
    if (params.include_granted_scopes === 'true' && previous) scopes = [...new Set([...scopes, ...previous])];
    store.grants.set(grantKey, new Set([...(previous ?? []), ...scopes]));
    const issuer = flavor.tokenIssuer(r.instance, user);
    const code = store.issueCode({
      flavor: flavor.name,
      clientId: interaction.clientId,
      redirectUri: interaction.redirectUri,
      ...(params.code_challenge !== undefined ? { codeChallenge: params.code_challenge } : {}),
      ...(params.nonce !== undefined ? { nonce: params.nonce } : {}),
      scopes,
      userId: user.id,
      authTime: session.authTime,
      sid: session.id,
      issuer,
      refresh: flavor.wantsRefreshToken({ scopes, params, firstConsent, genericPolicy }),
      maxAgeRequested: params.max_age !== undefined,
    });
    session.clients.set(interaction.clientId, issuer);
    const extras = (await flavor.authorizationResponseExtras?.(user, { scopes, firstConsent })) ?? {};
    const out: Record<string, string> = { code, ...(params.state !== undefined ? { state: params.state } : {}), ...extras };
    return authorizationResponse(r, interaction.redirectUri, params.response_mode === 'form_post' ? 'form_post' : 'query', out, headers);
  }

  // ── client authentication (RFC 6749 §2.3) ──────────────────────────────────────────────────────

  type ClientAuthResult = { readonly clientId: string; readonly client: DevClient | undefined } | { readonly answer: TokenAnswer };

  async function authenticateClient(request: Request, params: Record<string, string>, r: ResolvedInstance): Promise<ClientAuthResult> {
    const flavor = r.instance.flavor;
    const invalid = (description: string, basic: boolean): ClientAuthResult => ({
      answer: { status: 401, body: { error: 'invalid_client', error_description: description }, ...(basic ? { wwwAuthenticate: 'Basic realm="dev-idp"' } : {}) },
    });
    const header = request.headers.get('authorization') ?? '';
    let basicId: string | undefined;
    let basicSecret: string | undefined;
    if (/^basic\s/i.test(header)) {
      try {
        const decoded = fromUtf8(fromBase64url(header.slice(6).trim().replace(/\+/g, '-').replace(/\//g, '_')));
        const i = decoded.indexOf(':');
        if (i < 0) return invalid('Malformed Basic credentials.', true);
        // RFC 6749 §2.3.1: client id and secret are form-urlencoded before base64.
        basicId = decodeURIComponent(decoded.slice(0, i).replace(/\+/g, ' '));
        basicSecret = decodeURIComponent(decoded.slice(i + 1).replace(/\+/g, ' '));
      } catch {
        return invalid('Malformed Basic credentials.', true);
      }
    }
    if (basicId !== undefined && params.client_secret !== undefined) {
      return { answer: { status: 400, body: { error: 'invalid_request', error_description: 'Use one client authentication method.' } } };
    }
    if (basicId !== undefined && params.client_id !== undefined && params.client_id !== basicId) {
      return { answer: { status: 400, body: { error: 'invalid_request', error_description: 'client_id differs from the authenticated client.' } } };
    }
    const clientId = basicId ?? params.client_id;
    if (!clientId) return invalid('No client authentication.', false);
    const used = basicId !== undefined ? 'client_secret_basic' : params.client_secret !== undefined ? 'client_secret_post' : 'none';
    const secret = basicSecret ?? params.client_secret;
    const client = clients.get(clientId);
    if (!client && !acceptAnyClient) return invalid('Unknown client.', used === 'client_secret_basic');
    if (!flavor.clientAuthMethods.includes(used)) return invalid(`${used} is not accepted here.`, used === 'client_secret_basic');
    if (flavor.verifyClientSecret && used !== 'none') {
      // Apple: the secret is an ES256 JWT, verified against the registered key.
      const ok = await flavor.verifyClientSecret(secret!, clientId, client, r.instance, nowSeconds());
      return ok ? { clientId, client } : invalid('The client secret JWT is invalid.', false);
    }
    if (!client) return { clientId, client };
    const confidential = client.client_secret !== undefined || client.apple !== undefined;
    if (!confidential) return used === 'none' ? { clientId, client } : invalid('This public client has no secret.', used === 'client_secret_basic');
    if (used === 'none') return invalid('Client authentication is required.', false);
    if (client.token_endpoint_auth_method !== undefined && client.token_endpoint_auth_method !== used) {
      return invalid(`This client is registered for ${client.token_endpoint_auth_method}.`, used === 'client_secret_basic');
    }
    if (client.client_secret === undefined || !timingSafeEqual(secret!, client.client_secret)) return invalid('Wrong client secret.', used === 'client_secret_basic');
    return { clientId, client };
  }

  // ── /token ─────────────────────────────────────────────────────────────────────────────────────

  function tokenReply(r: ResolvedInstance, request: Request, answer: TokenAnswer): Response {
    if (r.instance.flavor.tokenResponse) return r.instance.flavor.tokenResponse(answer, request);
    // RFC 6749 §5.1: no-store on token responses.
    const headers: Record<string, string> = { pragma: 'no-cache' };
    if (answer.wwwAuthenticate) headers['www-authenticate'] = answer.wwwAuthenticate;
    return json(answer.body, answer.status, headers);
  }

  async function token(request: Request, r: ResolvedInstance): Promise<Response> {
    if (request.method !== 'POST') return oauthError('invalid_request', 'Use POST.', 405, { allow: 'POST' });
    const simulated = takeFailure('token');
    if (simulated?.delayMs) await sleep(simulated.delayMs);
    if (simulated?.error) return tokenReply(r, request, { status: 500, body: { error: 'server_error', error_description: 'Simulated by the dev IdP.' } });
    const params = await readParams(request);
    if (!params) return tokenReply(r, request, { status: 400, body: { error: 'invalid_request', error_description: 'A parameter was repeated.' } });
    const auth = await authenticateClient(request, params, r);
    if ('answer' in auth) return tokenReply(r, request, auth.answer);
    const grantType = params.grant_type ?? (r.instance.flavor.grantTypeOptional && params.code !== undefined ? 'authorization_code' : undefined);
    const answer =
      grantType === 'authorization_code'
        ? await codeGrant(params, auth.clientId, r)
        : grantType === 'refresh_token' && !r.instance.flavor.noRefreshGrant
          ? await refreshGrant(params, auth.clientId, r)
          : { status: 400, body: { error: 'unsupported_grant_type', error_description: 'Unsupported grant_type.' } };
    return tokenReply(r, request, answer);
  }

  function grantError(error: string, description: string): TokenAnswer {
    return { status: 400, body: { error, error_description: description } };
  }

  async function codeGrant(params: Record<string, string>, clientId: string, r: ResolvedInstance): Promise<TokenAnswer> {
    const flavor = r.instance.flavor;
    if (!params.code) return grantError('invalid_request', 'code is missing.');
    const looked = store.consumeCode(params.code);
    // RFC 6749 §4.1.2: a reused code is refused and the tokens it produced are revoked.
    if (looked.status === 'reused') return grantError('invalid_grant', 'The authorization code was already used.');
    if (looked.status !== 'ok') return grantError('invalid_grant', 'The authorization code is invalid or expired.');
    const grant = looked.grant;
    if (grant.flavor !== flavor.name) return grantError('invalid_grant', 'The authorization code was issued by another issuer.');
    if (grant.clientId !== clientId) return grantError('invalid_grant', 'The authorization code was issued to another client.');
    // RFC 6749 §4.1.3: redirect_uri must be identical to the one in the authorization request.
    if (params.redirect_uri === undefined ? !flavor.redirectUriOptionalAtToken : params.redirect_uri !== grant.redirectUri) {
      return grantError('invalid_grant', 'redirect_uri does not match the authorization request.');
    }
    if (grant.codeChallenge !== undefined) {
      // RFC 7636 §4.6: BASE64URL(SHA256(code_verifier)) must equal the code_challenge.
      const verifier = params.code_verifier;
      if (verifier === undefined) return grantError('invalid_grant', 'code_verifier is missing.');
      if (!/^[A-Za-z0-9\-._~]{43,128}$/.test(verifier)) return grantError('invalid_grant', 'code_verifier is malformed.');
      if (!timingSafeEqual(base64url(await sha256(verifier)), grant.codeChallenge)) return grantError('invalid_grant', 'PKCE verification failed.');
    } else if (params.code_verifier !== undefined && flavor.rejectsVerifierWithoutChallenge) {
      // Google quirk: a verifier without a challenge is an error.
      return grantError('invalid_request', 'code_verifier or verifier is not needed.');
    }
    const user = users.get(grant.userId);
    if (!user) return grantError('invalid_grant', 'The user no longer exists.');
    const family = store.createFamily({
      flavor: flavor.name,
      clientId,
      userId: user.id,
      scopes: grant.scopes,
      issuer: grant.issuer,
      sid: grant.sid,
      authTime: grant.authTime,
      maxAgeRequested: grant.maxAgeRequested,
    });
    store.linkCodeToFamily(params.code, family.id);
    return issueTokens(r, family, user, grant.refresh ? 'new' : 'none', grant.nonce);
  }

  async function refreshGrant(params: Record<string, string>, clientId: string, r: ResolvedInstance): Promise<TokenAnswer> {
    if (!params.refresh_token) return grantError('invalid_request', 'refresh_token is missing.');
    const looked = store.lookupRefreshToken(stripPrefix(r.instance.flavor, 'refresh', params.refresh_token));
    if (looked.status === 'reused') {
      // RFC 9700 §4.14.2: a rotated-out refresh token came back: revoke the whole family.
      store.revokeFamily(looked.family.id);
      return grantError('invalid_grant', 'The refresh token was already used; the grant is revoked.');
    }
    if (looked.status !== 'current') return grantError('invalid_grant', 'The refresh token is invalid or revoked.');
    const family = looked.family;
    if (family.clientId !== clientId || family.flavor !== r.instance.flavor.name) return grantError('invalid_grant', 'The refresh token was issued to another client.');
    const requested = splitScopes(params.scope);
    // RFC 6749 §6: a narrower scope may be requested, never a wider one.
    if (requested.some((s) => !family.scopes.includes(s))) return grantError('invalid_scope', 'The scope exceeds the original grant.');
    const user = users.get(family.userId);
    if (!user) return grantError('invalid_grant', 'The user no longer exists.');
    return issueTokens(r, family, user, r.instance.flavor.rotatesRefreshTokens ? 'rotate' : 'none', undefined);
  }

  async function issueTokens(r: ResolvedInstance, family: TokenFamily, user: DevUser, refresh: 'new' | 'rotate' | 'none', nonce: string | undefined): Promise<TokenAnswer> {
    const flavor = r.instance.flavor;
    const prefixes = flavor.tokenPrefixes ?? {};
    const accessToken = (prefixes.access ?? '') + store.issueAccessToken(family, ttl);
    const body: Record<string, string | number> = { access_token: accessToken, token_type: flavor.tokenType, expires_in: ttl };
    const scope = flavor.responseScope(family.scopes);
    if (scope !== undefined) body.scope = scope;
    if (refresh !== 'none') body.refresh_token = (prefixes.refresh ?? '') + store.rotateRefreshToken(family);
    if (flavor.kind === 'oidc' && family.scopes.includes('openid')) {
      const iat = nowSeconds();
      const subject = await flavor.subject(user, family.clientId);
      const ctx = claimsContext(
        r,
        { clientId: family.clientId, scopes: family.scopes, issuer: family.issuer, subject, authTime: family.authTime, issuedAt: iat, sid: family.sid, maxAgeRequested: family.maxAgeRequested, accessToken, ...(nonce !== undefined ? { nonce } : {}) },
        user,
      );
      const extra = (await flavor.idTokenClaims?.(user, ctx)) ?? {};
      // OIDC Core 2: iss, sub, aud, exp, iat always; nonce when the request had one.
      body.id_token = await keys.sign({ ...extra, iss: family.issuer, sub: subject, aud: family.clientId, exp: iat + ttl, iat, ...(nonce !== undefined ? { nonce } : {}) });
    }
    return { status: 200, body };
  }

  /** Strips a flavor's token prefix (`gho_`, `ya29.`) before looking a token up. */
  function stripPrefix(flavor: Flavor, kind: 'access' | 'refresh', tokenValue: string): string {
    const p = flavor.tokenPrefixes?.[kind] ?? '';
    return p && tokenValue.startsWith(p) ? tokenValue.slice(p.length) : tokenValue;
  }

  function familyForAccessToken(r: ResolvedInstance, request: Request): TokenFamily | undefined {
    const raw = bearerToken(request, r.instance.flavor.acceptsTokenScheme === true);
    if (raw === undefined) return undefined;
    const family = store.lookupAccessToken(stripPrefix(r.instance.flavor, 'access', raw));
    return family && family.flavor === r.instance.flavor.name ? family : undefined;
  }

  // ── /userinfo (OIDC Core 5.3) ──────────────────────────────────────────────────────────────────

  async function userinfo(request: Request, r: ResolvedInstance): Promise<Response> {
    const flavor = r.instance.flavor;
    if (!flavor.userinfo) return json({ error: 'not_found' }, 404);
    if (request.method !== 'GET' && request.method !== 'POST') return oauthError('invalid_request', 'Use GET or POST.', 405);
    const realm = `Bearer realm="${r.instance.issuer}"`;
    // RFC 6750 §2.1 only: the token in the Authorization header.
    if (!request.headers.get('authorization')) return new Response(null, { status: 401, headers: { 'www-authenticate': realm, 'cache-control': 'no-store' } });
    const family = familyForAccessToken(r, request);
    const user = family ? users.get(family.userId) : undefined;
    if (!family || !user) {
      return json({ error: 'invalid_token', error_description: 'The access token is invalid or expired.' }, 401, { 'www-authenticate': `${realm}, error="invalid_token"` });
    }
    if (!family.scopes.includes('openid')) {
      return json({ error: 'insufficient_scope' }, 403, { 'www-authenticate': `${realm}, error="insufficient_scope", scope="openid"` });
    }
    const subject = await flavor.subject(user, family.clientId);
    const ctx = claimsContext(
      r,
      { clientId: family.clientId, scopes: family.scopes, issuer: family.issuer, subject, authTime: family.authTime, issuedAt: nowSeconds(), sid: family.sid, maxAgeRequested: false, accessToken: '' },
      user,
    );
    return json(await flavor.userinfo(user, ctx));
  }

  // ── /revoke (RFC 7009) ─────────────────────────────────────────────────────────────────────────

  async function revoke(request: Request, r: ResolvedInstance): Promise<Response> {
    if (request.method !== 'POST') return oauthError('invalid_request', 'Use POST.', 405, { allow: 'POST' });
    const params = await readParams(request);
    const tokenValue = params?.token ?? new URL(request.url).searchParams.get('token') ?? undefined;
    if (!params || tokenValue === undefined) return oauthError('invalid_request', 'token is missing.');
    let clientId: string | undefined;
    if (r.instance.flavor.revocationNeedsClientAuth) {
      const auth = await authenticateClient(request, params, r);
      if ('answer' in auth) return tokenReply(r, request, auth.answer);
      clientId = auth.clientId;
    }
    const flavor = r.instance.flavor;
    const familyId = store.familyOfRefreshToken(stripPrefix(flavor, 'refresh', tokenValue));
    if (familyId !== undefined) {
      const looked = store.lookupRefreshToken(stripPrefix(flavor, 'refresh', tokenValue));
      const family = 'family' in looked ? looked.family : undefined;
      // RFC 7009 §2.1: the token must belong to the requesting client; revoking a refresh token revokes the grant.
      if (!family || clientId === undefined || family.clientId === clientId) store.revokeFamily(familyId);
    } else {
      const family = store.lookupAccessToken(stripPrefix(flavor, 'access', tokenValue));
      if (family && (clientId === undefined || family.clientId === clientId)) store.revokeAccessToken(stripPrefix(flavor, 'access', tokenValue));
    }
    // RFC 7009 §2.2: 200 whether or not the token was valid.
    return new Response(null, { status: 200, headers: { 'cache-control': 'no-store' } });
  }

  // ── /end_session (RP-Initiated Logout 1.0) and back-channel delivery ──────────────────────────

  async function verifyIdTokenHint(hint: string, r: ResolvedInstance): Promise<Record<string, unknown> | undefined> {
    try {
      const header = decodeProtectedHeader(hint);
      const jwk = keys.publicJwkFor(header.kid);
      if (!jwk || header.alg !== 'RS256') return undefined;
      await compactVerify(hint, await importJWK(jwk, 'RS256'));
      const claims = decodeJwt(hint);
      // RP-Initiated Logout 1.0 §2: the hint must be an ID token this OP issued (expiry is not checked).
      const iss = String(claims.iss ?? '');
      const mine = r.instance.flavor.issuedBy ? r.instance.flavor.issuedBy(r.instance, iss) : iss === r.instance.issuer;
      return mine ? claims : undefined;
    } catch {
      return undefined;
    }
  }

  async function endSession(request: Request, r: ResolvedInstance): Promise<Response> {
    const params = await readParams(request);
    if (!params) return htmlResponse(errorPage('invalid_request', 'A parameter was repeated.'), 400);
    let hintClaims: Record<string, unknown> | undefined;
    if (params.id_token_hint !== undefined) {
      hintClaims = await verifyIdTokenHint(params.id_token_hint, r);
      if (!hintClaims) return htmlResponse(errorPage('invalid_request', 'id_token_hint is not an ID token issued here.'), 400);
    }
    const aud = hintClaims?.aud;
    const hintClient = typeof aud === 'string' ? aud : Array.isArray(aud) && typeof aud[0] === 'string' ? aud[0] : undefined;
    if (hintClient !== undefined && params.client_id !== undefined && params.client_id !== hintClient) {
      return htmlResponse(errorPage('invalid_request', 'client_id does not match the id_token_hint.'), 400);
    }
    const clientId = hintClient ?? params.client_id;
    const postLogout = params.post_logout_redirect_uri;
    if (postLogout !== undefined) {
      if (clientId === undefined) return htmlResponse(errorPage('invalid_request', 'post_logout_redirect_uri needs id_token_hint or client_id.'), 400);
      const client = clients.get(clientId);
      const allowed = client ? (client.post_logout_redirect_uris ?? []).includes(postLogout) : acceptAnyClient && isAcceptableDevRedirect(postLogout);
      if (!allowed) return htmlResponse(errorPage('invalid_request', 'post_logout_redirect_uri is not registered for this client.'), 400);
    }
    let session = currentSession(request, r);
    if (!session && typeof hintClaims?.sid === 'string') session = store.sessions.get(hintClaims.sid);
    // Without a hint the user confirms, so a cross-site link cannot sign them out silently.
    if (!hintClaims && params.confirm !== 'yes' && session) {
      const { confirm: _ignored, ...rest } = params;
      return htmlResponse(logoutConfirmPage(`${r.instance.prefix}${r.instance.flavor.paths.endSession}`, rest, users.get(session.userId)?.name));
    }
    if (session) await endBrowserSession(session);
    const headers = { 'set-cookie': sessionCookie(r, undefined) };
    if (postLogout === undefined) return htmlResponse(signedOutPage(), 200, headers);
    const target = new URL(postLogout);
    if (params.state !== undefined) target.searchParams.set('state', params.state);
    return new Response(null, { status: 302, headers: { location: target.href, 'cache-control': 'no-store', ...headers } });
  }

  /** Ends a browser session and POSTs a logout token to every client of it that registered a back-channel URI. */
  async function endBrowserSession(session: BrowserSession): Promise<void> {
    store.sessions.delete(session.id);
    const user = users.get(session.userId);
    const flavor = FLAVORS[session.flavor];
    if (!user) return;
    await Promise.all(
      [...session.clients].map(async ([clientId, issuer]) => {
        const uri = clients.get(clientId)?.backchannel_logout_uri;
        if (uri === undefined) return;
        const iat = nowSeconds();
        // Back-Channel Logout 1.0 §2.4: iss, aud, iat, exp, jti, events, sid and sub; never a nonce.
        const logoutToken = await keys.sign(
          { iss: issuer, aud: clientId, iat, exp: iat + 120, jti: randomToken(16), sub: await flavor.subject(user, clientId), sid: session.id, events: { [BACKCHANNEL_EVENT]: {} } },
          'logout+jwt',
        );
        let status = 0;
        try {
          const res = await httpRequest(
            { url: uri, method: 'POST', body: new URLSearchParams({ logout_token: logoutToken }), expect: 'any', okStatuses: [200, 204] },
            { timeoutMs: 5000 },
          );
          status = res.status;
        } catch (e) {
          status = isLatchkeyError(e) && e.response ? e.response.status : 0;
        }
        deliveries.push({ clientId, uri, sid: session.id, status, ok: status === 200 || status === 204 });
        if (deliveries.length > 1000) deliveries.shift();
      }),
    );
  }

  // ── flavor API authentication (GitHub API, Google Calendar) ───────────────────────────────────

  function flavorApi(r: ResolvedInstance): FlavorApi {
    return {
      authenticate(request) {
        const family = familyForAccessToken(r, request);
        const user = family ? users.get(family.userId) : undefined;
        return family && user ? { user, scopes: family.scopes, clientId: family.clientId } : undefined;
      },
      avatarUrl: (user) => avatarUrl(r.instance.base, user),
    };
  }

  // ── routing ────────────────────────────────────────────────────────────────────────────────────

  function baseOf(request: Request): string {
    return baseUrl ?? new URL(request.url).origin;
  }

  function issuerFor(flavor: FlavorName, opts: { readonly tenant?: string } = {}, base = baseUrl): string {
    if (base === undefined) throw new ConfigurationError('The dev IdP has no baseUrl yet: pass `baseUrl` to createDevIdp, or use startDevIdp.');
    if (flavor === 'microsoft') return microsoftIssuer(base, opts.tenant ?? 'common');
    return `${base}/${SEGMENT_OF[flavor]}`;
  }

  async function route(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const base = baseOf(request);
    const path = url.pathname;
    if (path === '/' && request.method === 'GET') {
      const issuers = FLAVOR_NAMES.map((f) => ({
        title: FLAVORS[f].title,
        issuer: issuerFor(f, {}, base),
        note: f === 'github' ? 'OAuth 2.0 only; RFC 8414 metadata at /github/.well-known/oauth-authorization-server' : f === 'microsoft' ? 'any tenant: /microsoft/<tenant>/v2.0' : 'OpenID Connect discovery',
      }));
      return htmlResponse(indexPage({ issuers, users: directory.list(), acceptAnyClient }));
    }
    const avatar = /^\/avatars\/([a-z0-9-]+)\.svg$/.exec(path);
    if (avatar) {
      const user = users.get(avatar[1]!);
      if (!user) return new Response('Not found', { status: 404 });
      return new Response(avatarSvg(user), { headers: { 'content-type': 'image/svg+xml', 'cache-control': 'public, max-age=300' } });
    }
    const r = resolve(base, path);
    if (!r) return json({ error: 'not_found' }, 404);
    const paths = r.instance.flavor.paths;
    const rest = r.rest;
    if (rest === paths.discovery && request.method === 'GET') return json(r.instance.flavor.metadata(r.instance), 200, { 'cache-control': 'public, max-age=60' });
    if (rest === paths.jwks && request.method === 'GET') {
      await keys.ensureReady();
      return json(keys.jwks(), 200, { 'cache-control': 'public, max-age=60' });
    }
    if (rest === paths.authorize) return authorize(request, r);
    if (rest === paths.token) return token(request, r);
    if (rest === paths.userinfo) return userinfo(request, r);
    if (rest === paths.revoke) return revoke(request, r);
    if (rest === paths.endSession) return endSession(request, r);
    const interaction = /^\/interaction\/([A-Za-z0-9_-]{1,64})$/.exec(rest);
    if (interaction) return interactionRoute(request, r, interaction[1]!);
    const extra = await r.instance.flavor.route?.(rest, request, flavorApi(r));
    return extra ?? json({ error: 'not_found' }, 404);
  }

  async function handler(request: Request): Promise<Response> {
    try {
      return await route(request);
    } catch {
      // Never echo internals (or request data) back.
      return json({ error: 'server_error', error_description: 'The dev IdP failed to handle this request.' }, 500);
    }
  }

  return {
    handler,
    issuerFor: (flavor, opts) => issuerFor(flavor, opts),
    metadataFor(flavor, opts = {}) {
      if (baseUrl === undefined) throw new ConfigurationError('The dev IdP has no baseUrl yet: pass `baseUrl` to createDevIdp, or use startDevIdp.');
      const path = flavor === 'microsoft' ? `/microsoft/${opts.tenant ?? 'common'}/` : `/${SEGMENT_OF[flavor]}/`;
      const r = resolve(baseUrl, path)!;
      return r.instance.flavor.metadata(r.instance);
    },
    users: directory,
    registerClient,
    rotateKeys: () => keys.rotate(),
    async jwks() {
      await keys.ensureReady();
      return keys.jwks();
    },
    simulate(failure) {
      failures.push({ ...failure });
    },
    async logoutUser(userId) {
      const sessions = [...store.sessions.values()].filter((s) => s.userId === userId);
      for (const s of sessions) await endBrowserSession(s);
      return sessions.length;
    },
    logoutDeliveries: deliveries,
  };
}
