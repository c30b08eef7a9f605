/**
 * An in-process lock with the same semantics as the distributed ones (TTL, bounded wait): for
 * tests and for single-process apps. It does not coordinate several processes.
 *
 * @module
 */
import { TokenError } from '../../errors.js';
import type { DistributedLock, LockAcquireOptions, LockLease } from './types.js';

interface Holder {
  readonly token: symbol;
  readonly expiresAt: number;
}

interface Waiter {
  readonly wake: () => void;
}

/** Options of {@link createMemoryLock}. */
export interface MemoryLockOptions {
  /** The clock, epoch milliseconds. Default `Date.now`. */
  readonly clock?: () => number;
}

/**
 * Creates an in-process lock. A holder that neither releases nor extends loses the lock after `ttlMs`.
 *
 * @param options An injectable clock.
 * @returns The lock.
 * @example
 * ```ts
 * const vault = createTokenVault({ users, clientFor, lock: createMemoryLock() });
 * ```
 * @see [RFC 9700, section 4.14.2](https://www.rfc-editor.org/rfc/rfc9700.html#section-4.14.2)
 */
export function createMemoryLock(options: MemoryLockOptions = {}): DistributedLock {
  const clock = options.clock ?? Date.now;
  const holders = new Map<string, Holder>();
  const waiters = new Map<string, Set<Waiter>>();

  const tryTake = (key: string, ttlMs: number): symbol | undefined => {
    const current = holders.get(key);
    if (current && current.expiresAt > clock()) return undefined;
    const token = Symbol(key);
    holders.set(key, { token, expiresAt: clock() + ttlMs });
    return token;
  };

  const wakeOne = (key: string): void => {
    const set = waiters.get(key);
    const first = set?.values().next().value;
    if (first) first.wake();
  };

  return {
    async acquire(key: string, { ttlMs, waitMs }: LockAcquireOptions): Promise<LockLease> {
      const deadline = clock() + waitMs;
      for (;;) {
        const acquiredAt = performance.now();
        const token = tryTake(key, ttlMs);
        if (token !== undefined) {
          return {
            key,
            acquiredAt,
            async release() {
              if (holders.get(key)?.token === token) {
                holders.delete(key);
                wakeOne(key);
              }
            },
            async extend(ttlMs: number) {
              // Only the holder whose TTL has not run out may extend (a lapsed lease may be someone else's now).
              const current = holders.get(key);
              if (current?.token !== token || current.expiresAt <= clock()) return false;
              holders.set(key, { token, expiresAt: clock() + ttlMs });
              return true;
            },
          };
        }
        const remaining = deadline - clock();
        if (remaining <= 0) throw new TokenError('LOCK_TIMEOUT', `The refresh lock "${key}" was not free within ${waitMs} ms.`);
        const holderLeft = Math.max(1, (holders.get(key)?.expiresAt ?? clock()) - clock());
        // Sleep until released, until the holder's TTL ends, or until our deadline, whichever is first.
        await new Promise<void>((resolve) => {
          const set = waiters.get(key) ?? new Set<Waiter>();
          waiters.set(key, set);
          const waiter: Waiter = {
            wake: () => {
              clearTimeout(timer);
              set.delete(waiter);
              resolve();
            },
          };
          const timer = setTimeout(waiter.wake, Math.min(remaining, holderLeft));
          set.add(waiter);
        });
        if (waiters.get(key)?.size === 0) waiters.delete(key);
      }
    },
  };
}
