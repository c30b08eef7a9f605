/**
 * `latchkey/storage/drizzle`: users, accounts and server-side sessions on the app's own Drizzle
 * schema and database: PostgreSQL (`drizzle-orm/node-postgres`), MySQL/MariaDB
 * (`drizzle-orm/mysql2`) or SQLite (`drizzle-orm/better-sqlite3`). The tables come from the
 * schema helpers of `latchkey/storage/drizzle/pg`, `/mysql` or `/sqlite`; the app's users table
 * keeps its own columns, which the store leaves alone. Migrations are the app's, through
 * drizzle-kit.
 *
 * ```ts
 * import { createDrizzleStore } from 'latchkey/storage/drizzle';
 * import { accounts, sessions, users } from './schema.js';
 *
 * const store = await createDrizzleStore({ db, tables: { users, accounts, sessions }, secrets: [process.env.AUTH_SECRET!] });
 * const auth = createAuth({ ..., store: { users: store.users, sessions: store.sessions } });
 * ```
 *
 * Importing this module loads no Drizzle: `createDrizzleStore` loads `drizzle-orm` when it runs,
 * and names it with its install command when it is missing.
 *
 * @module
 */
import { ConfigurationError } from '../../errors.js';
import { missingPeer, missingPeerError } from '../../internal/peer.js';
import { createTokenCipher, type TokenCipher } from '../token-cipher.js';
import type { SessionStore, UserStore } from '../types.js';
import type { MySqlDb, MySqlTables } from './mysql-ops.js';
import type { DrizzleDialect } from './open.js';
import type { PgDb, PgTables } from './pg-ops.js';
import type { SqliteDb, SqliteTables } from './sqlite-ops.js';

export type { MySqlAccountsTable, MySqlDb, MySqlSessionsTable, MySqlTables, MySqlUsersTable } from './mysql-ops.js';
export type { DrizzleDialect } from './open.js';
export type { PgAccountsTable, PgDb, PgSessionsTable, PgTables, PgUsersTable } from './pg-ops.js';
export type { SqliteAccountsTable, SqliteDb, SqliteSessionsTable, SqliteTables, SqliteUsersTable } from './sqlite-ops.js';

/** The app's database and its tables, of one dialect. */
export type DrizzleDatabase =
  | { readonly db: PgDb; readonly tables: PgTables }
  | { readonly db: MySqlDb; readonly tables: MySqlTables }
  | { readonly db: SqliteDb; readonly tables: SqliteTables };

/** Options of {@link createDrizzleStore}. */
export type DrizzleStoreOptions = DrizzleDatabase & {
  /** Encrypts provider tokens at rest. Give this or `secrets`. */
  readonly tokenCipher?: TokenCipher;
  /** App secrets, newest first, for a token cipher made here. */
  readonly secrets?: readonly string[];
  /**
   * Keys of the app's own users columns to carry on `User` (read) and to write from `NewUser` and
   * `updateUser` patches, when Latchkey passes such fields. Default none: the other columns of the
   * app's users table (a password hash, a plan) are never read nor written by the store.
   */
  readonly userFields?: readonly string[];
  /** Deadline of one store operation including its retries, ms. Default 8000. */
  readonly operationTimeoutMs?: number;
  /** The clock, epoch ms (tests). */
  readonly now?: () => number;
};

/** What {@link createDrizzleStore} returns. */
export interface DrizzleStore {
  readonly users: UserStore;
  readonly sessions: SessionStore;
  /** The dialect of the app's database. */
  readonly dialect: DrizzleDialect;
  /** Drops revocation listeners. The database is the app's: the app closes its pool. */
  close(): Promise<void>;
}

/**
 * Creates the user and session stores on the app's Drizzle database and tables.
 *
 * @param options - the app's `db` and `tables`, the token cipher (or `secrets`) and policies.
 * @returns the stores.
 * @throws ConfigurationError `CONFIG_INVALID` for a missing cipher, a `db` or table that is not
 *   Drizzle's or not of one dialect, a table without the Latchkey columns, an unknown
 *   `userFields` key, or `drizzle-orm` not installed (named with its install command).
 * @see [Drizzle ORM - Migrations](https://orm.drizzle.team/docs/migrations)
 */
export async function createDrizzleStore(options: DrizzleStoreOptions): Promise<DrizzleStore> {
  const cipher = options.tokenCipher ?? (options.secrets ? createTokenCipher({ secrets: options.secrets }) : undefined);
  if (!cipher) throw new ConfigurationError('createDrizzleStore needs `tokenCipher` or `secrets`: provider tokens are encrypted at rest.');
  const timeout = options.operationTimeoutMs ?? 8000;
  if (!Number.isFinite(timeout) || timeout <= 0) throw new ConfigurationError('`operationTimeoutMs` must be a positive number of milliseconds.');
  let open: typeof import('./open.js');
  try {
    open = await import('./open.js');
  } catch (error) {
    throw missingPeer(error) === 'drizzle-orm' ? missingPeerError('drizzle-orm') : error;
  }
  const { users, sessions, dialect } = open.openDrizzleStore({
    db: options.db,
    tables: options.tables,
    cipher,
    userFields: options.userFields ?? [],
    operationTimeoutMs: timeout,
    ...(options.now ? { now: options.now } : {}),
  });
  return { users, sessions, dialect, close: () => sessions.close() };
}
