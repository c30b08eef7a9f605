/**
 * The session hot path: a bounded in-process cache of verified sessions keyed by the exact cookie
 * value, so a guarded request that hits it costs one header scan, one `Map` lookup and two number
 * comparisons, synchronously, with no crypto and no promise. Expiry is checked on every hit;
 * revocation made in this process purges the cache at once; revocation made elsewhere is seen
 * through the store's `onRevoked` push or, at the latest, after `revalidateMs` (server strategy).
 *
 * @module
 */
import { readCookie, serializeCookie } from '../cookies.js';
import type { NewSession, RevokeSelector, Session, SessionStrategy } from './types.js';

/** Move the idle expiry at most this often per session. */
const TOUCH_INTERVAL_MS = 60_000;

/**
 * The cache key of a cookie value: its first 48 characters. Hashing a fresh 1.5 KB string costs
 * V8 several microseconds per request, a short prefix a few nanoseconds. A sealed value starts with
 * its key id and random IV, so prefixes do not collide by chance; the entry keeps the full value
 * and a hit requires exact equality, so a value with a known prefix and another tail never hits.
 *
 * @param value - the cookie value.
 * @returns the key.
 */
export function cacheKey(value: string): string {
  return value.length > 64 ? value.slice(0, 48) : value;
}

interface Entry {
  /** The exact cookie value (the map key is only its prefix). */
  readonly value: string;
  session: Session;
  /** Ask the strategy again after this instant (server strategy); Infinity for the cookie strategy. */
  checkUntil: number;
  lastTouch: number;
}

/** Options of {@link SessionManager}. */
export interface SessionManagerOptions {
  readonly cookieName: string;
  readonly secure: boolean;
  readonly maxEntries: number;
  /** Infinity for the cookie strategy (nothing to revalidate against). */
  readonly revalidateMs: number;
  readonly absoluteTimeoutMs: number;
  readonly idleTimeoutMs: number;
  /** Whether idle expiry can be moved in the background on a cache hit (server strategy). */
  readonly backgroundTouch: boolean;
  readonly clock: () => number;
}

/** Sessions with a verified-value cache in front of a {@link SessionStrategy}. */
export class SessionManager {
  readonly #cache = new Map<string, Entry>();
  readonly #inflight = new Map<string, Promise<Session | null>>();
  #subscribed: Promise<unknown> | undefined;

  constructor(
    readonly strategy: SessionStrategy,
    private readonly options: SessionManagerOptions,
  ) {}

  /** The session cookie's name. */
  get cookieName(): string {
    return this.options.cookieName;
  }

  /**
   * The session for a cookie value, synchronously, when the cache can tell.
   *
   * @param cookieValue - the exact session cookie value.
   * @returns the session; null when the cached session expired; undefined when the cache cannot
   *   tell (ask {@link SessionManager.resolve}).
   */
  peek(cookieValue: string): Session | null | undefined {
    const key = cacheKey(cookieValue);
    const e = this.#cache.get(key);
    if (e === undefined || e.value !== cookieValue) return undefined;
    const now = this.options.clock();
    const s = e.session;
    if (now >= s.absoluteExpiresAt) {
      this.#cache.delete(key);
      return null;
    }
    // Idle-expired here, but another process may have moved the idle expiry: ask the strategy.
    if (now >= s.idleExpiresAt || now >= e.checkUntil) return undefined;
    if (this.options.backgroundTouch && now - e.lastTouch >= TOUCH_INTERVAL_MS) this.#touchInBackground(cookieValue, e, now);
    return s;
  }

  /**
   * The session named by a `Cookie` header: synchronous on a cache hit, a promise otherwise.
   *
   * @param cookieHeader - the request's `Cookie` header.
   * @returns the session or null.
   */
  lookup(cookieHeader: string | null | undefined): Session | null | Promise<Session | null> {
    const value = readCookie(cookieHeader, this.options.cookieName);
    if (value === undefined) return null;
    const hit = this.peek(value);
    return hit === undefined ? this.resolve(value) : hit;
  }

  /**
   * Verifies a cookie value through the strategy (decrypt or store read) and caches the result.
   * Concurrent calls for one value share one verification.
   *
   * @param cookieValue - the untrusted cookie value.
   * @returns the session or null.
   */
  resolve(cookieValue: string): Promise<Session | null> {
    const pending = this.#inflight.get(cookieValue);
    if (pending) return pending;
    const p = this.#resolve(cookieValue).finally(() => this.#inflight.delete(cookieValue));
    this.#inflight.set(cookieValue, p);
    return p;
  }

  async #resolve(cookieValue: string): Promise<Session | null> {
    this.#subscribe();
    if (cookieValue.length > 8192) return null;
    const now = this.options.clock();
    const session = await this.strategy.resolve(cookieValue, now);
    if (session === null) {
      const key = cacheKey(cookieValue);
      if (this.#cache.get(key)?.value === cookieValue) this.#cache.delete(key);
      return null;
    }
    this.#remember(cookieValue, session, now);
    return session;
  }

  #remember(cookieValue: string, session: Session, now: number): void {
    const key = cacheKey(cookieValue);
    if (this.#cache.size >= this.options.maxEntries && !this.#cache.has(key)) {
      // Bounded: drop the oldest entry (Map iteration is insertion order).
      const oldest = this.#cache.keys().next();
      if (!oldest.done) this.#cache.delete(oldest.value);
    }
    this.#cache.set(key, { value: cookieValue, session, checkUntil: now + this.options.revalidateMs, lastTouch: now });
  }

  #touchInBackground(cookieValue: string, e: Entry, now: number): void {
    e.lastTouch = now;
    const s = e.session;
    e.session = { ...s, idleExpiresAt: Math.min(now + this.options.idleTimeoutMs, s.absoluteExpiresAt) };
    this.strategy.touch(s, cookieValue, now).catch(() => {
      // A failed touch only shortens the idle window; the next hit tries again.
    });
  }

  /**
   * Creates a session with a fresh id and returns its `Set-Cookie`.
   *
   * @param input - the session content.
   * @returns the session and the `Set-Cookie` value.
   * @throws SessionError `SESSION_TOO_LARGE`; StorageError.
   */
  async create(input: NewSession): Promise<{ session: Session; setCookie: string; cookieValue: string }> {
    this.#subscribe();
    const now = this.options.clock();
    const { session, cookieValue } = await this.strategy.create(input, now);
    this.#remember(cookieValue, session, now);
    return { session, cookieValue, setCookie: this.setCookie(cookieValue) };
  }

  /**
   * Records use of a session from an auth route: moves the idle expiry when due.
   *
   * @returns a `Set-Cookie` value when the cookie must be re-issued (cookie strategy).
   */
  async touch(session: Session, cookieValue: string): Promise<string | undefined> {
    const now = this.options.clock();
    const issuedAt = session.idleExpiresAt - this.options.idleTimeoutMs;
    if (now - issuedAt < TOUCH_INTERVAL_MS) return undefined;
    const next = await this.strategy.touch(session, cookieValue, now);
    const e = this.#cache.get(cacheKey(cookieValue));
    if (e && e.value === cookieValue) {
      e.lastTouch = now;
      e.session = { ...e.session, idleExpiresAt: Math.min(now + this.options.idleTimeoutMs, e.session.absoluteExpiresAt) };
    }
    return next === undefined ? undefined : this.setCookie(next);
  }

  /** Ends one session and forgets its cache entries. */
  async destroy(session: Session): Promise<void> {
    this.purge([session.id]);
    await this.strategy.destroy(session, this.options.clock());
  }

  /**
   * Ends every session matching the selector ("log out everywhere", back-channel logout).
   *
   * @returns the ended session ids, when the strategy knows them.
   */
  async revoke(selector: RevokeSelector): Promise<readonly string[]> {
    const now = this.options.clock();
    // Purge matching cache entries first: from here on no request of this process sees them.
    for (const [k, e] of this.#cache) {
      const s = e.session;
      const match =
        'userId' in selector
          ? s.user.id === selector.userId
          : 'sid' in selector
            ? s.issuer === selector.issuer && s.sid === selector.sid
            : s.issuer === selector.issuer && s.subject === selector.subject;
      if (match) this.#cache.delete(k);
    }
    const ids = await this.strategy.revoke(selector, now);
    this.purge(ids);
    return ids;
  }

  /** Drops cache entries of these session ids. */
  purge(ids: readonly string[]): void {
    if (ids.length === 0 || this.#cache.size === 0) return;
    const set = new Set(ids);
    for (const [k, e] of this.#cache) if (set.has(e.session.id)) this.#cache.delete(k);
  }

  /** The `Set-Cookie` value carrying a session cookie value. */
  setCookie(cookieValue: string): string {
    return serializeCookie(this.options.cookieName, cookieValue, {
      secure: this.options.secure,
      maxAgeSeconds: Math.floor(this.options.absoluteTimeoutMs / 1000),
    });
  }

  /** The `Set-Cookie` value deleting the session cookie. */
  clearCookie(): string {
    return serializeCookie(this.options.cookieName, '', { secure: this.options.secure, maxAgeSeconds: 0 });
  }

  /** The number of cached sessions (tests, metrics). */
  get cacheSize(): number {
    return this.#cache.size;
  }

  #subscribe(): void {
    if (this.#subscribed || !this.strategy.subscribe) return;
    this.#subscribed = this.strategy.subscribe((ids) => this.purge(ids)).catch(() => {
      // Without a push channel the revalidation interval is the bound.
    });
  }
}
