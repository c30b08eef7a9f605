/**
 * `latchkey/storage/sql`: users, accounts and server-side sessions in SQLite (the embedded
 * default), PostgreSQL or MySQL/MariaDB, through Kysely.
 *
 * ```ts
 * const store = await createSqlStore({ url: 'sqlite:.latchkey/auth.db', tokenCipher: createTokenCipher({ secrets }) });
 * ```
 *
 * Importing this module loads neither Kysely nor a driver: `createSqlStore` loads Kysely and the
 * driver its URL names when it runs, and names a missing one with its install command.
 *
 * @module
 */
import { ConfigurationError } from '../../errors.js';
import { missingPeer, missingPeerError } from '../../internal/peer.js';
import { createTokenCipher } from '../token-cipher.js';
import type { SqlTimeouts } from './connect.js';
import type { SqlKind } from './migrations.js';
import type { SqlStore, SqlStoreOptions } from './options.js';
import { parseDatabaseUrl } from './url.js';

// Types only, and the URL parser: nothing here loads Kysely or a driver until a store is created.
export type { SqlKind } from './migrations.js';
export type { SqlStore, SqlStoreOptions } from './options.js';
export type { SqlRunner, SqlSessionStore, SqlUserStore } from './store.js';
export { parseDatabaseUrl } from './url.js';

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

  if (options.dialect && !options.kind) throw new ConfigurationError('With `dialect`, say which family it is with `kind`.');
  if (!options.dialect && !options.url) throw new ConfigurationError('createSqlStore needs `url` (or `dialect` and `kind`).');
  const kind = options.dialect ? options.kind! : parseDatabaseUrl(options.url!).kind;
  const { openSqlStore } = await loadSqlModule(kind);
  return openSqlStore(options, { prefix, cipher, timeouts });
}

/** The driver package of each SQL family, for the install command. */
const DRIVER: Readonly<Record<SqlKind, string>> = { sqlite: 'better-sqlite3', postgres: 'pg', mysql: 'mysql2' };

/**
 * Loads the Kysely-backed half of the store only now, so that `latchkey/storage/sql` imports with
 * no Kysely or driver installed; a missing Kysely is named with the one command that installs it
 * and the driver of this URL (`npm install kysely pg`).
 */
async function loadSqlModule(kind: SqlKind): Promise<typeof import('./open.js')> {
  try {
    return await import('./open.js');
  } catch (error) {
    throw missingPeer(error) === 'kysely' ? missingPeerError('kysely', [DRIVER[kind]]) : error;
  }
}
