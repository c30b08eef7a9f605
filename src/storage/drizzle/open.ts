/**
 * The Drizzle-backed half of `createDrizzleStore`: finds the dialect of the app's `db` and tables,
 * checks the tables carry the Latchkey columns, and assembles the stores over that dialect's
 * queries. `index.ts` imports this module only when a store is created, so importing
 * `latchkey/storage/drizzle` needs no Drizzle.
 *
 * @module
 */
import { ConfigurationError } from '../../errors.js';
import type { TokenCipher } from '../token-cipher.js';
import { type MySqlDb, type MySqlTables, mysqlOps } from './mysql-ops.js';
import type { DrizzleOps } from './ops.js';
import { type PgDb, type PgTables, pgOps } from './pg-ops.js';
import { createDrizzleRunner } from './runner.js';
import { DrizzleSessionStore } from './session-store.js';
import { type SqliteDb, type SqliteTables, sqliteOps } from './sqlite-ops.js';
import { DrizzleUserStore } from './user-store.js';

/** The SQL family of a Drizzle database. */
export type DrizzleDialect = 'pg' | 'mysql' | 'sqlite';

/** What `createDrizzleStore` hands to {@link openDrizzleStore}. */
export interface OpenDrizzleOptions {
  readonly db: object;
  readonly tables: { readonly users: object; readonly accounts: object; readonly sessions: object };
  readonly cipher: TokenCipher;
  readonly userFields: readonly string[];
  readonly operationTimeoutMs: number;
  readonly now?: () => number;
}

const ENTITY_KIND = Symbol.for('drizzle:entityKind');

/** The Drizzle entity kinds of a value's class and its ancestors (`NodePgDatabase`, `PgDatabase`). */
function entityKinds(value: object): string[] {
  const kinds: string[] = [];
  for (let cls = Object.getPrototypeOf(value)?.constructor; cls; cls = Object.getPrototypeOf(cls)) {
    const kind = (cls as { [ENTITY_KIND]?: unknown })[ENTITY_KIND];
    if (typeof kind === 'string') kinds.push(kind);
  }
  return kinds;
}

const DB_KINDS: Readonly<Record<string, DrizzleDialect>> = { PgDatabase: 'pg', MySqlDatabase: 'mysql', BaseSQLiteDatabase: 'sqlite' };
const TABLE_KINDS: Readonly<Record<string, DrizzleDialect>> = { PgTable: 'pg', MySqlTable: 'mysql', SQLiteTable: 'sqlite' };

function dialectOf(value: object, kinds: Readonly<Record<string, DrizzleDialect>>): DrizzleDialect | undefined {
  for (const k of entityKinds(value)) if (kinds[k]) return kinds[k];
  return undefined;
}

/** The columns each table must have (the keys the Latchkey helpers give them). */
const REQUIRED: Readonly<Record<'users' | 'accounts' | 'sessions', readonly string[]>> = {
  users: ['id', 'email', 'emailLower', 'emailVerified', 'name', 'image', 'createdAt', 'updatedAt'],
  accounts: ['id', 'userId', 'providerId', 'issuer', 'subject', 'scopes', 'tokensEnc', 'tokenKeyId', 'tokenExpiresAt', 'needsReauth', 'tokenVersion'],
  sessions: ['id', 'userId', 'providerId', 'issuer', 'subject', 'sid', 'idleExpiresAt', 'absoluteExpiresAt', 'data'],
};
const HELPER = {
  users: 'spread latchkeyUserColumns() into it',
  accounts: 'declare it with latchkeyAccounts()',
  sessions: 'declare it with latchkeySessions()',
};

function isDrizzleColumn(value: unknown): boolean {
  return typeof value === 'object' && value !== null && entityKinds(value).includes('Column');
}

/**
 * Checks the app's `db` and tables and returns the dialect.
 *
 * @throws ConfigurationError `CONFIG_INVALID` for a value that is not a Drizzle database or table,
 *   tables of another dialect, a table without the Latchkey columns, an unknown `userFields` key
 *   or an asynchronous SQLite driver.
 */
function checkSchema(options: OpenDrizzleOptions): DrizzleDialect {
  const dialect = dialectOf(options.db, DB_KINDS);
  if (!dialect) throw new ConfigurationError('createDrizzleStore: `db` is not a Drizzle database (PostgreSQL, MySQL/MariaDB or SQLite).');
  if (dialect === 'sqlite' && (options.db as { resultKind?: unknown }).resultKind !== 'sync') {
    throw new ConfigurationError('createDrizzleStore: SQLite needs a synchronous driver (better-sqlite3); this database is asynchronous.');
  }
  for (const name of ['users', 'accounts', 'sessions'] as const) {
    const table = options.tables[name];
    if (typeof table !== 'object' || table === null || dialectOf(table, TABLE_KINDS) !== dialect) {
      throw new ConfigurationError(`createDrizzleStore: \`tables.${name}\` is not a ${dialect} Drizzle table like \`db\`.`);
    }
    const missing = REQUIRED[name].filter((k) => !isDrizzleColumn((table as Record<string, unknown>)[k]));
    if (missing.length > 0) {
      throw new ConfigurationError(`createDrizzleStore: \`tables.${name}\` lacks the Latchkey columns ${missing.join(', ')}; ${HELPER[name]}.`);
    }
  }
  const unknown = options.userFields.filter((f) => !isDrizzleColumn((options.tables.users as Record<string, unknown>)[f]));
  if (unknown.length > 0) throw new ConfigurationError(`createDrizzleStore: \`userFields\` names no column of the users table: ${unknown.join(', ')}.`);
  return dialect;
}

/**
 * Opens the store `createDrizzleStore` described.
 *
 * @param options - the app's database and tables, the token cipher and policies (checked already).
 * @returns the stores and the dialect.
 * @throws ConfigurationError `CONFIG_INVALID` (see {@link checkSchema}).
 */
export function openDrizzleStore(options: OpenDrizzleOptions): { users: DrizzleUserStore; sessions: DrizzleSessionStore; dialect: DrizzleDialect } {
  const dialect = checkSchema(options);
  const tables = options.tables as never;
  let ops: DrizzleOps;
  if (dialect === 'pg') ops = pgOps(options.db as PgDb, tables as PgTables);
  else if (dialect === 'mysql') ops = mysqlOps(options.db as MySqlDb, tables as MySqlTables);
  else ops = sqliteOps(options.db as SqliteDb, tables as SqliteTables);
  const run = createDrizzleRunner(options.operationTimeoutMs);
  const now = options.now;
  return {
    users: new DrizzleUserStore({ ops, run, tokenCipher: options.cipher, userFields: options.userFields, ...(now ? { now } : {}) }),
    sessions: new DrizzleSessionStore({ ops, run, ...(now ? { now } : {}) }),
    dialect,
  };
}
