/**
 * Opens a Kysely instance from a database URL: SQLite through better-sqlite3 (a file, created with
 * its folder on first use), PostgreSQL through `pg`, MySQL/MariaDB through `mysql2`. Drivers are
 * imported only when used, so an app installs only the one it needs. Pools get connection and
 * query timeouts so a dead database fails fast instead of hanging.
 *
 * @module
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type Dialect, Kysely, MysqlDialect, PostgresDialect, SqliteDialect, type SqliteDatabase, type SqliteStatement } from 'kysely';
import { parseDatabaseUrl } from './database-url.js';
import type { SqlKind } from './migrations.js';
import { type Database, TablePrefixPlugin } from './schema.js';

export { parseDatabaseUrl } from './database-url.js';

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
    const { default: BetterSqlite3 } = await import('better-sqlite3');
    const memory = target === ':memory:';
    if (!memory) mkdirSync(dirname(resolve(target)), { recursive: true });
    const sqlite = new BetterSqlite3(memory ? ':memory:' : resolve(target), { timeout: timeouts.queryMs });
    if (!memory) sqlite.pragma('journal_mode = WAL');
    sqlite.pragma('foreign_keys = ON');
    sqlite.pragma('synchronous = NORMAL');
    dialect = new SqliteDialect({ database: withStatementCache(sqlite) });
  } else if (kind === 'postgres') {
    const { default: pg } = await import('pg');
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
    const mysql = await import('mysql2');
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
  const cache = new Map<string, SqliteStatement>();
  return {
    prepare(sql: string): SqliteStatement {
      let statement = cache.get(sql);
      if (statement === undefined) {
        statement = db.prepare(sql);
        if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value!);
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
