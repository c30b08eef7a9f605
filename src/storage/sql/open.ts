/**
 * The Kysely-backed half of `createSqlStore`: opens the database (or wraps the app's dialect), and
 * assembles the runner, the stores and the PostgreSQL revocation bus. `index.ts` imports this
 * module only when a store is created, so importing `latchkey/storage/sql` needs no Kysely.
 *
 * @module
 */
import { toStorageError } from '../errors.js';
import type { TokenCipher } from '../token-cipher.js';
import { fromDialect, openDatabase, type SqlConnection, type SqlTimeouts } from './connect.js';
import type { SqlStore, SqlStoreOptions } from './options.js';
import { createPgRevocationBus } from './pg-notify.js';
import { SqlReplayStore } from './replay-store.js';
import { type RevocationBus, SqlRunner, SqlSessionStore, SqlUserStore } from './store.js';

/** What `createSqlStore` validated before loading this module. */
export interface CheckedSqlOptions {
  readonly prefix: string;
  readonly cipher: TokenCipher;
  readonly timeouts: SqlTimeouts;
}

/**
 * Opens the store `createSqlStore` described.
 *
 * @param options - the caller's options (`dialect` with `kind`, or `url`; checked already).
 * @param checked - the table prefix, the token cipher and the timeouts.
 * @returns the store.
 * @throws StorageError `STORAGE_UNAVAILABLE` when the database cannot be opened.
 * @throws ConfigurationError `CONFIG_INVALID` naming a missing driver.
 */
export async function openSqlStore(options: SqlStoreOptions, checked: CheckedSqlOptions): Promise<SqlStore> {
  const { prefix, cipher, timeouts } = checked;
  let conn: SqlConnection;
  if (options.dialect) {
    conn = fromDialect(options.dialect, options.kind!, prefix);
  } else {
    try {
      conn = await openDatabase(options.url!, prefix, timeouts);
    } catch (err) {
      throw toStorageError(err, 'open');
    }
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
  const replay = new SqlReplayStore(runner, now);
  const sessions = new SqlSessionStore({ runner, replay, ...(now ? { now } : {}), ...(bus ? { bus } : {}) });
  let closed = false;
  return {
    users,
    sessions,
    replay,
    kind: conn.kind,
    migrate: () => runner.migrate(),
    async dropAll() {
      await conn.db.schema.dropTable('revocations').ifExists().execute();
      await conn.db.schema.dropTable('replay').ifExists().execute();
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
