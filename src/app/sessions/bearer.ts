/**
 * Bearer access tokens (`POST /auth/token`) as a way to present a session: verification of the
 * HS256 token, a bounded cache of verified tokens re-checked against the live session at least
 * every {@link BEARER_RECHECK_MS}, and the purge of cached tokens when their session ends in this
 * process (logout, revocation, back-channel logout). {@link authenticateRequest} is the one
 * session lookup of the app layer: the session cookie first, then the Bearer token.
 *
 * @module
 */
import { BoundedMap } from '../../internal/bounded-map.js';
import type { Keyring } from '../seal.js';
import { cacheKey, matchesSelector, type SessionManager } from './manager.js';
import type { RevokeSelector, Session, SessionStrategy } from './types.js';

/** Bearer access tokens are re-checked against the live session at least this often. */
export const BEARER_RECHECK_MS = 5_000;

/** Options of {@link BearerSessions}. */
export interface BearerSessionsOptions {
  readonly keyring: () => Promise<Keyring>;
  readonly strategy: SessionStrategy;
  readonly sessions: SessionManager;
  /** The `iss` the tokens carry (the app's `baseUrl`). */
  readonly issuer: string;
  /** The `aud` the tokens carry (`baseUrl` + `basePath`). */
  readonly audience: string;
  /** The most tokens kept in the verified-token cache. */
  readonly maxEntries: number;
  readonly clock: () => number;
}

interface BearerEntry {
  readonly token: string;
  session: Session;
  readonly checkUntil: number;
  readonly exp: number;
}

/** The sessions presented as `Authorization: Bearer` access tokens, with a verified-token cache. */
export class BearerSessions {
  /** Verified tokens, insertion order (a hit costs one lookup, no recency update). */
  readonly #cache: BoundedMap<string, BearerEntry>;

  /** @param options - keys, strategy, session manager, expected issuer and audience, cache bound, clock. */
  constructor(private readonly options: BearerSessionsOptions) {
    this.#cache = new BoundedMap({ maxEntries: options.maxEntries });
  }

  /**
   * The session of an `Authorization` header, synchronously on a cache hit.
   *
   * @param header - the `Authorization` header value.
   * @returns the session, null (not a Bearer header, or no valid token or live session), or a promise of either.
   */
  resolve(header: string): Session | null | Promise<Session | null> {
    if (header.length < 8 || header.slice(0, 7).toLowerCase() !== 'bearer ') return null;
    const token = header.slice(7).trim();
    const hit = this.#cache.get(cacheKey(token));
    const now = this.options.clock();
    if (hit && hit.token === token && now < hit.checkUntil && now < hit.exp) {
      // Bearer use keeps the session alive like cookie use (server strategy, once a minute).
      hit.session = this.options.sessions.keepAlive(hit.session);
      return hit.session;
    }
    return this.#verify(token, now);
  }

  async #verify(token: string, now: number): Promise<Session | null> {
    const { keyring, strategy, sessions, issuer, audience } = this.options;
    const claims = await (await keyring()).verifyAccessToken(token, { issuer, audience, now });
    if (!claims || typeof claims.sid !== 'string' || typeof claims.exp !== 'number') return null;
    const s = claims.ses as (Omit<Session, 'id' | 'data'> & { data?: undefined }) | undefined;
    if (!s || typeof s !== 'object' || typeof s.user?.id !== 'string' || s.user.id !== claims.sub) return null;
    let session: Session = { ...s, id: claims.sid, data: {} };
    // The token is bound to a live session: logout, revocation and expiry end it too.
    const live = await strategy.resolveById(session.id, now);
    if (live === null) return null;
    if (live !== undefined) session = live;
    if (strategy.isRevoked(session) || !(now < session.idleExpiresAt && now < session.absoluteExpiresAt)) return null;
    session = sessions.keepAlive(session);
    this.#cache.set(cacheKey(token), { token, session, checkUntil: now + BEARER_RECHECK_MS, exp: claims.exp * 1000 });
    return session;
  }

  /**
   * Forgets the cached tokens of these sessions.
   *
   * @param ids - session ids.
   */
  drop(ids: readonly string[]): void {
    const set = new Set(ids);
    for (const [k, v] of this.#cache) if (set.has(v.session.id)) this.#cache.delete(k);
  }

  /**
   * Forgets the cached tokens of the sessions a revocation selector names.
   *
   * @param selector - a user, an issuer and `sid`, or an issuer and subject.
   */
  purge(selector: RevokeSelector): void {
    for (const [k, v] of this.#cache) {
      if (matchesSelector(v.session, selector)) this.#cache.delete(k);
    }
  }
}

/**
 * The session of a request's raw headers: the session cookie, and when it names no live session,
 * the Bearer token. Synchronous when the caches know the value.
 *
 * @param sessions - the session manager (cookie sessions).
 * @param bearer - the Bearer token sessions.
 * @param cookieHeader - the `Cookie` header.
 * @param authorizationHeader - the `Authorization` header.
 * @returns the session or null, or a promise of either.
 * @throws LatchkeyError `STORAGE_UNAVAILABLE` (rejected promise) when the store fails.
 */
export function authenticateRequest(
  sessions: SessionManager,
  bearer: BearerSessions,
  cookieHeader: string | null | undefined,
  authorizationHeader?: string | null,
): Session | null | Promise<Session | null> {
  const fromCookie = sessions.lookup(cookieHeader);
  if (!authorizationHeader) return fromCookie;
  // A cookie that names no live session (stale, expired, from an old deployment) must not hide
  // a valid Bearer token: fall back to the token, synchronously or once the lookup settles.
  if (fromCookie === null) return bearer.resolve(authorizationHeader);
  if (fromCookie instanceof Promise) return fromCookie.then((s) => s ?? bearer.resolve(authorizationHeader));
  return fromCookie;
}
