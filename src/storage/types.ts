/**
 * The storage interfaces: users, linked provider accounts and server-side sessions. Latchkey ships
 * a memory store, a SQL store (SQLite, PostgreSQL, MySQL/MariaDB through Kysely) and a Redis
 * session store; an app can implement these interfaces for its own ORM.
 *
 * Every method either succeeds or throws: a `StorageError` with code `STORAGE_UNAVAILABLE` when the
 * backend cannot be reached (the app layer answers 503), `STORAGE_CONFLICT` on a lost race that the
 * caller should retry. Implementations never log or expose token values.
 *
 * @module
 */

/** A local user. */
export interface User {
  readonly id: string;
  readonly email: string | null;
  readonly emailVerified: boolean;
  readonly name: string | null;
  readonly image: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** The provider tokens kept for an account (encrypted at rest by the SQL store). */
export interface AccountTokens {
  readonly accessToken?: string;
  readonly refreshToken?: string;
  readonly idToken?: string;
  readonly tokenType?: 'Bearer' | 'DPoP';
  /** Access token expiry, epoch milliseconds. */
  readonly expiresAt?: number;
}

/** A provider identity linked to a user, keyed by unique (issuer, subject). */
export interface Account {
  readonly id: string;
  readonly userId: string;
  /** The configured provider id, e.g. `google`. */
  readonly providerId: string;
  readonly issuer: string;
  readonly subject: string;
  /** Scopes granted at the last sign-in or refresh. */
  readonly scopes: readonly string[];
  readonly tokens: AccountTokens | null;
  /** Set when a refresh failed with `invalid_grant`: the user must consent again. */
  readonly needsReauth: boolean;
  /** Incremented on every token write; used for compare-and-set by the token vault. */
  readonly tokenVersion: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** Fields for a new user. */
export interface NewUser {
  readonly email: string | null;
  readonly emailVerified: boolean;
  readonly name: string | null;
  readonly image: string | null;
}

/** Fields for a new account link. */
export interface NewAccount {
  readonly providerId: string;
  readonly issuer: string;
  readonly subject: string;
  readonly scopes: readonly string[];
  readonly tokens: AccountTokens | null;
}

/** Users and their linked accounts. */
export interface UserStore {
  getUser(id: string): Promise<User | null>;
  /** Case-insensitive lookup. */
  getUserByEmail(email: string): Promise<User | null>;
  updateUser(id: string, patch: Partial<NewUser>): Promise<User>;
  getAccount(issuer: string, subject: string): Promise<Account | null>;
  getAccountById(id: string): Promise<Account | null>;
  listAccounts(userId: string): Promise<Account[]>;
  /**
   * Creates a user and its first account in one transaction. If the (issuer, subject) already
   * exists (a concurrent first login won the race), creates nothing and returns the existing
   * user and account: two simultaneous first logins leave exactly one user. At most one user has
   * a given (case-insensitive) email: when another user already has it, throws `StorageError`
   * `STORAGE_CONFLICT` (the linking policy then re-reads and decides).
   */
  createUserWithAccount(user: NewUser, account: NewAccount): Promise<{ user: User; account: Account; created: boolean }>;
  /** Links an identity to an existing user; `ACCOUNT_ALREADY_LINKED` if it belongs to another user. */
  linkAccount(userId: string, account: NewAccount): Promise<Account>;
  /** Removes a link; `LAST_LOGIN_METHOD` if it is the user's only account. */
  unlinkAccount(userId: string, accountId: string): Promise<void>;
  /**
   * Stores tokens for an account. With `expectedVersion`, writes only if the stored `tokenVersion`
   * still equals it (compare-and-set) and returns null when it does not.
   */
  updateAccountTokens(
    accountId: string,
    update: { tokens: AccountTokens | null; scopes?: readonly string[]; needsReauth?: boolean },
    expectedVersion?: number,
  ): Promise<Account | null>;
  /** Releases connections. */
  close?(): Promise<void>;
}

/** A server-side session. The id stored is the SHA-256 of the cookie's random id, never the id itself. */
export interface SessionRecord {
  /** The storage key: base64url(SHA-256(cookie session id)). */
  readonly id: string;
  readonly userId: string;
  /** The provider the session was made with, and the identity behind it. */
  readonly providerId: string;
  readonly issuer: string;
  readonly subject: string;
  /** The provider session id from the ID token `sid`, for back-channel logout. */
  readonly sid?: string;
  /** Epoch ms. */
  readonly createdAt: number;
  /** Epoch ms; idle expiry, moved forward on use. */
  readonly idleExpiresAt: number;
  /** Epoch ms; never moved. */
  readonly absoluteExpiresAt: number;
  /** Small app data: the user snapshot shown by `/auth/session`, the ID token hint for logout. */
  readonly data: Readonly<Record<string, unknown>>;
}

/**
 * What must be remembered across every instance of an app, with a lifetime: the one-time values a
 * replay would reuse (a callback's `state`, a back-channel logout token's `jti`) and the
 * revocations of sessions no store holds (the cookie strategy). Kept by a shared store (Redis,
 * PostgreSQL, MySQL/MariaDB, SQLite); without one, each process keeps its own.
 *
 * Keys arrive hashed (base64url SHA-256, 43 characters): a store never sees a `state`, a `jti`, an
 * issuer or a user id.
 */
export interface ReplayStore {
  /**
   * Records `key` in `scope` until `expiresAt` (epoch ms), atomically across processes.
   *
   * @returns true when this call recorded it, false when it was recorded already and has not expired.
   * @throws StorageError `STORAGE_UNAVAILABLE`.
   */
  remember(scope: ReplayScope, key: string, expiresAt: number): Promise<boolean>;
  /**
   * Records that the sessions a selector names (a session, a user, an identity, a provider session)
   * created at or before `at` are revoked, until `until` (epoch ms; when they would have expired).
   *
   * @throws StorageError `STORAGE_UNAVAILABLE`.
   */
  revoke(selector: string, at: number, until: number): Promise<void>;
  /**
   * The latest revocation instant recorded for any of `selectors` and not yet expired, or null.
   *
   * @throws StorageError `STORAGE_UNAVAILABLE`.
   */
  revokedAt(selectors: readonly string[]): Promise<number | null>;
  /**
   * Optional: counts one hit on `key` and returns the hits counted since the key's first hit, the
   * key forgotten `windowMs` after that first hit (the rate limits of the auth routes, shared by
   * every instance; the caller puts the window in the key). Atomic across processes.
   *
   * @throws StorageError `STORAGE_UNAVAILABLE`.
   */
  hit?(key: string, windowMs: number): Promise<number>;
}

/** What a {@link ReplayStore} remembers once: a callback's `state`, a logout token's `jti`. */
export type ReplayScope = 'state' | 'logout-jti';

/** Server-side sessions, with the indexes logout needs. */
export interface SessionStore {
  create(session: SessionRecord): Promise<void>;
  /** Returns the session, or null when absent or expired. */
  get(id: string): Promise<SessionRecord | null>;
  /** Moves the idle expiry forward. */
  touch(id: string, idleExpiresAt: number): Promise<void>;
  delete(id: string): Promise<void>;
  /** "Log out everywhere": deletes every session of a user; returns the deleted ids. */
  deleteByUser(userId: string): Promise<string[]>;
  /** Back-channel logout by `sid` (Back-Channel Logout 1.0 §2.7). */
  deleteBySid(issuer: string, sid: string): Promise<string[]>;
  /** Back-channel logout by `sub`: every session of that identity. */
  deleteBySubject(issuer: string, subject: string): Promise<string[]>;
  /**
   * Optional: the live (unexpired) sessions of a user, through the same per-user index as
   * {@link SessionStore.deleteByUser}, for the user's list of devices (`GET /auth/sessions`).
   * Without it that list answers `SESSIONS_UNSUPPORTED`.
   */
  listByUser?(userId: string): Promise<SessionRecord[]>;
  /**
   * Optional: subscribe to revocations made by other processes (Redis pub/sub, PostgreSQL
   * LISTEN/NOTIFY), so in-process caches drop revoked sessions at once. Returns an unsubscribe.
   */
  onRevoked?(listener: (ids: readonly string[]) => void): Promise<() => Promise<void>>;
  /**
   * Optional: the replay memories and cookie-session revocations kept in the same server, used by
   * `createAuth` when `store.replay` is not given (Redis and SQL stores have one).
   */
  readonly replay?: ReplayStore;
  close?(): Promise<void>;
}
