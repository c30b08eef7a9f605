/**
 * Session lifetimes, secret rotation, oversized sessions, onLogin hooks, trustProxy and session
 * fixation, end to end against oidc-provider through the Node adapter.
 */
import type http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latchkey } from '../../src/adapters/node.js';
import { type Auth, createAuth } from '../../src/app/create-auth.js';
import { SessionError, StorageError } from '../../src/errors.js';
import { MemorySessionStore } from '../../src/storage/memory.js';
import type { OidcProviderHandle } from '../support/oidc-provider.js';
import { listen, login, makeAuth, opProvider, type RpServer, rawGet, SECRET_A, SECRET_B, sessionOf, startOp, UserAgent } from './support.js';

function nodeApp(getAuth: () => Auth): http.RequestListener {
  return (req, res) => {
    const lk = latchkey(getAuth());
    void (async () => {
      if (await lk.handle(req, res)) return;
      const user = await lk.requireUser(req, res);
      if (user) res.end(JSON.stringify({ user }));
    })();
  };
}

describe('sessions and configuration, end to end', () => {
  let rp: RpServer;
  let op: OidcProviderHandle;
  let auth: Auth;
  let now = Date.now();
  const clock = (): number => now;

  beforeAll(async () => {
    rp = await listen(() => nodeApp(() => auth));
    op = await startOp(rp.base);
  });
  afterAll(async () => {
    await rp.close();
    await op.close();
  });

  it.each(['cookie', 'server'] as const)('ends %s sessions after the idle and the absolute timeout', async (strategy) => {
    now = Date.now();
    auth = makeAuth(rp.base, op, { clock, session: { strategy, idleTimeoutSeconds: 600, absoluteTimeoutSeconds: 3600 } });
    const ua = new UserAgent();
    await login(ua, rp.base);
    expect((await sessionOf(ua, rp.base)).status).toBe(200);
    // Used every 5 minutes: the idle window moves, until the absolute limit.
    for (let i = 0; i < 10; i++) {
      now += 5 * 60_000;
      const s = await sessionOf(ua, rp.base);
      expect(s.status, `after ${(i + 1) * 5} minutes`).toBe(200);
    }
    now += 15 * 60_000; // 65 minutes after login
    expect((await sessionOf(ua, rp.base)).status).toBe(401);

    // Idle: untouched for 11 minutes.
    now = Date.now();
    const ua2 = new UserAgent();
    await login(ua2, rp.base);
    now += 11 * 60_000;
    expect((await sessionOf(ua2, rp.base)).status).toBe(401);
    const me = await fetch(`${rp.base}/me`, { headers: { cookie: ua2.cookieHeader(rp.base), accept: 'application/json' } });
    expect(me.status).toBe(401);
  });

  it('keeps sessions alive across a secret rotation and drops them when the old secret is retired', async () => {
    now = Date.now();
    // The cookie strategy seals sessions with the secret (server sessions keep only a random id).
    const session = { strategy: 'cookie' } as const;
    auth = makeAuth(rp.base, op, { clock, session, secret: SECRET_A });
    const ua = new UserAgent();
    await login(ua, rp.base);
    const oldCookie = ua.cookieHeader(rp.base);
    // Deploy with a new secret first, the old one still accepted.
    auth = makeAuth(rp.base, op, { clock, session, secrets: [SECRET_B, SECRET_A] });
    expect((await sessionOf(ua, rp.base)).status).toBe(200);
    const ua2 = new UserAgent();
    await login(ua2, rp.base);
    // Retire the old secret: sessions sealed with it end; new ones live on.
    auth = makeAuth(rp.base, op, { clock, session, secrets: [SECRET_B] });
    const r = await fetch(`${rp.base}/auth/session`, { headers: { cookie: oldCookie } });
    expect(r.status).toBe(401);
    expect((await sessionOf(ua2, rp.base)).status).toBe(200);
  });

  it('fails loudly with SESSION_TOO_LARGE instead of setting a cookie over 4 KB; server sessions take it', async () => {
    now = Date.now();
    const big = { notes: 'x'.repeat(5000) };
    auth = makeAuth(rp.base, op, { clock, session: { strategy: 'cookie' }, hooks: { onLogin: () => ({ sessionData: big }) } });
    const ua = new UserAgent();
    const r = await login(ua, rp.base);
    expect(r.status).toBe(500);
    expect(r.html).toContain('SESSION_TOO_LARGE');
    expect(r.headers?.getSetCookie().some((c) => c.startsWith('lk-session='))).toBe(false);
    auth = makeAuth(rp.base, op, { clock, session: { strategy: 'server' }, hooks: { onLogin: () => ({ sessionData: big }) } });
    const ua2 = new UserAgent();
    await login(ua2, rp.base);
    const s = await sessionOf(ua2, rp.base);
    expect(s.status).toBe(200);
    expect(s.body.data).toEqual(big);
  });

  it('lets onLogin reject a sign-in or shape the user', async () => {
    now = Date.now();
    auth = makeAuth(rp.base, op, {
      clock,
      hooks: { onLogin: ({ profile }) => (profile.email?.endsWith('@example.test') ? { profile: { name: 'Shaped Name' } } : false) },
    });
    const ua = new UserAgent();
    await login(ua, rp.base);
    expect(((await sessionOf(ua, rp.base)).body.user as { name: string }).name).toBe('Shaped Name');
    auth = makeAuth(rp.base, op, { clock, hooks: { onLogin: () => false } });
    const rejected = await login(new UserAgent(), rp.base);
    expect(rejected.status).toBe(403);
    expect(rejected.html).toContain('LOGIN_REJECTED');
    auth = makeAuth(rp.base, op, {
      clock,
      hooks: {
        onLogin: () => {
          throw new SessionError('LOGIN_REJECTED', 'Only members of example.com may sign in.');
        },
      },
    });
    const custom = await login(new UserAgent(), rp.base);
    expect(custom.status).toBe(403);
    expect(custom.html).toContain('Only members of example.com may sign in.');
  });

  it("sends a preset's prompt and login_hint, and its offline prompt when offline access is asked", async () => {
    auth = createAuth({
      baseUrl: rp.base,
      secret: SECRET_A,
      providers: [
        opProvider(op.issuer, { id: 'plain' }),
        opProvider(op.issuer, { id: 'hinted', prompt: 'select_account', loginHint: 'alice@example.test' }),
        opProvider(op.issuer, {
          id: 'offline',
          prompt: 'select_account',
          offline: true,
          offlineAccess: { scopes: ['offline_access'], prompt: 'consent', params: { access_type: 'offline' } },
        }),
      ],
    });
    const target = async (id: string): Promise<URL> => {
      const r = await fetch(`${rp.base}/auth/${id}/login`, { redirect: 'manual' });
      expect(r.status).toBe(302);
      return new URL(r.headers.get('location')!);
    };
    const plain = await target('plain');
    expect(plain.searchParams.has('prompt')).toBe(false);
    expect(plain.searchParams.has('login_hint')).toBe(false);
    const hinted = await target('hinted');
    expect(hinted.searchParams.get('prompt')).toBe('select_account');
    expect(hinted.searchParams.get('login_hint')).toBe('alice@example.test');
    const offline = await target('offline');
    expect(offline.searchParams.get('prompt')).toBe('consent');
    expect(offline.searchParams.get('access_type')).toBe('offline');
    expect(offline.searchParams.get('scope')?.split(' ')).toContain('offline_access');
  });

  it('issues a new session id at every login (no fixation)', async () => {
    now = Date.now();
    auth = makeAuth(rp.base, op, { clock, session: { strategy: 'server' } });
    const ua = new UserAgent();
    await login(ua, rp.base);
    const first = ua.cookieHeader(rp.base);
    await login(ua, rp.base);
    expect(ua.cookieHeader(rp.base)).not.toBe(first);
    const old = await fetch(`${rp.base}/auth/session`, { headers: { cookie: first } });
    expect(old.status).toBe(401);
    expect((await sessionOf(ua, rp.base)).status).toBe(200);
  });

  it('ignores forwarded headers unless trustProxy is set', async () => {
    now = Date.now();
    auth = makeAuth(rp.base, op, { clock });
    const ignored = await rawGet(`${rp.base}/auth/op/login`, { 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' });
    expect(ignored.status).toBe(302);
    expect(ignored.headers.location).toContain(op.issuer);
    const redirectUri = new URL(ignored.headers.location!).searchParams.get('redirect_uri');
    expect(redirectUri).toBe(`${rp.base}/auth/op/callback`);
    auth = makeAuth(rp.base, op, { clock, trustProxy: true });
    const other = await rawGet(`${rp.base}/auth/op/login?returnTo=/x`, { 'x-forwarded-host': 'other.example', 'x-forwarded-proto': 'https' });
    expect(other.status).toBe(302);
    expect(other.headers.location).toBe(`${rp.base}/auth/op/login?returnTo=/x`);
    const forwarded = await rawGet(`${rp.base}/auth/op/login`, { forwarded: `proto=http;host="${new URL(rp.base).host}"` });
    expect(forwarded.headers.location).toContain(op.issuer);
  });

  it('links a second identity to the signed-in user with intent=link', async () => {
    now = Date.now();
    auth = makeAuth(rp.base, op, { clock });
    const denied = await fetch(`${rp.base}/auth/op-post/login?intent=link`, { headers: { accept: 'application/json' } });
    expect(denied.status).toBe(401);
    const ua = new UserAgent();
    await login(ua, rp.base);
    const alice = (await sessionOf(ua, rp.base)).body.user as { id: string };
    // A fresh provider session, so the provider signs in another account.
    const rpCookie = ua.cookies(rp.base).find((c) => c.startsWith('lk-session='))!;
    ua.clearCookies();
    ua.setCookie(`${rpCookie}; Path=/`, rp.base);
    op.knobs.accountId = 'bob';
    try {
      const r = await ua.navigate(`${rp.base}/auth/op-post/login?intent=link&returnTo=/settings`, {
        autoSubmitForms: true,
        stop: (u) => u.startsWith(`${rp.base}/settings`),
      });
      expect(r.stopped).toBe(true);
    } finally {
      op.knobs.accountId = 'alice';
    }
    expect(((await sessionOf(ua, rp.base)).body.user as { id: string }).id).toBe(alice.id);
    const accounts = await auth.users.listAccounts(alice.id);
    expect(accounts.map((a) => a.subject).sort()).toEqual(['alice', 'bob']);
    // The same protocol client the routes use, for the token vault.
    const c = await auth.client('op');
    expect(c.metadata.issuer).toBe(op.issuer);
    expect(c).toBe(await auth.client('op'));
    await expect(auth.client('nope')).rejects.toMatchObject({ code: 'PROVIDER_UNKNOWN' });
  });

  it('lets an allowed SPA origin obtain an access token with CORS, and no other origin', async () => {
    now = Date.now();
    auth = makeAuth(rp.base, op, { clock, accessToken: { allowedOrigins: ['https://spa.example'], expiresInSeconds: 60 } });
    const ua = new UserAgent();
    await login(ua, rp.base);
    const preflight = await fetch(`${rp.base}/auth/token`, { method: 'OPTIONS', headers: { origin: 'https://spa.example' } });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://spa.example');
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
    const t = await fetch(`${rp.base}/auth/token`, { method: 'POST', headers: { origin: 'https://spa.example', cookie: ua.cookieHeader(rp.base) } });
    expect(t.status).toBe(200);
    expect(t.headers.get('access-control-allow-origin')).toBe('https://spa.example');
    const { access_token, expires_in } = (await t.json()) as { access_token: string; expires_in: number };
    expect(expires_in).toBe(60);
    const s = await fetch(`${rp.base}/auth/session`, { headers: { authorization: `Bearer ${access_token}` } });
    expect(s.status).toBe(200);
    // Expired: the token stops working although the session lives on.
    now += 61_000;
    const late = await fetch(`${rp.base}/auth/session`, { headers: { authorization: `Bearer ${access_token}` } });
    expect(late.status).toBe(401);
    const other = await fetch(`${rp.base}/auth/token`, { method: 'OPTIONS', headers: { origin: 'https://other.example' } });
    expect(other.status).toBe(403);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('fails closed with 503 when the session store is down, without sending users to log in', async () => {
    const down = (): never => {
      throw new StorageError('STORAGE_UNAVAILABLE', 'The session store is unreachable.');
    };
    const store = new MemorySessionStore();
    auth = makeAuth(rp.base, op, { session: { strategy: 'server' }, store: { sessions: Object.assign(store, { get: down }) } });
    const cookie = `lk-session=${'a'.repeat(43)}`;
    const me = await rawGet(`${rp.base}/me`, { cookie, accept: 'text/html', 'sec-fetch-mode': 'navigate' });
    expect(me.status).toBe(503);
    expect(JSON.parse(me.body)).toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    const s = await fetch(`${rp.base}/auth/session`, { headers: { cookie } });
    expect(s.status).toBe(503);
    const viaRequest = await auth.requireUser(new Request(`${rp.base}/me`, { headers: { cookie } }));
    expect(viaRequest instanceof Response && viaRequest.status).toBe(503);
    expect(await auth.optionalUser(new Request(`${rp.base}/me`, { headers: { cookie } }))).toBeNull();
  });
});
