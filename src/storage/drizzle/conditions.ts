/**
 * The conditions and expressions the three dialects' queries share, built with Drizzle's operators
 * over the Latchkey columns (whatever the dialect, a column is a Drizzle `Column`).
 *
 * @module
 */
import { and, type Column, eq, lte, or, type SQL, sql } from 'drizzle-orm';
import type { SessionFilter } from './ops.js';

/** The session columns the conditions name. */
export interface SessionColumns {
  readonly userId: Column;
  readonly issuer: Column;
  readonly subject: Column;
  readonly sid: Column;
  readonly idleExpiresAt: Column;
  readonly absoluteExpiresAt: Column;
}

/**
 * Which sessions a logout deletes.
 *
 * @param s - the sessions table's columns.
 * @param filter - by user, by (issuer, sid) or by (issuer, subject).
 * @returns the condition.
 */
export function sessionsMatching(s: SessionColumns, filter: SessionFilter): SQL {
  if ('userId' in filter) return eq(s.userId, filter.userId);
  if ('sid' in filter) return and(eq(s.issuer, filter.issuer), eq(s.sid, filter.sid))!;
  return and(eq(s.issuer, filter.issuer), eq(s.subject, filter.subject))!;
}

/**
 * Sessions past their idle or absolute expiry.
 *
 * @param s - the sessions table's columns.
 * @param now - the time.
 * @returns the condition.
 */
export function sessionsExpired(s: SessionColumns, now: Date): SQL {
  return or(lte(s.absoluteExpiresAt, now), lte(s.idleExpiresAt, now))!;
}

/**
 * The new idle expiry, capped by the absolute one in the same statement (`CASE`, portable).
 *
 * @param s - the sessions table's columns.
 * @param idle - the wanted idle expiry.
 * @returns the expression to set `idleExpiresAt` to.
 */
export function cappedIdleExpiry(s: SessionColumns, idle: Date): SQL {
  // Each parameter is encoded by the column, so a Date is written as that column writes it.
  const wanted = sql.param(idle, s.idleExpiresAt);
  return sql`case when ${s.absoluteExpiresAt} < ${wanted} then ${s.absoluteExpiresAt} else ${wanted} end`;
}

/** The account columns the conditions name. */
export interface AccountColumns {
  readonly id: Column;
  readonly tokenVersion: Column;
}

/**
 * The account a token write targets: by id, and with `expectedVersion` only at that version
 * (compare-and-set).
 *
 * @param a - the accounts table's columns.
 * @param accountId - the account.
 * @param expectedVersion - the version the writer read, if it compares.
 * @returns the condition.
 */
export function accountAtVersion(a: AccountColumns, accountId: string, expectedVersion: number | undefined): SQL {
  return expectedVersion === undefined ? eq(a.id, accountId) : and(eq(a.id, accountId), eq(a.tokenVersion, expectedVersion))!;
}

/**
 * `tokenVersion + 1`, for the token write.
 *
 * @param a - the accounts table's columns.
 * @returns the expression.
 */
export function nextVersion(a: AccountColumns): SQL {
  return sql`${a.tokenVersion} + 1`;
}
