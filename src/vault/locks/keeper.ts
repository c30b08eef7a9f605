/**
 * Keeping a refresh lease alive while the refresh is in flight: the lease is renewed every third
 * of its TTL (`LockLease.extend`), and the holder always knows how long the lock is still surely
 * its own, counted on the monotonic clock from the last acquisition or renewal that succeeded.
 * A renewal that answers "not yours" (the lease lapsed and the lock may be someone else's) makes
 * the lease lost at once; one that fails to reach the backend is retried on the next beat, the
 * lease staying good until its last confirmed TTL ends.
 *
 * @see [Redis - Distributed locks, "Making the algorithm more reliable: extending the lock"](https://redis.io/docs/latest/develop/use/patterns/distributed-locks/#making-the-algorithm-more-reliable-extending-the-lock)
 * @module
 */
import type { LockLease } from './types.js';

/** A lease under renewal. */
export interface KeptLease {
  /** True when the lock can renew the lease (`LockLease.extend`); false for a lock without it. */
  readonly renewable: boolean;
  /**
   * How long the lease surely holds from now, in milliseconds: 0 once it was lost or its last
   * confirmed TTL ended (a holder frozen for longer than the TTL comes back to 0).
   */
  remainingMs(): number;
  /** Stops renewing (before the release). */
  stop(): void;
}

/** Options of {@link keepLease}. */
export interface KeepLeaseOptions {
  /** The lease TTL, renewed every third of it. */
  readonly ttlMs: number;
  /** `performance.now()` no later than the moment the lease's TTL started. */
  readonly acquiredAt: number;
  /** Renewal stops once the lock was held this long (a hung holder frees it one TTL later). */
  readonly maxHoldMs: number;
}

/** A lease that never lapses: no lock is configured (single flight within the process only). */
export const UNLOCKED: KeptLease = Object.freeze({ renewable: true, remainingMs: () => Number.POSITIVE_INFINITY, stop: () => {} });

/**
 * Starts renewing `lease` every `ttlMs / 3` until {@link KeptLease.stop} or `maxHoldMs`.
 *
 * @param lease The lease just acquired.
 * @param options The TTL, when it started, and the longest hold.
 * @returns The lease under renewal.
 */
export function keepLease(lease: LockLease, { ttlMs, acquiredAt, maxHoldMs }: KeepLeaseOptions): KeptLease {
  // A small safety margin against the backend's clock running a little faster than ours.
  const marginMs = Math.min(1000, ttlMs / 20);
  let confirmedUntil = acquiredAt + ttlMs;
  let lost = false;
  let stopped = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const beatMs = Math.max(1, Math.floor(ttlMs / 3));
  const extend = lease.extend?.bind(lease);

  const beat = async (): Promise<void> => {
    if (stopped || lost || extend === undefined) return;
    // A holder hung this long (a store or an onTokens that never returns) lets the lock lapse.
    if (performance.now() - acquiredAt >= maxHoldMs) return;
    const sentAt = performance.now();
    try {
      if (await extend(ttlMs)) confirmedUntil = Math.max(confirmedUntil, sentAt + ttlMs);
      else lost = true;
    } catch {
      // The backend did not answer: the lease holds until its last confirmed TTL; try again next beat.
    }
    schedule();
  };
  const schedule = (): void => {
    if (stopped || lost) return;
    timer = setTimeout(() => void beat(), beatMs);
    // A pending renewal must not keep a process alive on its own.
    (timer as { unref?: () => void }).unref?.();
  };
  if (extend !== undefined) schedule();

  return {
    renewable: extend !== undefined,
    remainingMs: () => (lost ? 0 : Math.max(0, confirmedUntil - marginMs - performance.now())),
    stop() {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
