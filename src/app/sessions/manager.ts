/**
 * The session hot path: a bounded in-process cache of verified sessions keyed by the exact cookie
 * value, so a guarded request that hits it costs one header scan, one `Map` lookup and two number
 * comparisons, synchronously, with no crypto and no promise. Expiry is checked on every hit;
 * revocation made in this process purges the cache at once; revocation made elsewhere is seen
 * through the store's `onRevoked` push or, at the latest, after `revalidateMs` (server strategy).
 * Every authenticated use keeps a server session alive: its idle expiry moves in the store, in
 * the background, at most once a minute per session ({@link SessionManager.keepAlive}).
 *
 * @module
 */
import { BoundedMap } from '../../internal/bounded-map.js';
import { readCookie, type SameSite, serializeCookie } from '../cookies.js';
import type { NewSession, RevokeSelector, Session, SessionStrategy } from './types.js';

/** Move the idle expiry at most this often per session. */
const TOUCH_INTERVAL_MS = 60_000;

/** Characters of a long value that key the caches: a whole HS256 signature (256 bits). */
const KEY_TAIL = 43;

/**
 * The cache key of a cookie value or a Bearer token: its last 43 characters. Hashing a fresh
 * 1.5 KB string costs V8 several microseconds per request, a short slice a few nanoseconds. The
 * head is shared (every access token starts with the same JWT header), the tail is not: it is the
 * token's HS256 signature (RFC 7515 §7.1: the last compact segment), or a sealed value's
 * AES-GCM authentication tag, both unique per value. The entry keeps the full value and a hit
 * requires exact equality, so a value with a known tail and another head never hits.
 *
 * @param value - the cookie value or token.
 * @returns the key.
 */
export function cacheKey(value: string): string {
  return value.length > 64 ? value.slice(-KEY_TAIL) : value;
}

interface Entry {
  /** The exact cookie value (the map key is only its tail). */
  readonly value: string;
  session: Session;
  /** Ask the strategy again after this instant (server strategy); Infinity for the cookie strategy. */
  checkUntil: number;
}

/** Options of {@link SessionManager}. */
export interface SessionManagerOptions {
  readonly cookieName: string;
  readonly secure: boolean;
  /** The cookie's `SameSite` (default `Lax`). */
  readonly sameSite?: SameSite | undefined;
  readonly maxEntries: number;
  /** Infinity for the cookie strategy (nothing to revalidate against). */
  readonly revalidateMs: number;
  readonly absoluteTimeoutMs: number;
  readonly idleTimeoutMs: number;
  /** Whether idle expiry is moved in the background on every authenticated use (server strategy). */
  readonly backgroundTouch: boolean;
  readonly clock: () => number;
}

/** Sessions with a verified-value cache in front of a {@link SessionStrategy}. */
export class SessionManager {
  /**
   * Verified values, in insertion order (a hit is one `Map` lookup, no recency bookkeeping); a
   * re-verified value becomes the newest entry, and the oldest goes when full.
   */
  readonly #cache: BoundedMap<string, Entry>;
  readonly #inflight = new Map<string, Promise<Session | null>>();
  /**
   * When this process last moved each session's idle expiry (session id → epoch ms), bounded:
   * forgetting an entry only lets the store's own expiry decide when the next write is due.
   */
  readonly #touchedAt: BoundedMap<string, number>;
  #subscribed: Promise<unknown> | undefined;

  constructor(
    readonly strategy: SessionStrategy,
    private readonly options: SessionManagerOptions,
  ) {
    this.#cache = new BoundedMap({ maxEntries: options.maxEntries });
    this.#touchedAt = new BoundedMap({ maxEntries: options.maxEntries });
  }

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
    e.session = this.#keepAlive(s, now);
    return e.session;
  }

  /**
   * Records an authenticated use of a session (cookie lookups do this themselves; Bearer use calls
   * it): with the server strategy, moves the idle expiry in the store, in the background, when it
   * last moved a minute ago or more, so the store sees at most one write per session per minute
   * from this process. The cookie strategy cannot move it here (a guard sends no cookie).
   *
   * @param session - a session just resolved or found in a cache.
   * @returns the session, with the moved idle expiry when it moved.
   */
  keepAlive(session: Session): Session {
    return this.#keepAlive(session, this.options.clock());
  }

  #keepAlive(session: Session, now: number): Session {
    if (!this.options.backgroundTouch) return session;
    // The idle expiry was last moved when it was set (expiry minus the timeout; the usual answer on
    // a cache hit, with no further lookup), or by this process (a write may still be in flight
    // while the store answers with the older value).
    if (now - (session.idleExpiresAt - this.options.idleTimeoutMs) < TOUCH_INTERVAL_MS) return session;
    const touchedAt = this.#touchedAt.get(session.id);
    if (touchedAt !== undefined && now - touchedAt < TOUCH_INTERVAL_MS) return session;
    const idleExpiresAt = Math.min(now + this.options.idleTimeoutMs, session.absoluteExpiresAt);
    // Already at the absolute expiry: nothing left to move.
    if (idleExpiresAt <= session.idleExpiresAt) return session;
    this.#touchedAt.set(session.id, now);
    this.strategy.touch(session, '', now).catch(() => {
      // A failed touch only shortens the idle window; the first use after the next store read tries again.
      if (this.#touchedAt.get(session.id) === now) this.#touchedAt.delete(session.id);
    });
    return { ...session, idleExpiresAt };
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
    const used = this.#keepAlive(session, now);
    this.#remember(cookieValue, used, now);
    return used;
  }

  #remember(cookieValue: string, session: Session, now: number): void {
    this.#cache.set(cacheKey(cookieValue), { value: cookieValue, session, checkUntil: now + this.options.revalidateMs });
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
    return { session, cookieValue, setCookie: this.setCookie(cookieValue, session.browserSession === true) };
  }

  /**
   * Records use of a session from an auth route: moves the idle expiry when due. Synchronous unless
   * a sealed cookie is due to be re-issued (cookie strategy, at most once a minute per session).
   *
   * @returns a `Set-Cookie` value when the cookie must be re-issued (cookie strategy).
   */
  touch(session: Session, cookieValue: string): string | undefined | Promise<string | undefined> {
    // Server strategy: the same once-a-minute background write as every other use.
    if (this.options.backgroundTouch) {
      this.keepAlive(session);
      return undefined;
    }
    const now = this.options.clock();
    const issuedAt = session.idleExpiresAt - this.options.idleTimeoutMs;
    if (now - issuedAt < TOUCH_INTERVAL_MS) return undefined;
    return this.#reissue(session, cookieValue, now);
  }

  async #reissue(session: Session, cookieValue: string, now: number): Promise<string | undefined> {
    const next = await this.strategy.touch(session, cookieValue, now);
    const e = this.#cache.get(cacheKey(cookieValue));
    if (e && e.value === cookieValue) {
      e.session = { ...e.session, idleExpiresAt: Math.min(now + this.options.idleTimeoutMs, e.session.absoluteExpiresAt) };
    }
    return next === undefined ? undefined : this.setCookie(next, session.browserSession === true);
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
      if (matchesSelector(e.session, selector)) this.#cache.delete(k);
    }
    const ids = await this.strategy.revoke(selector, now);
    this.purge(ids);
    return ids;
  }

  /** Drops cache entries of these session ids. */
  purge(ids: readonly string[]): void {
    if (ids.length === 0 || this.#cache.size === 0) return;
    const set = new Set(ids);
    for (const id of set) this.#touchedAt.delete(id);
    for (const [k, e] of this.#cache) if (set.has(e.session.id)) this.#cache.delete(k);
  }

  /**
   * The `Set-Cookie` value carrying a session cookie value: with `Max-Age` (the absolute timeout),
   * or, for a browser session, without (RFC 6265 §5.3 step 3: a cookie with neither `Max-Age` nor
   * `Expires` ends with the browser session).
   */
  setCookie(cookieValue: string, browserSession = false): string {
    return serializeCookie(this.options.cookieName, cookieValue, {
      secure: this.options.secure,
      ...(browserSession ? {} : { maxAgeSeconds: Math.floor(this.options.absoluteTimeoutMs / 1000) }),
      sameSite: this.options.sameSite,
    });
  }

  /** The `Set-Cookie` value deleting the session cookie. */
  clearCookie(): string {
    return serializeCookie(this.options.cookieName, '', { secure: this.options.secure, maxAgeSeconds: 0, sameSite: this.options.sameSite });
  }

  /** The number of cached sessions (tests, metrics). */
  get cacheSize(): number {
    return this.#cache.size;
  }

  #subscribe(): void {
    if (this.#subscribed || !this.strategy.subscribe) return;
    this.#subscribed = this.strategy
      .subscribe((ids) => this.purge(ids))
      .catch(() => {
        // Without a push channel the revalidation interval is the bound.
      });
  }
}

/**
 * Whether a session is one a revocation selector names (a user, an issuer and `sid`, or an issuer
 * and subject).
 *
 * @param s - the session.
 * @param selector - what is being revoked.
 * @returns true when the selector names this session.
 */
export function matchesSelector(s: Session, selector: RevokeSelector): boolean {
  if ('userId' in selector) return s.user.id === selector.userId;
  // Back-Channel Logout 1.0 §2.7: `sid` names one session at the issuer, `sub` every session of the user there.
  if ('sid' in selector) return s.issuer === selector.issuer && s.sid === selector.sid;
  return s.issuer === selector.issuer && s.subject === selector.subject;
}
