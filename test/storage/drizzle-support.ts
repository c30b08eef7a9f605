/**
 * Drizzle stores for tests, set up the way a Drizzle app sets up its schema: `drizzle-kit generate`
 * (the real CLI, offline) writes the migration of the fixture schema (test/storage/fixtures/drizzle/),
 * and drizzle-orm's `migrate()` applies it to a fresh place: PostgreSQL tables with a random `dz…_`
 * prefix, a MariaDB database of its own, a SQLite file of its own. So these tests never collide
 * with the Kysely tests on the same servers, nor with each other.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { drizzle as drizzleSqlite } from 'drizzle-orm/better-sqlite3';
import { migrate as migrateSqlite } from 'drizzle-orm/better-sqlite3/migrator';
import { drizzle as drizzleMysql } from 'drizzle-orm/mysql2';
import { migrate as migrateMysql } from 'drizzle-orm/mysql2/migrator';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import mysql from 'mysql2/promise';
import pg from 'pg';
import { randomToken } from '../../src/internal/encoding.js';
import { createDrizzleStore, type DrizzleStore, type DrizzleStoreOptions } from '../../src/storage/drizzle/index.js';
import { createTokenCipher } from '../../src/storage/token-cipher.js';
import { mysqlSchema } from './fixtures/drizzle/schema-mysql.js';
import { pgSchema } from './fixtures/drizzle/schema-pg.js';
import { sqliteSchema } from './fixtures/drizzle/schema-sqlite.js';
import { TEST_SECRET } from './sql-support.js';

const run = promisify(execFile);
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const fixtures = join(root, 'test', 'storage', 'fixtures', 'drizzle');

/** The drizzle-kit dialect names. */
const KIT_DIALECT = { pg: 'postgresql', mysql: 'mysql', sqlite: 'sqlite' } as const;

/** A dialect of the Drizzle store. */
export type DrizzleKind = keyof typeof KIT_DIALECT;

/** A random name part, lower-case letters and digits. */
export function randomName(): string {
  return randomToken(6)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, 'x');
}

/**
 * Runs `drizzle-kit generate` on the fixture schema of `kind` (tables prefixed with `prefix`).
 *
 * @returns the migrations folder and the SQL it wrote.
 */
export async function generateMigrations(kind: DrizzleKind, prefix: string): Promise<{ folder: string; sql: string; output: string }> {
  const folder = mkdtempSync(join(tmpdir(), `latchkey-drizzle-${kind}-`));
  const schema = join(fixtures, `schema-${kind}.ts`);
  const { stdout, stderr } = await run(
    process.execPath,
    [join(root, 'node_modules', 'drizzle-kit', 'bin.cjs'), 'generate', '--dialect', KIT_DIALECT[kind], '--schema', schema, '--out', folder],
    { cwd: root, env: { ...process.env, DZ_TABLE_PREFIX: prefix }, timeout: 60_000 },
  );
  const files = readdirSync(folder).filter((f) => f.endsWith('.sql'));
  const sql = files.map((f) => readFileSync(join(folder, f), 'utf8')).join('\n');
  return { folder, sql, output: `${stdout}${stderr}` };
}

/** A migrated Drizzle database and the store on it. */
export interface DrizzleHarness {
  readonly store: DrizzleStore;
  /** The app's Drizzle database. */
  readonly db: object;
  /** The app's tables (the fixture schema). */
  readonly tables: ReturnType<typeof pgSchema> | ReturnType<typeof mysqlSchema> | ReturnType<typeof sqliteSchema>;
  /** Runs raw SQL on the database (reading rows as stored). */
  raw(sql: string, params?: unknown[]): Promise<Record<string, unknown>[]>;
  /** The prefix of the table names. */
  readonly prefix: string;
  /** A placeholder for raw SQL parameter `n` (1-based): `$1` on PostgreSQL, `?` elsewhere. */
  p(n: number): string;
  /** Another store on the same database and tables. */
  reopen(extra: Partial<StoreExtras>): Promise<DrizzleStore>;
  /** Drops what the harness created and closes the pool. */
  cleanup(): Promise<void>;
}

/** Connection options of a harness. */
export interface HarnessOptions {
  readonly connectTimeoutMs?: number;
  readonly operationTimeoutMs?: number;
  /** Extra store options. */
  readonly store?: Partial<Pick<DrizzleStoreOptions, 'userFields' | 'now' | 'tokenCipher'>>;
  /** An already generated migrations folder for this kind and prefix (skips drizzle-kit). */
  readonly migrations?: { readonly folder: string; readonly prefix: string };
}

/**
 * Generates and applies the fixture migrations on a fresh place and opens the store.
 *
 * @param kind - the dialect.
 * @param url - the server (`postgres://…`, `mysql://…`); for SQLite, a folder for the file.
 */
export async function openDrizzleHarness(kind: DrizzleKind, url: string, options: HarnessOptions = {}): Promise<DrizzleHarness> {
  const prefix = options.migrations?.prefix ?? (kind === 'pg' ? `dz${randomName()}_` : '');
  const migrations = options.migrations?.folder ?? (await generateMigrations(kind, prefix)).folder;
  const storeOptions = { tokenCipher: createTokenCipher({ secrets: [TEST_SECRET] }), operationTimeoutMs: options.operationTimeoutMs ?? 8000, ...options.store };
  const connectMs = options.connectTimeoutMs ?? 3000;
  if (kind === 'pg') return openPg(url, prefix, migrations, connectMs, storeOptions);
  if (kind === 'mysql') return openMysql(url, migrations, connectMs, storeOptions);
  return openSqlite(url, migrations, storeOptions);
}

type StoreExtras = Omit<DrizzleStoreOptions, 'db' | 'tables'>;

async function openPg(url: string, prefix: string, folder: string, connectMs: number, extras: StoreExtras): Promise<DrizzleHarness> {
  const pool = new pg.Pool({ connectionString: url, max: 10, connectionTimeoutMillis: connectMs, statement_timeout: 5000, query_timeout: 6000 });
  // An idle client whose backend died emits 'error' (the pool drops it): without a listener Node exits.
  pool.on('error', () => {});
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = drizzlePg(pool);
  const tables = pgSchema(prefix);
  const migrationsTable = `${prefix}migrations`;
  await migratePg(db, { migrationsFolder: folder, migrationsTable, migrationsSchema: 'public' });
  const store = await createDrizzleStore({ db, tables, ...extras });
  return {
    store,
    db,
    tables,
    prefix,
    p: (n) => `$${n}`,
    reopen: (extra) => createDrizzleStore({ db, tables, ...extras, ...extra }),
    raw: async (sql, params = []) => (await pool.query(sql, params)).rows as Record<string, unknown>[],
    async cleanup() {
      try {
        await store.close();
        for (const t of ['sessions', 'accounts', 'users', 'migrations']) await pool.query(`drop table if exists "${prefix}${t}" cascade`);
      } finally {
        await pool.end();
        rmSync(folder, { recursive: true, force: true });
      }
    },
  };
}

async function openMysql(url: string, folder: string, connectMs: number, extras: StoreExtras): Promise<DrizzleHarness> {
  // A database of this run's own: the tables keep the plain names an app gives them.
  const database = `dz_${randomName()}`;
  const admin = await mysql.createConnection({ uri: url, connectTimeout: connectMs });
  try {
    await admin.query(`CREATE DATABASE ${database}`);
  } finally {
    await admin.end();
  }
  const target = new URL(url);
  target.pathname = `/${database}`;
  const pool = mysql.createPool({ uri: target.toString(), connectionLimit: 10, connectTimeout: connectMs, enableKeepAlive: true });
  pool.on('connection', (conn) => conn.on('error', () => {}));
  const db = drizzleMysql(pool);
  const tables = mysqlSchema('');
  await migrateMysql(db, { migrationsFolder: folder });
  const store = await createDrizzleStore({ db, tables, ...extras });
  return {
    store,
    db,
    tables,
    prefix: '',
    p: () => '?',
    reopen: (extra) => createDrizzleStore({ db, tables, ...extras, ...extra }),
    raw: async (sql, params = []) => {
      const [rows] = await pool.query(sql, params);
      return Array.isArray(rows) ? (rows as Record<string, unknown>[]) : [];
    },
    async cleanup() {
      try {
        await store.close();
        await pool.query(`DROP DATABASE IF EXISTS ${database}`);
      } finally {
        await pool.end();
        rmSync(folder, { recursive: true, force: true });
      }
    },
  };
}

async function openSqlite(dir: string, folder: string, extras: StoreExtras): Promise<DrizzleHarness> {
  const file = join(dir, `dz-${randomName()}.db`);
  const sqlite = new Database(file);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  const db = drizzleSqlite(sqlite);
  const tables = sqliteSchema('');
  migrateSqlite(db, { migrationsFolder: folder });
  const store = await createDrizzleStore({ db, tables, ...extras });
  return {
    store,
    db,
    tables,
    prefix: '',
    p: () => '?',
    reopen: (extra) => createDrizzleStore({ db, tables, ...extras, ...extra }),
    raw: async (sql, params = []) => {
      const statement = sqlite.prepare(sql);
      if (statement.reader) return statement.all(...params) as Record<string, unknown>[];
      statement.run(...params);
      return [];
    },
    async cleanup() {
      try {
        await store.close();
      } finally {
        sqlite.close();
        for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
        rmSync(folder, { recursive: true, force: true });
      }
    },
  };
}
