/**
 * A small OpenID Provider that misbehaves on request, for negative tests (and a few happy paths
 * oidc-provider cannot produce: kid-less tokens, unparseable JWKS entries, instant key rotation).
 * It records every request it receives so a test can assert that no token or userinfo call came
 * after a rejection.
 *
 * API (stable; other helpers rely on it):
 *
 * ```ts
 * const op = await startMisbehavingOp({ issuerPath?: '/tenant', clientId?, clientSecret?, subject?, clock?, advertisedIssuer? });
 * op.issuer            // 'http://127.0.0.1:<port>' (+ issuerPath), or advertisedIssuer
 * op.origin            // 'http://127.0.0.1:<port>': where the OP really listens
 * op.clientId, op.clientSecret, op.subject
 * op.faults            // mutable: see MisbehavingFaults (signing mode, claim overrides, JWKS shape,
 *                      // hostile JWKS keys or body, discovery issuer, authorization response,
 *                      // token response, userinfo, delay)
 *                      // signing: 'rs256' | 'hs256' | 'es256' | 'none' | 'bad-signature' | 'no-kid' | 'unknown-kid'
 * op.requests          // every request: { method, path, query, headers, form, clientAuth? } (path without issuerPath)
 * op.requestsTo('/token', '/userinfo')   // the requests to those paths
 * op.kid               // the current RSA signing kid
 * op.handlers          // Map<path, (req: Request) => Response | Promise<Response>>: overrides any endpoint
 * op.lastIssued        // the tokens of the last token response ({ idToken, accessToken, refreshToken, idTokenClaims })
 * op.rotateKeys()      // replaces the RSA signing key (new kid); the old key leaves the JWKS
 * op.makeLogoutToken(claims?, { alg?, typ?, kid?, key? })   // a back-channel logout token (claim value undefined deletes it)
 * op.signIdToken(claims, header?)                     // an ID token signed per op.faults.signing
 * op.reset()           // default faults, no requests, no handlers (keys are kept)
 * await op.close()
 *
 * // Helpers for RP-flow tests (any client with authorizationUrl/callback/userinfo, e.g. OidcClient):
 * await authorizeAt(url)                       // GET the authorization URL (no redirect following) -> callback params
 * await runRpFlow(rp, authOptions?)            // authorizationUrl -> authorize -> callback -> userinfo; { tokens?, userinfo?, error? }
 * callsAfter(op, '/token')                     // paths requested after the last request to a path
 *
 * // A public-looking provider and an internal service, for endpoint-policy tests:
 * const routed = routedFetch({ 'op.example': op.origin })   // routed.fetch sends https://op.example/... to the OP; routed.calls
 * const internal = await startInternalService()             // internal.origin, internal.requests; answers an OAuth error
 * ```
 *
 * Endpoints (under the issuer path): `/.well-known/openid-configuration`,
 * `/.well-known/oauth-authorization-server` (RFC 8414 at the host root, path appended), `/jwks`
 * (and `/jwks/<n>`), `/authorize` (immediate 302 with `code`, `state`, `iss`; a form_post HTML page
 * for `response_mode=form_post`; accepts PAR `request_uri`), `/token` (authorization_code with PKCE
 * S256, refresh_token, client_credentials; client_secret_basic or client_secret_post), `/userinfo`
 * (Bearer header only), `/revoke`, `/par`, `/end_session`.
 *
 * @module
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, importJWK, SignJWT } from 'jose';

/** How the OP signs ID tokens (and signed userinfo). */
export type SigningMode = 'rs256' | 'hs256' | 'es256' | 'none' | 'bad-signature' | 'no-kid' | 'unknown-kid';

/** Faults a test can switch on. Reset by `op.reset()`. */
export interface MisbehavingFaults {
  /**
   * ID token signing. `bad-signature`: RS256 with a corrupted signature; `no-kid`: RS256 without
   * `kid`; `unknown-kid`: RS256 with a key the JWKS never publishes (kid `not-published`).
   */
  signing: SigningMode;
  /** Corrupt the signature whatever the mode (bad HS256 MAC, bad ES256 signature). */
  corruptSignature: boolean;
  /** Claims merged over the ID token's (a value of `undefined` deletes the claim). */
  idTokenClaims: Record<string, unknown>;
  /** Claims removed from the ID token. */
  idTokenDeleteClaims: string[];
  /** Claims merged over a refreshed ID token's (after `idTokenClaims`). */
  refreshedIdTokenClaims: Record<string, unknown>;
  /** Claims removed from a refreshed ID token. */
  refreshedIdTokenDeleteClaims: string[];
  /** Extra RSA keys published in the JWKS (0–3), besides the signing key. */
  extraJwksKeys: number;
  /** Publish unusable keys too: an AKP (ML-DSA) key, an unknown kty, a broken RSA key, an `enc` key. */
  unparseableJwksKeys: boolean;
  /** Members appended to the JWKS `keys` array as given (hostile key sets: thousands of keys, huge exponents). */
  hostileJwksKeys: unknown[];
  /** Serve this text verbatim as the JWKS body (JSON that `JSON.stringify` cannot produce, e.g. nested 100 000 deep). */
  jwksBody?: string;
  /** The `issuer` the discovery document names (default: the real issuer). */
  discoveryIssuer?: string;
  /** Members merged over the discovery document. */
  discoveryOverrides: Record<string, unknown>;
  /** `jwks_uri` is `/jwks/<n>`, a new n on every discovery fetch. */
  jwksUriChangesOnDiscovery: boolean;
  /** Serve only the RFC 8414 document (the OIDC one answers 404). */
  onlyRfc8414: boolean;
  /** Authorization response tampering. */
  authorizationResponse: {
    state?: string;
    iss?: string;
    dropIss?: boolean;
    dropState?: boolean;
    dropCode?: boolean;
    error?: string;
    errorDescription?: string;
    extra?: Record<string, string>;
  };
  /** Token response tampering. */
  tokenResponse: {
    /** Members merged over the JSON body. */
    overrides?: Record<string, unknown>;
    /** Members removed from the body. */
    drop?: string[];
    /** Answer an HTML page with status 200. */
    html?: boolean;
    /** Answer this status with an OAuth error body (`error` below, default `invalid_grant`). */
    status?: number;
    error?: string;
    /**
     * With `status`: the error body's `error_description` echoes the request as received (the
     * form, encoded and decoded, and the `Authorization` header), like a debugging
     * server or an internal service that reflects its input.
     */
    echoRequest?: boolean;
  };
  /** Userinfo tampering. */
  userinfo: {
    sub?: string;
    /** Answer a signed JWT (`application/jwt`), signed per `signing`. */
    jwt?: boolean;
    /** Claims merged over the userinfo body (or JWT claims). */
    claims?: Record<string, unknown>;
    /** Answer this status (401 carries a Bearer `invalid_token` challenge). */
    status?: number;
  };
  /** Delay every response by this many ms (slow-provider tests). */
  delayMs: number;
}

/** One request the OP received. */
export interface RecordedRequest {
  readonly method: string;
  /** The path without the issuer path, e.g. `/token`. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** Lower-cased header names. */
  readonly headers: Readonly<Record<string, string>>;
  /** The parsed `application/x-www-form-urlencoded` body, if any. */
  readonly form?: Readonly<Record<string, string>>;
  /** For endpoints that authenticate the client: how it did. */
  clientAuth?: 'client_secret_basic' | 'client_secret_post' | 'none' | 'invalid';
}

/** A handler that overrides an endpoint. */
export type OpHandler = (req: Request) => Response | Promise<Response>;

/** Options of {@link startMisbehavingOp}. */
export interface MisbehavingOpOptions {
  /** A path after the host for the issuer, e.g. `/tenant-a`. */
  readonly issuerPath?: string;
  readonly clientId?: string;
  readonly clientSecret?: string;
  /** The end-user `sub`. Default `alice`. */
  readonly subject?: string;
  /** The OP's clock in ms. Default `Date.now`. */
  readonly clock?: () => number;
  /**
   * The issuer the OP names itself by (discovery document, endpoints, `iss`) instead of its
   * loopback URL, e.g. `https://op.example`: a public-looking provider, reached through
   * {@link routedFetch}. Its path must equal `issuerPath`.
   */
  readonly advertisedIssuer?: string;
}

/** The tokens of the last token response. */
export interface IssuedTokens {
  readonly accessToken: string;
  readonly refreshToken?: string;
  readonly idToken?: string;
  readonly idTokenClaims?: Record<string, unknown>;
}

/** A running misbehaving OP. */
export interface MisbehavingOp {
  readonly issuer: string;
  /** Where the OP listens: `http://127.0.0.1:<port>`. */
  readonly origin: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly subject: string;
  faults: MisbehavingFaults;
  readonly requests: RecordedRequest[];
  readonly handlers: Map<string, OpHandler>;
  readonly lastIssued: IssuedTokens | undefined;
  /** The current RSA signing key id. */
  readonly kid: string;
  rotateKeys(): Promise<string>;
  /**
   * A back-channel logout token from this OP. `alg`: RS256 (default), ES256, HS256 (client secret)
   * or none; `typ`: default `logout+jwt`, `null` for none; `kid`: override (`null` omits it);
   * `key: 'unpublished'` (or `kid: 'not-published'`) signs with an RSA key absent from the JWKS.
   */
  makeLogoutToken(
    claims?: Record<string, unknown>,
    options?: { alg?: string; typ?: string | null; kid?: string | null; key?: 'current' | 'unpublished' },
  ): Promise<string>;
  signIdToken(claims: Record<string, unknown>, header?: Record<string, unknown>): Promise<string>;
  /** Requests whose path is one of `paths`. */
  requestsTo(...paths: string[]): RecordedRequest[];
  reset(): void;
  close(): Promise<void>;
}

/** The back-channel logout event member. */
export const LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

interface KeyPairEntry {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: Record<string, unknown>;
}

interface CodeRecord {
  readonly clientId: string;
  readonly redirectUri?: string;
  readonly nonce?: string;
  readonly codeChallenge?: string;
  readonly codeChallengeMethod?: string;
  readonly scope: string;
  readonly authTime: number;
}

interface GrantRecord {
  readonly scope: string;
  readonly nonce?: string;
  readonly authTime: number;
  readonly sid: string;
}

function defaultFaults(): MisbehavingFaults {
  return {
    signing: 'rs256',
    corruptSignature: false,
    idTokenClaims: {},
    idTokenDeleteClaims: [],
    refreshedIdTokenClaims: {},
    refreshedIdTokenDeleteClaims: [],
    extraJwksKeys: 0,
    unparseableJwksKeys: false,
    hostileJwksKeys: [],
    discoveryOverrides: {},
    jwksUriChangesOnDiscovery: false,
    onlyRfc8414: false,
    authorizationResponse: {},
    tokenResponse: {},
    userinfo: {},
    delayMs: 0,
  };
}

const rand = (n = 24): string => randomBytes(n).toString('base64url');
const b64u = (b: Uint8Array): string => Buffer.from(b).toString('base64url');

async function rsaKey(kid: string, fixture?: Readonly<Record<string, string>>): Promise<KeyPairEntry> {
  if (fixture) {
    const privateKey = (await importJWK({ ...fixture }, 'RS256')) as CryptoKey;
    const { kty, n, e } = fixture;
    return { kid, privateKey, publicJwk: { kty, n, e, kid, use: 'sig', alg: 'RS256' } };
  }
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true });
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, use: 'sig', alg: 'RS256' } };
}

/**
 * Starts a misbehaving OP on 127.0.0.1 with a random port.
 *
 * @param options Issuer path, client credentials, subject and clock.
 */
export async function startMisbehavingOp(options: MisbehavingOpOptions = {}): Promise<MisbehavingOp> {
  const clientId = options.clientId ?? 'misbehaving-client';
  const clientSecret = options.clientSecret ?? 'a-long-client-secret-for-the-misbehaving-op-0123456789';
  const subject = options.subject ?? 'alice';
  const clock = options.clock ?? Date.now;
  const issuerPath = (options.issuerPath ?? '').replace(/\/+$/, '');
  const nowSec = (): number => Math.floor(clock() / 1000);

  // Fixed fixture keys (see the end of this file): starting an OP generates no key.
  let keyCounter = 1;
  let current = await rsaKey(`rsa-${keyCounter}`, FIXTURE_RSA_PRIVATE[0]);
  const lazy = <T>(make: () => Promise<T>): (() => Promise<T>) => {
    let p: Promise<T> | undefined;
    return () => (p ??= make());
  };
  const extraKeys = lazy(async () => FIXTURE_RSA_EXTRA_PUBLIC.map((jwk, i) => ({ publicJwk: { ...jwk, kid: `extra-${i + 1}`, use: 'sig', alg: 'RS256' } })));
  const ecKey = lazy(async () => {
    const { kty, crv, x, y } = FIXTURE_EC_PRIVATE;
    return {
      privateKey: (await importJWK({ ...FIXTURE_EC_PRIVATE }, 'ES256')) as CryptoKey,
      publicJwk: { kty, crv, x, y, kid: 'ec-1', use: 'sig', alg: 'ES256' },
    };
  });
  const outsiderKey = lazy(() => rsaKey('not-published', FIXTURE_RSA_PRIVATE[3]));

  const codes = new Map<string, CodeRecord>();
  const accessTokens = new Map<string, { scope: string }>();
  const refreshTokens = new Map<string, GrantRecord>();
  const parRequests = new Map<string, Record<string, string>>();
  let jwksUriCounter = 0;
  let lastIssued: IssuedTokens | undefined;

  const state = {
    faults: defaultFaults(),
    requests: [] as RecordedRequest[],
    handlers: new Map<string, OpHandler>(),
  };

  let issuer = '';
  const endpoint = (p: string): string => `${issuer}${p}`;

  const jwks = async (): Promise<Record<string, unknown>> => {
    const f = state.faults;
    const keys: Record<string, unknown>[] = [current.publicJwk];
    if (f.extraJwksKeys > 0) for (const e of (await extraKeys()).slice(0, Math.min(3, f.extraJwksKeys))) keys.push(e.publicJwk);
    if (f.signing === 'es256') keys.push((await ecKey()).publicJwk);
    if (f.unparseableJwksKeys) {
      keys.unshift(
        { kty: 'AKP', alg: 'ML-DSA-44', kid: 'pq-1', pub: 'AAAA' },
        { kty: 'UNKNOWN', kid: 'weird-1', x: 'abc' },
        { kty: 'RSA', kid: 'broken-1', n: '!!not-base64!!', e: 'AQAB', alg: 'RS256' },
        { ...current.publicJwk, kid: 'enc-1', use: 'enc', alg: 'RSA-OAEP' },
      );
    }
    return { keys: [...keys, ...f.hostileJwksKeys] };
  };

  const sign = async (claims: Record<string, unknown>, headerExtra: Record<string, unknown> = {}, typ?: string): Promise<string> => {
    const f = state.faults;
    let jwt: string;
    const typHeader = typ ? { typ } : {};
    switch (f.signing) {
      case 'none': {
        const enc = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
        jwt = `${enc({ alg: 'none', ...typHeader, ...headerExtra })}.${enc(claims)}.`;
        break;
      }
      case 'hs256':
        jwt = await new SignJWT(claims).setProtectedHeader({ alg: 'HS256', ...typHeader, ...headerExtra }).sign(new TextEncoder().encode(clientSecret));
        break;
      case 'es256':
        jwt = await new SignJWT(claims).setProtectedHeader({ alg: 'ES256', kid: 'ec-1', ...typHeader, ...headerExtra }).sign((await ecKey()).privateKey);
        break;
      case 'unknown-kid': {
        const outsider = await outsiderKey();
        jwt = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: outsider.kid, ...typHeader, ...headerExtra }).sign(outsider.privateKey);
        break;
      }
      case 'no-kid':
        jwt = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', ...typHeader, ...headerExtra }).sign(current.privateKey);
        break;
      default:
        jwt = await new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: current.kid, ...typHeader, ...headerExtra }).sign(current.privateKey);
    }
    if (f.signing === 'bad-signature' || (f.corruptSignature && f.signing !== 'none')) jwt = corrupt(jwt);
    return jwt;
  };

  const atHash = (accessToken: string): string => b64u(createHash('sha256').update(accessToken).digest().subarray(0, 16));

  const idTokenClaims = (grant: GrantRecord, accessToken: string, refreshed: boolean): Record<string, unknown> => {
    const f = state.faults;
    const now = nowSec();
    let claims: Record<string, unknown> = {
      iss: issuer,
      sub: subject,
      aud: clientId,
      exp: now + 300,
      iat: now,
      auth_time: grant.authTime,
      sid: grant.sid,
      at_hash: atHash(accessToken),
      ...(grant.nonce !== undefined ? { nonce: grant.nonce } : {}),
      ...(grant.scope.split(' ').includes('email') ? { email: `${subject}@example.com`, email_verified: true } : {}),
    };
    claims = applyOverrides(claims, f.idTokenClaims, f.idTokenDeleteClaims);
    if (refreshed) claims = applyOverrides(claims, f.refreshedIdTokenClaims, f.refreshedIdTokenDeleteClaims);
    return claims;
  };

  const oauthError = (status: number, error: string, description?: string, headers: Record<string, string> = {}): Response =>
    Response.json({ error, ...(description ? { error_description: description } : {}) }, { status, headers: { 'cache-control': 'no-store', ...headers } });

  /** Authenticates the client at a back-channel endpoint and records how. */
  const authenticate = (req: Request, form: Record<string, string>, record: RecordedRequest): boolean => {
    const auth = req.headers.get('authorization');
    if (auth?.toLowerCase().startsWith('basic ')) {
      const decoded = Buffer.from(auth.slice(6).trim(), 'base64').toString('utf8');
      const i = decoded.indexOf(':');
      // RFC 6749 §2.3.1: client_id and client_secret are form-urlencoded before base64.
      const id = decodeURIComponent(decoded.slice(0, i).replace(/\+/g, ' '));
      const secret = decodeURIComponent(decoded.slice(i + 1).replace(/\+/g, ' '));
      const ok = i > 0 && id === clientId && secret === clientSecret && (form.client_id === undefined || form.client_id === clientId);
      record.clientAuth = ok ? 'client_secret_basic' : 'invalid';
      return ok;
    }
    if (form.client_secret !== undefined) {
      const ok = form.client_id === clientId && form.client_secret === clientSecret;
      record.clientAuth = ok ? 'client_secret_post' : 'invalid';
      return ok;
    }
    record.clientAuth = form.client_id === clientId ? 'none' : 'invalid';
    return false;
  };

  const discoveryDocument = (): Record<string, unknown> => {
    const f = state.faults;
    const jwksUri = f.jwksUriChangesOnDiscovery ? endpoint(`/jwks/${++jwksUriCounter}`) : endpoint('/jwks');
    return {
      issuer: f.discoveryIssuer ?? issuer,
      authorization_endpoint: endpoint('/authorize'),
      token_endpoint: endpoint('/token'),
      userinfo_endpoint: endpoint('/userinfo'),
      jwks_uri: jwksUri,
      revocation_endpoint: endpoint('/revoke'),
      end_session_endpoint: endpoint('/end_session'),
      pushed_authorization_request_endpoint: endpoint('/par'),
      authorization_response_iss_parameter_supported: true,
      code_challenge_methods_supported: ['S256'],
      response_types_supported: ['code'],
      response_modes_supported: ['query', 'form_post'],
      grant_types_supported: ['authorization_code', 'refresh_token', 'client_credentials'],
      subject_types_supported: ['public'],
      scopes_supported: ['openid', 'email', 'profile', 'offline_access'],
      id_token_signing_alg_values_supported: ['RS256', 'ES256', 'HS256', 'none'],
      userinfo_signing_alg_values_supported: ['RS256', 'ES256', 'HS256'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
      backchannel_logout_supported: true,
      backchannel_logout_session_supported: true,
      claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'sid', 'email', 'email_verified', 'name'],
      ...f.discoveryOverrides,
    };
  };

  const authorize = (url: URL): Response => {
    let params: Record<string, string> = Object.fromEntries(url.searchParams);
    if (params.request_uri) {
      const pushed = parRequests.get(params.request_uri);
      if (!pushed) return new Response('unknown request_uri', { status: 400, headers: { 'content-type': 'text/plain' } });
      parRequests.delete(params.request_uri);
      params = { ...pushed, client_id: params.client_id ?? pushed.client_id ?? '' };
    }
    const redirectUri = params.redirect_uri;
    if (!redirectUri) return new Response('missing redirect_uri', { status: 400, headers: { 'content-type': 'text/plain' } });
    const a = state.faults.authorizationResponse;
    const out = new URLSearchParams();
    if (a.error) {
      out.set('error', a.error);
      if (a.errorDescription) out.set('error_description', a.errorDescription);
    } else if (!a.dropCode) {
      const code = rand();
      codes.set(code, {
        clientId: params.client_id ?? '',
        redirectUri,
        nonce: params.nonce,
        codeChallenge: params.code_challenge,
        codeChallengeMethod: params.code_challenge_method,
        scope: params.scope ?? 'openid',
        authTime: nowSec(),
      });
      out.set('code', code);
    }
    if (!a.dropState && (a.state ?? params.state) !== undefined) out.set('state', a.state ?? params.state!);
    if (!a.dropIss) out.set('iss', a.iss ?? issuer);
    for (const [k, v] of Object.entries(a.extra ?? {})) out.set(k, v);
    if (params.response_mode === 'form_post') {
      const inputs = [...out].map(([k, v]) => `<input type="hidden" name="${escapeHtml(k)}" value="${escapeHtml(v)}"/>`).join('');
      const html = `<!doctype html><html><body onload="document.forms[0].submit()"><form method="post" action="${escapeHtml(redirectUri)}">${inputs}</form></body></html>`;
      return new Response(html, { status: 200, headers: { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' } });
    }
    const target = new URL(redirectUri);
    for (const [k, v] of out) target.searchParams.set(k, v);
    return new Response(null, { status: 302, headers: { location: target.href, 'cache-control': 'no-store' } });
  };

  const issueTokens = async (grant: GrantRecord, refreshed: boolean, withRefresh: boolean): Promise<Record<string, unknown>> => {
    const accessToken = rand();
    accessTokens.set(accessToken, { scope: grant.scope });
    const body: Record<string, unknown> = { access_token: accessToken, token_type: 'Bearer', expires_in: 300, scope: grant.scope };
    let idToken: string | undefined;
    let claims: Record<string, unknown> | undefined;
    if (grant.scope.split(' ').includes('openid')) {
      claims = idTokenClaims(grant, accessToken, refreshed);
      idToken = await sign(claims);
      body.id_token = idToken;
    }
    let refreshToken: string | undefined;
    if (withRefresh) {
      refreshToken = rand();
      refreshTokens.set(refreshToken, grant);
      body.refresh_token = refreshToken;
    }
    lastIssued = { accessToken, refreshToken, idToken, idTokenClaims: claims };
    return body;
  };

  const token = async (req: Request, form: Record<string, string>, record: RecordedRequest): Promise<Response> => {
    if (!authenticate(req, form, record)) return oauthError(401, 'invalid_client', 'client authentication failed', { 'www-authenticate': 'Basic realm="op"' });
    const t = state.faults.tokenResponse;
    if (t.status !== undefined && t.status !== 200 && t.echoRequest) {
      const echo = `got ${new URLSearchParams(form).toString()} with authorization ${req.headers.get('authorization') ?? 'none'}; decoded: ${JSON.stringify(form)}`;
      return oauthError(t.status, t.error ?? 'invalid_grant', echo);
    }
    if (t.status !== undefined && t.status !== 200) return oauthError(t.status, t.error ?? 'invalid_grant', 'forced by test');
    if (t.html) return new Response('<!doctype html><html><body>Sign in</body></html>', { status: 200, headers: { 'content-type': 'text/html' } });
    let body: Record<string, unknown>;
    switch (form.grant_type) {
      case 'authorization_code': {
        const code = codes.get(form.code ?? '');
        if (!code) return oauthError(400, 'invalid_grant', 'unknown or used code');
        codes.delete(form.code!); // RFC 6749 §4.1.2: codes are single-use
        if (code.clientId !== clientId) return oauthError(400, 'invalid_grant', 'code issued to another client');
        if (code.redirectUri !== form.redirect_uri) return oauthError(400, 'invalid_grant', 'redirect_uri mismatch');
        if (code.codeChallenge !== undefined) {
          // RFC 7636 §4.6: S256(code_verifier) must equal the code_challenge.
          const verifier = form.code_verifier ?? '';
          const computed = b64u(createHash('sha256').update(verifier).digest());
          if (code.codeChallengeMethod !== 'S256' || computed !== code.codeChallenge) return oauthError(400, 'invalid_grant', 'PKCE verification failed');
        } else if (form.code_verifier !== undefined) {
          return oauthError(400, 'invalid_grant', 'code_verifier without code_challenge');
        }
        body = await issueTokens({ scope: code.scope, nonce: code.nonce, authTime: code.authTime, sid: rand(8) }, false, true);
        break;
      }
      case 'refresh_token': {
        const grant = refreshTokens.get(form.refresh_token ?? '');
        if (!grant) return oauthError(400, 'invalid_grant', 'unknown refresh token');
        refreshTokens.delete(form.refresh_token!);
        body = await issueTokens(grant, true, true);
        break;
      }
      case 'client_credentials': {
        const accessToken = rand();
        accessTokens.set(accessToken, { scope: form.scope ?? '' });
        lastIssued = { accessToken };
        body = { access_token: accessToken, token_type: 'Bearer', expires_in: 300 };
        break;
      }
      default:
        return oauthError(400, 'unsupported_grant_type');
    }
    body = applyOverrides(body, t.overrides ?? {}, t.drop ?? []);
    return Response.json(body, { headers: { 'cache-control': 'no-store', pragma: 'no-cache' } });
  };

  const userinfo = async (req: Request): Promise<Response> => {
    const u = state.faults.userinfo;
    const auth = req.headers.get('authorization') ?? '';
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    const known = m ? accessTokens.get(m[1]!) : undefined;
    if (!known || u.status === 401) {
      return new Response(null, { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token", error_description="invalid token provided"' } });
    }
    if (u.status !== undefined && u.status !== 200) return oauthError(u.status, 'server_error');
    const claims: Record<string, unknown> = applyOverrides(
      { sub: u.sub ?? subject, name: 'Alice Example', email: `${subject}@example.com`, email_verified: true },
      u.claims ?? {},
      [],
    );
    if (u.jwt) {
      const jwt = await sign({ iss: issuer, aud: clientId, ...claims });
      return new Response(jwt, { headers: { 'content-type': 'application/jwt', 'cache-control': 'no-store' } });
    }
    return Response.json(claims, { headers: { 'cache-control': 'no-store' } });
  };

  const dispatch = async (req: Request, path: string, form: Record<string, string>, record: RecordedRequest): Promise<Response> => {
    const override = state.handlers.get(path);
    if (override) return override(req);
    const url = new URL(req.url);
    if (path === '/.well-known/openid-configuration' && !state.faults.onlyRfc8414) return Response.json(discoveryDocument());
    if (path === '/jwks' || /^\/jwks\/\d+$/.test(path)) {
      const jwkSetHeaders = { 'content-type': 'application/jwk-set+json' };
      if (state.faults.jwksBody !== undefined) return new Response(state.faults.jwksBody, { headers: jwkSetHeaders });
      return Response.json(await jwks(), { headers: jwkSetHeaders });
    }
    if (path === '/authorize') return authorize(url);
    if (path === '/token' && req.method === 'POST') return token(req, form, record);
    if (path === '/userinfo') return userinfo(req);
    if (path === '/par' && req.method === 'POST') {
      if (!authenticate(req, form, record)) return oauthError(401, 'invalid_client');
      if (form.request_uri !== undefined) return oauthError(400, 'invalid_request', 'request_uri not allowed in PAR');
      const requestUri = `urn:ietf:params:oauth:request_uri:${rand()}`;
      parRequests.set(requestUri, form);
      return Response.json({ request_uri: requestUri, expires_in: 60 }, { status: 201, headers: { 'cache-control': 'no-store' } });
    }
    if (path === '/revoke' && req.method === 'POST') {
      if (!authenticate(req, form, record)) return oauthError(401, 'invalid_client');
      accessTokens.delete(form.token ?? '');
      refreshTokens.delete(form.token ?? '');
      return new Response(null, { status: 200 });
    }
    if (path === '/end_session') {
      const target = url.searchParams.get('post_logout_redirect_uri');
      if (!target) return new Response('<!doctype html><p>Signed out</p>', { headers: { 'content-type': 'text/html' } });
      const to = new URL(target);
      const st = url.searchParams.get('state');
      if (st !== null) to.searchParams.set('state', st);
      return new Response(null, { status: 302, headers: { location: to.href } });
    }
    return new Response('not found', { status: 404, headers: { 'content-type': 'text/plain' } });
  };

  const server: Server = createServer((nreq: IncomingMessage, nres: ServerResponse) => {
    void handle(nreq, nres).catch((error: unknown) => {
      if (!nres.headersSent) nres.writeHead(500, { 'content-type': 'text/plain' });
      nres.end(String(error));
    });
  });

  const handle = async (nreq: IncomingMessage, nres: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const c of nreq) chunks.push(c as Buffer);
    const bodyText = Buffer.concat(chunks).toString('utf8');
    const url = new URL(nreq.url ?? '/', `http://${nreq.headers.host ?? '127.0.0.1'}`);
    const headers = new Headers();
    for (const [k, v] of Object.entries(nreq.headers)) if (typeof v === 'string') headers.set(k, v);
    const method = nreq.method ?? 'GET';
    const req = new Request(url, { method, headers, body: method === 'GET' || method === 'HEAD' ? undefined : bodyText });
    let path = url.pathname;
    // RFC 8414 §3.1: /.well-known/oauth-authorization-server + issuer path, at the host root.
    if (path === `/.well-known/oauth-authorization-server${issuerPath}`) path = '/.well-known/oauth-authorization-server';
    else if (issuerPath && path.startsWith(`${issuerPath}/`)) path = path.slice(issuerPath.length);
    else if (issuerPath) path = `/__outside__${path}`;
    const form = (headers.get('content-type') ?? '').startsWith('application/x-www-form-urlencoded')
      ? Object.fromEntries(new URLSearchParams(bodyText))
      : undefined;
    const record: RecordedRequest = {
      method,
      path,
      query: Object.fromEntries(url.searchParams),
      headers: Object.fromEntries(headers),
      ...(form ? { form } : {}),
    };
    state.requests.push(record);
    if (state.faults.delayMs > 0) await new Promise((r) => setTimeout(r, Math.min(state.faults.delayMs, 30_000)));
    let res: Response;
    if (path === '/.well-known/oauth-authorization-server' && !state.handlers.has(path)) res = Response.json(discoveryDocument());
    else res = await dispatch(req, path, form ?? {}, record);
    const outHeaders: Record<string, string> = {};
    res.headers.forEach((v, k) => {
      outHeaders[k] = v;
    });
    const out = Buffer.from(await res.arrayBuffer());
    nres.writeHead(res.status, outHeaders);
    nres.end(out);
  };

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  issuer = options.advertisedIssuer?.replace(/\/+$/, '') ?? `${origin}${issuerPath}`;

  const op: MisbehavingOp = {
    issuer,
    origin,
    clientId,
    clientSecret,
    subject,
    get faults() {
      return state.faults;
    },
    set faults(f: MisbehavingFaults) {
      state.faults = f;
    },
    get requests() {
      return state.requests;
    },
    get handlers() {
      return state.handlers;
    },
    get lastIssued() {
      return lastIssued;
    },
    get kid() {
      return current.kid;
    },
    async rotateKeys() {
      keyCounter++;
      // The first two rotations use fixture keys; later ones generate a key.
      current = await rsaKey(`rsa-${keyCounter}`, keyCounter <= 3 ? FIXTURE_RSA_PRIVATE[keyCounter - 1] : undefined);
      return current.kid;
    },
    async makeLogoutToken(claims = {}, opts = {}) {
      const now = nowSec();
      const payload = applyOverrides(
        { iss: issuer, aud: clientId, iat: now, exp: now + 120, jti: rand(), sub: subject, sid: 'sid-1', events: { [LOGOUT_EVENT]: {} } },
        claims,
        [],
      );
      const alg = opts.alg ?? 'RS256';
      const typ = opts.typ === null ? undefined : (opts.typ ?? 'logout+jwt');
      const header: Record<string, unknown> = { alg, ...(typ ? { typ } : {}) };
      if (alg === 'none') {
        const enc = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
        return `${enc(header)}.${enc(payload)}.`;
      }
      if (alg === 'HS256') return new SignJWT(payload).setProtectedHeader(header as { alg: string }).sign(new TextEncoder().encode(clientSecret));
      if (alg === 'ES256') return new SignJWT(payload).setProtectedHeader({ ...header, alg, kid: opts.kid ?? 'ec-1' }).sign((await ecKey()).privateKey);
      const key = opts.kid === 'not-published' || opts.key === 'unpublished' ? await outsiderKey() : current;
      const kidHeader = opts.kid === null ? {} : { kid: opts.kid ?? key.kid };
      return new SignJWT(payload).setProtectedHeader({ ...header, alg, ...kidHeader }).sign(key.privateKey);
    },
    signIdToken(claims, header = {}) {
      return sign(claims, header);
    },
    requestsTo(...paths) {
      return state.requests.filter((r) => paths.includes(r.path));
    },
    reset() {
      state.faults = defaultFaults();
      state.requests.length = 0;
      state.handlers.clear();
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return op;
}

/** `base` with `overrides` merged in (undefined values delete) and `drop` members removed. */
function applyOverrides(base: Record<string, unknown>, overrides: Readonly<Record<string, unknown>>, drop: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(overrides)) {
    if (v === undefined) delete out[k];
    else out[k] = v;
  }
  for (const k of drop) delete out[k];
  return out;
}

/** Flips bits in the first signature byte so the signature no longer verifies. */
function corrupt(jwt: string): string {
  const [h, p, s] = jwt.split('.');
  const sig = Buffer.from(s ?? '', 'base64url');
  if (sig.length === 0) return jwt;
  sig[0] = sig[0]! ^ 0xff;
  return `${h}.${p}.${sig.toString('base64url')}`;
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Sends the browser's GET to an authorization URL without following the redirect, and returns the
 * callback parameters: from the `Location` query, or from the hidden inputs of a form_post page.
 */
export async function authorizeAt(url: string | URL): Promise<URLSearchParams> {
  const res = await fetch(url, { redirect: 'manual' });
  if (res.status === 302 || res.status === 303) {
    const location = res.headers.get('location');
    if (!location) throw new Error('authorization redirect without Location');
    return new URL(location).searchParams;
  }
  const html = await res.text();
  if (res.status === 200 && /<form method="post"/.test(html)) {
    const params = new URLSearchParams();
    for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"\/>/g)) {
      params.append(unescapeHtml(m[1]!), unescapeHtml(m[2]!));
    }
    return params;
  }
  throw new Error(`authorization endpoint answered ${res.status}`);
}

/** What {@link runRpFlow} needs from a relying party (OidcClient fits). */
export interface RelyingPartyLike<Tx, Tokens> {
  authorizationUrl(options?: { scope?: readonly string[]; maxAge?: number; responseMode?: 'query' | 'form_post' }): Promise<{ url: URL; transaction: Tx }>;
  callback(params: URLSearchParams, transaction: Tx): Promise<Tokens>;
  userinfo(tokens: NoInfer<Tokens>): Promise<Record<string, unknown>>;
}

/** The outcome of {@link runRpFlow}: what was obtained before the first error, and the error. */
export interface RpFlowResult<Tokens> {
  readonly tokens?: Tokens;
  readonly userinfo?: Record<string, unknown>;
  readonly error?: unknown;
}

/**
 * Runs the relying-party flow as an application would: build the authorization URL, let the OP
 * answer, process the callback, then call userinfo. Stops at the first error and returns it.
 */
export async function runRpFlow<Tx, Tokens>(
  rp: RelyingPartyLike<Tx, Tokens>,
  authOptions: { scope?: readonly string[]; maxAge?: number; responseMode?: 'query' | 'form_post' } = { scope: ['openid', 'email'] },
): Promise<RpFlowResult<Tokens>> {
  let tokens: Tokens | undefined;
  try {
    const { url, transaction } = await rp.authorizationUrl(authOptions);
    const params = await authorizeAt(url);
    tokens = await rp.callback(params, transaction);
    const userinfo = await rp.userinfo(tokens);
    return { tokens, userinfo };
  } catch (error) {
    return tokens === undefined ? { error } : { tokens, error };
  }
}

/** The paths the OP received after the last request to `path` (all of them if it never came). */
export function callsAfter(op: MisbehavingOp, path: string): string[] {
  const paths = op.requests.map((r) => r.path);
  const last = paths.lastIndexOf(path);
  return paths.slice(last + 1);
}

function unescapeHtml(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/**
 * Fixed test keys (never used outside tests), so that starting an OP costs no key generation: the
 * signing key, two spares for rotateKeys(), a key absent from the JWKS, public-only extra JWKS keys
 * and the ES256 key. Further rotations generate keys.
 */
const FIXTURE_RSA_PRIVATE: readonly Record<string, string>[] = [
  {
    kty: 'RSA',
    n: 'uW3rIKCnezpS4BV9NumBwWO7jSowkudsQEQJObhA71sK8O18Lwz7V8OiWXmCbodZnBpjhyPzHbjIOwarRWqf8ii1gbSm8Hj1RnXQ_JdfxN0XQm1x6-ajjjMlAFRfEPDI2lDd06M8rkmOzodlIMn89t7WIeWN3QrAYctZFycEHfGWZScJtEiTb8-c6oyUzVIsTQyaMosx-hd4zS8crWijlgKmq35HFDIvp8TxyuTT4mytpzPylLtgZhyw29mSB4jnFR6VBrItJFCZykFe1qF_v5QDrCuF63GY6GewzB5M6FKFjuQ83uS7UOzaEalYmEBGBe0XPlj-9V7pB2XB5vf1fQ',
    e: 'AQAB',
    d: 'AQf477fhj055VHuy3tqNWfDft3HmV6eNJ7uedMzSCc-o4VUswAFr8Igh0UMCuwRCsN36LRE-t7MCy9iQ-C7jJKT2YVWdCyLKxhhOjnSmhBpABbsmkwoTGEMjSPQmA52pcyDeHKNgfs49B7EOFHhTFFSB09Swi3gL2UfAdH5fqBgm7rW7m70PsOsbkoTSieinocXG-WGUL5GTmog1NDgMmvHtKKfH_s_bIZTwzrgoe0Ubo-t78oNT5SZ7bZOuv6ZGQNCQY49fQrFBY5ePtIWKLVKVR8UFKcwvYccVdfK5oqHMaBzNEgc-NsGF3KUVjTq_X_177vZeijqK0JG0mfQJQQ',
    p: '7Qc5A4eb1V7jsayhNo-nfns6iCe3arGOPkAallEw7vbI5vMIwNXoHx4gGMQTIurpMIjRZ9EIafZdwZQyikCyq3KjwJLvYhBxlpsC4Ik5Brgp_RGIejh5zuDJ5g4HKfRtwgZzM7MfXDfNad7lLXQSvAgsnO2Uyz6ci85rkx55Bb0',
    q: 'yEVrnSDwragQWAyHhZDladNFxpobGuEs-nw4V7t_SUkUD8aERS0s6UT6v9w8jD9knFU7AXJMS1sijUOLRcKW2NHdTiwyErlC0_5d779s6nQnB1n1p8l4F_55pA1T8sKEnDEM0Sl6Fvj-wjVL0fHEkSQxV05Wc5FWiH7MSW56SsE',
    dp: '3nIV1rMw02lPJRLO5UaiOXhqsRcc8nuZ89_zU7j0xH9EgkH5qAfX5UQ_eR6imvV9TThJ1jV9wPwedyqe19LqGy7mcTc0g4LNJzto0tLVevHhLgiDXbic0EN0F3x4yq4DR8EH4rArMT-Jft9Zk3PIlUDSpZ_uMWQcRLS_jn1dtL0',
    dq: 'qjX2JHGenLk-Stc7R1XC5ZJet1C6wLmolKuG52m_4PVvS4kZWgHvLcMmqnHwM_Kc_BGkOLKADXvDffRuJjggJN8ZDBub4zX5iluiUuWLGCjoEuNuWdBtdVce40NAmg6gzm8RyaNK1MODImRRsHme6wyrstwttcNMnG3ICpEO9wE',
    qi: 'YbQ-V8Dqk9K-hVBJzmfz-L9mNJh_B_LGmkd95UxIBGBxxXwbliQNm4LmtfB2WTwzcGEjAK7fdZPDJj52BVFd7OBLAigXUI5OQ0cau_Nm1g08uv1MIVYw41JKSf8p_LZS_cM89fyfu2u4ki04WKWeB7GEJEhBsHq13nKgMO-epZE',
  },
  {
    kty: 'RSA',
    n: 'jLDetW8nqonZNnpb1UNktuI1-jfDPyi-fCQijNm-lS9Zw7x7AWgv3DSXikESHXt0GZ0oPA8RhstyZTtWandjL4dB6h9t-XVLFgQZevIycSqQbdG_WxJdjUndGteiNgTlePbkRAXCt4jOY_JaY2FlUd3jt4gm9-oFWOid4nAFblirqPf94fQiyA8ss7OYwbojzDiuyfu9W7Tyt-IIYbHjknjbhmArgEirradYbdGEmC9nSCmZBTZPoVsHZfNW1M_B5U4vXTV0WMphWIxtmGXLoMVmRMJSckRzlEz3bXVqEtOLFxc0_opQXEBAjhIx4G5h96kkIrlHfkDu1-3HFyiFfw',
    e: 'AQAB',
    d: 'B0x2H4OxfeItFED8_faKTHk2PFGjlp5wYnek_W67R86vKK9g0q35V20OJi_eOmH8oAcal5Ptbrpq_WcBphyIj_SKtTC-qiOQ1YbHXPQESaw1R-01lHwJwb2rkAFCOuy-U0iDo7UWk3eTw62b9-5UV50GtHZqFVcV3tHovgmIlbS3ja_IavcfkwBCbX1Xvkm-rD-j_EO6r_0oSbqX3DVsmhdxLWdMFjFv96GNSsxdm79tbLKHRJ7xpqfxmdODHZG2DQDkKVdPcjnGtJaAF-kSlKHNRQ_saAJlbW8HKOspHolyWPPPKKmg1bW8C1MxWzY95RotPuhXEzEvtH_0NjjkaQ',
    p: 'vozPuRTLQoCQLEDAiYaNQotJBrvnCk29DT2Sqvjn_PL0jrGNX4GgtkaTMYUhQOJlqjjjArfU4OpLLfPxdJr61NcA1cx2lACD_4OpHnFpwPtJSWm-ZvxZ1WVJRm_AuuYtbziM9sYhRdACZKGaf67S0Y8-VXQd1OZ9rKOV347lHZ0',
    q: 'vQPpXPco1eEFiGdBAeO-jFpjTYFl7EatqIElVqfqflLYRwL8f9U-zrHvQy-LFEXpTuqeQpHRTX9hnm4d7GsUlIl1T8Jlv-S6ZxMvPZGiQmvt72DWFD4x9TKNcqH8txQGrmZc_WNP2s0SKesJKv9htAOU0l2AjSQLsXukNb5pEss',
    dp: 'cFlz7It_INHOr9jp7Oxhg5e-UfMeUWvuiM0CGj6yAel6GlxDn8k9aduI1AzLw4b5LHloF-Ut5gMempSXjAoI1M-EFYr9a1w2d8Q4RdPW58sBtgBcHDqz-OdEYfxoJYqrxUURkDrXyWLQ1maWQqxgbuDHfvj80deox86YAn0tR90',
    dq: 'Afs7hAT3QZ61PyPN86YehjwgVFyp49st0NlhudHSzHYz3DK00OY8XVBSMMMb0x-UfYZKGGqM5iIStOV0nNjWg2QZfbeM94D_TztNQHj5WXbmLJ84P0gTn_1irDP0gTrNgyCBkwpqeOGzcgsLso6wyIFNGxNt2IzrLnYcV4_ibBc',
    qi: 'q-PU-R1uPhB4g22lwMnHShz0lUH58Jr6a1i-FEmQt9VkGcuI3Glpbw9yBjyk1eBGNIX1pcaeHBbf_C88zNMG9ki5dGxtxHOLDBTFz_5frkQaiKx2C8-lVXyg7Y1WUL00_nlBVtK61VWyn6K6rAs2tUBvJfrdTa_1KLO8n1rFfQQ',
  },
  {
    kty: 'RSA',
    n: 'vJQgT25mo7DE4gGR709j1rY3nzDXiI3KVLSiEp85eV3GWiHgedCs9gacpDlFYmlP1V1BL-ps_HVhq_WDB4O1KiVPabvLKvp9rNKgyijd8R28MNttejtJr1tovx-wP1uxVZ5oFYS-qTTF7shCWB2n0l1dRwFfIuLKyuxmKzAARDXy63MWd1RiiMB4K7wEiDhcu5OSkE2LbytlhYEjgsA4i49H2LbQXvZXw6_MPYCIVdKatrElMA4upDmSHNaDC0mdPth2EJ706-wCxgBodKUitV9QGQJT9TVOjcY9Ry22B3xjWDYe9pEOMSbTLS1KI7LV57E4VGrxJj_2ZVFcYvvMaw',
    e: 'AQAB',
    d: 'RW1Dd_rtTtaFpa9uSuyvlR0A3Vrd_yg0lXrrMG_ueQBNRmGygyaQhwNoKA3tvY2IFsV-emWUOl3815JL6zhSOnICCqtY4TnXiwkAqWziSSLpZhNi-t1ZA3Zj2fmQqcLYRu1K5KE6kJEdTgvsYQSKBKja7olSvUVB4_OkqcHCV1niPAXkXV7rs8uG4Lf3zAXrr9eBQtW3G8AwOMlFbAGYtwgW2r-rTMfKItVUWNHOOS9Qm3AN_8pewD0IL5ndfs9Pbb1i7mM5xH4fpJHCLIujUx87NMz_h0_u9wHfxK-tZsX3Zv0rOoeqRh_QcRdksdHg_c7dxABB_GLbxf8RhQQ0AQ',
    p: '-ZAS4Z25wtK1ndMxohzgZsaHOqiCAnMdg6naDPfjKnwxsqDwRd6NP5LfdSHpcLK3p2b3pNSYIH5DUjO1mRmXPcohEJCm4A-vWwBOFOskqckWUAmmyR0E0_-8xrUW3HNfozN5TJQmHXD-zqhaeajluUDWuiS6eIQ6Tr91cnH6UzM',
    q: 'wXFbyd2ktpmdlUr4zwYwqgNGOGPRCB7HInEclPVmLAQnHKhCECQyhxoSTRyLImKfQqVG-2-S7h7gbkqMvjkzPYjzp5T0Qp0r-ZGQpFyJz4OvYk8ZzH8SBl1Oe-70XcEQNSQuB3AjQA113lAdRzb_KWMeyK5aK0HixGnReojhoek',
    dp: '3NfVDZixCSnDlC2PT4E0R17JzmvN2PMbnCbTkgRPH4qVxBhNZ9cAsdB8NEBVPui4QsiIv3FuSdrSIk0mF5ygzQow5mLLeZ4HtIT5k-NeJ22OdDeGQ5SNcDlwSXt5Bo6GhHqJje3QKN-UbTZoEh8XYy9wlXrpFLsWihc9jJA2UCc',
    dq: 'vYCZlPYmyCNQ9tINUHIV9ldi0RcnzbapChqZD2wf_XrL_gzvOvTa8vMdfqE5xCOtNRLIqMSywcdJwYISwr8ybVPergsEBsYGMGTjt8BX2Qx-IeavtV--frGlk0-R4M6jXAvnc63tOnB1SaZeKEe-TAMoQxxahQn0ZsnrRwkVURE',
    qi: 'sfGgsKEFcrOg0zU9LhiSaCVwaJi4yj3h8C6ZGybhLxP3POP2tzw_aa6k0ic740dnyKQpG_ZeLGS8S9dEQj2q3PQ670X_OVsYI0p88OY1Sbs1EOOgilcJS4OrBP1vYdYpTU9pmwebDtd9bZmE4tf1WvstlOga35egZ_21Agt5qS8',
  },
  {
    kty: 'RSA',
    n: '00l3U5kAC4mvLmCs_aUkdZMBtSbbgyPF-qny0w5lyiET41KVKEaCCqjNdMUrf6Z7jCHcFfLle4wf1AbGo8sxrhlVhWlt37Uxb34H7daKhaZICzYa6EfjW9uI6L0W0xOBF_ZlbB1zrmAlgHG4dtl2CiEQrhFzTiHaMw4ItsDLXijFXO6VN8fjj_l3b4cfnQgpeKSpU5tw5UfEeY-LYX5W0P08nIIZdAyJ6xQSyMbQJbG_ws7KuHgGkIEGwPF0h8Bfk4ZpY9aEZpCet8ESjKm-0Lp7nLuggh1QvneY3LJpy3uVlOb_qSA-v4C3iQKM976u0aElZX8CHaTJk6Ny93F34w',
    e: 'AQAB',
    d: 'Ir3c7_M5ACytZaKs30TVIrtqQky3jIUzK8ffxIIvYkCfzLcKt_rRWDUFxN0aOBz6X1eT9kygck5fT2r7z6P828PmUuURQCxtirJ-VZvQ3tqxfvJwaIr64LhPofaxoZcpQ3TsRrjttBmyy5TSFZd6otNpXY3uAptrYw4RiGdZfqDzcvbv5qygjCTglR6iJp2S6vPadz1_Xcmjqgp-Ad7YBY5bSFWXzsf7sfJBjXksn7-xZsYULvqFjPCTDswlpt7vmK-6zCnasEM0gb2mVHDuf_7CxqJDYJUZ7JKVAkmx5DnIZlJU9yQf9vYz90E8QYgCi5FxNXCq27RJTtZ4ycG-XQ',
    p: '6RzxPHSbu_V_9tQCXqNnO1VFy8i4Ai9BAui_MpFXycPgPG7Y7W0SxPaN4pTGXSvOCASaNAcNaxHEggwHcPG2OseC6B52bjmyalGTEm4maynePqGnCjVJVR8o7QFSWXtPVce6bEV-TzTIbkG6woM1T18Xo7hX4f-ckG7CIIlEHs0',
    q: '6Afymq7ZM3GARHoSnnWfU24BgXky6fqRD70loVoK6MmzQxU9D_hk9SNjZL0ChH6AJfXYwaKENz_Di9o33zkTatXDBPMl1xF70PUPqIMpWApeWBXHBOV_UN75PQabR49YG6RkJ4BaAOvf3qBVWvcgKsEkeyJlb0WWK3UkOmdOkW8',
    dp: 'px33l3alWtdCGKqe1EfirveP5OsNd4t22OYQg-kMfXnuHIT_AR8r0IZM633qw0qvFrJt9hSEOxjuvqhvATpXgMYdA9kq4BR-4pd-jzzmT_cg-9eZz8ipvNts1JQY_EtZcc6QyCP9zDyz389BW0cDBdbPNLDoV_2OuUCd7QNbEZU',
    dq: 'qng0WEq_jtkDqMua5Ep8XNpERvBZZKfPbaXEgM_blf2iM1XmP9Z5rdRrELcAo4Eg-0KtFk4lH0Y8j4IqbFjNmD8mgXt2QJU6x2FUOLTsah9sAwE077cAm9TFfn1dFe0NiXl0j8Tv2x9woWpga22Gd4LhH4o8xcx1MMZmcHY3tgc',
    qi: 'i-xKkaVpn44dyIcegGrGc3jEhZ4MoiNFv4wglzJwVbHbcBnbIXe16ynl0JLHvYLOuhJhz6iBKSALchcJQ5JmNd5QSY8NnZ8JReVlEteE7zBoVDbRsrbfJKlmdG6zU2tu3KV_RuIS47Ew_ikIpoIQ5cpu9mSPrR1JBpQxSX3voVo',
  },
];
const FIXTURE_RSA_EXTRA_PUBLIC: readonly Record<string, string>[] = [
  {
    kty: 'RSA',
    n: 'oK0xFLoCLqM04ayrOkQWubYLY-R9ZLGFp5hUz1Uo2nZTk4rJc-IzEoULg9aIMYFdQl5fCebwnXhi5V_NPvK0_TUNQlSdM-tLc8Blxjs_q0Kd1yzV1pLRePDnmWnDsndp_4fQcyS4bIAD8BNeV6pHTyATys_1UjyCSCKcJcbO6LeS6yUTeQUyl9Ndaip15xpOYeLcgc1EjclIZCyaCDFSjGzCMSiqDMd9gA28nIdhDsGTO54YDp-66lrCRoowm-Fqy8xHKiGM975qAtT7KSY3ePENNECHmlzaO_CjMT6v_18JeLc9x9shKooiLUN2Ew-F8DHYfYAIdyPUk4b-j58bNQ',
    e: 'AQAB',
  },
  {
    kty: 'RSA',
    n: 's103RPw9cISij00qNZ1F5fgwp0NYUTQvV0OaUbcstkH4LS8C4YGUVCgQj4d1_Welh2OmBcM57TwGlORjGzhQyokRz-5GD3WG2LuIu4wWVMoyUa4vh1P_nzOp04UlIvSJeTLOaaqslipEBEzs0wXZk0yp1hT2BiafC0_zEi5kusdPMVzxQZISkHdhX47EoPotuP6kvPR0NaMmfAacDusgnNZgUk2WGRO7YyCxWhvXTZSe2qmzaqczTlvHuzQS6Qo8iDFttbAoeYKOYuDG9TAMQ8QuW0nBwbPOfsKTXK2pbD_76p1VgTxBsw30z-KT7PisLJtNiH7IlnqecwWidAOyzw',
    e: 'AQAB',
  },
  {
    kty: 'RSA',
    n: 'zUvZ8ab-lQB72gHoLKi9CwniJXMdr1p_V1F-7udOwH7UMTQL8Dv20hj86c3v10ecQHLs-FAXinXh1Z7ktB8caBcIRqEAPP5yrvcYb0FjapqlZ5Y9NsnDoKuaObTZI7K1xUmwVm2yygXVCHWntEnFLFk1cGPV8cIRQGpGpKAK3VbF1PHOSOZrVgtfxJXn8jDPoIVAw4atdxOsjl8Z7Flzi9v0viJgHNvTJsozbr5NYdx19gs-T4LI9-Wxx8gVeFsZTB24uCHfxehfMxEL4kE2eh2B1A596baKBjwU_TDE5ipOQAJHxTtjjCqN9ThxGZ_vRvXoW0euRM2Y1cPT2-zDWw',
    e: 'AQAB',
  },
];
const FIXTURE_EC_PRIVATE: Record<string, string> = {
  kty: 'EC',
  crv: 'P-256',
  x: '6xXCX34pYFHkzDapWj0vNQgd80owPlvWmIUI61fUIaE',
  y: 'lqHgtoriwkLuRty1_X8tak4wkctjUZ8GWavXUdzG9Go',
  d: '5O3MI5_vtVPbDqJmAJ88Ht1UO1GZgZ_A5uc51gG28qs',
};

/** A `fetch` that sends some hosts to local servers, and records every URL it was asked for. */
export interface RoutedFetch {
  readonly fetch: typeof fetch;
  /** Every URL requested, as asked (before routing), in order. */
  readonly calls: string[];
}

/**
 * A `fetch` for tests with public-looking hosts: `https://<host>/path` becomes `<origin>/path` for
 * each routed host; any other host fails as an unresolvable name would. Nothing leaves 127.0.0.1.
 *
 * @param routes - host (as in `URL.host`) to local origin, e.g. `{ 'op.example': op.origin }`.
 */
export function routedFetch(routes: Readonly<Record<string, string>>): RoutedFetch {
  const calls: string[] = [];
  const routed = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = new URL(typeof input === 'string' || input instanceof URL ? input : input.url);
    calls.push(url.href);
    const target = routes[url.host];
    if (target === undefined)
      return Promise.reject(new TypeError('fetch failed', { cause: Object.assign(new Error(`getaddrinfo ENOTFOUND ${url.hostname}`), { code: 'ENOTFOUND' }) }));
    return fetch(`${target}${url.pathname}${url.search}`, init);
  };
  return { fetch: routed as typeof fetch, calls };
}

/** One request an {@link InternalService} received. */
export interface InternalRequest {
  readonly method: string;
  readonly path: string;
  readonly authorization?: string;
  readonly body: string;
}

/** A stand-in for a service on the internal network (a metadata service, an admin API). */
export interface InternalService {
  /** `http://127.0.0.1:<port>`. */
  readonly origin: string;
  readonly port: number;
  readonly requests: InternalRequest[];
  close(): Promise<void>;
}

/** What the internal service says in every answer, to show that it must never reach an error message. */
export const INTERNAL_BANNER = 'internal-service: redis 7.2 at 10.0.0.5, admin token in /etc/secret';

/**
 * Starts an internal service on 127.0.0.1:0 that records every request and answers each with an
 * OAuth error body whose `error_description` is {@link INTERNAL_BANNER}.
 */
export async function startInternalService(): Promise<InternalService> {
  const requests: InternalRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      requests.push({
        method: req.method ?? 'GET',
        path: req.url ?? '/',
        ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
        body: Buffer.concat(chunks).toString('utf8'),
      });
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'invalid_request', error_description: INTERNAL_BANNER }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
