/**
 * A full sign-in on Cloudflare's workerd (through miniflare), for both session strategies: the app
 * (`fixtures/app-worker.ts`, bundled for workerd) serves `auth.handler`; the dev IdP's Google runs
 * in Node; a cookie-jar user agent in Node drives login redirect -> authorize -> callback ->
 * `/auth/session` -> a provider API call through the vault -> a refresh (the provider refuses the
 * revoked access token with `invalid_token`, the vault refreshes and retries) -> sign out with CSRF.
 * The `server` strategy keeps sessions in local Workers KV and users in local D1, read from Node to
 * show where the rows went.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningDevIdp, startDevIdp } from '../../src/dev/index.js';
import { rawGet } from '../app/support.js';
import { freePort } from '../demo/spawn.js';
import { UserAgent } from '../support/user-agent.js';
import { type RunningWorker, startWorker } from './miniflare.js';

const SECRET = 'workers-test-secret-0123456789abcdefghijklmnopqrstuvwxyz';

interface TokenState {
  readonly version: number;
  readonly accessToken: string | null;
  readonly refreshToken: string | null;
}

describe.each(['cookie', 'server'] as const)('Workers (workerd): full sign-in, %s sessions', (strategy) => {
  let dev: RunningDevIdp;
  let worker: RunningWorker;
  let base = '';

  beforeAll(async () => {
    dev = await startDevIdp({ port: 0, host: '127.0.0.1', acceptAnyClient: true });
    worker = await startWorker({
      entry: 'test/workers/fixtures/app-worker.ts',
      bindings: { GOOGLE_ISSUER: dev.issuerFor('google'), AUTH_SECRET: SECRET, STRATEGY: strategy },
      kvNamespaces: ['SESSIONS'],
      d1Databases: ['DB'],
    });
    base = worker.base;
  }, 90_000);
  afterAll(async () => {
    await worker?.close();
    await dev?.close();
  });

  const get = (ua: UserAgent, path: string, headers: Record<string, string> = {}) =>
    fetch(`${base}${path}`, { redirect: 'manual', headers: { cookie: ua.cookieHeader(`${base}${path}`), accept: 'application/json', ...headers } });

  it('runs on workerd, not Node', async () => {
    const r = await fetch(`${base}/runtime`);
    expect(await r.json()).toEqual({ userAgent: 'Cloudflare-Workers', hasProcess: false, nodeVersion: null });
  });

  it('signs in, calls the provider API through the vault, refreshes, and signs out with CSRF', async () => {
    const ua = new UserAgent();
    // The login redirect: to the dev IdP's authorization endpoint, PKCE S256, state and nonce, a transaction cookie.
    const login = await fetch(`${base}/auth/google/login?returnTo=/me`, { redirect: 'manual' });
    expect(login.status).toBe(302);
    const authorize = new URL(login.headers.get('location')!);
    expect(authorize.href.startsWith(dev.issuerFor('google'))).toBe(true);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${base}/auth/google/callback`);
    for (const p of ['state', 'nonce', 'code_challenge']) expect(authorize.searchParams.get(p)).toBeTruthy();
    for (const c of login.headers.getSetCookie()) ua.setCookie(c, login.url);
    expect(ua.cookies(base).some((c) => c.startsWith('lk-tx-'))).toBe(true);

    // Authorize at the dev IdP (its sign-in page, as bob), then the callback on workerd, then /me.
    const page = await ua.navigate(authorize);
    expect(page.status).toBe(200);
    const done = await ua.submitForm(page.html!, page.url, { fields: { user: 'bob' }, stop: (u) => u === `${base}/me` });
    expect(done.stopped).toBe(true);
    expect(ua.cookies(base).some((c) => c.startsWith('lk-session='))).toBe(true);
    expect(ua.cookies(base).some((c) => c.startsWith('lk-tx-'))).toBe(false);

    const session = await get(ua, '/auth/session');
    expect(session.status).toBe(200);
    const body = (await session.json()) as { user: { id: string; email: string }; csrfToken: string; provider: string };
    expect(body.user.email).toBe('bob@example.com');
    expect(body.provider).toBe('google');
    const me = await get(ua, '/me');
    expect(await me.json()).toMatchObject({ user: { id: body.user.id, email: 'bob@example.com' }, strategy });

    // A provider API call through the vault (the dev IdP's Calendar API).
    const first = await get(ua, '/calendars');
    expect(first.status).toBe(200);
    const a = (await first.json()) as { names: string[]; tokens: TokenState };
    expect(a.names.join(' ')).toContain('bob');
    expect(a.tokens.accessToken).toBeTruthy();
    expect(a.tokens.refreshToken).toBeTruthy();

    // The provider now refuses that access token: the vault refreshes (refresh_token grant) and retries.
    const revoked = await fetch(`${base}/revoke-access-token`, { method: 'POST', headers: { cookie: ua.cookieHeader(base) } });
    expect(await revoked.json()).toEqual({ revoked: a.tokens.accessToken });
    const second = await get(ua, '/calendars');
    expect(second.status).toBe(200);
    const b = (await second.json()) as { names: string[]; tokens: TokenState };
    expect(b.names).toEqual(a.names);
    expect(b.tokens.accessToken).not.toBe(a.tokens.accessToken);
    expect(b.tokens.version).toBeGreaterThan(a.tokens.version);

    // Sign out: refused without the CSRF token, done with it; the old cookie is dead.
    const cookie = ua.cookieHeader(base);
    const noToken = await fetch(`${base}/auth/logout`, { method: 'POST', headers: { cookie, origin: base, accept: 'application/json' } });
    expect(noToken.status).toBe(403);
    expect(await noToken.json()).toMatchObject({ code: 'CSRF_FAILED' });
    const out = await fetch(`${base}/auth/logout`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie, origin: base, accept: 'application/json', 'x-csrf-token': body.csrfToken },
    });
    expect(out.status).toBe(200);
    expect(await out.json()).toMatchObject({ loggedOut: true });
    expect(out.headers.getSetCookie().some((c) => c.startsWith('lk-session=;'))).toBe(true);
    expect((await fetch(`${base}/auth/session`, { headers: { cookie } })).status).toBe(401);
    expect((await get(ua, '/me', { cookie })).status).toBe(401);
  });

  it('refuses a replayed callback on workerd', async () => {
    const ua = new UserAgent();
    const page = await ua.navigate(`${base}/auth/google/login?returnTo=/me`);
    const callback = await ua.submitForm(page.html!, page.url, { fields: { user: 'bob' }, stop: (u) => u.startsWith(`${base}/auth/google/callback`) });
    expect(callback.stopped).toBe(true);
    const tx = ua.cookieHeader(callback.url);
    const used = await fetch(callback.url, { redirect: 'manual', headers: { cookie: tx } });
    expect(used.status).toBe(302);
    const again = await fetch(callback.url, { redirect: 'manual', headers: { cookie: tx, accept: 'application/json' } });
    expect(again.status).toBe(400);
    // RFC 9700 §4.2.4: the state is used once (this isolate's replay memory).
    expect(await again.json()).toMatchObject({ code: 'STATE_MISMATCH' });
  });

  it('a guarded route redirects a browser to sign in and answers an API client 401', async () => {
    // node:http, not fetch: fetch would add `Sec-Fetch-Mode: cors`, an API client's mark.
    const page = await rawGet(`${base}/me`, { accept: 'text/html', 'sec-fetch-mode': 'navigate' });
    expect(page.status).toBe(302);
    expect(page.headers.location).toBe('/auth/google/login?returnTo=%2Fme');
    const api = await fetch(`${base}/me`, { headers: { accept: 'application/json' } });
    expect(api.status).toBe(401);
  });

  // Only the server strategy has a session store (the cookie strategy keeps the session in the cookie).
  if (strategy === 'server')
    it('keeps the session in KV and the user in D1, and logout removes the session', async () => {
      const kv = await worker.kv('SESSIONS');
      const db = await worker.d1('DB');
      const ua = new UserAgent();
      const page = await ua.navigate(`${base}/auth/google/login?returnTo=/me`);
      await ua.submitForm(page.html!, page.url, { fields: { user: 'alice' }, stop: (u) => u === `${base}/me` });
      const s = (await (await get(ua, '/auth/session')).json()) as { user: { id: string }; csrfToken: string };
      const sessionKeys = (await kv.list({ prefix: 'latchkey:s:' })).keys.map((k) => k.name);
      expect(sessionKeys.length).toBeGreaterThanOrEqual(1);
      // The KV key is the hash of the cookie's id, never the cookie's value.
      const cookieValue = /lk-session=([^;]+)/.exec(ua.cookieHeader(base))![1]!;
      expect(sessionKeys.some((k) => k.includes(cookieValue))).toBe(false);
      const user = await db.prepare('select "id", "email" from "latchkey_users" where "id" = ?').bind(s.user.id).first<{ email: string }>();
      expect(user?.email).toBe('alice@example.org');
      const account = await db.prepare('select "tokens_enc" from "latchkey_accounts" where "user_id" = ?').bind(s.user.id).first<{ tokens_enc: string }>();
      expect(account?.tokens_enc.startsWith('lk1.')).toBe(true);

      const before = new Set(sessionKeys);
      const out = await fetch(`${base}/auth/logout`, {
        method: 'POST',
        headers: { cookie: ua.cookieHeader(base), origin: base, accept: 'application/json', 'x-csrf-token': s.csrfToken },
      });
      expect(out.status).toBe(200);
      const after = new Set((await kv.list({ prefix: 'latchkey:s:' })).keys.map((k) => k.name));
      expect([...before].filter((k) => !after.has(k))).toHaveLength(1);
    });
});

describe('Workers (workerd) with nodejs_compat and a 2026 compatibility date: a dev IdP at localhost', () => {
  let dev: RunningDevIdp;
  let worker: RunningWorker;

  beforeAll(async () => {
    // The issuer must say `localhost` (as `wrangler dev` setups do), so the IdP is told its URL.
    const port = await freePort();
    dev = await startDevIdp({ port, host: '127.0.0.1', baseUrl: `http://localhost:${port}`, acceptAnyClient: true });
    worker = await startWorker({
      entry: 'test/workers/fixtures/app-worker.ts',
      bindings: { GOOGLE_ISSUER: dev.issuerFor('google'), AUTH_SECRET: SECRET },
      compatibilityFlags: ['nodejs_compat'],
      compatibilityDate: '2026-07-01',
    });
  }, 90_000);
  afterAll(async () => {
    await worker?.close();
    await dev?.close();
  });

  it('signs in: workerd names a Node version, yet the endpoint policy does not ask its DNS-over-HTTPS node:dns', async () => {
    const runtime = (await (await fetch(`${worker.base}/runtime`)).json()) as { userAgent: string; nodeVersion: string | null };
    expect(runtime.userAgent).toBe('Cloudflare-Workers');
    expect(runtime.nodeVersion).toMatch(/^\d+\./);
    const ua = new UserAgent();
    const page = await ua.navigate(`${worker.base}/auth/google/login?returnTo=/me`);
    expect(page.status).toBe(200);
    expect(page.url.startsWith('http://localhost:')).toBe(true);
    // Without the workerd exception the login is refused (502 ENDPOINT_REFUSED): `localhost` does not resolve through DNS over HTTPS.
    const done = await ua.submitForm(page.html!, page.url, { fields: { user: 'bob' }, stop: (u) => u === `${worker.base}/me` });
    expect(done.stopped, done.html).toBe(true);
    const me = await fetch(`${worker.base}/me`, { headers: { cookie: ua.cookieHeader(worker.base), accept: 'application/json' } });
    expect(await me.json()).toMatchObject({ user: { email: 'bob@example.com' } });
  });
});
