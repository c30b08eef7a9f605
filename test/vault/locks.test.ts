/**
 * The distributed locks against real Redis and PostgreSQL: mutual exclusion, token-checked
 * release, LOCK_TIMEOUT, and a holder process SIGKILLed while holding the lock (Redis: the next
 * caller gets it after the TTL, not before; PostgreSQL: the session dies with the process and the
 * lock is free at once). Then the vault itself: a refresh blocked by a killed holder happens once
 * the lock times out.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { isLatchkeyError } from '../../src/errors.js';
import { MemoryUserStore } from '../../src/storage/memory.js';
import { createMemoryLock } from '../../src/vault/locks/memory.js';
import { createPostgresLock } from '../../src/vault/locks/postgres.js';
import { createRedisLock } from '../../src/vault/locks/redis.js';
import { type DistributedLock, refreshLockKey } from '../../src/vault/locks/types.js';
import { createTokenVault } from '../../src/vault/vault.js';
import { describeWithServices, services } from '../support/env.js';
import { startWorker, type Worker } from './child.js';
import { accountTokens, createLinkedUser, deadPort, signIn, startVaultOp, type VaultOp } from './support.js';

const run = `${process.pid}-${Date.now()}`;
const workers: Worker[] = [];
// Child processes take seconds to start under tsx: start them all at once, ahead of the tests.
const standby: Worker[] = [];
const SPARES = 4;

/** A started worker (waiting for its job). */
async function spare(): Promise<Worker> {
  const w = standby.shift() ?? startWorker();
  workers.push(w);
  await w.line('STANDBY', 30_000);
  return w;
}

function hold(job: { lock: 'redis' | 'postgres'; url: string | undefined; key: string; ttlMs: number }): Promise<Worker> {
  return spare().then((w) => {
    w.assign({ mode: 'hold', ...job });
    return w;
  });
}

beforeAll(() => {
  if (services.redis && services.postgres) for (let i = 0; i < SPARES; i++) standby.push(startWorker());
});

afterAll(async () => {
  workers.push(...standby.splice(0));
  for (const w of workers) w.kill();
  await Promise.all(workers.map((w) => w.exited()));
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => 'resolved',
    (e: unknown) => (isLatchkeyError(e) ? e.code : `untyped: ${String(e)}`),
  );
}

function lockContract(name: string, make: () => DistributedLock): void {
  let a: DistributedLock;
  let b: DistributedLock;
  beforeAll(() => {
    a = make();
    b = make();
  });
  afterAll(async () => {
    await a?.close?.();
    await b?.close?.();
  });

  it(`${name}: mutual exclusion; the waiter gets the lock right after release`, async () => {
    const key = `test:${run}:${name}:mutex`;
    const first = await a.acquire(key, { ttlMs: 5000, waitMs: 0 });
    let got = false;
    const second = b.acquire(key, { ttlMs: 5000, waitMs: 3000 }).then((l) => {
      got = true;
      return l;
    });
    await new Promise((r) => setTimeout(r, 150));
    expect(got).toBe(false);
    const released = Date.now();
    await first.release();
    const lease = await second;
    expect(Date.now() - released).toBeLessThan(1500);
    await lease.release();
  });

  it(`${name}: LOCK_TIMEOUT after waitMs while held`, async () => {
    const key = `test:${run}:${name}:timeout`;
    const held = await a.acquire(key, { ttlMs: 5000, waitMs: 0 });
    try {
      const started = Date.now();
      expect(await codeOf(b.acquire(key, { ttlMs: 5000, waitMs: 250 }))).toBe('LOCK_TIMEOUT');
      const elapsed = Date.now() - started;
      expect(elapsed).toBeGreaterThanOrEqual(200);
      expect(elapsed).toBeLessThan(2000);
    } finally {
      await held.release();
    }
  });
}

describeWithServices(['redis'], 'Redis lock', () => {
  lockContract('redis', () => createRedisLock({ url: services.redis! }));

  it('a lease past its TTL releases nothing (the token check protects the next holder)', async () => {
    const lock = createRedisLock({ url: services.redis! });
    try {
      const key = `test:${run}:redis:ttl`;
      const old = await lock.acquire(key, { ttlMs: 150, waitMs: 0 });
      const started = Date.now();
      const next = await lock.acquire(key, { ttlMs: 5000, waitMs: 2000 });
      expect(Date.now() - started).toBeGreaterThanOrEqual(100);
      await old.release(); // must not free `next`
      expect(await codeOf(lock.acquire(key, { ttlMs: 5000, waitMs: 200 }))).toBe('LOCK_TIMEOUT');
      await next.release();
    } finally {
      await lock.close?.();
    }
  });

  it('a holder process SIGKILLed while holding: the next caller gets the lock after the TTL, not before', async () => {
    const key = `test:${run}:redis:killed`;
    const ttlMs = 1500;
    const w = await hold({ lock: 'redis', url: services.redis, key, ttlMs });
    await w.line('HELD');
    const heldAt = Date.now();
    w.kill('SIGKILL');
    await w.exited();
    const lock = createRedisLock({ url: services.redis! });
    try {
      expect(await codeOf(lock.acquire(key, { ttlMs: 5000, waitMs: 300 }))).toBe('LOCK_TIMEOUT');
      const lease = await lock.acquire(key, { ttlMs: 5000, waitMs: 5000 });
      const waited = Date.now() - heldAt;
      expect(waited).toBeGreaterThanOrEqual(ttlMs - 200);
      expect(waited).toBeLessThan(ttlMs + 4000);
      await lease.release();
    } finally {
      await lock.close?.();
    }
  });
});

describeWithServices(['postgres'], 'PostgreSQL advisory lock', () => {
  lockContract('postgres', () => createPostgresLock({ url: services.postgres! }));

  it('a holder process SIGKILLed while holding: its session dies and the lock is free at once', async () => {
    const key = `test:${run}:pg:killed`;
    const w = await hold({ lock: 'postgres', url: services.postgres, key, ttlMs: 60_000 });
    await w.line('HELD');
    const lock = createPostgresLock({ url: services.postgres! });
    try {
      expect(await codeOf(lock.acquire(key, { ttlMs: 5000, waitMs: 200 }))).toBe('LOCK_TIMEOUT');
      w.kill('SIGKILL');
      await w.exited();
      const started = Date.now();
      const lease = await lock.acquire(key, { ttlMs: 5000, waitMs: 5000 });
      expect(Date.now() - started).toBeLessThan(4000);
      await lease.release();
    } finally {
      await lock.close?.();
    }
  });

  it('a frozen holder (alive, idle) loses the lock after ttlMs: idle_session_timeout ends its session', async () => {
    const lock = createPostgresLock({ url: services.postgres! });
    try {
      const key = `test:${run}:pg:frozen`;
      const frozen = await lock.acquire(key, { ttlMs: 400, waitMs: 0 });
      const started = Date.now();
      const next = await lock.acquire(key, { ttlMs: 5000, waitMs: 5000 });
      const waited = Date.now() - started;
      expect(waited).toBeGreaterThanOrEqual(300);
      expect(waited).toBeLessThan(4000);
      await frozen.release(); // its session is gone: must not throw, must not free `next`
      expect(await codeOf(lock.acquire(key, { ttlMs: 5000, waitMs: 200 }))).toBe('LOCK_TIMEOUT');
      await next.release();
    } finally {
      await lock.close?.();
    }
  });
});

describeWithServices(['redis'], 'vault: a refresh holder killed while holding the lock', () => {
  let vop: VaultOp;
  beforeAll(async () => {
    vop = await startVaultOp();
  });
  afterAll(async () => {
    await vop?.close();
  });

  it('the next caller refreshes after the lock TTL, exactly once, and succeeds', async () => {
    const client = await vop.client();
    const users = new MemoryUserStore();
    const tokens = await signIn(client);
    const { user, account } = await createLinkedUser(users, vop.op.issuer, 'op', accountTokens(tokens, Date.now() - 1000));
    const ttlMs = 1500;
    const w = await hold({ lock: 'redis', url: services.redis, key: refreshLockKey(account.id), ttlMs });
    await w.line('HELD');
    const heldAt = Date.now();
    w.kill('SIGKILL');
    await w.exited();
    const lock = createRedisLock({ url: services.redis! });
    try {
      const vault = createTokenVault({ users, clientFor: async () => client, lock, lockTtlMs: ttlMs, lockWaitMs: 5000 });
      const before = vop.refreshes();
      const got = await Promise.all(Array.from({ length: 20 }, () => vault.get(user.id, 'op')));
      const waited = Date.now() - heldAt;
      expect(waited).toBeGreaterThanOrEqual(ttlMs - 200);
      expect(vop.refreshes() - before).toBe(1);
      expect(new Set(got.map((g) => g.accessToken)).size).toBe(1);
      expect((await users.getAccountById(account.id))!.tokens?.accessToken).toBe(got[0]!.accessToken);
    } finally {
      await lock.close?.();
    }
  });

  it('with a lock wait shorter than the dead holder’s TTL the caller gets LOCK_TIMEOUT, not a hang', async () => {
    const client = await vop.client();
    const users = new MemoryUserStore();
    const tokens = await signIn(client);
    const { user, account } = await createLinkedUser(users, vop.op.issuer, 'op', accountTokens(tokens, Date.now() - 1000));
    const w = await hold({ lock: 'redis', url: services.redis, key: refreshLockKey(account.id), ttlMs: 10_000 });
    await w.line('HELD');
    w.kill('SIGKILL');
    await w.exited();
    const lock = createRedisLock({ url: services.redis! });
    try {
      const vault = createTokenVault({ users, clientFor: async () => client, lock, lockWaitMs: 300 });
      expect(await codeOf(vault.get(user.id, 'op'))).toBe('LOCK_TIMEOUT');
    } finally {
      await lock.close?.();
    }
  });
});

it('memory lock: a holder that never releases loses the lock after its TTL', async () => {
  const lock = createMemoryLock();
  await lock.acquire('k', { ttlMs: 100, waitMs: 0 });
  const started = Date.now();
  const next = await lock.acquire('k', { ttlMs: 1000, waitMs: 1000 });
  expect(Date.now() - started).toBeGreaterThanOrEqual(90);
  expect(await codeOf(lock.acquire('k', { ttlMs: 1000, waitMs: 50 }))).toBe('LOCK_TIMEOUT');
  await next.release();
});

it('lock backend down: Redis and PostgreSQL locks fail fast with STORAGE_UNAVAILABLE, never hang', async () => {
  const port = await deadPort();
  const redis = createRedisLock({ url: `redis://127.0.0.1:${port}`, connectTimeoutMs: 500 });
  const pg = createPostgresLock({ url: `postgres://postgres@127.0.0.1:${port}/test`, connectTimeoutMs: 500 });
  try {
    for (const lock of [redis, pg]) {
      const started = Date.now();
      expect(await codeOf(lock.acquire('k', { ttlMs: 1000, waitMs: 1000 }))).toBe('STORAGE_UNAVAILABLE');
      expect(Date.now() - started).toBeLessThan(4000);
    }
  } finally {
    await redis.close?.();
    await pg.close?.();
  }
});
