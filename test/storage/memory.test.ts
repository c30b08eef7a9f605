import { describe, expect, it } from 'vitest';
import { MemorySessionStore, MemoryUserStore } from '../../src/storage/memory.js';
import { sessionOf, sessionStoreSuite, userStoreSuite } from './store-suite.js';

userStoreSuite('memory', async () => ({ users: new MemoryUserStore(), close: async () => {} }));
sessionStoreSuite('memory', async () => {
  const sessions = new MemorySessionStore();
  return { sessions, close: () => sessions.close() };
});

describe('memory: specifics', () => {
  it('follows an injected clock and stays bounded', async () => {
    let now = 1_000_000;
    const store = new MemorySessionStore({ now: () => now, maxSessions: 10 });
    const first = sessionOf({ createdAt: now, idleExpiresAt: now + 100, absoluteExpiresAt: now + 1000 });
    await store.create(first);
    now += 99;
    expect(await store.get(first.id)).not.toBeNull();
    now += 1;
    expect(await store.get(first.id)).toBeNull();
    for (let i = 0; i < 25; i++) await store.create(sessionOf({ idleExpiresAt: now + 100, absoluteExpiresAt: now + 1000 }));
    expect(store.size).toBeLessThanOrEqual(10);
  });

  it('touch never moves the idle expiry past the absolute one', async () => {
    const store = new MemorySessionStore();
    const s = sessionOf();
    await store.create(s);
    await store.touch(s.id, s.absoluteExpiresAt + 1_000_000);
    expect((await store.get(s.id))!.idleExpiresAt).toBe(s.absoluteExpiresAt);
  });
});
