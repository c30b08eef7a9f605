/**
 * The SQL store's schema on D1, without Kysely: the statements Kysely's SQLite dialect runs for
 * migrations `0001_initial` and `0002_replay` of `sql/migrations.ts` (tables `users`, `accounts`,
 * `sessions`, `replay`, `revocations` with their constraints and indexes), made idempotent with `IF NOT EXISTS`, and the same bookkeeping tables
 * (`<prefix>kysely_migration`, `<prefix>kysely_migration_lock`). SQLite stores a table's text
 * without `IF NOT EXISTS`, so a D1 database migrated here has exactly the schema of a SQLite file
 * migrated by `createSqlStore` (`test/workers/stores.test.ts` compares them).
 *
 * @module
 */
import type { D1DatabaseLike } from './types.js';

const q = (prefix: string, name: string): string => `"${prefix}${name}"`;

/** The statements of migration `0001_initial`, in order. */
function initial(p: string): string[] {
  return [
    `create table if not exists ${q(p, 'users')} ("id" varchar(64) primary key, "email" varchar(320), "email_lower" varchar(320), "email_verified" integer default 0 not null, "name" varchar(512), "image" text, "created_at" bigint not null, "updated_at" bigint not null, constraint ${q(p, 'users_email_lower')} unique ("email_lower"))`,
    `create table if not exists ${q(p, 'accounts')} ("id" varchar(64) primary key, "user_id" varchar(64) not null references ${q(p, 'users')} ("id") on delete cascade, "provider_id" varchar(255) not null, "issuer" varchar(500) not null, "subject" varchar(255) not null, "scopes" text not null, "tokens_enc" text, "token_key_id" varchar(64), "token_expires_at" bigint, "needs_reauth" integer default 0 not null, "token_version" integer default 1 not null, "created_at" bigint not null, "updated_at" bigint not null, constraint ${q(p, 'accounts_identity')} unique ("issuer", "subject"))`,
    `create index if not exists ${q(p, 'accounts_user')} on ${q(p, 'accounts')} ("user_id")`,
    `create table if not exists ${q(p, 'sessions')} ("id" varchar(64) primary key, "user_id" varchar(64) not null, "provider_id" varchar(255) not null, "issuer" varchar(500) not null, "subject" varchar(255) not null, "sid" varchar(255), "created_at" bigint not null, "idle_expires_at" bigint not null, "absolute_expires_at" bigint not null, "data" text not null)`,
    `create index if not exists ${q(p, 'sessions_user')} on ${q(p, 'sessions')} ("user_id")`,
    `create index if not exists ${q(p, 'sessions_sid')} on ${q(p, 'sessions')} ("issuer", "sid")`,
    `create index if not exists ${q(p, 'sessions_subject')} on ${q(p, 'sessions')} ("issuer", "subject")`,
    `create index if not exists ${q(p, 'sessions_expiry')} on ${q(p, 'sessions')} ("absolute_expires_at")`,
  ];
}

/** The statements of migration `0002_replay` (replay memories and cookie-session revocations), in order. */
function replay(p: string): string[] {
  return [
    `create table if not exists ${q(p, 'replay')} ("scope" varchar(32) not null, "value_hash" varchar(64) not null, "writer" varchar(32) not null, "expires_at" bigint not null, constraint ${q(p, 'replay_pk')} primary key ("scope", "value_hash"))`,
    `create index if not exists ${q(p, 'replay_expiry')} on ${q(p, 'replay')} ("expires_at")`,
    `create table if not exists ${q(p, 'revocations')} ("selector_hash" varchar(64) primary key, "revoked_at" bigint not null, "expires_at" bigint not null)`,
    `create index if not exists ${q(p, 'revocations_expiry')} on ${q(p, 'revocations')} ("expires_at")`,
  ];
}

/** The migrations, oldest first (the names match `sql/migrations.ts`). */
const MIGRATIONS: readonly { readonly name: string; readonly statements: (prefix: string) => string[] }[] = [
  { name: '0001_initial', statements: initial },
  { name: '0002_replay', statements: replay },
];

/** Kysely's migration bookkeeping tables, as its Migrator creates them on SQLite. */
function bookkeeping(p: string): string[] {
  return [
    `create table if not exists ${q(p, 'kysely_migration')} ("name" varchar(255) not null primary key, "timestamp" varchar(255) not null)`,
    `create table if not exists ${q(p, 'kysely_migration_lock')} ("id" varchar(255) not null primary key, "is_locked" integer default 0 not null)`,
    `insert or ignore into ${q(p, 'kysely_migration_lock')} ("id", "is_locked") values ('migration_lock', 0)`,
  ];
}

function record(p: string, name: string): string {
  return `insert or ignore into ${q(p, 'kysely_migration')} ("name", "timestamp") values ('${name}', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`;
}

/**
 * Every migration as one SQL text, for a Wrangler migrations file
 * (`wrangler d1 migrations create`), when the store should not migrate by itself
 * (`autoMigrate: false`). Running it twice changes nothing.
 *
 * @param prefix - the table prefix. Default `latchkey_`.
 * @returns the SQL statements, each ending with `;`.
 */
export function d1MigrationSql(prefix = 'latchkey_'): string {
  const statements = [...bookkeeping(prefix), ...MIGRATIONS.flatMap((m) => [...m.statements(prefix), record(prefix, m.name)])];
  return `${statements.map((s) => `${s};`).join('\n')}\n`;
}

/** The names of the migrations applied to `db`. */
async function applied(db: D1DatabaseLike, prefix: string): Promise<Set<string>> {
  const table = await db.prepare(`select name from sqlite_master where type = 'table' and name = ?`).bind(`${prefix}kysely_migration`).first();
  if (table === null) return new Set();
  const { results } = await db.prepare(`select "name" from ${q(prefix, 'kysely_migration')}`).all<{ name: string }>();
  return new Set(results.map((r) => r.name));
}

/**
 * Applies the pending migrations, each in one D1 batch (one transaction). Instances migrating at
 * once are harmless: every statement is idempotent.
 *
 * @param db - the D1 database.
 * @param prefix - the table prefix.
 * @returns the names of the migrations applied now.
 */
export async function migrateD1(db: D1DatabaseLike, prefix: string): Promise<string[]> {
  const done = await applied(db, prefix);
  const now: string[] = [];
  for (const m of MIGRATIONS) {
    if (done.has(m.name)) continue;
    const statements = [...bookkeeping(prefix), ...m.statements(prefix), record(prefix, m.name)];
    await db.batch(statements.map((s) => db.prepare(s)));
    now.push(m.name);
  }
  return now;
}
