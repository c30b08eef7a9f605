/**
 * Issue 16 part 4, rate limits: `rateLimits` on login start, callback and `POST /auth/token`, per
 * client address, fixed windows; over the budget 429 `RATE_LIMITED` with `Retry-After` (RFC 6585
 * §4), the kind page for browsers (in their language) and JSON for APIs. Counted in this process by
 * default, and in Redis when the session store is Redis: two `Auth` instances on one Redis spend
 * one budget. Through the Node adapter against oidc-provider.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthOptions } from '../../src/app/config.js';
import type { Auth } from '../../src/app/create-auth.js';
import { randomToken } from '../../src/internal/encoding.js';
import { MemoryReplayStore } from '../../src/storage/memory-replay.js';
import { createRedisSessionStore } from '../../src/storage/redis.js';
import { createSqlStore, type SqlStore } from '../../src/storage/sql/index.js';
import { createTokenCipher } from '../../src/storage/token-cipher.js';
import { openTestSqlStore } from '../storage/sql-support.js';
import { describeWithServices, services } from '../support/env.js';
import type { OidcProviderHandle } from '../support/oidc-provider.js';
import { listen, login, makeAuth, nodeApp, type RpServer, SECRET_A, startOp, UserAgent } from './support.js';

const get = (url: string, headers: Record<string, string> = {}) => fetch(url, { redirect: 'manual', headers: { accept: 'application/json', ...headers } });

describe('rate limits (in-process)', () => {
  let rp: RpServer;
  let op: OidcProviderHandle;
  let auth: Auth;
  let now = Date.now();
  const errors: string[] = [];
  const mount = (options: Partial<AuthOptions>): Auth => {
    auth = makeAuth(rp.base, op, { clock: () => now, hooks: { onError: (e) => void errors.push(String((e as { code?: string }).code)) }, ...options });
    return auth;
  };

  beforeAll(async () => {
    rp = await listen(() => nodeApp(() => auth));
    op = await startOp(rp.base);
  });
  afterAll(async () => {
    await rp?.close();
    await op?.close();
  });

  it('answers 429 RATE_LIMITED with Retry-After past the budget of a window, JSON or a kind page; the next window is fresh', async () => {
    // Mid-window, so Retry-After is the rest of the window.
    now = Math.floor(Date.now() / 60_000) * 60_000 + 15_000;
    mount({ rateLimits: { login: { max: 2, windowSeconds: 60 } } });
    const url = `${rp.base}/auth/op/login?returnTo=%2F`;
    expect((await get(url)).status).toBe(302);
    expect((await get(url)).status).toBe(302);
    const over = await get(url);
    expect(over.status).toBe(429);
    expect(over.headers.get('retry-after')).toBe('45');
    expect(over.headers.get('cache-control')).toBe('no-store');
    expect(await over.json()).toMatchObject({ error: 'rate_limited', code: 'RATE_LIMITED' });
    expect(over.headers.getSetCookie(), 'no transaction cookie for a refused login').toEqual([]);
    // Another provider's login shares the route's budget (per client address, not per provider).
    expect((await get(`${rp.base}/auth/op-post/login`)).status).toBe(429);

    const page = await get(url, { accept: 'text/html', 'accept-language': 'de' });
    expect(page.status).toBe(429);
    expect(page.headers.get('retry-after')).toBe('45');
    const html = await page.text();
    expect(html).toContain('data-error-code="RATE_LIMITED"');
    expect(html).toContain('Zu viele Versuche');
    // Not logged one line per refused request, but onError sees each.
    expect(errors.filter((c) => c === 'RATE_LIMITED').length).toBeGreaterThanOrEqual(3);

    // Routes without a limit are not limited.
    expect((await get(`${rp.base}/auth/session`)).status).toBe(401);
    now += 45_000;
    expect((await get(url)).status).toBe(302);
  });

  it('counts per client address: behind a trusted proxy, per forwarded address (the hop the proxy added)', async () => {
    mount({ trustProxy: true, rateLimits: { login: { max: 1, windowSeconds: 60 } } });
    const url = `${rp.base}/auth/op/login`;
    const from = (address: string, spoof = '198.51.100.1') => get(url, { 'x-forwarded-for': `${spoof}, ${address}` });
    expect((await from('203.0.113.1')).status).toBe(302);
    expect((await from('203.0.113.1', '198.51.100.2')).status, 'a forged leftmost entry is not a new client').toBe(429);
    expect((await from('203.0.113.2')).status).toBe(302);
  });

  it('limits the callback (a real sign-in) and POST /auth/token', async () => {
    mount({ rateLimits: { callback: { max: 1, windowSeconds: 60 }, token: { max: 1, windowSeconds: 60 } } });
    const ua = new UserAgent();
    expect((await login(ua, rp.base)).url).toBe(`${rp.base}/dashboard`);
    const token = () => fetch(`${rp.base}/auth/token`, { method: 'POST', headers: { cookie: ua.cookieHeader(rp.base), origin: rp.base } });
    expect((await token()).status).toBe(200);
    const refused = await token();
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(60);
    // A second sign-in: its callback is over the budget; the browser sees the page, not a session.
    const second = new UserAgent();
    const r = await second.navigate(`${rp.base}/auth/op/login?returnTo=%2Fdashboard`, {
      autoSubmitForms: true,
      stop: (u) => u.startsWith(`${rp.base}/auth/op/callback`),
    });
    expect(r.stopped).toBe(true);
    const cb = await fetch(r.url, { redirect: 'manual', headers: { cookie: second.cookieHeader(r.url), accept: 'text/html' } });
    expect(cb.status).toBe(429);
    expect(cb.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(await cb.text()).toContain('Too many attempts');
  });

  it('refuses limits that are not a positive integer max and a positive window', () => {
    for (const bad of [
      { max: 0, windowSeconds: 60 },
      { max: 1.5, windowSeconds: 60 },
      { max: 5, windowSeconds: 0 },
      { max: 5 } as { max: number; windowSeconds: number },
    ]) {
      expect(() => mount({ rateLimits: { login: bad } })).toThrow(/rateLimits\.login/);
    }
    expect(() => mount({ rateLimits: { login: { max: 1, windowSeconds: 1 }, store: {} as MemoryReplayStore } })).toThrow(/rateLimits\.store/);
  });

  it('the memory store counts within a window and forgets after it', async () => {
    let t = 1_000_000;
    const store = new MemoryReplayStore({ now: () => t });
    expect(await store.hit('k', 1000)).toBe(1);
    expect(await store.hit('k', 1000)).toBe(2);
    expect(await store.hit('other', 1000)).toBe(1);
    t += 1000;
    expect(await store.hit('k', 1000)).toBe(1);
  });
});

describeWithServices(['redis'], 'rate limits in Redis', () => {
  let rp1: RpServer;
  let rp2: RpServer;
  let op: OidcProviderHandle;
  let a: Auth;
  let b: Auth;
  const prefix = `lktest:rate:${randomToken(6)}:`;
  const stores: ReturnType<typeof createRedisSessionStore>[] = [];

  beforeAll(async () => {
    rp1 = await listen(() => nodeApp(() => a));
    rp2 = await listen(() => nodeApp(() => b));
    op = await startOp(rp1.base);
    for (let i = 0; i < 2; i++) stores.push(createRedisSessionStore({ url: services.redis!, prefix }));
    const options = (i: number): Partial<AuthOptions> => ({ store: { sessions: stores[i]! }, rateLimits: { login: { max: 3, windowSeconds: 60 } } });
    a = makeAuth(rp1.base, op, options(0));
    b = makeAuth(rp2.base, op, options(1));
  });
  afterAll(async () => {
    await stores[0]?.clearAll();
    for (const s of stores) await s.close();
    await rp1?.close();
    await rp2?.close();
    await op?.close();
  });

  it('two instances on one Redis spend one budget per client address', async () => {
    expect((await get(`${rp1.base}/auth/op/login`)).status).toBe(302);
    expect((await get(`${rp2.base}/auth/op/login`)).status).toBe(302);
    expect((await get(`${rp1.base}/auth/op/login`)).status).toBe(302);
    const over = await get(`${rp2.base}/auth/op/login`);
    expect(over.status).toBe(429);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await get(`${rp1.base}/auth/op/login`)).status).toBe(429);
  });

  it('hit is INCR with a TTL set by the first hit only, the key hashed and prefixed', async () => {
    const replay = stores[0]!.replay!;
    const key = `test:${randomToken(8)}`;
    expect(await replay.hit!(key, 5000)).toBe(1);
    expect(await replay.hit!(key, 60_000)).toBe(2);
    const { createClient } = await import('redis');
    const client = createClient({ url: services.redis! });
    await client.connect();
    try {
      const ttl = await client.pTTL(`${prefix}rate:${key}`);
      expect(ttl).toBeGreaterThan(0);
      expect(ttl, 'the second hit did not extend the window').toBeLessThanOrEqual(5000);
      const keys = await client.keys(`${prefix}rate:login:*`);
      expect(keys.length).toBeGreaterThan(0);
      for (const k of keys) expect(k).not.toContain('127.0.0.1');
    } finally {
      await client.quit();
    }
  });
});

describe('rate limits in SQL (SQLite, two stores on one file)', () => {
  let rp1: RpServer;
  let rp2: RpServer;
  let op: OidcProviderHandle;
  let a: Auth;
  let b: Auth;
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-rate-'));
  const stores: SqlStore[] = [];

  beforeAll(async () => {
    rp1 = await listen(() => nodeApp(() => a));
    rp2 = await listen(() => nodeApp(() => b));
    op = await startOp(rp1.base);
    for (let i = 0; i < 2; i++) {
      const store = await createSqlStore({ url: `sqlite:${join(dir, 'auth.db')}`, tokenCipher: createTokenCipher({ secrets: [SECRET_A] }), autoMigrate: true });
      await store.migrate();
      stores.push(store);
    }
    const options = (i: number): Partial<AuthOptions> => ({ store: stores[i]!, rateLimits: { login: { max: 2, windowSeconds: 60 } } });
    a = makeAuth(rp1.base, op, options(0));
    b = makeAuth(rp2.base, op, options(1));
  });
  afterAll(async () => {
    for (const s of stores) await s.close();
    rmSync(dir, { recursive: true, force: true });
    await rp1?.close();
    await rp2?.close();
    await op?.close();
  });

  it('two instances on one database spend one budget', async () => {
    expect((await get(`${rp1.base}/auth/op/login`)).status).toBe(302);
    expect((await get(`${rp2.base}/auth/op/login`)).status).toBe(302);
    const over = await get(`${rp1.base}/auth/op/login`);
    expect(over.status).toBe(429);
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await get(`${rp2.base}/auth/op/login`)).status).toBe(429);
  });

  it('hit counts every one of concurrent hits from two connections, and starts again after the window', async () => {
    let t = 5_000_000;
    const [s1, s2] = stores.map((s) => s.replay);
    const key = `concurrent:${randomToken(6)}`;
    const counts = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? s1 : s2)!.hit!(key, 60_000)));
    expect([...counts].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    // A store with its own clock: a counter past its window starts at 1.
    const clocked = await createSqlStore({ url: `sqlite:${join(dir, 'auth.db')}`, tokenCipher: createTokenCipher({ secrets: [SECRET_A] }), now: () => t });
    try {
      const k = `window:${randomToken(6)}`;
      expect(await clocked.replay.hit!(k, 1000)).toBe(1);
      expect(await clocked.replay.hit!(k, 1000)).toBe(2);
      t += 1000;
      expect(await clocked.replay.hit!(k, 1000)).toBe(1);
    } finally {
      await clocked.close();
    }
  });
});

for (const kind of ['postgres', 'mysql'] as const) {
  describeWithServices([kind], `rate-limit hits in ${kind} (two connections)`, () => {
    it('counts every one of 20 concurrent hits once, across two stores on one database', async () => {
      const first = await openTestSqlStore(services[kind]!);
      const second = await openTestSqlStore(services[kind]!, { tablePrefix: first.prefix });
      try {
        const key = `concurrent:${randomToken(6)}`;
        const counts = await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? first : second).store.replay.hit!(key, 60_000)));
        expect([...counts].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
      } finally {
        await second.store.close();
        await first.cleanup();
      }
    });
  });
}
