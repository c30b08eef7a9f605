/**
 * One local server (127.0.0.1, port 0) that serves the endpoint shapes of many providers at once,
 * for the preset tests: OIDC providers (discovery, JWKS, authorize, token, userinfo) under an
 * issuer path each, and plain OAuth 2.0 providers under `/<host>/<path>` (what a preset's
 * `emulatorUrl` rewrites its fixed endpoints to). Token and API answers are recorded-shape
 * fixtures given per provider. ID tokens are signed with a test RSA key (or HS256 with the client
 * secret). The authorization endpoint answers at once (302 to the redirect URI, or a form_post
 * page), and the token endpoint checks the code, the redirect URI, the PKCE verifier and the client
 * authentication, so a wrong preset fails here as it would at the provider.
 *
 * ```ts
 * const fx = await startFixtureServer();
 * const op = fx.oidc('/google', { clientId, clientSecret, claims: { sub: '1', email: … } });
 * fx.oauth2({ authorize: '/github.com/login/oauth/authorize', token: '/github.com/login/oauth/access_token', … });
 * await signInThrough(preset, fx);   // see sign-in.ts
 * await fx.close();
 * ```
 */
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type CryptoKey as JoseKey, type JWK, jwtVerify, SignJWT } from 'jose';

/** A request as the fixture server saw it. */
export interface FixtureRequest {
  readonly method: string;
  readonly path: string;
  readonly url: URL;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The body parsed as a form (empty when not a form). */
  readonly form: URLSearchParams;
  readonly body: string;
}

/** An answer. `json` sets `application/json`; `text` with `headers` for anything else. */
export interface FixtureResponse {
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly json?: unknown;
  readonly text?: string;
}

export type Handler = (req: FixtureRequest) => FixtureResponse | Promise<FixtureResponse>;

/** What one pending authorization remembers until the token request. */
interface Grant {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly codeChallenge?: string;
  readonly nonce?: string;
  readonly scope: string;
  readonly params: URLSearchParams;
}

/** How the token endpoint checks client authentication. */
export type ExpectedClientAuth =
  | { readonly method: 'client_secret_basic' | 'client_secret_post'; readonly secret: string }
  | { readonly method: 'client_secret_post_jwt'; readonly verify: (secret: string) => Promise<void> }
  | { readonly method: 'none' };

/** The token endpoint's answer, built from the grant. */
export type TokenAnswer = (ctx: { grant: Grant; accessToken: string; req: FixtureRequest }) => FixtureResponse | Promise<FixtureResponse>;

/** Options of an OIDC provider fixture. */
export interface OidcFixtureOptions {
  readonly clientId: string;
  readonly clientAuth: ExpectedClientAuth;
  /** The issuer string, when it is not exactly `<server>/<path>` (Auth0's trailing slash). */
  readonly issuer?: string;
  /** The `issuer` the discovery document names (Microsoft's `{tenantid}` template). */
  readonly discoveryIssuer?: string;
  /** The ID token claims (besides `aud`, `exp`, `iat`, `nonce`; `iss` defaults to the issuer). */
  readonly claims: Readonly<Record<string, unknown>>;
  /** `HS256` signs with the client secret (LINE). Default RS256. */
  readonly alg?: 'RS256' | 'HS256';
  /** The userinfo JSON; no userinfo endpoint when absent. */
  readonly userinfo?: Readonly<Record<string, unknown>>;
  /** Extra members of the token response (recorded shapes: `scope`, `refresh_token`, …). */
  readonly tokenExtras?: Readonly<Record<string, unknown>>;
  /** Replaces the token endpoint's answer (error fixtures). */
  readonly tokenAnswer?: TokenAnswer;
  /** Extra fields of the form_post page (Apple's `user`). */
  readonly formPostExtras?: Readonly<Record<string, string>>;
}

/** Options of a plain OAuth 2.0 provider fixture (paths on the fixture server). */
export interface OAuth2FixtureOptions {
  readonly clientId: string;
  readonly clientAuth: ExpectedClientAuth;
  readonly authorize: string;
  readonly token: string;
  /** The token response (recorded shape); `access_token` is filled in when absent. */
  readonly tokenAnswer: TokenAnswer;
  /** API routes (GET), answered only with a Bearer token this fixture issued. */
  readonly api?: Readonly<Record<string, FixtureResponse>>;
}

/** A running fixture server. */
export interface FixtureServer {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  /** Every request received. */
  readonly requests: FixtureRequest[];
  /** Adds or replaces a route. */
  route(method: 'GET' | 'POST', path: string, handler: Handler): void;
  /** Serves an OIDC provider at `<url><path>`; returns its issuer. */
  oidc(path: string, options: OidcFixtureOptions): { issuer: string };
  /** Serves a plain OAuth 2.0 provider. */
  oauth2(options: OAuth2FixtureOptions): void;
  /** Signs an ID token with the server's RSA key. */
  signIdToken(claims: Record<string, unknown>): Promise<string>;
  /** The query or form parameters of the last request to a path. */
  last(path: string): FixtureRequest | undefined;
  close(): Promise<void>;
}

/** Starts the fixture server. */
export async function startFixtureServer(): Promise<FixtureServer> {
  const { privateKey, publicKey } = await generateKeyPair('RS256');
  const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid: 'fixture-rsa-1', alg: 'RS256', use: 'sig' };
  const routes = new Map<string, Handler>();
  const requests: FixtureRequest[] = [];
  const grants = new Map<string, Grant>();
  const issuedAccessTokens = new Set<string>();
  const issuedRefreshTokens = new Set<string>();

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const isForm = (req.headers['content-type'] ?? '').startsWith('application/x-www-form-urlencoded');
      const fr: FixtureRequest = {
        method: req.method ?? 'GET',
        path: url.pathname,
        url,
        headers: req.headers,
        form: new URLSearchParams(isForm ? body : ''),
        body,
      };
      requests.push(fr);
      const handler = routes.get(`${fr.method} ${fr.path}`);
      Promise.resolve(handler ? handler(fr) : { status: 404, json: { error: 'not_found' } })
        .then((answer) => send(res, answer))
        .catch((error: unknown) => send(res, { status: 500, text: String(error) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const signIdToken = (claims: Record<string, unknown>) =>
    new SignJWT(claims).setProtectedHeader({ alg: 'RS256', kid: publicJwk.kid! }).sign(privateKey as JoseKey);

  const authorizeHandler =
    (clientId: string, formPostExtras?: Readonly<Record<string, string>>, iss?: string): Handler =>
    (req): FixtureResponse => {
      const q = req.url.searchParams;
      if (q.get('client_id') !== clientId) return { status: 400, text: 'unknown client_id' };
      const redirectUri = q.get('redirect_uri');
      if (!redirectUri || q.get('response_type') !== 'code') return { status: 400, text: 'bad request' };
      const code = randomBytes(12).toString('base64url');
      grants.set(code, {
        clientId,
        redirectUri,
        ...(q.get('code_challenge') ? { codeChallenge: q.get('code_challenge')! } : {}),
        ...(q.get('nonce') ? { nonce: q.get('nonce')! } : {}),
        scope: q.get('scope') ?? '',
        params: q,
      });
      const answer: Record<string, string> = { code, ...(q.get('state') ? { state: q.get('state')! } : {}), ...(iss ? { iss } : {}) };
      if (q.get('response_mode') === 'form_post') {
        const fields = { ...answer, ...formPostExtras };
        const inputs = Object.entries(fields)
          .map(([k, v]) => `<input type="hidden" name="${k}" value="${v.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}">`)
          .join('');
        return { status: 200, headers: { 'content-type': 'text/html' }, text: `<form method="post" action="${redirectUri}">${inputs}</form>` };
      }
      const target = new URL(redirectUri);
      for (const [k, v] of Object.entries(answer)) target.searchParams.set(k, v);
      return { status: 302, headers: { location: target.href } };
    };

  const tokenHandler =
    (clientId: string, clientAuth: ExpectedClientAuth, answer: TokenAnswer): Handler =>
    async (req) => {
      const form = req.form;
      const authError = await checkClientAuth(req, clientId, clientAuth);
      if (authError) return { status: 401, json: { error: 'invalid_client', error_description: authError } };
      if (form.get('grant_type') === 'refresh_token') {
        // RFC 6749 §6: a refresh token this fixture issued gives a new access token (no rotation).
        if (!issuedRefreshTokens.has(form.get('refresh_token') ?? ''))
          return { status: 400, json: { error: 'invalid_grant', error_description: 'unknown refresh token' } };
        const accessToken = `at-${randomBytes(12).toString('base64url')}`;
        issuedAccessTokens.add(accessToken);
        return { json: { access_token: accessToken, token_type: 'Bearer', expires_in: 3600 } };
      }
      if (form.get('grant_type') !== 'authorization_code') return { status: 400, json: { error: 'unsupported_grant_type' } };
      const grant = grants.get(form.get('code') ?? '');
      if (!grant) return { status: 400, json: { error: 'invalid_grant', error_description: 'unknown code' } };
      grants.delete(form.get('code')!);
      if (form.get('redirect_uri') !== grant.redirectUri) return { status: 400, json: { error: 'invalid_grant', error_description: 'redirect_uri mismatch' } };
      if (grant.codeChallenge !== undefined) {
        const verifier = form.get('code_verifier') ?? '';
        if (createHash('sha256').update(verifier).digest('base64url') !== grant.codeChallenge) {
          return { status: 400, json: { error: 'invalid_grant', error_description: 'PKCE verification failed' } };
        }
      }
      const accessToken = `at-${randomBytes(12).toString('base64url')}`;
      issuedAccessTokens.add(accessToken);
      const answered = await answer({ grant, accessToken, req });
      const refreshToken = (answered.json as { refresh_token?: unknown } | undefined)?.refresh_token;
      if (typeof refreshToken === 'string') issuedRefreshTokens.add(refreshToken);
      return answered;
    };

  const requireBearer =
    (fixed: FixtureResponse): Handler =>
    (req) => {
      const auth = String(req.headers.authorization ?? '');
      const token = /^Bearer (.+)$/i.exec(auth)?.[1];
      if (!token || !issuedAccessTokens.has(token))
        return { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' }, json: { message: 'Bad credentials' } };
      return fixed;
    };

  const fx: FixtureServer = {
    url,
    requests,
    route(method, path, handler) {
      routes.set(`${method} ${path}`, handler);
    },
    oidc(path, o) {
      const base = `${url}${path}`;
      const issuer = o.issuer ?? base;
      const discovery = {
        issuer: o.discoveryIssuer ?? issuer,
        authorization_endpoint: `${base}/authorize`,
        token_endpoint: `${base}/token`,
        jwks_uri: `${base}/jwks`,
        ...(o.userinfo ? { userinfo_endpoint: `${base}/userinfo` } : {}),
        response_types_supported: ['code'],
        subject_types_supported: ['public'],
        id_token_signing_alg_values_supported: [o.alg ?? 'RS256'],
        code_challenge_methods_supported: ['S256'],
        response_modes_supported: ['query', 'form_post'],
      };
      fx.route('GET', `${path}/.well-known/openid-configuration`, () => ({ json: discovery }));
      fx.route('GET', `${path}/jwks`, () => ({ json: { keys: [publicJwk] } }));
      fx.route('GET', `${path}/authorize`, authorizeHandler(o.clientId, o.formPostExtras));
      fx.route(
        'POST',
        `${path}/token`,
        tokenHandler(o.clientId, o.clientAuth, async (ctx) => {
          if (o.tokenAnswer) return o.tokenAnswer(ctx);
          const now = Math.floor(Date.now() / 1000);
          // OIDC Core 3.3.2.11: at_hash is the left half of the SHA-256 of the access token.
          const atHash = createHash('sha256').update(ctx.accessToken).digest().subarray(0, 16).toString('base64url');
          const claims = {
            iss: issuer,
            aud: o.clientId,
            iat: now,
            exp: now + 3600,
            at_hash: atHash,
            ...(ctx.grant.nonce ? { nonce: ctx.grant.nonce } : {}),
            ...o.claims,
          };
          const idToken =
            o.alg === 'HS256' && o.clientAuth.method !== 'none' && 'secret' in o.clientAuth
              ? await new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).sign(new TextEncoder().encode(o.clientAuth.secret))
              : await signIdToken(claims);
          return { json: { access_token: ctx.accessToken, token_type: 'Bearer', expires_in: 3599, id_token: idToken, ...o.tokenExtras } };
        }),
      );
      if (o.userinfo) fx.route('GET', `${path}/userinfo`, requireBearer({ json: o.userinfo }));
      return { issuer };
    },
    oauth2(o) {
      fx.route('GET', o.authorize, authorizeHandler(o.clientId));
      fx.route('POST', o.token, tokenHandler(o.clientId, o.clientAuth, o.tokenAnswer));
      for (const [path, answer] of Object.entries(o.api ?? {})) {
        const u = new URL(path, 'http://x');
        fx.route('GET', u.pathname, requireBearer(answer));
      }
    },
    signIdToken,
    last(path) {
      return [...requests].reverse().find((r) => r.path === path);
    },
    close() {
      return new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      });
    },
  };
  return fx;
}

async function checkClientAuth(req: FixtureRequest, clientId: string, expected: ExpectedClientAuth): Promise<string | undefined> {
  const basic = /^Basic (.+)$/i.exec(String(req.headers.authorization ?? ''))?.[1];
  switch (expected.method) {
    case 'client_secret_basic': {
      if (!basic) return 'expected HTTP Basic client authentication';
      const [id, secret] = Buffer.from(basic, 'base64').toString('utf8').split(':').map(decodeURIComponent);
      return id === clientId && secret === expected.secret ? undefined : 'bad client credentials';
    }
    case 'client_secret_post':
      if (basic) return 'expected client_secret_post, got Basic';
      return req.form.get('client_id') === clientId && req.form.get('client_secret') === expected.secret ? undefined : 'bad client credentials';
    case 'client_secret_post_jwt': {
      if (basic || req.form.get('client_id') !== clientId) return 'expected client_id and client_secret in the body';
      try {
        await expected.verify(req.form.get('client_secret') ?? '');
        return undefined;
      } catch (e) {
        return `client secret JWT refused: ${String(e)}`;
      }
    }
    case 'none':
      return req.form.get('client_id') === clientId && !basic && !req.form.has('client_secret') ? undefined : 'expected a public client';
  }
}

function send(res: ServerResponse, answer: FixtureResponse): void {
  const headers: Record<string, string> = { ...answer.headers };
  let body = answer.text ?? '';
  if (answer.json !== undefined) {
    body = JSON.stringify(answer.json);
    headers['content-type'] ??= 'application/json; charset=utf-8';
  }
  res.writeHead(answer.status ?? 200, headers).end(body);
}

/** Verifies an Apple-style client-secret JWT with the team's public key (ES256). */
export async function verifyAppleSecret(jwt: string, key: JoseKey, expected: { iss: string; sub: string; aud: string; kid: string }): Promise<void> {
  const { payload, protectedHeader } = await jwtVerify(jwt, key, {
    algorithms: ['ES256'],
    issuer: expected.iss,
    subject: expected.sub,
    audience: expected.aud,
  });
  if (protectedHeader.kid !== expected.kid) throw new Error('wrong kid');
  if (typeof payload.exp !== 'number' || payload.exp - (payload.iat ?? 0) > 15_777_000) throw new Error('bad lifetime');
}
