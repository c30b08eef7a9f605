/**
 * In-process single flight: concurrent calls with the same key share one execution and its
 * result. The entry is dropped as soon as the execution settles, so a later call starts afresh.
 *
 * @module
 */

/**
 * Deduplicates concurrent work by key.
 *
 * @example
 * ```ts
 * const flights = new SingleFlight<AccessToken>();
 * const token = await flights.run(account.id, () => refresh(account));
 * ```
 */
export class SingleFlight<T> {
  readonly #inflight = new Map<string, Promise<T>>();

  /**
   * Runs `fn` unless a call for `key` is already in flight, in which case its promise is shared.
   *
   * @param key The deduplication key (the vault uses the account id).
   * @param fn The work.
   * @returns The shared result (or the shared rejection).
   */
  run(key: string, fn: () => Promise<T>): Promise<T> {
    const existing = this.#inflight.get(key);
    if (existing) return existing;
    const promise = (async () => {
      try {
        return await fn();
      } finally {
        this.#inflight.delete(key);
      }
    })();
    this.#inflight.set(key, promise);
    return promise;
  }

  /** The number of keys in flight (tests, metrics). */
  get size(): number {
    return this.#inflight.size;
  }
}
