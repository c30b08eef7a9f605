/**
 * The floor: what a careful hand-written app costs. node:http + openid-client 6 + an in-memory `Map`
 * of sessions, with the contract of Latchkey's routes:
 * - `GET /auth/op/login?returnTo=/x` → 302 to the provider (state, nonce, PKCE S256; the
 *   transaction in a `Map` under an HttpOnly cookie);
 * - `GET /auth/op/callback` → code exchanged (token call, ID token checks by openid-client), userinfo
 *   fetched, a random session id in an HttpOnly cookie, 302 to `returnTo`;
 * - `GET /auth/session` → 200 `{ user, expiresAt, provider, csrfToken, data }` with the session
 *   cookie, 401 `{ error, code, message }` without, both `cache-control: no-store` like Latchkey's.
 * Environment: ISSUER, CLIENT_ID, CLIENT_SECRET.
 */
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import * as client from 'openid-client';
import { env, listenLoopback, ready, startChild } from './child.js';

const SESSION_COOKIE = 'floor_sid';
const TX_COOKIE = 'floor_tx';
const SESSION_MS = 7 * 24 * 3600_000;
const HEADERS = { 'cache-control': 'no-store', pragma: 'no-cache', 'referrer-policy': 'no-referrer', 'x-content-type-options': 'nosniff' };
const JSON_HEADERS = { ...HEADERS, 'content-type': 'application/json; charset=utf-8' };
const UNAUTHENTICATED = JSON.stringify({ error: 'unauthenticated', code: 'UNAUTHENTICATED', message: 'Sign in first.' });

interface FloorUser {
  readonly id: string;
  readonly email: string | null;
  readonly emailVerified: boolean;
  readonly name: string | null;
  readonly image: string | null;
}
interface FloorSession {
  readonly user: FloorUser;
  readonly expiresAt: number;
  readonly csrfToken: string;
}
interface Transaction {
  readonly state: string;
  readonly nonce: string;
  readonly verifier: string;
  readonly returnTo: string;
  readonly createdAt: number;
}

const sessions = new Map<string, FloorSession>();
const transactions = new Map<string, Transaction>();
const config = await client.discovery(new URL(env('ISSUER')), env('CLIENT_ID'), undefined, client.ClientSecretBasic(env('CLIENT_SECRET')), {
  execute: [client.allowInsecureRequests],
});

function cookie(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

function sessionRoute(req: http.IncomingMessage, res: http.ServerResponse): void {
  const id = cookie(req.headers.cookie, SESSION_COOKIE);
  const s = id === undefined ? undefined : sessions.get(id);
  if (!s || s.expiresAt <= Date.now()) {
    res.writeHead(401, { ...JSON_HEADERS, 'www-authenticate': 'Bearer realm="floor"' });
    res.end(UNAUTHENTICATED);
    return;
  }
  res.writeHead(200, JSON_HEADERS);
  res.end(JSON.stringify({ user: s.user, expiresAt: new Date(s.expiresAt).toISOString(), provider: 'op', csrfToken: s.csrfToken, data: {} }));
}

async function loginRoute(base: string, url: URL, res: http.ServerResponse): Promise<void> {
  const returnTo = url.searchParams.get('returnTo') ?? '/';
  const tx: Transaction = {
    state: client.randomState(),
    nonce: client.randomNonce(),
    verifier: client.randomPKCECodeVerifier(),
    returnTo: returnTo.startsWith('/') && !returnTo.startsWith('//') ? returnTo : '/',
    createdAt: Date.now(),
  };
  const txId = randomBytes(24).toString('base64url');
  transactions.set(txId, tx);
  const location = client.buildAuthorizationUrl(config, {
    redirect_uri: `${base}/auth/op/callback`,
    scope: 'openid email profile',
    state: tx.state,
    nonce: tx.nonce,
    code_challenge: await client.calculatePKCECodeChallenge(tx.verifier),
    code_challenge_method: 'S256',
  });
  res.writeHead(302, { ...HEADERS, location: location.href, 'set-cookie': `${TX_COOKIE}=${txId}; Path=/auth; HttpOnly; SameSite=Lax; Max-Age=600` });
  res.end();
}

async function callbackRoute(base: string, req: http.IncomingMessage, url: URL, res: http.ServerResponse): Promise<void> {
  const txId = cookie(req.headers.cookie, TX_COOKIE);
  const tx = txId === undefined ? undefined : transactions.get(txId);
  if (!tx || tx.createdAt < Date.now() - 600_000) {
    res.writeHead(400, JSON_HEADERS).end(JSON.stringify({ error: 'no_transaction' }));
    return;
  }
  transactions.delete(txId!);
  const tokens = await client.authorizationCodeGrant(config, new URL(`${url.pathname}${url.search}`, base), {
    pkceCodeVerifier: tx.verifier,
    expectedState: tx.state,
    expectedNonce: tx.nonce,
    idTokenExpected: true,
  });
  const claims = tokens.claims()!;
  const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
  const id = randomBytes(32).toString('base64url');
  const user: FloorUser = {
    id: `u_${claims.sub}`,
    email: typeof info.email === 'string' ? info.email : null,
    emailVerified: info.email_verified === true,
    name: typeof info.name === 'string' ? info.name : null,
    image: typeof info.picture === 'string' ? info.picture : null,
  };
  sessions.set(id, { user, expiresAt: Date.now() + SESSION_MS, csrfToken: randomBytes(32).toString('base64url') });
  res.writeHead(302, {
    ...HEADERS,
    location: tx.returnTo,
    'set-cookie': [`${SESSION_COOKIE}=${id}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${SESSION_MS / 1000}`, `${TX_COOKIE}=; Path=/auth; HttpOnly; Max-Age=0`],
  });
  res.end();
}

let base = '';
const { server } = await listenLoopback((req, res) => {
  const path = req.url ?? '/';
  if (path === '/auth/session') return sessionRoute(req, res);
  const url = new URL(path, base);
  const route =
    url.pathname === '/auth/op/login' ? loginRoute(base, url, res) : url.pathname === '/auth/op/callback' ? callbackRoute(base, req, url, res) : undefined;
  if (!route) {
    res.writeHead(404).end();
    return;
  }
  route.catch(() => {
    if (!res.headersSent) res.writeHead(500, JSON_HEADERS);
    res.end(JSON.stringify({ error: 'login_failed' }));
  });
});
base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
startChild(async () => void server.close());
ready(base);
