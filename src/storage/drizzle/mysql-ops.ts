/**
 * The MySQL and MariaDB queries of the Drizzle stores (`drizzle-orm/mysql-core` on `mysql2`). No
 * `RETURNING`: a write that reads back does so in the same transaction, and the affected-row count
 * says whether a compare-and-set applied; `FOR UPDATE` row locks in the unlink transaction.
 *
 * @module
 */
import { and, asc, type BuildColumns, eq, inArray } from 'drizzle-orm';
import type { MySqlDatabase, MySqlTableWithColumns, PreparedQueryHKTBase } from 'drizzle-orm/mysql-core';
import type { MySql2QueryResultHKT } from 'drizzle-orm/mysql2';
import { accountAtVersion, cappedIdleExpiry, nextVersion, sessionsExpired, sessionsMatching } from './conditions.js';
import type { latchkeyAccounts, latchkeySessions, latchkeyUserColumns } from './mysql.js';
import type { DrizzleOps, UnlinkOutcome, UserRow } from './ops.js';

/** A MySQL users table with the Latchkey columns (and any of the app's own). */
export type MySqlUsersTable = MySqlTableWithColumns<{
  name: string;
  schema: string | undefined;
  columns: BuildColumns<string, ReturnType<typeof latchkeyUserColumns>, 'mysql'>;
  dialect: 'mysql';
}>;
/** A MySQL accounts table made by `latchkeyAccounts`. */
export type MySqlAccountsTable = ReturnType<typeof latchkeyAccounts<string>>;
/** A MySQL sessions table made by `latchkeySessions`. */
export type MySqlSessionsTable = ReturnType<typeof latchkeySessions<string>>;
/** The app's MySQL Drizzle database (`drizzle(pool)` from `drizzle-orm/mysql2`). */
export type MySqlDb = MySqlDatabase<MySql2QueryResultHKT, PreparedQueryHKTBase, Record<string, unknown>>;

/** The tables of a MySQL store. */
export interface MySqlTables {
  readonly users: MySqlUsersTable;
  readonly accounts: MySqlAccountsTable;
  readonly sessions: MySqlSessionsTable;
}

/** The affected-row count of a mysql2 write (`[ResultSetHeader, fields]`). */
function affected(result: unknown): number {
  const header = (Array.isArray(result) ? result[0] : result) as { affectedRows?: unknown } | undefined;
  return typeof header?.affectedRows === 'number' ? header.affectedRows : 0;
}

/**
 * The queries on MySQL and MariaDB.
 *
 * @param db - the app's database.
 * @param tables - the app's tables.
 * @returns the queries.
 */
export function mysqlOps(db: MySqlDb, { users, accounts, sessions }: MySqlTables): DrizzleOps {
  const first = <T>(rows: T[]): T | undefined => rows[0];
  const userById = async (id: string) => first(await db.select().from(users).where(eq(users.id, id)).limit(1));
  return {
    userById,
    userByEmailLower: async (emailLower) => first(await db.select().from(users).where(eq(users.emailLower, emailLower)).limit(1)),
    async updateUser(id, set) {
      await db.update(users).set(set).where(eq(users.id, id));
      return userById(id);
    },
    async insertUserWithAccount(user, account) {
      await db.transaction(async (tx) => {
        await tx.insert(users).values(user as UserRow & typeof users.$inferInsert);
        await tx.insert(accounts).values(account);
      });
    },
    accountByIdentity: async (issuer, subject) =>
      first(
        await db
          .select()
          .from(accounts)
          .where(and(eq(accounts.issuer, issuer), eq(accounts.subject, subject)))
          .limit(1),
      ),
    accountById: async (id) => first(await db.select().from(accounts).where(eq(accounts.id, id)).limit(1)),
    accountsOfUser: (userId) => db.select().from(accounts).where(eq(accounts.userId, userId)).orderBy(asc(accounts.createdAt), asc(accounts.id)),
    async insertAccount(account) {
      await db.insert(accounts).values(account);
    },
    unlinkAccount: (userId, accountId) =>
      db.transaction(async (tx): Promise<UnlinkOutcome> => {
        const owner = await tx.select({ id: users.id }).from(users).where(eq(users.id, userId)).for('update');
        if (owner.length === 0) return 'not-linked';
        const linked = await tx.select({ id: accounts.id, providerId: accounts.providerId }).from(accounts).where(eq(accounts.userId, userId)).for('update');
        const target = linked.find((a) => a.id === accountId);
        if (!target) return 'not-linked';
        if (linked.length <= 1) return { lastOf: target.providerId };
        await tx.delete(accounts).where(and(eq(accounts.id, accountId), eq(accounts.userId, userId)));
        return 'unlinked';
      }),
    updateTokens: (accountId, set, expectedVersion) =>
      db.transaction(async (tx) => {
        const result = await tx
          .update(accounts)
          .set({ ...set, tokenVersion: nextVersion(accounts) })
          .where(accountAtVersion(accounts, accountId, expectedVersion));
        if (affected(result) === 0) return undefined;
        return first(await tx.select().from(accounts).where(eq(accounts.id, accountId)).limit(1));
      }),
    async insertSession(session) {
      await db.insert(sessions).values(session);
    },
    sessionById: async (id) => first(await db.select().from(sessions).where(eq(sessions.id, id)).limit(1)),
    async touchSession(id, idle) {
      await db
        .update(sessions)
        .set({ idleExpiresAt: cappedIdleExpiry(sessions, idle) })
        .where(eq(sessions.id, id));
    },
    sessionsOfUser: (userId) => db.select().from(sessions).where(eq(sessions.userId, userId)).orderBy(asc(sessions.createdAt)),
    deleteSession: async (id) => affected(await db.delete(sessions).where(eq(sessions.id, id))),
    async deleteSessions(filter) {
      const rows = await db
        .select({ id: sessions.id, idleExpiresAt: sessions.idleExpiresAt, absoluteExpiresAt: sessions.absoluteExpiresAt })
        .from(sessions)
        .where(sessionsMatching(sessions, filter));
      if (rows.length === 0) return [];
      // Delete exactly the rows found: a session created meanwhile (a new login) survives.
      await db.delete(sessions).where(
        inArray(
          sessions.id,
          rows.map((r) => r.id),
        ),
      );
      return rows;
    },
    sweepSessions: async (now) => affected(await db.delete(sessions).where(sessionsExpired(sessions, now))),
  };
}
