/**
 * The lease keeper the vault runs while a refresh is in flight: it renews every third of the TTL,
 * counts a "not yours" answer as lost at once, rides out a backend that does not answer only
 * until the last confirmed TTL ends, and stops renewing after the longest hold so that a hung
 * holder lets the lock lapse.
 */
import { describe, expect, it } from 'vitest';
import { StorageError } from '../../src/errors.js';
import { keepLease } from '../../src/vault/locks/keeper.js';
import { createMemoryLock } from '../../src/vault/locks/memory.js';
import { type LockLease, sleep } from '../../src/vault/locks/types.js';

/** A lease whose `extend` answers from `answer` and counts its calls. */
function scriptedLease(answer: () => boolean | 'unreachable'): LockLease & { calls: number } {
  const lease = {
    key: 'k',
    calls: 0,
    async release() {},
    async extend() {
      lease.calls++;
      const a = answer();
      if (a === 'unreachable') throw new StorageError('STORAGE_UNAVAILABLE', 'down');
      return a;
    },
  };
  return lease;
}

describe('lease keeper', () => {
  it('renews every third of the TTL while kept, and not after stop()', async () => {
    const lease = scriptedLease(() => true);
    const kept = keepLease(lease, { ttlMs: 150, acquiredAt: performance.now(), maxHoldMs: 60_000 });
    await sleep(520);
    const whileKept = lease.calls;
    expect(whileKept).toBeGreaterThanOrEqual(4);
    expect(whileKept).toBeLessThanOrEqual(11);
    // Renewed: still good well past the first TTL.
    expect(kept.remainingMs()).toBeGreaterThan(50);
    kept.stop();
    await sleep(200);
    expect(lease.calls).toBe(whileKept);
  });

  it('a "not yours" answer makes the lease lost at once; renewal stops', async () => {
    let owned = true;
    const lease = scriptedLease(() => owned);
    const kept = keepLease(lease, { ttlMs: 3000, acquiredAt: performance.now(), maxHoldMs: 60_000 });
    try {
      await sleep(1100);
      expect(kept.remainingMs()).toBeGreaterThan(1000);
      owned = false;
      await sleep(1100);
      expect(kept.remainingMs()).toBe(0);
      const calls = lease.calls;
      await sleep(1100);
      expect(lease.calls).toBe(calls);
    } finally {
      kept.stop();
    }
  });

  it('a backend that does not answer: the lease stays good until its last confirmed TTL ends, then 0', async () => {
    let mode: boolean | 'unreachable' = true;
    const lease = scriptedLease(() => mode);
    const kept = keepLease(lease, { ttlMs: 300, acquiredAt: performance.now(), maxHoldMs: 60_000 });
    try {
      await sleep(250);
      mode = 'unreachable';
      const lastGood = performance.now();
      await sleep(100);
      // Still inside the TTL confirmed by the last good renewal.
      expect(kept.remainingMs()).toBeGreaterThan(0);
      await sleep(400);
      expect(performance.now() - lastGood).toBeGreaterThan(300);
      expect(kept.remainingMs()).toBe(0);
      // It keeps trying: a backend that comes back renews the lease again.
      mode = true;
      await sleep(250);
      expect(kept.remainingMs()).toBeGreaterThan(0);
    } finally {
      kept.stop();
    }
  });

  it('a lock without extend is never renewed: the lease runs out one TTL after it was taken', async () => {
    const lease: LockLease = { key: 'k', async release() {} };
    const kept = keepLease(lease, { ttlMs: 200, acquiredAt: performance.now(), maxHoldMs: 60_000 });
    expect(kept.renewable).toBe(false);
    expect(kept.remainingMs()).toBeGreaterThan(150);
    await sleep(260);
    expect(kept.remainingMs()).toBe(0);
  });

  it('renewal stops after maxHoldMs: a hung holder lets the (memory) lock lapse one TTL later', async () => {
    const lock = createMemoryLock();
    // A TTL of 400 ms, renewed well within it: a loaded machine's event-loop stalls (100 ms and more
    // under a full parallel suite) must not let the lease lapse early.
    const lease = await lock.acquire('hung', { ttlMs: 400, waitMs: 0 });
    const kept = keepLease(lease, { ttlMs: 400, acquiredAt: lease.acquiredAt!, maxHoldMs: 1200 });
    try {
      const started = Date.now();
      const next = await lock.acquire('hung', { ttlMs: 1000, waitMs: 5000 });
      const waited = Date.now() - started;
      // Renewed up to 1200 ms, then free within about one TTL.
      expect(waited).toBeGreaterThanOrEqual(1150);
      expect(waited).toBeLessThan(3000);
      expect(kept.remainingMs()).toBe(0);
      await next.release();
    } finally {
      kept.stop();
    }
  });
});
