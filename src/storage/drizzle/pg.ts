/**
 * `latchkey/storage/drizzle/pg`: the Latchkey columns and tables for a PostgreSQL Drizzle schema
 * (`drizzle-orm/pg-core`). Spread {@link latchkeyUserColumns} into the app's own `users` table, next
 * to its own columns, and declare the accounts and sessions tables with {@link latchkeyAccounts} and
 * {@link latchkeySessions}; `drizzle-kit generate` then writes the migration as for any other table.
 *
 * ```ts
 * import { pgTable, text } from 'drizzle-orm/pg-core';
 * import { latchkeyAccounts, latchkeySessions, latchkeyUserColumns } from 'latchkey/storage/drizzle/pg';
 *
 * export const users = pgTable('users', { ...latchkeyUserColumns(), plan: text('plan').notNull().default('free') });
 * export const accounts = latchkeyAccounts('accounts', users);
 * export const sessions = latchkeySessions('sessions');
 * ```
 *
 * Times are `timestamp(3) with time zone` (JavaScript `Date`), flags `boolean`, ids and names `text`.
 *
 * @module
 */
import { type AnyPgColumn, boolean, index, integer, pgTable, text, timestamp, uniqueIndex } from 'drizzle-orm/pg-core';
import { newId } from '../internal.js';

const at = (name: string) => timestamp(name, { withTimezone: true, precision: 3, mode: 'date' });

/**
 * The columns Latchkey reads and writes in the app's users table, to spread into its `pgTable`.
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
    emailVerified: boolean('email_verified').notNull().default(false),
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
 * @param users - the app's users table (for the foreign key, on delete cascade).
 * @returns the table.
 */
export function latchkeyAccounts<TName extends string>(name: TName, users: { readonly id: AnyPgColumn }) {
  return pgTable(
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
      needsReauth: boolean('needs_reauth').notNull().default(false),
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
  return pgTable(
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
