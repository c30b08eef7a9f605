/**
 * SQLite on Bun: `bun:sqlite`, built into Bun, as the database behind Kysely's SQLite dialect.
 * better-sqlite3 is a Node addon that Bun cannot load, so on Bun a `sqlite:` URL opens the file
 * with `bun:sqlite` instead; the store, its migrations and its queries are the same. `connect.ts`
 * calls this module only when it runs on Bun, and this module loads `bun:sqlite` only then, so
 * no other runtime ever resolves it.
 *
 * @module
 */
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/** The part of a `bun:sqlite` statement Kysely's driver needs. */
interface BunStatement {
  /** The result columns; empty for a statement that returns no rows. */
  readonly columnNames: readonly string[];
  all(...parameters: unknown[]): unknown[];
  run(...parameters: unknown[]): { changes: number | bigint; lastInsertRowid: number | bigint };
  iterate(...parameters: unknown[]): IterableIterator<unknown>;
}

/** The part of a `bun:sqlite` `Database` used here. */
interface BunDatabase {
  prepare(sql: string): BunStatement;
  exec(sql: string): void;
  close(): void;
}

/**
 * Whether this runtime is Bun (`globalThis.Bun` is Bun's own namespace; Bun also reports a Node
 * version in `process.versions`, so that cannot tell them apart).
 *
 * @returns true on Bun.
 */
export function isBun(): boolean {
  return typeof (globalThis as { Bun?: unknown }).Bun === 'object';
}

/**
 * Opens a SQLite file (or `:memory:`) with `bun:sqlite`, with the pragmas the better-sqlite3 path
 * sets: a busy timeout, WAL for files, foreign keys, `synchronous = NORMAL`.
 *
 * @param path - the absolute file path, or `:memory:`. The caller creates an absent file first
 *   (owner-only mode), as for better-sqlite3.
 * @param busyTimeoutMs - how long a statement waits for a lock held by another connection.
 * @returns the database as Kysely's `SqliteDialect` takes it.
 */
export async function openBunSqlite(path: string, busyTimeoutMs: number): Promise<SqliteDatabase> {
  const { Database } = (await import('bun:sqlite')) as { Database: new (path: string, options?: { create?: boolean }) => BunDatabase };
  const db = new Database(path, { create: true });
  db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
  if (path !== ':memory:') db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA foreign_keys = ON');
  db.exec('PRAGMA synchronous = NORMAL');
  return {
    prepare: (sql: string): SqliteStatement => toKyselyStatement(db.prepare(sql)),
    close: () => db.close(),
  };
}

/**
 * A `bun:sqlite` statement in the shape of better-sqlite3's, which Kysely's driver expects:
 * parameters as one array (Bun takes them as arguments), and `reader` (whether the statement
 * returns rows: a `SELECT`, or a write with `RETURNING`) from its result columns.
 */
function toKyselyStatement(statement: BunStatement): SqliteStatement {
  return {
    reader: statement.columnNames.length > 0,
    all: (parameters) => statement.all(...parameters),
    run: (parameters) => {
      const { changes, lastInsertRowid } = statement.run(...parameters);
      return { changes, lastInsertRowid };
    },
    iterate: (parameters) => statement.iterate(...parameters),
  };
}
