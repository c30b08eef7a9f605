/**
 * The app's own Drizzle schema (SQLite). `users` is the app's table: the Latchkey columns spread in
 * next to the app's own (`plan`, `role`), which Latchkey never reads nor writes. `accounts` and
 * `sessions` are Latchkey's tables, declared with its helpers. `drizzle-kit generate` turns this file
 * into the migrations in `./drizzle`, as for any other Drizzle table.
 */
import { sqliteTable, text } from 'drizzle-orm/sqlite-core';
import { latchkeyAccounts, latchkeySessions, latchkeyUserColumns } from 'latchkey/storage/drizzle/sqlite';

export const users = sqliteTable('users', {
  ...latchkeyUserColumns(),
  // The app's own columns: a default each, since Latchkey creates users with its columns only.
  plan: text('plan', { enum: ['free', 'pro'] })
    .notNull()
    .default('free'),
  role: text('role', { enum: ['member', 'admin'] })
    .notNull()
    .default('member'),
});

export const accounts = latchkeyAccounts('accounts', users);
export const sessions = latchkeySessions('sessions');
