/**
 * Shared fixtures for app-layer and adapter tests: the real oidc-provider, an RP whose server can be
 * any adapter, a `ProviderConfig` literal for that OP, and small flow helpers on `UserAgent`.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { JWK } from 'jose';
import { latchkey } from '../../src/adapters/node.js';
import type { AuthOptions } from '../../src/app/config.js';
import { type Auth, createAuth } from '../../src/app/create-auth.js';
import type { Profile, ProviderConfig } from '../../src/providers/types.js';
import type { SessionStore } from '../../src/storage/types.js';
import { generateSigningKey, type OidcProviderHandle, startOidcProvider } from '../support/oidc-provider.js';
import { UserAgent } from '../support/user-agent.js';

export const CLIENT_SECRET = 'rp-client-secret-0123456789abcdefghijklmnop';
export const SECRET_A = 'secret-A-0123456789abcdefghijklmnopqrstuvwxyz';
export const SECRET_B = 'secret-B-0123456789abcdefghijklmnopqrstuvwxyz';

/** A ProviderConfig for the test OP. */
export function opProvider(issuer: string, overrides: Partial<ProviderConfig> = {}): ProviderConfig {
  return {
    id: 'op',
    name: 'Test OP',
    kind: 'oidc',
    issuer,
    clientId: 'rp',
    clientSecret: CLIENT_SECRET,
    scopes: ['openid', 'email', 'profile'],
    mapProfile: (raw): Profile => ({
      issuer,
      subject: String(raw.sub),
      email: typeof raw.email === 'string' ? raw.email : null,
      emailVerified: raw.email_verified === true,
      name: typeof raw.name === 'string' ? raw.name : null,
      givenName: null,
      familyName: null,
      picture: null,
      locale: null,
      raw,
    }),
    ...overrides,
  };
}

/** A listening server whose request handler can be set after the OP started. */
export interface RpServer {
  readonly base: string;
  readonly server: http.Server;
  close(): Promise<void>;
}

/** Listens on 127.0.0.1:0 with a replaceable Node handler. */
export async function listen(handler: () => http.RequestListener): Promise<RpServer> {
  const server = http.createServer((req, res) => handler()(req, res));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A loopback RP address for tests that call route modules directly: whatever reaches its server gets a 418. */
export function listenIdle(): Promise<RpServer> {
  return listen(() => (_req, res) => {
    res.statusCode = 418;
    res.end();
  });
}

/** What {@link routeFixture} starts: an idle RP address, the OP, and one `AuthContext` over them. */
/** Starts the OP with the RP client registered for `rpBase` (providers `op` and `op-post`). */
export async function startOp(rpBase: string, keys?: readonly JWK[], basePath = '/auth'): Promise<OidcProviderHandle> {
  return startOidcProvider({
    ...(keys ? { keys } : {}),
    clients: [
      {
        client_id: 'rp',
        client_secret: CLIENT_SECRET,
        redirect_uris: [`${rpBase}${basePath}/op/callback`, `${rpBase}${basePath}/op-post/callback`],
        post_logout_redirect_uris: [`${rpBase}${basePath}/logout/callback`],
        backchannel_logout_uri: `${rpBase}${basePath}/op/backchannel-logout`,
        backchannel_logout_session_required: true,
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
  });
}

/** createAuth for the test OP with both providers. */
export function makeAuth(rpBase: string, op: OidcProviderHandle, options: Partial<AuthOptions> = {}): Auth {
  return createAuth({
    baseUrl: rpBase,
    secret: SECRET_A,
    providers: [opProvider(op.issuer), opProvider(op.issuer, { id: 'op-post', responseMode: 'form_post' })],
    ...options,
  });
}

/** Runs a full login in `ua` and returns where it landed. */
export async function login(ua: UserAgent, rpBase: string, returnTo = '/dashboard', providerId = 'op', basePath = '/auth') {
  return ua.navigate(`${rpBase}${basePath}/${providerId}/login?returnTo=${encodeURIComponent(returnTo)}`, {
    autoSubmitForms: true,
    stop: (u) => u.startsWith(rpBase) && !new URL(u).pathname.startsWith(`${basePath}/`),
  });
}

/** GET `/auth/session` as JSON. */
export async function sessionOf(ua: UserAgent, rpBase: string, basePath = '/auth'): Promise<{ status: number; body: Record<string, unknown> }> {
  const url = `${rpBase}${basePath}/session`;
  const r = await fetch(url, { headers: { cookie: ua.cookieHeader(url), accept: 'application/json' } });
  for (const c of r.headers.getSetCookie()) ua.setCookie(c, url);
  return { status: r.status, body: (await r.json()) as Record<string, unknown> };
}

/** POST `/auth/logout` with the CSRF token from `/auth/session`. */
export async function logout(ua: UserAgent, rpBase: string, query = '', basePath = '/auth') {
  const s = await sessionOf(ua, rpBase, basePath);
  return ua.navigate(`${rpBase}${basePath}/logout${query}`, {
    method: 'POST',
    body: new URLSearchParams({ csrfToken: String(s.body.csrfToken ?? '') }),
    headers: { accept: 'text/html', origin: rpBase },
    autoSubmitForms: true,
    stop: (u) => u.startsWith(rpBase) && !new URL(u).pathname.startsWith(`${basePath}/`),
  });
}

export { generateSigningKey, UserAgent };

/** A GET through node:http with exactly these headers (fetch would add `Sec-Fetch-Mode: cors`). */
export function rawGet(url: string, headers: Record<string, string>): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      })
      .on('error', reject);
  });
}

/** The Node app of the flow tests: the auth routes, a guarded `/me`, `/maybe` (the optional user), and "page" elsewhere. */
export function nodeApp(getAuth: () => Auth): http.RequestListener {
  return (req, res) => {
    const lk = latchkey(getAuth());
    void (async () => {
      if (await lk.handle(req, res)) return;
      if (req.url?.startsWith('/me')) {
        const user = await lk.requireUser(req, res);
        if (user) res.end(JSON.stringify({ user }));
        return;
      }
      if (req.url === '/maybe') {
        res.end(JSON.stringify({ user: await lk.optionalUser(req) }));
        return;
      }
      res.end('page');
    })();
  };
}

/** A session store whose `get` throws a `RangeError` with this message; the other members do nothing. */
export function throwingSessionStore(message: string): SessionStore {
  return {
    get: async () => {
      throw new RangeError(message);
    },
    create: async () => {},
    touch: async () => {},
    delete: async () => {},
    deleteByUser: async () => [],
    deleteBySid: async () => [],
    deleteBySubject: async () => [],
  };
}

/** An RP server whose listener an adapter factory builds around `auth`, with the test OP. */
export interface AdapterRig {
  readonly rp: RpServer;
  readonly op: OidcProviderHandle;
  readonly auth: Auth;
  close(): Promise<void>;
}

/**
 * Starts the RP server and the OP, creates `auth` for them and mounts the adapter `factory` builds.
 *
 * @param makeAuthFor - creates the Auth for the RP base and the OP.
 * @param factory - builds the Node listener (and its own close) around the Auth.
 */
export async function startAdapterRig(
  makeAuthFor: (rpBase: string, op: OidcProviderHandle) => Auth,
  factory: (auth: Auth) => Promise<{ listener: http.RequestListener; close?: () => Promise<void> }>,
): Promise<AdapterRig> {
  let listener: http.RequestListener | undefined;
  const rp = await listen(() => listener!);
  const op = await startOp(rp.base);
  const auth = makeAuthFor(rp.base, op);
  const made = await factory(auth);
  listener = made.listener;
  return {
    rp,
    op,
    auth,
    close: async () => {
      await made.close?.();
      await rp.close();
      await op.close();
    },
  };
}
