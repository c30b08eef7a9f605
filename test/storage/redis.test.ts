import { afterAll, describe, expect, it } from 'vitest';
import { randomToken } from '../../src/internal/encoding.js';
import { createRedisSessionStore, type RedisSessionStore } from '../../src/storage/redis.js';
import { describeWithServices, services } from '../support/env.js';
import { expectCode, sessionOf, sessionStoreSuite } from './store-suite.js';
import { startTcpProxy } from './tcp-proxy.js';

describeWithServices(['redis'], 'redis session store', () => {
  const url = services.redis!;
  const prefix = `lktest:${randomToken(6)}:`;
  const opened: RedisSessionStore[] = [];
  const open = (p = prefix, u = url) => {
    const s = createRedisSessionStore({ url: u, prefix: p, connectTimeoutMs: 1000, commandTimeoutMs: 1000 });
    opened.push(s);
    return s;
  };
  afterAll(async () => {
    // Remove every key this run made, then close.
    await open().clearAll();
    await Promise.all(opened.map((s) => s.close()));
  });

  sessionStoreSuite('redis', async () => ({ sessions: open(), close: async () => {} }));

  describe('redis: specifics', () => {
    it('stores sessions with a TTL and drops them from Redis when they expire', async () => {
      const store = open();
      await store.get('warm-up');
      const { createClient } = await import('redis');
      const c = createClient({ url });
      await c.connect();
      try {
        const now = Date.now();
        const s = sessionOf({ idleExpiresAt: now + 500, absoluteExpiresAt: now + 60_000 });
        await store.create(s);
        const ttl = await c.pTTL(`${prefix}s:${s.id}`);
        expect(ttl).toBeGreaterThan(0);
        expect(ttl).toBeLessThanOrEqual(500);
        expect(await c.pTTL(`${prefix}u:${s.userId}`)).toBeGreaterThan(50_000);
        await new Promise((r) => setTimeout(r, 600));
        expect(await c.exists(`${prefix}s:${s.id}`)).toBe(0);
      } finally {
        await c.close();
      }
    });

    it('a logout in one process reaches the onRevoked listeners of another (pub/sub)', async () => {
      const a = open();
      const b = open();
      const seen: string[] = [];
      const unsubscribe = await b.onRevoked((ids) => seen.push(...ids));
      const userId = `usr_${randomToken(6)}`;
      const s1 = sessionOf({ userId });
      const s2 = sessionOf({ userId });
      await a.create(s1);
      await a.create(s2);
      expect((await b.get(s1.id))?.id).toBe(s1.id);
      expect((await a.deleteByUser(userId)).sort()).toEqual([s1.id, s2.id].sort());
      for (let i = 0; i < 100 && seen.length < 2; i++) await new Promise((r) => setTimeout(r, 20));
      expect(seen.sort()).toEqual([s1.id, s2.id].sort());
      expect(await b.get(s1.id)).toBeNull();
      await unsubscribe();
    });

    it('clearAll deletes exactly the keys under its prefix', async () => {
      const mine = open(`${prefix}clear:`);
      const other = open(`${prefix}keep:`);
      const s = sessionOf({ sid: 'x*y' });
      await mine.create(s);
      await other.create(s);
      expect(await mine.clearAll()).toBeGreaterThanOrEqual(4);
      expect(await mine.get(s.id)).toBeNull();
      expect((await other.get(s.id))?.id).toBe(s.id);
      expect(await mine.clearAll()).toBe(0);
    });

    it('a closed port gives STORAGE_UNAVAILABLE fast', async () => {
      const dead = open(prefix, 'redis://127.0.0.1:1');
      const t0 = Date.now();
      await expectCode(dead.get('x'), 'STORAGE_UNAVAILABLE');
      await expectCode(dead.create(sessionOf()), 'STORAGE_UNAVAILABLE');
      expect(Date.now() - t0).toBeLessThan(3000);
    });

    it('Redis going away mid-run: fails closed at once, recovers by itself, no session lost', async () => {
      const target = new URL(url);
      const proxy = await startTcpProxy(target.hostname, Number(target.port || 6379));
      const store = open(prefix, `redis://127.0.0.1:${proxy.port}`);
      try {
        const s = sessionOf();
        await store.create(s);
        expect((await store.get(s.id))?.id).toBe(s.id);
        await proxy.cut();
        const t0 = Date.now();
        await expectCode(store.get(s.id), 'STORAGE_UNAVAILABLE');
        await expectCode(store.delete(s.id), 'STORAGE_UNAVAILABLE');
        expect(Date.now() - t0).toBeLessThan(2500);
        await proxy.restore();
        let back = null;
        for (let i = 0; i < 60 && back === null; i++) {
          back = await store.get(s.id).catch(() => null);
          if (back === null) await new Promise((r) => setTimeout(r, 100));
        }
        expect(back?.id).toBe(s.id);
      } finally {
        await store.close();
        await proxy.close();
      }
    });
  });
});
