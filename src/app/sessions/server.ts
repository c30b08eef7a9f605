/**
 * The server-side session strategy: the cookie holds 32 random bytes; the store keeps the session
 * under base64url(SHA-256(cookie id)), so a leaked store does not yield usable cookies. Revocation
 * is a store delete, seen at once by this process and, through `onRevoked` (or the cache's
 * revalidation interval), by the others.
 *
 * @module
 */
import { base64url, randomToken, sha256 } from '../../internal/encoding.js';
import type { SessionRecord, SessionStore } from '../../storage/types.js';
import type { NewSession, RevokeSelector, Session, SessionStrategy, SessionUser } from './types.js';

const COOKIE_ID = /^[A-Za-z0-9_-]{43}$/;

/** Options of {@link ServerSessionStrategy}. */
export interface ServerSessionOptions {
  readonly store: SessionStore;
  readonly idleTimeoutMs: number;
  readonly absoluteTimeoutMs: number;
}

/**
 * The store key of a cookie session id.
 *
 * @param cookieId - the random id from the cookie.
 * @returns base64url(SHA-256(cookieId)).
 */
export async function sessionStoreKey(cookieId: string): Promise<string> {
  return base64url(await sha256(cookieId));
}

/** Sessions in a {@link SessionStore}. */
export class ServerSessionStrategy implements SessionStrategy {
  constructor(private readonly options: ServerSessionOptions) {}

  async create(input: NewSession, now: number): Promise<{ session: Session; cookieValue: string }> {
    const cookieValue = randomToken(32);
    const session: Session = {
      ...input,
      id: await sessionStoreKey(cookieValue),
      createdAt: now,
      idleExpiresAt: Math.min(now + this.options.idleTimeoutMs, now + this.options.absoluteTimeoutMs),
      absoluteExpiresAt: now + this.options.absoluteTimeoutMs,
    };
    const record: SessionRecord = {
      id: session.id,
      userId: session.user.id,
      providerId: session.providerId,
      issuer: session.issuer,
      subject: session.subject,
      ...(session.sid !== undefined ? { sid: session.sid } : {}),
      createdAt: session.createdAt,
      idleExpiresAt: session.idleExpiresAt,
      absoluteExpiresAt: session.absoluteExpiresAt,
      data: { user: session.user, app: session.data, ...(session.idToken !== undefined ? { idToken: session.idToken } : {}) },
    };
    await this.options.store.create(record);
    return { session, cookieValue };
  }

  async resolve(cookieValue: string, now: number): Promise<Session | null> {
    if (!COOKIE_ID.test(cookieValue)) return null;
    return this.#toSession(await this.options.store.get(await sessionStoreKey(cookieValue)), now);
  }

  #toSession(r: SessionRecord | null, now: number): Session | null {
    if (!r || !(now < r.idleExpiresAt && now < r.absoluteExpiresAt)) return null;
    const user = r.data.user as SessionUser | undefined;
    if (!user || typeof user.id !== 'string') return null;
    return {
      id: r.id,
      user,
      providerId: r.providerId,
      issuer: r.issuer,
      subject: r.subject,
      ...(r.sid !== undefined ? { sid: r.sid } : {}),
      createdAt: r.createdAt,
      idleExpiresAt: r.idleExpiresAt,
      absoluteExpiresAt: r.absoluteExpiresAt,
      data: (r.data.app as Record<string, unknown> | undefined) ?? {},
      ...(typeof r.data.idToken === 'string' ? { idToken: r.data.idToken } : {}),
    };
  }

  async touch(session: Session, _cookieValue: string, now: number): Promise<undefined> {
    await this.options.store.touch(session.id, Math.min(now + this.options.idleTimeoutMs, session.absoluteExpiresAt));
    return undefined;
  }

  isRevoked(): boolean {
    return false;
  }

  /**
   * Reads a session by its store key (for access tokens bound to a session).
   *
   * @param id - the store key.
   * @returns the session, null when gone.
   */
  async resolveById(id: string, now: number): Promise<Session | null> {
    return this.#toSession(await this.options.store.get(id), now);
  }

  async destroy(session: Session): Promise<void> {
    await this.options.store.delete(session.id);
  }

  async revoke(selector: RevokeSelector): Promise<readonly string[]> {
    const s = this.options.store;
    if ('userId' in selector) return s.deleteByUser(selector.userId);
    if ('sid' in selector) return s.deleteBySid(selector.issuer, selector.sid);
    return s.deleteBySubject(selector.issuer, selector.subject);
  }

  subscribe(listener: (ids: readonly string[]) => void): Promise<() => Promise<void>> {
    return this.options.store.onRevoked ? this.options.store.onRevoked(listener) : Promise.resolve(async () => {});
  }
}
