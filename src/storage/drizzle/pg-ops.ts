/**
 * The PostgreSQL queries of the Drizzle stores (`drizzle-orm/pg-core`; any PostgreSQL driver Drizzle
 * supports, tested with node-postgres): `RETURNING` for the writes that read back, `FOR UPDATE`
 * row locks in the unlink transaction.
 *
 * @module
 */
import { and, asc, type BuildColumns, eq, getTableName, sql } from 'drizzle-orm';
import type { PgDatabase, PgQueryResultHKT, PgTableWithColumns } from 'drizzle-orm/pg-core';
import { accountAtVersion, cappedIdleExpiry, nextVersion, sessionsExpired, sessionsMatching } from './conditions.js';
import type { AccountRow, DrizzleOps, UnlinkOutcome, UserRow } from './ops.js';
import type { latchkeyAccounts, latchkeySessions, latchkeyUserColumns } from './pg.js';

/** A PostgreSQL users table with the Latchkey columns (and any of the app's own). */
export type PgUsersTable = PgTableWithColumns<{
  name: string;
  schema: string | undefined;
  columns: BuildColumns<string, ReturnType<typeof latchkeyUserColumns>, 'pg'>;
  dialect: 'pg';
}>;
/** A PostgreSQL accounts table made by `latchkeyAccounts`. */
export type PgAccountsTable = ReturnType<typeof latchkeyAccounts<string>>;
/** A PostgreSQL sessions table made by `latchkeySessions`. */
export type PgSessionsTable = ReturnType<typeof latchkeySessions<string>>;
/** The app's PostgreSQL Drizzle database (`drizzle(pool)` from `drizzle-orm/node-postgres`, or another driver). */
export type PgDb = PgDatabase<PgQueryResultHKT, Record<string, unknown>>;

/** The tables of a PostgreSQL store. */
export interface PgTables {
  readonly users: PgUsersTable;
  readonly accounts: PgAccountsTable;
  readonly sessions: PgSessionsTable;
}

/**
 * The queries on PostgreSQL.
 *
 * @param db - the app's database.
 * @param tables - the app's tables.
 * @returns the queries.
 */
export function pgOps(db: PgDb, { users, accounts, sessions }: PgTables): DrizzleOps {
  const first = <T>(rows: T[]): T | undefined => rows[0];
  // The lookups of every signed-in request and sign-in, as named prepared statements (parsed once
  // per connection); the names carry the table names, so two schemas never share one.
  const name = (what: string, table: Parameters<typeof getTableName>[0]) => `lk_${what}_${getTableName(table)}`.slice(0, 63);
  const userById = db
    .select()
    .from(users)
    .where(eq(users.id, sql.placeholder('id')))
    .limit(1)
    .prepare(name('user', users));
  const sessionById = db
    .select()
    .from(sessions)
    .where(eq(sessions.id, sql.placeholder('id')))
    .limit(1)
    .prepare(name('session', sessions));
  const accountByIdentity = db
    .select()
    .from(accounts)
    .where(and(eq(accounts.issuer, sql.placeholder('issuer')), eq(accounts.subject, sql.placeholder('subject'))))
    .limit(1)
    .prepare(name('identity', accounts));
  return {
    userById: async (id) => first(await userById.execute({ id })),
    userByEmailLower: async (emailLower) => first(await db.select().from(users).where(eq(users.emailLower, emailLower)).limit(1)),
    updateUser: async (id, set) => first(await db.update(users).set(set).where(eq(users.id, id)).returning()),
    async insertUserWithAccount(user, account) {
      await db.transaction(async (tx) => {
        await tx.insert(users).values(user as UserRow & typeof users.$inferInsert);
        await tx.insert(accounts).values(account);
      });
    },
    accountByIdentity: async (issuer, subject) => first(await accountByIdentity.execute({ issuer, subject })),
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
    updateTokens: async (accountId, set, expectedVersion): Promise<AccountRow | undefined> =>
      first(
        await db
          .update(accounts)
          .set({ ...set, tokenVersion: nextVersion(accounts) })
          .where(accountAtVersion(accounts, accountId, expectedVersion))
          .returning(),
      ),
    async insertSession(session) {
      await db.insert(sessions).values(session);
    },
    sessionById: async (id) => first(await sessionById.execute({ id })),
    async touchSession(id, idle) {
      await db
        .update(sessions)
        .set({ idleExpiresAt: cappedIdleExpiry(sessions, idle) })
        .where(eq(sessions.id, id));
    },
    sessionsOfUser: (userId) => db.select().from(sessions).where(eq(sessions.userId, userId)).orderBy(asc(sessions.createdAt)),
    deleteSession: async (id) => (await db.delete(sessions).where(eq(sessions.id, id)).returning({ id: sessions.id })).length,
    deleteSessions: (filter) =>
      db
        .delete(sessions)
        .where(sessionsMatching(sessions, filter))
        .returning({ id: sessions.id, idleExpiresAt: sessions.idleExpiresAt, absoluteExpiresAt: sessions.absoluteExpiresAt }),
    sweepSessions: async (now) => (await db.delete(sessions).where(sessionsExpired(sessions, now)).returning({ id: sessions.id })).length,
  };
}
