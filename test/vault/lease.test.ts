/**
 * Refresh leases (issue 18 item 3): each lock renews a live lease (`extend`) so that it outlives
 * its TTL, and refuses to renew one that lapsed (without stealing the next holder's lock); the
 * vault gives up before using the refresh token when its lease lapsed (`LOCK_LOST`: a frozen
 * holder, a stolen Redis key, a terminated PostgreSQL session); and the `invalid_grant`
 * interleavings of two holders: a replay after a lapse never leaves the account without the
 * rotated refresh token.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isLatchkeyError } from '../../src/errors.js';
import { MemoryUserStore } from '../../src/storage/memory.js';
import type { Account, UserStore } from '../../src/storage/types.js';
import { createMemoryLock } from '../../src/vault/locks/memory.js';
import { createPostgresLock } from '../../src/vault/locks/postgres.js';
import { createRedisLock } from '../../src/vault/locks/redis.js';
import { type DistributedLock, type LockLease, refreshLockKey, sleep } from '../../src/vault/locks/types.js';
import { createTokenVault } from '../../src/vault/vault.js';
import { describeWithServices, services } from '../support/env.js';
import { type RotatingOp, startRotatingOp } from './rotating-op.js';
import { createLinkedUser } from './support.js';

const run = `${process.pid}-${randomBytes(3).toString('hex')}`;

async function codeOf(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => 'resolved',
    (e: unknown) => (isLatchkeyError(e) ? e.code : `untyped: ${String(e)}`),
  );
}

/** Renews `lease` every `ttlMs / 3` for `forMs`; returns every answer of `extend`. */
async function renewFor(lease: LockLease, ttlMs: number, forMs: number): Promise<boolean[]> {
  const answers: boolean[] = [];
  const until = Date.now() + forMs;
  // Bounded by time and count.
  for (let i = 0; i < 200 && Date.now() < until; i++) {
    answers.push(await lease.extend!(ttlMs));
    await sleep(ttlMs / 3);
  }
  return answers;
}

function leaseContract(name: string, make: () => DistributedLock, lapse: (lease: LockLease, ttlMs: number) => Promise<void>): void {
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

  it(`${name}: a renewed lease outlives four TTLs; a contender waiting three TTLs gets LOCK_TIMEOUT, then the lock right after release`, async () => {
    const key = `test:${run}:${name}:renew`;
    const ttlMs = 300;
    const lease = await a.acquire(key, { ttlMs, waitMs: 0 });
    expect(typeof lease.extend).toBe('function');
    const contender = codeOf(b.acquire(key, { ttlMs, waitMs: 3 * ttlMs }));
    const answers = await renewFor(lease, ttlMs, 4 * ttlMs);
    expect(answers.length).toBeGreaterThanOrEqual(8);
    expect(answers.every((x) => x)).toBe(true);
    expect(await contender).toBe('LOCK_TIMEOUT');
    await lease.release();
    const started = Date.now();
    const next = await b.acquire(key, { ttlMs: 5000, waitMs: 2000 });
    expect(Date.now() - started).toBeLessThan(1500);
    await next.release();
  });

  it(`${name}: a lease that lapsed cannot be renewed, and its extend never takes the next holder's lock`, async () => {
    const key = `test:${run}:${name}:lapsed`;
    const ttlMs = 200;
    const old = await a.acquire(key, { ttlMs, waitMs: 0 });
    await lapse(old, ttlMs);
    const next = await b.acquire(key, { ttlMs: 5000, waitMs: 3000 });
    expect(await old.extend!(5000)).toBe(false);
    // `next` still holds: a third party waits in vain.
    expect(await codeOf(a.acquire(key, { ttlMs: 5000, waitMs: 250 }))).toBe('LOCK_TIMEOUT');
    await old.release();
    expect(await codeOf(a.acquire(key, { ttlMs: 5000, waitMs: 250 }))).toBe('LOCK_TIMEOUT');
    await next.release();
  });
}

/** Waits out the TTL without renewing. */
const waitOut = (_lease: LockLease, ttlMs: number): Promise<void> => sleep(ttlMs + 150);

// One in-process lock: both "holders" of the contract share it.
const sharedMemory = createMemoryLock();
describe('memory lock lease', () => {
  leaseContract('memory', () => sharedMemory, waitOut);
});

describeWithServices(['redis'], 'Redis lock lease', () => {
  leaseContract('redis', () => createRedisLock({ url: services.redis! }), waitOut);
});

describeWithServices(['postgres'], 'PostgreSQL lock lease', () => {
  // A lapse here is the holding session ended by idle_session_timeout (the holder idle for the TTL).
  leaseContract('postgres', () => createPostgresLock({ url: services.postgres! }), waitOut);
});

/** A user store whose re-read under the lock (the second read of the account) runs `during` first. */
function storeWithPause(users: MemoryUserStore, during: () => Promise<void> | void): UserStore {
  let reads = 0;
  return new Proxy(users, {
    get(target, prop, receiver) {
      if (prop === 'getAccountById') {
        return async (id: string): Promise<Account | null> => {
          reads++;
          if (reads === 1) await during();
          return target.getAccountById(id);
        };
      }
      const v = Reflect.get(target, prop, receiver) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

describe('vault: abort when the lease lapsed before the refresh token is used', () => {
  let op: RotatingOp;
  beforeAll(async () => {
    op = await startRotatingOp();
  });
  afterAll(async () => {
    await op?.close();
  });

  /** A linked account with an expired access token; returns what the abort test needs. */
  async function expiredAccount(users: MemoryUserStore) {
    const grant = op.issue();
    const { user, account } = await createLinkedUser(users, op.issuer, 'rot', {
      accessToken: grant.accessToken,
      tokenType: 'Bearer',
      refreshToken: grant.refreshToken,
      expiresAt: Date.now() - 1000,
    });
    return { user, account, grant };
  }

  async function expectAborted(users: MemoryUserStore, accountId: string, rt: string, result: Promise<unknown>, before: number): Promise<void> {
    expect(await codeOf(result)).toBe('LOCK_LOST');
    // Nothing was sent: the refresh token is unused, still stored, and the account is not marked.
    expect(op.tokenRequests() - before).toBe(0);
    expect(op.presented(rt)).toBe(0);
    const stored = (await users.getAccountById(accountId))!;
    expect(stored.needsReauth).toBe(false);
    expect(stored.tokens?.refreshToken).toBe(rt);
  }

  it('memory lock: a holder frozen (event loop blocked) longer than its lease gives up with LOCK_LOST', async () => {
    const users = new MemoryUserStore();
    const { user, account, grant } = await expiredAccount(users);
    const freeze = (): void => {
      const until = performance.now() + 400;
      while (performance.now() < until) {
        // Busy: no timer (and so no renewal) can run, as in a long GC pause or a CPU-bound step.
      }
    };
    const vault = createTokenVault({ users: storeWithPause(users, freeze), clientFor: () => op.client(), lock: createMemoryLock(), lockTtlMs: 150 });
    const before = op.tokenRequests();
    await expectAborted(users, account.id, grant.refreshToken, vault.get(user.id, 'rot'), before);
    // The next call (lease fresh) refreshes normally.
    const again = await vault.get(user.id, 'rot');
    expect(again.accessToken).not.toBe(grant.accessToken);
  });

  describeWithServices(['redis'], 'Redis', () => {
    it('the lease key taken over by another owner mid-refresh: the compare-and-extend fails and the vault gives up with LOCK_LOST', async () => {
      const { createClient } = await import('redis');
      const redis = await createClient({ url: services.redis! }).connect();
      const lock = createRedisLock({ url: services.redis! });
      try {
        const users = new MemoryUserStore();
        const { user, account, grant } = await expiredAccount(users);
        const key = refreshLockKey(account.id);
        const takeOver = async (): Promise<void> => {
          // As after a lapse: the key now belongs to someone else.
          await redis.set(key, 'someone-else', { PX: 5000 });
          await sleep(400);
        };
        const vault = createTokenVault({ users: storeWithPause(users, takeOver), clientFor: () => op.client(), lock, lockTtlMs: 150 });
        const before = op.tokenRequests();
        await expectAborted(users, account.id, grant.refreshToken, vault.get(user.id, 'rot'), before);
        // The vault's release did not delete the other owner's key.
        expect(await redis.get(key)).toBe('someone-else');
        await redis.del(key);
      } finally {
        await lock.close?.();
        await redis.close();
      }
    });
  });

  describeWithServices(['postgres'], 'PostgreSQL', () => {
    it('the holding session terminated mid-refresh (server restart, failover, idle timeout): the renewal fails and the vault gives up with LOCK_LOST', async () => {
      const { default: pg } = await import('pg');
      const appName = `lease-${run}`;
      const pool = new pg.Pool({ connectionString: services.postgres!, application_name: appName, max: 2 });
      pool.on('error', () => {});
      const admin = new pg.Client({ connectionString: services.postgres! });
      await admin.connect();
      const lock = createPostgresLock({ pool });
      try {
        const users = new MemoryUserStore();
        const { user, account, grant } = await expiredAccount(users);
        const terminate = async (): Promise<void> => {
          const r = await admin.query('SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1', [appName]);
          expect(r.rowCount).toBeGreaterThanOrEqual(1);
          await sleep(400);
        };
        const vault = createTokenVault({ users: storeWithPause(users, terminate), clientFor: () => op.client(), lock, lockTtlMs: 150 });
        const before = op.tokenRequests();
        await expectAborted(users, account.id, grant.refreshToken, vault.get(user.id, 'rot'), before);
      } finally {
        await admin.end();
        await pool.end();
      }
    });
  });
});

describe('vault: the lease comes from the request budget', () => {
  it('default lease = 3 × the client request timeout + 5 s (discovery, token, JWKS), default wait = that + 5 s; lockTtlMs / lockWaitMs override', async () => {
    const op = await startRotatingOp();
    try {
      const seen: { ttlMs: number; waitMs: number }[] = [];
      const memory = createMemoryLock();
      const recording: DistributedLock = {
        acquire: (key, o) => {
          seen.push({ ttlMs: o.ttlMs, waitMs: o.waitMs });
          return memory.acquire(key, o);
        },
      };
      for (const [timeoutMs, overrides] of [
        [2_000, {}],
        [10_000, {}],
        [2_000, { lockTtlMs: 900, lockWaitMs: 1_200 }],
      ] as const) {
        const users = new MemoryUserStore();
        const grant = op.issue();
        const { user } = await createLinkedUser(users, op.issuer, 'rot', {
          accessToken: grant.accessToken,
          tokenType: 'Bearer',
          refreshToken: grant.refreshToken,
          expiresAt: Date.now() - 1000,
        });
        const client = await op.client(timeoutMs);
        const vault = createTokenVault({ users, clientFor: async () => client, lock: recording, ...overrides });
        await vault.get(user.id, 'rot');
      }
      expect(seen).toEqual([
        { ttlMs: 11_000, waitMs: 16_000 },
        { ttlMs: 35_000, waitMs: 40_000 },
        { ttlMs: 900, waitMs: 1_200 },
      ]);
    } finally {
      await op.close();
    }
  });
});

describe('vault: invalid_grant interleavings of two holders', () => {
  let op: RotatingOp;
  // A provider per test: `live()` then holds this test's tokens only.
  beforeEach(async () => {
    op = await startRotatingOp();
  });
  afterEach(async () => {
    await op?.close();
  });

  it('B replays the old refresh token after A’s lease lapsed and marks needsReauth before A stores: A’s rotated token still wins', async () => {
    const users = new MemoryUserStore();
    const grant = op.issue();
    const { user, account } = await createLinkedUser(users, op.issuer, 'rot', {
      accessToken: grant.accessToken,
      tokenType: 'Bearer',
      refreshToken: grant.refreshToken,
      expiresAt: Date.now() - 1000,
    });
    // Two lock instances: the split brain a lapsed lease leaves (A still working, B holding).
    const a = createTokenVault({ users, clientFor: () => op.client(), lock: createMemoryLock() });
    const b = createTokenVault({ users, clientFor: () => op.client(), lock: createMemoryLock() });
    op.delayMs = 500;
    try {
      const fromA = a.get(user.id, 'rot');
      await sleep(150);
      // A's refresh is at the provider (the old token consumed); B replays it and is refused.
      op.delayMs = 0;
      expect(await codeOf(b.get(user.id, 'rot'))).toBe('REAUTH_REQUIRED');
      expect((await users.getAccountById(account.id))!.needsReauth).toBe(true);
      const got = await fromA;
      const stored = (await users.getAccountById(account.id))!;
      expect(stored.needsReauth).toBe(false);
      expect(stored.tokens?.refreshToken).toBe(op.newest());
      expect(op.live()).toEqual([stored.tokens?.refreshToken]);
      expect(stored.tokens?.accessToken).toBe(got.accessToken);
      // And later calls use it without a new sign-in.
      expect((await b.get(user.id, 'rot')).accessToken).toBe(got.accessToken);
    } finally {
      op.delayMs = 0;
    }
  });

  it('A stores a short-lived token before B re-reads after its invalid_grant: B does not mark the account and refreshes once with the rotated token', async () => {
    const users = new MemoryUserStore();
    const grant = op.issue();
    const { user, account } = await createLinkedUser(users, op.issuer, 'rot', {
      accessToken: grant.accessToken,
      tokenType: 'Bearer',
      refreshToken: grant.refreshToken,
      expiresAt: Date.now() - 1000,
    });
    const a = createTokenVault({ users, clientFor: () => op.client(), lock: createMemoryLock() });
    const b = createTokenVault({ users, clientFor: () => op.client(), lock: createMemoryLock() });
    // Access tokens that expire inside the 60 s leeway: B cannot just reuse A's.
    op.expiresIn = 30;
    op.delayMs = 400;
    try {
      const fromA = a.get(user.id, 'rot');
      await sleep(100);
      // B's replay is refused only after A stored its rotated token.
      const fromB = b.get(user.id, 'rot');
      const gotA = await fromA;
      expect((await users.getAccountById(account.id))!.tokens?.accessToken).toBe(gotA.accessToken);
      const gotB = await fromB;
      const stored = (await users.getAccountById(account.id))!;
      expect(stored.needsReauth).toBe(false);
      expect(stored.tokens?.accessToken).toBe(gotB.accessToken);
      expect(stored.tokens?.refreshToken).toBe(op.newest());
      expect(op.live()).toEqual([stored.tokens?.refreshToken]);
      expect(op.presented(grant.refreshToken)).toBe(2);
    } finally {
      op.delayMs = 0;
      op.expiresIn = 3600;
    }
  });

  it('a revocation while a lapsed holder is still refreshing: the revoked state wins, the refreshed tokens are not written back', async () => {
    const users = new MemoryUserStore();
    const grant = op.issue();
    const { user, account } = await createLinkedUser(users, op.issuer, 'rot', {
      accessToken: grant.accessToken,
      tokenType: 'Bearer',
      refreshToken: grant.refreshToken,
      expiresAt: Date.now() - 1000,
    });
    const a = createTokenVault({ users, clientFor: () => op.client(), lock: createMemoryLock() });
    op.delayMs = 300;
    try {
      const fromA = a.get(user.id, 'rot');
      await sleep(100);
      // What a revocation (logout with revokeOnLogout) writes.
      await users.updateAccountTokens(account.id, { tokens: null, needsReauth: true });
      await fromA;
      const stored = (await users.getAccountById(account.id))!;
      expect(stored.tokens).toBeNull();
      expect(stored.needsReauth).toBe(true);
    } finally {
      op.delayMs = 0;
    }
  });
});
