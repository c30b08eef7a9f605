/**
 * `latchkey/storage/drizzle/mysql`: the Latchkey columns and tables for a MySQL or MariaDB Drizzle
 * schema (`drizzle-orm/mysql-core`). Spread {@link latchkeyUserColumns} into the app's own `users`
 * table, next to its own columns, and declare the accounts and sessions tables with
 * {@link latchkeyAccounts} and {@link latchkeySessions}; `drizzle-kit generate` writes the migration.
 *
 * ```ts
 * import { mysqlTable, varchar } from 'drizzle-orm/mysql-core';
 * import { latchkeyAccounts, latchkeySessions, latchkeyUserColumns } from 'latchkey/storage/drizzle/mysql';
 *
 * export const users = mysqlTable('users', { ...latchkeyUserColumns(), plan: varchar('plan', { length: 20 }).notNull().default('free') });
 * export const accounts = latchkeyAccounts('accounts', users);
 * export const sessions = latchkeySessions('sessions');
 * ```
 *
 * Ids, issuers, subjects and session ids are `varchar … COLLATE utf8mb4_bin`: compared byte for byte
 * whatever the database's default collation (a case-insensitive collation would let the subject
 * `AbC` sign in as the user of `abc`). Times are `datetime(3)` in UTC (JavaScript `Date`), flags
 * `boolean`.
 *
 * @module
 */
import { type AnyMySqlColumn, boolean, customType, datetime, index, int, mysqlTable, text, uniqueIndex, varchar } from 'drizzle-orm/mysql-core';
import { newId } from '../internal.js';

const at = (name: string) => datetime(name, { mode: 'date', fsp: 3 });

/** A case-sensitive string column: `varchar(n)` with the binary collation of utf8mb4. */
const exact = customType<{ data: string; driverData: string; config: { length: number } }>({
  dataType: (config) => `varchar(${config?.length ?? 255}) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin`,
});

/**
 * The columns Latchkey reads and writes in the app's users table, to spread into its `mysqlTable`.
 * The app's other columns are never touched by the store: give them a default or make them
 * nullable, since the store inserts a user with these columns only.
 *
 * @returns fresh column builders (call once per table).
 */
export function latchkeyUserColumns() {
  return {
    id: exact('id', { length: 64 })
      .primaryKey()
      .$defaultFn(() => newId('usr')),
    email: varchar('email', { length: 320 }),
    /** The lower-cased email: the unique, case-insensitive lookup key (one user per email). */
    emailLower: varchar('email_lower', { length: 320 }).unique(),
    emailVerified: boolean('email_verified').notNull().default(false),
    name: varchar('name', { length: 512 }),
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
 * @param users - the app's users table (for the foreign key, on delete cascade).
 * @returns the table.
 */
export function latchkeyAccounts<TName extends string>(name: TName, users: { readonly id: AnyMySqlColumn }) {
  return mysqlTable(
    name,
    {
      id: exact('id', { length: 64 }).primaryKey(),
      userId: exact('user_id', { length: 64 })
        .notNull()
        .references(() => users.id, { onDelete: 'cascade' }),
      providerId: varchar('provider_id', { length: 255 }).notNull(),
      issuer: exact('issuer', { length: 500 }).notNull(),
      subject: exact('subject', { length: 255 }).notNull(),
      /** Space-separated granted scopes. */
      scopes: text('scopes').notNull(),
      /** The tokens JSON, AES-256-GCM encrypted (`lk1.<keyId>.<iv>.<ct>`), bound to the account id. */
      tokensEnc: text('tokens_enc'),
      tokenKeyId: varchar('token_key_id', { length: 64 }),
      tokenExpiresAt: at('token_expires_at'),
      needsReauth: boolean('needs_reauth').notNull().default(false),
      tokenVersion: int('token_version').notNull().default(1),
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
  return mysqlTable(
    name,
    {
      id: exact('id', { length: 64 }).primaryKey(),
      userId: exact('user_id', { length: 64 }).notNull(),
      providerId: varchar('provider_id', { length: 255 }).notNull(),
      issuer: exact('issuer', { length: 500 }).notNull(),
      subject: exact('subject', { length: 255 }).notNull(),
      sid: exact('sid', { length: 255 }),
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
