/**
 * The SQLite queries of the Drizzle stores (`drizzle-orm/sqlite-core` on better-sqlite3, or another
 * synchronous driver). Queries run synchronously, so a transaction is a synchronous function (as
 * better-sqlite3 requires) and serializes with every other write of the process; `RETURNING` for
 * the writes that read back.
 *
 * @module
 */
import { and, asc, type BuildColumns, eq, sql } from 'drizzle-orm';
import type { BaseSQLiteDatabase, SQLiteTableWithColumns } from 'drizzle-orm/sqlite-core';
import { accountAtVersion, cappedIdleExpiry, nextVersion, sessionsExpired, sessionsMatching } from './conditions.js';
import type { DrizzleOps, UnlinkOutcome, UserRow } from './ops.js';
import type { latchkeyAccounts, latchkeySessions, latchkeyUserColumns } from './sqlite.js';

/** A SQLite users table with the Latchkey columns (and any of the app's own). */
export type SqliteUsersTable = SQLiteTableWithColumns<{
  name: string;
  schema: string | undefined;
  columns: BuildColumns<string, ReturnType<typeof latchkeyUserColumns>, 'sqlite'>;
  dialect: 'sqlite';
}>;
/** A SQLite accounts table made by `latchkeyAccounts`. */
export type SqliteAccountsTable = ReturnType<typeof latchkeyAccounts<string>>;
/** A SQLite sessions table made by `latchkeySessions`. */
export type SqliteSessionsTable = ReturnType<typeof latchkeySessions<string>>;
/** The app's SQLite Drizzle database (`drizzle(sqlite)` from `drizzle-orm/better-sqlite3`). */
export type SqliteDb = BaseSQLiteDatabase<'sync', unknown, Record<string, unknown>>;

/** The tables of a SQLite store. */
export interface SqliteTables {
  readonly users: SqliteUsersTable;
  readonly accounts: SqliteAccountsTable;
  readonly sessions: SqliteSessionsTable;
}

/** The changed-row count of a synchronous write (better-sqlite3's `RunResult`). */
function changes(result: unknown): number {
  const r = result as { changes?: unknown } | undefined;
  return typeof r?.changes === 'number' ? r.changes : 0;
}

/**
 * The queries on SQLite.
 *
 * @param db - the app's database.
 * @param tables - the app's tables.
 * @returns the queries.
 */
export function sqliteOps(db: SqliteDb, { users, accounts, sessions }: SqliteTables): DrizzleOps {
  // The lookups of every signed-in request and sign-in, prepared once (building a query costs
  // more than running it on SQLite).
  const byId = { id: sql.placeholder('id') };
  const userById = db.select().from(users).where(eq(users.id, byId.id)).prepare();
  const sessionById = db.select().from(sessions).where(eq(sessions.id, byId.id)).prepare();
  const accountByIdentity = db
    .select()
    .from(accounts)
    .where(and(eq(accounts.issuer, sql.placeholder('issuer')), eq(accounts.subject, sql.placeholder('subject'))))
    .prepare();
  return {
    userById: async (id) => userById.get({ id }),
    userByEmailLower: async (emailLower) => db.select().from(users).where(eq(users.emailLower, emailLower)).get(),
    updateUser: async (id, set) => db.update(users).set(set).where(eq(users.id, id)).returning().get(),
    async insertUserWithAccount(user, account) {
      db.transaction((tx) => {
        tx.insert(users)
          .values(user as UserRow & typeof users.$inferInsert)
          .run();
        tx.insert(accounts).values(account).run();
      });
    },
    accountByIdentity: async (issuer, subject) => accountByIdentity.get({ issuer, subject }),
    accountById: async (id) => db.select().from(accounts).where(eq(accounts.id, id)).get(),
    accountsOfUser: async (userId) => db.select().from(accounts).where(eq(accounts.userId, userId)).orderBy(asc(accounts.createdAt), asc(accounts.id)).all(),
    async insertAccount(account) {
      db.insert(accounts).values(account).run();
    },
    unlinkAccount: async (userId, accountId) =>
      db.transaction((tx): UnlinkOutcome => {
        if (!tx.select({ id: users.id }).from(users).where(eq(users.id, userId)).get()) return 'not-linked';
        const linked = tx.select({ id: accounts.id, providerId: accounts.providerId }).from(accounts).where(eq(accounts.userId, userId)).all();
        const target = linked.find((a) => a.id === accountId);
        if (!target) return 'not-linked';
        if (linked.length <= 1) return { lastOf: target.providerId };
        tx.delete(accounts)
          .where(and(eq(accounts.id, accountId), eq(accounts.userId, userId)))
          .run();
        return 'unlinked';
      }),
    updateTokens: async (accountId, set, expectedVersion) =>
      db
        .update(accounts)
        .set({ ...set, tokenVersion: nextVersion(accounts) })
        .where(accountAtVersion(accounts, accountId, expectedVersion))
        .returning()
        .get(),
    async insertSession(session) {
      db.insert(sessions).values(session).run();
    },
    sessionById: async (id) => sessionById.get({ id }),
    async touchSession(id, idle) {
      db.update(sessions)
        .set({ idleExpiresAt: cappedIdleExpiry(sessions, idle) })
        .where(eq(sessions.id, id))
        .run();
    },
    sessionsOfUser: async (userId) => db.select().from(sessions).where(eq(sessions.userId, userId)).orderBy(asc(sessions.createdAt)).all(),
    deleteSession: async (id) => changes(db.delete(sessions).where(eq(sessions.id, id)).run()),
    deleteSessions: async (filter) =>
      db
        .delete(sessions)
        .where(sessionsMatching(sessions, filter))
        .returning({ id: sessions.id, idleExpiresAt: sessions.idleExpiresAt, absoluteExpiresAt: sessions.absoluteExpiresAt })
        .all(),
    sweepSessions: async (now) => changes(db.delete(sessions).where(sessionsExpired(sessions, now)).run()),
  };
}
