/**
 * The distributed lock the token vault takes around a refresh, so that concurrent callers in
 * several processes share one refresh per account (refresh-token rotation makes a second refresh
 * with the same refresh token fail, and some providers then revoke the whole grant).
 *
 * Every lock has two bounds: `waitMs`, how long a caller waits for it (then `LOCK_TIMEOUT`), and
 * `ttlMs`, how long a holder keeps it without renewing it, so that a crashed or frozen holder
 * cannot block the others forever. A live holder renews its lease ({@link LockLease.extend})
 * while its work is in flight, so that the lock cannot lapse under a slow but healthy refresh.
 *
 * @see [RFC 9700 - Best Current Practice for OAuth 2.0 Security, section 4.14.2](https://www.rfc-editor.org/rfc/rfc9700.html#section-4.14.2)
 * @module
 */

/** Options of one {@link DistributedLock.acquire}. */
export interface LockAcquireOptions {
  /**
   * How long the holder keeps the lock without renewing it, in milliseconds. After it, the lock is
   * free again even if the holder never released it (it crashed, or froze); a live holder renews
   * it with {@link LockLease.extend}.
   */
  readonly ttlMs: number;
  /** The longest this caller waits for the lock, in milliseconds, before `LOCK_TIMEOUT`. */
  readonly waitMs: number;
}

/** A held lock. */
export interface LockLease {
  /** The lock key. */
  readonly key: string;
  /**
   * `performance.now()` just before the request that took the lock was sent: the lease's TTL ran
   * from no earlier than this. Optional for locks written by apps (the vault then counts from
   * when it asked for the lock, which is earlier and so safe).
   */
  readonly acquiredAt?: number;
  /**
   * Releases the lock if this lease still holds it (a lease that outlived its TTL releases
   * nothing: the lock may belong to someone else by then). Never throws.
   */
  release(): Promise<void>;
  /**
   * Renews the lease: if this lease still holds the lock, it is kept for `ttlMs` more from now.
   * Redis: a compare-and-extend script on the lease's random token (its fencing token);
   * PostgreSQL: a query on the holding session, which proves the session (and so its advisory
   * lock) is alive and restarts its idle timeout; memory: the holder's token is compared.
   * Optional for locks written by apps: without it the vault never renews and gives up a refresh
   * whose lease is running out (`LOCK_LOST`).
   *
   * @param ttlMs The new hold, from now, in milliseconds.
   * @returns True when extended; false when the lease no longer holds the lock (it lapsed and may
   *   belong to someone else, or its session ended).
   * @throws {StorageError} `STORAGE_UNAVAILABLE` when the backend did not answer (the lease may
   *   still hold until its TTL ends).
   */
  extend?(ttlMs: number): Promise<boolean>;
}

/**
 * A mutual-exclusion lock shared by every process of the app: Redis (`createRedisLock`),
 * PostgreSQL advisory locks (`createPostgresLock`), or in-process (`createMemoryLock`, tests and
 * single-process apps).
 *
 * @example
 * ```ts
 * const lease = await lock.acquire('latchkey:refresh:acc_1', { ttlMs: 15_000, waitMs: 20_000 });
 * try { … } finally { await lease.release(); }
 * ```
 */
export interface DistributedLock {
  /**
   * Takes the lock for `key`, waiting at most `options.waitMs`.
   *
   * @param key The lock name (the vault uses {@link refreshLockKey}).
   * @param options The hold TTL and the wait bound.
   * @returns The lease to release.
   * @throws {TokenError} `LOCK_TIMEOUT` when the lock was not free within `waitMs`.
   * @throws {StorageError} `STORAGE_UNAVAILABLE` when the lock backend cannot be reached.
   */
  acquire(key: string, options: LockAcquireOptions): Promise<LockLease>;
  /** Releases the connections this lock opened itself (not those the app passed in). */
  close?(): Promise<void>;
}

/**
 * The lock key of the refresh of one linked account. Every process must use the same key, so it
 * depends only on the account id.
 *
 * @param accountId The account id from the user store.
 * @returns The key, e.g. `latchkey:refresh:acc_…`.
 */
export function refreshLockKey(accountId: string): string {
  return `latchkey:refresh:${accountId}`;
}

/** Milliseconds to sleep before the `attempt`-th retry of a polling lock: 10, 20, 40 … 100 ms, with jitter. */
export function pollDelayMs(attempt: number): number {
  const base = Math.min(100, 10 * 2 ** Math.min(attempt, 4));
  return base / 2 + Math.random() * (base / 2);
}

/** A promise resolved after `ms` milliseconds. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
