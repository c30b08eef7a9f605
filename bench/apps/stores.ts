/**
 * The stores a benchmark app can run on (`STORE`): `memory`; `sqlite` and `postgres` (the Kysely SQL
 * store); `drizzle-sqlite` and `drizzle-postgres` (the Drizzle store on the app's own schema: the
 * example app's SQLite schema and migration, or the PostgreSQL test schema migrated from the folder
 * the parent generated with drizzle-kit, `DZ_MIGRATIONS` with tables prefixed `DZ_PREFIX`).
 * PostgreSQL at `PG_URL`. Each returns the stores and the cleanup that drops what it made.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SessionStore, UserStore } from '../../src/storage/types.js';
import { env } from './child.js';

/** An opened store and its cleanup. */
export interface BenchStore {
  readonly users: UserStore;
  readonly sessions: SessionStore;
  close(): Promise<void>;
}

const suffix = () => Math.random().toString(36).slice(2, 8);

async function kyselySqlite(secret: string): Promise<BenchStore> {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-bench-'));
  const { createSqlStore } = await import('../../src/storage/sql/index.js');
  const store = await createSqlStore({ url: `sqlite:${join(dir, 'bench.db')}`, secrets: [secret] });
  await store.migrate();
  return { users: store.users, sessions: store.sessions, close: async () => (await store.close(), rmSync(dir, { recursive: true, force: true })) };
}

async function kyselyPostgres(secret: string): Promise<BenchStore> {
  const { createSqlStore } = await import('../../src/storage/sql/index.js');
  const store = await createSqlStore({ url: env('PG_URL'), tablePrefix: `bk${suffix()}_`, secrets: [secret] });
  await store.migrate();
  return { users: store.users, sessions: store.sessions, close: async () => (await store.dropAll(), await store.close()) };
}

async function drizzleSqlite(secret: string): Promise<BenchStore> {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-bench-'));
  const [{ default: Database }, { drizzle }, { migrate }, schema, { createDrizzleStore }] = await Promise.all([
    import('better-sqlite3'),
    import('drizzle-orm/better-sqlite3'),
    import('drizzle-orm/better-sqlite3/migrator'),
    import('../../examples/app/drizzle-sqlite/schema.js'),
    import('../../src/storage/drizzle/index.js'),
  ]);
  const sqlite = new Database(join(dir, 'bench.db'));
  // The same settings as the Kysely store's SQLite connection.
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('synchronous = NORMAL');
  const db = drizzle(sqlite, { schema });
  migrate(db, { migrationsFolder: join(process.cwd(), 'examples', 'app', 'drizzle-sqlite', 'drizzle') });
  const store = await createDrizzleStore({ db, tables: { users: schema.users, accounts: schema.accounts, sessions: schema.sessions }, secrets: [secret] });
  return {
    users: store.users,
    sessions: store.sessions,
    close: async () => (await store.close(), sqlite.close(), rmSync(dir, { recursive: true, force: true })),
  };
}

async function drizzlePostgres(secret: string): Promise<BenchStore> {
  const [{ default: pg }, { drizzle }, { migrate }, { pgSchema }, { createDrizzleStore }] = await Promise.all([
    import('pg'),
    import('drizzle-orm/node-postgres'),
    import('drizzle-orm/node-postgres/migrator'),
    import('../../test/storage/fixtures/drizzle/schema-pg.js'),
    import('../../src/storage/drizzle/index.js'),
  ]);
  const prefix = env('DZ_PREFIX');
  // The same pool settings as the Kysely store's.
  const pool = new pg.Pool({ connectionString: env('PG_URL'), max: 10, connectionTimeoutMillis: 3000, statement_timeout: 5000, keepAlive: true });
  pool.on('error', () => {});
  const db = drizzle(pool);
  const tables = pgSchema(prefix);
  await migrate(db, { migrationsFolder: env('DZ_MIGRATIONS'), migrationsTable: `${prefix}migrations`, migrationsSchema: 'public' });
  const store = await createDrizzleStore({ db, tables, secrets: [secret] });
  return {
    users: store.users,
    sessions: store.sessions,
    async close() {
      await store.close();
      for (const t of ['sessions', 'accounts', 'users', 'migrations']) await pool.query(`drop table if exists "${prefix}${t}" cascade`);
      await pool.end();
    },
  };
}

const OPENERS: Readonly<Record<string, (secret: string) => Promise<BenchStore>>> = {
  sqlite: kyselySqlite,
  postgres: kyselyPostgres,
  'drizzle-sqlite': drizzleSqlite,
  'drizzle-postgres': drizzlePostgres,
};

/**
 * Opens the store `kind` names.
 *
 * @returns the store, or undefined for `memory`.
 */
export async function openBenchStore(kind: string, secret: string): Promise<BenchStore | undefined> {
  if (kind === 'memory') return undefined;
  const open = OPENERS[kind];
  if (!open) throw new Error(`STORE must be memory, ${Object.keys(OPENERS).join(', ')} (got ${kind})`);
  return open(secret);
}
