/**
 * The server-side session strategy: the cookie holds 32 random bytes; the store keeps the session
 * under base64url(SHA-256(cookie id)), so a leaked store does not yield usable cookies. Revocation
 * is a store delete, seen at once by this process and, through `onRevoked` (or the cache's
 * revalidation interval), by the others. The ID token kept for RP-initiated logout is encrypted at
 * rest with the token cipher (AES-256-GCM, bound to the session's store key), as provider tokens are.
 *
 * @module
 */
import { SessionError } from '../../errors.js';
import { base64url, randomToken, sha256 } from '../../internal/encoding.js';
import type { TokenCipher } from '../../storage/token-cipher.js';
import type { SessionRecord, SessionStore } from '../../storage/types.js';
import type { NewSession, RevokeSelector, Session, SessionStrategy, SessionUser } from './types.js';

const COOKIE_ID = /^[A-Za-z0-9_-]{43}$/;

/** Options of {@link ServerSessionStrategy}. */
export interface ServerSessionOptions {
  readonly store: SessionStore;
  /**
   * Encrypts the session's ID token at rest (the app's secrets, newest first, as for provider
   * tokens). Without it the ID token is not stored at all (RP-initiated logout then goes without
   * `id_token_hint`); it is never stored in clear.
   */
  readonly idTokenCipher?: TokenCipher;
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
      data: {
        user: session.user,
        app: session.data,
        ...(session.device !== undefined ? { device: session.device } : {}),
        ...(session.browserSession === true ? { browserSession: true } : {}),
        ...(await this.#sealIdToken(session)),
      },
    };
    await this.options.store.create(record);
    return { session, cookieValue };
  }

  async resolve(cookieValue: string, now: number): Promise<Session | null> {
    if (!COOKIE_ID.test(cookieValue)) return null;
    return this.#toSession(await this.options.store.get(await sessionStoreKey(cookieValue)), now);
  }

  async #sealIdToken(session: Session): Promise<{ idTokenSealed?: string }> {
    const cipher = this.options.idTokenCipher;
    if (session.idToken === undefined || !cipher) return {};
    return { idTokenSealed: (await cipher.encrypt(session.idToken, idTokenContext(session.id))).ciphertext };
  }

  /**
   * The ID token of a stored session: decrypted; a row written before encryption (clear
   * `idToken`) is still read as it is, until that session expires; one that does not decrypt
   * (its secret retired, or the value moved from another row) is dropped, the session kept.
   */
  async #openIdToken(r: SessionRecord): Promise<string | undefined> {
    const sealed = r.data.idTokenSealed;
    if (typeof sealed === 'string') {
      if (!this.options.idTokenCipher) return undefined;
      return this.options.idTokenCipher.decrypt(sealed, idTokenContext(r.id)).catch(() => undefined);
    }
    return typeof r.data.idToken === 'string' ? r.data.idToken : undefined;
  }

  async #toSession(r: SessionRecord | null, now: number): Promise<Session | null> {
    const session = withoutIdToken(r, now);
    if (session === null) return null;
    const idToken = await this.#openIdToken(r!);
    return idToken !== undefined ? { ...session, idToken } : session;
  }

  /**
   * The live sessions of a user, without their ID tokens (nothing here needs them).
   *
   * @param userId - the user.
   * @param now - epoch ms.
   * @returns the sessions, as the store lists them.
   * @throws SessionError `SESSIONS_UNSUPPORTED` when the store has no `listByUser`; StorageError.
   */
  async listByUser(userId: string, now: number): Promise<readonly Session[]> {
    const store = this.options.store;
    if (typeof store.listByUser !== 'function') {
      throw new SessionError('SESSIONS_UNSUPPORTED', 'The session store has no `listByUser`, so the sessions of a user cannot be listed.');
    }
    const out: Session[] = [];
    for (const r of await store.listByUser(userId)) {
      const s = withoutIdToken(r, now);
      // The index is the store's: a record of another user is never shown.
      if (s !== null && r.userId === userId) out.push(s);
    }
    return out;
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

/** The encryption context of a session's ID token: a sealed value copied to another row does not open. */
function idTokenContext(sessionId: string): string {
  return `session-id-token:${sessionId}`;
}

/** A stored session as the app sees it, without its ID token; null when expired or malformed. */
function withoutIdToken(r: SessionRecord | null, now: number): Session | null {
  if (!r || !(now < r.idleExpiresAt && now < r.absoluteExpiresAt)) return null;
  const user = r.data.user as SessionUser | undefined;
  if (!user || typeof user.id !== 'string') return null;
  const device = r.data.device;
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
    ...(typeof device === 'string' ? { device } : {}),
    ...(r.data.browserSession === true ? { browserSession: true as const } : {}),
  };
}
