/**
 * `latchkey/storage/sql`: users, accounts and server-side sessions in SQLite (the embedded
 * default), PostgreSQL or MySQL/MariaDB, through Kysely.
 *
 * ```ts
 * const store = await createSqlStore({ url: 'sqlite:.latchkey/auth.db', tokenCipher: createTokenCipher({ secrets }) });
 * ```
 *
 * @module
 */
import type { Dialect } from 'kysely';
import { ConfigurationError } from '../../errors.js';
import { toStorageError } from '../errors.js';
import type { TokenCipher } from '../token-cipher.js';
import { createTokenCipher } from '../token-cipher.js';
import type { SessionStore, UserStore } from '../types.js';
import { fromDialect, openDatabase, parseDatabaseUrl, type SqlConnection, type SqlTimeouts } from './connect.js';
import type { SqlKind } from './migrations.js';
import { createPgRevocationBus } from './pg-notify.js';
import { type RevocationBus, SqlRunner, SqlSessionStore, SqlUserStore } from './store.js';

export { parseDatabaseUrl } from './connect.js';
export type { SqlKind } from './migrations.js';
export { migrations } from './migrations.js';
export { SqlRunner, SqlSessionStore, SqlUserStore } from './store.js';

/** Options of {@link createSqlStore}. Give `url`, or `dialect` with `kind`. */
export interface SqlStoreOptions {
  /**
   * `sqlite:path/to/file.db` (file and folder are created on first use; a value without a scheme is
   * refused with `DATABASE_URL_INVALID`),
   * `sqlite::memory:`, `postgres://user@host:5432/db`, `mysql://user@host:3306/db`.
   */
  readonly url?: string;
  /** A Kysely dialect you configured yourself (then `kind` is required). */
  readonly dialect?: Dialect;
  /** The family of `dialect`. */
  readonly kind?: SqlKind;
  /** Prepended to every table, index and migration-table name. Default `latchkey_`. */
  readonly tablePrefix?: string;
  /** Encrypts provider tokens at rest. Give this or `secrets`. */
  readonly tokenCipher?: TokenCipher;
  /** App secrets, newest first, for a token cipher made here. */
  readonly secrets?: readonly string[];
  /** Migrate before the first operation. Default: true unless `NODE_ENV` is `production`. */
  readonly autoMigrate?: boolean;
  /** Connection timeout, ms. Default 3000. */
  readonly connectTimeoutMs?: number;
  /** Statement timeout, ms. Default 5000. */
  readonly queryTimeoutMs?: number;
  /** Deadline of one store operation including its retries, ms. Default 8000. */
  readonly operationTimeoutMs?: number;
  /**
   * PostgreSQL: tell other processes about revoked sessions with LISTEN/NOTIFY, so their
   * in-process session caches drop them at once. Default true for PostgreSQL.
   */
  readonly notify?: boolean;
  /** The clock, epoch ms (tests). */
  readonly now?: () => number;
}

/** What {@link createSqlStore} returns. */
export interface SqlStore {
  readonly users: UserStore;
  readonly sessions: SessionStore;
  /** The dialect family in use. */
  readonly kind: SqlKind;
  /** Applies pending migrations; returns the names applied now. */
  migrate(): Promise<string[]>;
  /** Drops every Latchkey table and the migration tables (tests, `latchkey migrate --reset`). */
  dropAll(): Promise<void>;
  /** Closes the pool and the LISTEN connection. */
  close(): Promise<void>;
}

const PREFIX_RE = /^[a-z][a-z0-9_]{0,30}$/;

/**
 * Opens a SQL store.
 *
 * @param options - where the database is, the token cipher and policies.
 * @returns the user and session stores over one pool.
 * @throws ConfigurationError `DATABASE_URL_INVALID` for a bad URL, `CONFIG_INVALID` for a bad prefix or missing cipher.
 * @throws StorageError `STORAGE_UNAVAILABLE` when SQLite cannot open its file.
 */
export async function createSqlStore(options: SqlStoreOptions): Promise<SqlStore> {
  const prefix = options.tablePrefix ?? 'latchkey_';
  if (prefix !== '' && !PREFIX_RE.test(prefix)) {
    throw new ConfigurationError('`tablePrefix` must be lower-case letters, digits and underscores, starting with a letter (max 31).');
  }
  const cipher = options.tokenCipher ?? (options.secrets ? createTokenCipher({ secrets: options.secrets }) : undefined);
  if (!cipher) throw new ConfigurationError('createSqlStore needs `tokenCipher` or `secrets`: provider tokens are encrypted at rest.');
  const timeouts: SqlTimeouts = { connectMs: options.connectTimeoutMs ?? 3000, queryMs: options.queryTimeoutMs ?? 5000 };

  let conn: SqlConnection;
  if (options.dialect) {
    if (!options.kind) throw new ConfigurationError('With `dialect`, say which family it is with `kind`.');
    conn = fromDialect(options.dialect, options.kind, prefix);
  } else if (options.url) {
    parseDatabaseUrl(options.url);
    try {
      conn = await openDatabase(options.url, prefix, timeouts);
    } catch (err) {
      throw toStorageError(err, 'open');
    }
  } else {
    throw new ConfigurationError('createSqlStore needs `url` (or `dialect` and `kind`).');
  }

  const runner = new SqlRunner({
    db: conn.db,
    kind: conn.kind,
    prefix,
    autoMigrate: options.autoMigrate ?? process.env.NODE_ENV !== 'production',
    operationTimeoutMs: options.operationTimeoutMs ?? 8000,
  });
  let bus: RevocationBus | undefined;
  if (conn.kind === 'postgres' && conn.pgConfig && options.notify !== false) {
    bus = createPgRevocationBus({
      db: conn.db,
      connectionString: conn.pgConfig.connectionString,
      channel: `${prefix}revoked`,
      connectTimeoutMs: timeouts.connectMs,
    });
  }
  const now = options.now;
  const users = new SqlUserStore({ runner, tokenCipher: cipher, ...(now ? { now } : {}) });
  const sessions = new SqlSessionStore({ runner, ...(now ? { now } : {}), ...(bus ? { bus } : {}) });
  let closed = false;
  return {
    users,
    sessions,
    kind: conn.kind,
    migrate: () => runner.migrate(),
    async dropAll() {
      await conn.db.schema.dropTable('sessions').ifExists().execute();
      await conn.db.schema.dropTable('accounts').ifExists().execute();
      await conn.db.schema.dropTable('users').ifExists().execute();
      await conn.db.schema.dropTable(`${prefix}kysely_migration`).ifExists().execute();
      await conn.db.schema.dropTable(`${prefix}kysely_migration_lock`).ifExists().execute();
    },
    async close() {
      if (closed) return;
      closed = true;
      await sessions.close();
      await conn.db.destroy();
    },
  };
}
