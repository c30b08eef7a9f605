/**
 * `latchkey/storage/drizzle/sqlite`: the Latchkey columns and tables for a SQLite Drizzle schema
 * (`drizzle-orm/sqlite-core`, with better-sqlite3). Spread {@link latchkeyUserColumns} into the
 * app's own `users` table, next to its own columns, and declare the accounts and sessions tables
 * with {@link latchkeyAccounts} and {@link latchkeySessions}; `drizzle-kit generate` writes the
 * migration.
 *
 * ```ts
 * import { sqliteTable, text } from 'drizzle-orm/sqlite-core';
 * import { latchkeyAccounts, latchkeySessions, latchkeyUserColumns } from 'latchkey/storage/drizzle/sqlite';
 *
 * export const users = sqliteTable('users', { ...latchkeyUserColumns(), plan: text('plan').notNull().default('free') });
 * export const accounts = latchkeyAccounts('accounts', users);
 * export const sessions = latchkeySessions('sessions');
 * ```
 *
 * Times are `integer` epoch milliseconds (`mode: 'timestamp_ms'`, JavaScript `Date`), flags
 * `integer` 0/1 (`mode: 'boolean'`), strings `text`.
 *
 * @module
 */
import { type AnySQLiteColumn, index, integer, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
import { newId } from '../internal.js';

const at = (name: string) => integer(name, { mode: 'timestamp_ms' });
const flag = (name: string) => integer(name, { mode: 'boolean' });

/**
 * The columns Latchkey reads and writes in the app's users table, to spread into its `sqliteTable`.
 * The app's other columns are never touched by the store: give them a default or make them
 * nullable, since the store inserts a user with these columns only.
 *
 * @returns fresh column builders (call once per table).
 */
export function latchkeyUserColumns() {
  return {
    id: text('id')
      .primaryKey()
      .$defaultFn(() => newId('usr')),
    email: text('email'),
    /** The lower-cased email: the unique, case-insensitive lookup key (one user per email). */
    emailLower: text('email_lower').unique(),
    emailVerified: flag('email_verified').notNull().default(false),
    name: text('name'),
    image: text('image'),
    createdAt: at('created_at')
      .notNull()
      .$defaultFn(() => new Date()),
    updatedAt: at('updated_at')
      .notNull()
      .$defaultFn(() => new Date()),
  };
}

/**
 * The accounts table: one row per provider identity linked to a user, unique (issuer, subject),
 * provider tokens encrypted at rest in `tokens_enc`.
 *
 * @param name - the table name, e.g. `accounts` (indexes are named after it).
 * @param users - the app's users table (for the foreign key, on delete cascade; SQLite enforces it
 *   only with `PRAGMA foreign_keys = ON`).
 * @returns the table.
 */
export function latchkeyAccounts<TName extends string>(name: TName, users: { readonly id: AnySQLiteColumn }) {
  return sqliteTable(
    name,
    {
      id: text('id').primaryKey(),
      userId: text('user_id')
        .notNull()
        .references(() => users.id, { onDelete: 'cascade' }),
      providerId: text('provider_id').notNull(),
      issuer: text('issuer').notNull(),
      subject: text('subject').notNull(),
      /** Space-separated granted scopes. */
      scopes: text('scopes').notNull(),
      /** The tokens JSON, AES-256-GCM encrypted (`lk1.<keyId>.<iv>.<ct>`), bound to the account id. */
      tokensEnc: text('tokens_enc'),
      tokenKeyId: text('token_key_id'),
      tokenExpiresAt: at('token_expires_at'),
      needsReauth: flag('needs_reauth').notNull().default(false),
      tokenVersion: integer('token_version').notNull().default(1),
      createdAt: at('created_at').notNull(),
      updatedAt: at('updated_at').notNull(),
    },
    (t) => [uniqueIndex(`${name}_identity`).on(t.issuer, t.subject), index(`${name}_user`).on(t.userId)],
  );
}

/**
 * The server-side sessions table (`session: { strategy: 'server' }`), keyed by the SHA-256 of the
 * cookie's session id, with the indexes logout needs.
 *
 * @param name - the table name, e.g. `sessions` (indexes are named after it).
 * @returns the table.
 */
export function latchkeySessions<TName extends string>(name: TName) {
  return sqliteTable(
    name,
    {
      id: text('id').primaryKey(),
      userId: text('user_id').notNull(),
      providerId: text('provider_id').notNull(),
      issuer: text('issuer').notNull(),
      subject: text('subject').notNull(),
      sid: text('sid'),
      createdAt: at('created_at').notNull(),
      idleExpiresAt: at('idle_expires_at').notNull(),
      absoluteExpiresAt: at('absolute_expires_at').notNull(),
      /** JSON: the user snapshot, the app's `sessionData`, the sealed ID token. */
      data: text('data').notNull(),
    },
    (t) => [
      index(`${name}_user`).on(t.userId),
      index(`${name}_sid`).on(t.issuer, t.sid),
      index(`${name}_subject`).on(t.issuer, t.subject),
      index(`${name}_expiry`).on(t.absoluteExpiresAt),
    ],
  );
}
