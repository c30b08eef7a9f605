/**
 * The in-process {@link ReplayStore}: what one process remembers when no shared store is
 * configured, and the reference the shared stores are tested against. Bounded: expired entries go
 * first, then the oldest.
 *
 * @module
 */
import { BoundedMap } from '../internal/bounded-map.js';
import type { ReplayScope, ReplayStore } from './types.js';

/** Options of {@link MemoryReplayStore}. */
export interface MemoryReplayStoreOptions {
  /** The most one-time keys and revocations kept, each. Default 100,000. */
  readonly maxEntries?: number;
  /** The clock, epoch ms (tests). */
  readonly now?: () => number;
}

/** Replay memories and revocations in this process only. */
export class MemoryReplayStore implements ReplayStore {
  readonly #once: BoundedMap<string, number>;
  readonly #revoked: BoundedMap<string, { at: number; until: number }>;
  readonly #hits: BoundedMap<string, { count: number; until: number }>;
  readonly #now: () => number;

  /** @param options - bounds and clock. */
  constructor(options: MemoryReplayStoreOptions = {}) {
    const maxEntries = options.maxEntries ?? 100_000;
    this.#now = options.now ?? Date.now;
    this.#once = new BoundedMap({ maxEntries, expiresAt: (until) => until, clock: this.#now });
    this.#revoked = new BoundedMap({ maxEntries, expiresAt: (r) => r.until, clock: this.#now });
    this.#hits = new BoundedMap({ maxEntries, expiresAt: (h) => h.until, clock: this.#now });
  }

  async hit(key: string, windowMs: number): Promise<number> {
    const known = this.#hits.get(key);
    if (known !== undefined) {
      known.count++;
      return known.count;
    }
    this.#hits.set(key, { count: 1, until: this.#now() + windowMs });
    return 1;
  }

  async remember(scope: ReplayScope, key: string, expiresAt: number): Promise<boolean> {
    const k = `${scope} ${key}`;
    if (this.#once.has(k)) return false;
    this.#once.set(k, expiresAt);
    return true;
  }

  async revoke(selector: string, at: number, until: number): Promise<void> {
    const known = this.#revoked.get(selector);
    this.#revoked.set(selector, { at: Math.max(at, known?.at ?? at), until: Math.max(until, known?.until ?? until) });
  }

  async revokedAt(selectors: readonly string[]): Promise<number | null> {
    let latest: number | null = null;
    for (const s of selectors) {
      const r = this.#revoked.get(s);
      if (r !== undefined && (latest === null || r.at > latest)) latest = r.at;
    }
    return latest;
  }
}
