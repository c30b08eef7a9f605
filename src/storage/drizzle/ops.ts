/**
 * What the Drizzle stores ask of a dialect: the rows as Drizzle returns them (the keys of the
 * Latchkey columns, `Date` times, `boolean` flags, on every dialect) and the few queries that differ
 * between PostgreSQL, MySQL/MariaDB and SQLite (transactions, row locks, `RETURNING`). The policy
 * (ids, email normalization, token encryption, conflicts, expiry) is in `user-store.ts` and
 * `session-store.ts`, once for all three. Driver errors pass through untouched; the runner maps them.
 *
 * @module
 */

/** A users row: the Latchkey columns, and whatever columns of its own the app added. */
export interface UserRow {
  readonly id: string;
  readonly email: string | null;
  readonly emailLower: string | null;
  readonly emailVerified: boolean;
  readonly name: string | null;
  readonly image: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly [column: string]: unknown;
}

/** An accounts row. */
export interface AccountRow {
  readonly id: string;
  readonly userId: string;
  readonly providerId: string;
  readonly issuer: string;
  readonly subject: string;
  readonly scopes: string;
  readonly tokensEnc: string | null;
  readonly tokenKeyId: string | null;
  readonly tokenExpiresAt: Date | null;
  readonly needsReauth: boolean;
  readonly tokenVersion: number;
  readonly createdAt: Date;
  readonly updatedAt: Date;
}

/** A sessions row. */
export interface SessionRow {
  readonly id: string;
  readonly userId: string;
  readonly providerId: string;
  readonly issuer: string;
  readonly subject: string;
  readonly sid: string | null;
  readonly createdAt: Date;
  readonly idleExpiresAt: Date;
  readonly absoluteExpiresAt: Date;
  readonly data: string;
}

/** The columns a token write sets. */
export interface TokenWrite {
  readonly tokensEnc: string | null;
  readonly tokenKeyId: string | null;
  readonly tokenExpiresAt: Date | null;
  readonly needsReauth: boolean;
  readonly updatedAt: Date;
  readonly scopes?: string;
}

/** The outcome of an unlink, decided inside its transaction. */
export type UnlinkOutcome = 'unlinked' | 'not-linked' | { readonly lastOf: string };

/** Which sessions a logout deletes. */
export type SessionFilter =
  | { readonly userId: string }
  | { readonly issuer: string; readonly sid: string }
  | { readonly issuer: string; readonly subject: string };

/** A deleted session's id and expiry (only live ones are reported as revoked). */
export interface DeletedSession {
  readonly id: string;
  readonly idleExpiresAt: Date;
  readonly absoluteExpiresAt: Date;
}

/** The queries of one dialect over the app's `db` and tables. */
export interface DrizzleOps {
  userById(id: string): Promise<UserRow | undefined>;
  userByEmailLower(emailLower: string): Promise<UserRow | undefined>;
  /** Updates the user and reads it back (undefined when it is gone). */
  updateUser(id: string, set: Readonly<Record<string, unknown>>): Promise<UserRow | undefined>;
  /** Inserts the user and its first account in one transaction. */
  insertUserWithAccount(user: UserRow, account: AccountRow): Promise<void>;
  accountByIdentity(issuer: string, subject: string): Promise<AccountRow | undefined>;
  accountById(id: string): Promise<AccountRow | undefined>;
  /** Oldest first. */
  accountsOfUser(userId: string): Promise<AccountRow[]>;
  insertAccount(account: AccountRow): Promise<void>;
  /**
   * In one transaction, the user's row and accounts locked (PostgreSQL, MySQL): deletes the account
   * unless it is not the user's or is the user's last.
   */
  unlinkAccount(userId: string, accountId: string): Promise<UnlinkOutcome>;
  /** Writes tokens and increments `tokenVersion`; with `expectedVersion`, only if it still matches. */
  updateTokens(accountId: string, set: TokenWrite, expectedVersion: number | undefined): Promise<AccountRow | undefined>;
  insertSession(session: SessionRow): Promise<void>;
  sessionById(id: string): Promise<SessionRow | undefined>;
  /** Sets the idle expiry, never past the absolute one. */
  touchSession(id: string, idleExpiresAt: Date): Promise<void>;
  /** The user's sessions (expired ones included; the store filters them), oldest first. */
  sessionsOfUser(userId: string): Promise<SessionRow[]>;
  /** @returns how many rows were deleted. */
  deleteSession(id: string): Promise<number>;
  /** Deletes the matching sessions; @returns the deleted rows. */
  deleteSessions(filter: SessionFilter): Promise<DeletedSession[]>;
  /** Deletes sessions past either expiry; @returns how many. */
  sweepSessions(now: Date): Promise<number>;
}
