/**
 * The one bounded map of the code base: every in-process cache and memory (verified sessions, used
 * `state` values, prepared statements, parsed headers, resolved hosts, ...) holds at most a fixed
 * number of entries, and makes room by dropping its oldest entry, never by forgetting everything
 * (a map that is cleared when full lets whoever sprays keys empty it of the good entries).
 *
 * @module
 */
import { ConfigurationError } from '../errors.js';

/** Options of a {@link BoundedMap}. */
export interface BoundedMapOptions<V> {
  /**
   * Most entries kept, at least 1. When a new key arrives at capacity, the oldest entry goes
   * (expired ones first, when `expiresAt` is given).
   */
  readonly maxEntries: number;
  /**
   * `false` (default): insertion order; the entry written longest ago goes first and {@link
   * BoundedMap.get} is a plain lookup. `true`: least recently used order; each hit of `get` makes
   * the entry the newest, at the cost of a delete and a set per hit (keep it off hot paths).
   */
  readonly refreshOnGet?: boolean;
  /**
   * Per-entry expiry: the instant (epoch ms) from which an entry is dead, read from its value. An
   * expired entry is never answered by `get` or `has` (they delete it), and expired entries at the
   * oldest end are dropped on every `set`.
   */
  readonly expiresAt?: (value: V) => number;
  /** The clock expiry is measured on, when a call passes no `now`. Default `Date.now`. */
  readonly clock?: () => number;
}

/**
 * A `Map` that never holds more than `maxEntries` entries. Writing a key (new or not) makes it
 * the newest entry; a new key at capacity first evicts the oldest one. Values must not be
 * `undefined` (`get` answers `undefined` for "absent").
 *
 * @example
 * const seen = new BoundedMap<string, number>({ maxEntries: 10_000, expiresAt: (until) => until });
 * if (seen.has(state)) refuse();
 * seen.set(state, Date.now() + 600_000);
 */
export class BoundedMap<K, V> implements Iterable<[K, V]> {
  readonly #map = new Map<K, V>();
  readonly #max: number;
  readonly #refreshOnGet: boolean;
  readonly #expiresAt: ((value: V) => number) | undefined;
  readonly #clock: () => number;
  /** Neither recency nor expiry: `get` is one `Map` lookup. */
  readonly #plain: boolean;

  /**
   * @param options - the capacity, the eviction order and the optional expiry.
   * @throws ConfigurationError `CONFIG_INVALID` when `maxEntries` is not a number of at least 1.
   */
  constructor(options: BoundedMapOptions<V>) {
    if (!(options.maxEntries >= 1)) throw new ConfigurationError('A bounded map needs `maxEntries` of at least 1.');
    this.#max = options.maxEntries;
    this.#refreshOnGet = options.refreshOnGet === true;
    this.#expiresAt = options.expiresAt;
    this.#clock = options.clock ?? Date.now;
    this.#plain = !this.#refreshOnGet && this.#expiresAt === undefined;
  }

  /** The most entries kept. */
  get maxEntries(): number {
    return this.#max;
  }

  /** The number of entries held (expired ones not yet dropped included); never above `maxEntries`. */
  get size(): number {
    return this.#map.size;
  }

  /**
   * The value under `key`, unless absent or expired; with `refreshOnGet`, a hit becomes the newest entry.
   *
   * @param key - the key.
   * @param now - the current time for the expiry check (default: the clock).
   * @returns the value, or `undefined`.
   */
  get(key: K, now?: number): V | undefined {
    const value = this.#map.get(key);
    if (this.#plain || value === undefined) return value;
    if (this.#expiresAt !== undefined && this.#expiresAt(value) <= (now ?? this.#clock())) {
      this.#map.delete(key);
      return undefined;
    }
    if (this.#refreshOnGet) {
      this.#map.delete(key);
      this.#map.set(key, value);
    }
    return value;
  }

  /**
   * Whether `key` holds a live entry (recency is not refreshed).
   *
   * @param key - the key.
   * @param now - the current time for the expiry check (default: the clock).
   * @returns true when present and not expired.
   */
  has(key: K, now?: number): boolean {
    if (this.#expiresAt === undefined) return this.#map.has(key);
    const value = this.#map.get(key);
    if (value === undefined) return false;
    if (this.#expiresAt(value) > (now ?? this.#clock())) return true;
    this.#map.delete(key);
    return false;
  }

  /**
   * Stores `value` under `key` as the newest entry. With `expiresAt`, expired entries at the
   * oldest end go first; then, for a new key at capacity, the oldest entry.
   *
   * @param key - the key.
   * @param value - the value (not `undefined`).
   * @param now - the current time for dropping expired entries (default: the clock).
   * @returns this map.
   */
  set(key: K, value: V, now?: number): this {
    const map = this.#map;
    const existed = map.delete(key);
    if (this.#expiresAt !== undefined && map.size > 0) this.#dropExpired(now ?? this.#clock());
    if (!existed && map.size >= this.#max) {
      const oldest = map.keys().next();
      if (!oldest.done) map.delete(oldest.value);
    }
    map.set(key, value);
    return this;
  }

  /**
   * Removes an entry.
   *
   * @param key - the key.
   * @returns true when there was one.
   */
  delete(key: K): boolean {
    return this.#map.delete(key);
  }

  /** Removes every entry. */
  clear(): void {
    this.#map.clear();
  }

  /** The keys, oldest first (expired entries not yet dropped included). */
  keys(): IterableIterator<K> {
    return this.#map.keys();
  }

  /** The values, oldest first (expired entries not yet dropped included). */
  values(): IterableIterator<V> {
    return this.#map.values();
  }

  /** The entries, oldest first (expired entries not yet dropped included); deleting while iterating is safe. */
  entries(): IterableIterator<[K, V]> {
    return this.#map.entries();
  }

  /** The entries, oldest first, as {@link BoundedMap.entries}. */
  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.#map.entries();
  }

  /** Drops expired entries from the oldest end, up to the first live one (amortized O(1) per write). */
  #dropExpired(now: number): void {
    const expiresAt = this.#expiresAt!;
    for (const [key, value] of this.#map) {
      if (expiresAt(value) > now) return;
      this.#map.delete(key);
    }
  }
}
