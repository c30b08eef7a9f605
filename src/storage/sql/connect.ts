/**
 * Opens a Kysely instance from a database URL: SQLite through better-sqlite3, or Bun's built-in
 * `bun:sqlite` on Bun (a file, created with its folder on first use, readable by its owner only), PostgreSQL through `pg`, MySQL/MariaDB through `mysql2`. Drivers are
 * imported only when used, so an app installs only the one it needs. Pools get connection and
 * query timeouts so a dead database fails fast instead of hanging.
 *
 * @module
 */
import { closeSync, constants, existsSync, fchmodSync, mkdirSync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type Dialect, Kysely, MysqlDialect, PostgresDialect, type SqliteDatabase, SqliteDialect, type SqliteStatement } from 'kysely';
import { BoundedMap } from '../../internal/bounded-map.js';
import { importPeer } from '../../internal/peer.js';
import { isBun, openBunSqlite } from './bun-sqlite.js';
import type { SqlKind } from './migrations.js';
import { type Database, TablePrefixPlugin } from './schema.js';
import { parseDatabaseUrl } from './url.js';

export { parseDatabaseUrl } from './url.js';

/** Timeouts, in milliseconds. */
export interface SqlTimeouts {
  /** Establishing a connection. Default 3000. */
  readonly connectMs: number;
  /** One statement (PostgreSQL `statement_timeout`, SQLite busy timeout). Default 5000. */
  readonly queryMs: number;
}

/** An opened database. */
export interface SqlConnection {
  readonly db: Kysely<Database>;
  readonly kind: SqlKind;
  /** For PostgreSQL: the connection settings, for the LISTEN client. */
  readonly pgConfig?: { readonly connectionString: string };
}

/**
 * Opens the database behind `url`.
 *
 * @param url - see {@link parseDatabaseUrl}.
 * @param prefix - the table prefix.
 * @param timeouts - connection and query timeouts.
 * @returns the Kysely instance and its family.
 */
export async function openDatabase(url: string, prefix: string, timeouts: SqlTimeouts): Promise<SqlConnection> {
  const { kind, target } = parseDatabaseUrl(url);
  let dialect: Dialect;
  if (kind === 'sqlite') {
    const memory = target === ':memory:';
    if (isBun()) {
      // Bun cannot load better-sqlite3 (a Node addon): its built-in bun:sqlite, same pragmas.
      if (!memory) createPrivateFile(resolve(target));
      const sqlite = await openBunSqlite(memory ? ':memory:' : resolve(target), timeouts.queryMs);
      dialect = new SqliteDialect({ database: withStatementCache(sqlite) });
      return { db: new Kysely<Database>({ dialect, plugins: [new TablePrefixPlugin(prefix)] }), kind };
    }
    const { default: BetterSqlite3 } = await importPeer(() => import('better-sqlite3'));
    if (!memory) createPrivateFile(resolve(target));
    const sqlite = new BetterSqlite3(memory ? ':memory:' : resolve(target), { timeout: timeouts.queryMs });
    if (!memory) sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('synchronous = NORMAL');
    dialect = new SqliteDialect({ database: withStatementCache(sqlite) });
  } else if (kind === 'postgres') {
    const { default: pg } = await importPeer(() => import('pg'));
    const pool = new pg.Pool({
      connectionString: target,
      max: 10,
      connectionTimeoutMillis: timeouts.connectMs,
      idleTimeoutMillis: 30_000,
      statement_timeout: timeouts.queryMs,
      query_timeout: timeouts.queryMs + 1000,
      keepAlive: true,
    });
    // An idle client whose backend died emits 'error'; the pool drops it. Without a listener
    // Node would crash the process.
    pool.on('error', () => {});
    // A checked-out client whose socket is reset emits 'error' too; the failing query reports it.
    pool.on('connect', (client) => {
      client.on('error', () => {});
    });
    dialect = new PostgresDialect({ pool });
    return { db: new Kysely<Database>({ dialect, plugins: [new TablePrefixPlugin(prefix)] }), kind, pgConfig: { connectionString: target } };
  } else {
    const mysql = await importPeer(() => import('mysql2'));
    const pool = mysql.createPool({
      uri: target,
      connectionLimit: 10,
      connectTimeout: timeouts.connectMs,
      enableKeepAlive: true,
      waitForConnections: true,
      queueLimit: 1000,
      timezone: 'Z',
      supportBigNumbers: true,
      bigNumberStrings: false,
    });
    pool.on('connection', (conn) => {
      conn.on('error', () => {});
    });
    dialect = new MysqlDialect({ pool });
  }
  return { db: new Kysely<Database>({ dialect, plugins: [new TablePrefixPlugin(prefix)] }), kind };
}

/** Owner read/write only: the database holds sessions and (encrypted) provider tokens. */
const PRIVATE_FILE_MODE = 0o600;

/**
 * Creates an absent SQLite file (and its folder, 0700) readable by its owner only, whatever the
 * umask, before SQLite opens it. SQLite creates the `-wal` and `-shm` files with the mode of the
 * database file, so they are 0600 too. An existing file keeps the mode it has.
 *
 * @param path - the absolute database path.
 */
function createPrivateFile(path: string): void {
  if (existsSync(path)) return;
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, PRIVATE_FILE_MODE);
  } catch (err) {
    // Created by another process meanwhile: its creator chose the mode.
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw err;
  }
  try {
    // The umask may have removed bits, never added any; fchmod states the mode exactly.
    fchmodSync(fd, PRIVATE_FILE_MODE);
  } finally {
    closeSync(fd);
  }
}

/**
 * Wraps a caller-provided Kysely dialect.
 *
 * @param dialect - a Kysely dialect the app configured.
 * @param kind - its family.
 * @param prefix - the table prefix.
 * @returns the connection.
 */
export function fromDialect(dialect: Dialect, kind: SqlKind, prefix: string): SqlConnection {
  return { db: new Kysely<Database>({ dialect, plugins: [new TablePrefixPlugin(prefix)] }), kind };
}

/** Most prepared SQLite statements kept; the store issues a few dozen distinct ones. */
const STATEMENT_CACHE_SIZE = 256;

/**
 * The SQLite database as Kysely's driver sees it, with prepared statements reused by SQL text.
 * Kysely prepares a statement per query, and preparing costs more than running a small indexed
 * query. A cached statement is safe to reuse: better-sqlite3 runs it synchronously to completion
 * (the store never streams rows), and SQLite re-prepares it itself after a schema change.
 */
function withStatementCache(db: SqliteDatabase): SqliteDatabase {
  const cache = new BoundedMap<string, SqliteStatement>({ maxEntries: STATEMENT_CACHE_SIZE });
  return {
    prepare(sql: string): SqliteStatement {
      let statement = cache.get(sql);
      if (statement === undefined) {
        statement = db.prepare(sql);
        cache.set(sql, statement);
      }
      return statement;
    },
    close(): void {
      cache.clear();
      db.close();
    },
  };
}
