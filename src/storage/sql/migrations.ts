/**
 * Versioned migrations, in code (no files to ship or find at run time). Each has a sortable name;
 * Kysely's Migrator records applied ones in `<prefix>kysely_migration` and serializes concurrent
 * runs with its lock table, so several app instances starting at once migrate once.
 *
 * @module
 */
import { type Kysely, type Migration, type MigrationProvider, sql } from 'kysely';
import type { Database } from './schema.js';

/** The SQL dialect family. */
export type SqlKind = 'sqlite' | 'postgres' | 'mysql';

/**
 * The migrations for a table prefix and dialect, by name.
 *
 * @param prefix - the table prefix (index and constraint names carry it too).
 * @param kind - the dialect family (MySQL tables get utf8mb4 with binary collation: ids, issuers
 *   and subjects are case-sensitive).
 * @returns the migrations.
 */
export function migrations(prefix: string, kind: SqlKind): Record<string, Migration> {
  const tableOptions = kind === 'mysql' ? sql`engine=InnoDB default charset=utf8mb4 collate=utf8mb4_bin` : sql``;
  return {
    '0001_initial': {
      async up(db: Kysely<Database>): Promise<void> {
        await db.schema
          .createTable('users')
          .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
          .addColumn('email', 'varchar(320)')
          .addColumn('email_lower', 'varchar(320)')
          .addColumn('email_verified', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('name', 'varchar(512)')
          .addColumn('image', 'text')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .addUniqueConstraint(`${prefix}users_email_lower`, ['email_lower'])
          .modifyEnd(tableOptions)
          .execute();
        await db.schema
          .createTable('accounts')
          .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
          .addColumn('user_id', 'varchar(64)', (c) => c.notNull().references('users.id').onDelete('cascade'))
          .addColumn('provider_id', 'varchar(255)', (c) => c.notNull())
          .addColumn('issuer', 'varchar(500)', (c) => c.notNull())
          .addColumn('subject', 'varchar(255)', (c) => c.notNull())
          .addColumn('scopes', 'text', (c) => c.notNull())
          .addColumn('tokens_enc', 'text')
          .addColumn('token_key_id', 'varchar(64)')
          .addColumn('token_expires_at', 'bigint')
          .addColumn('needs_reauth', 'integer', (c) => c.notNull().defaultTo(0))
          .addColumn('token_version', 'integer', (c) => c.notNull().defaultTo(1))
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .addUniqueConstraint(`${prefix}accounts_identity`, ['issuer', 'subject'])
          .modifyEnd(tableOptions)
          .execute();
        await db.schema.createIndex(`${prefix}accounts_user`).on('accounts').column('user_id').execute();
        await db.schema
          .createTable('sessions')
          .addColumn('id', 'varchar(64)', (c) => c.primaryKey())
          .addColumn('user_id', 'varchar(64)', (c) => c.notNull())
          .addColumn('provider_id', 'varchar(255)', (c) => c.notNull())
          .addColumn('issuer', 'varchar(500)', (c) => c.notNull())
          .addColumn('subject', 'varchar(255)', (c) => c.notNull())
          .addColumn('sid', 'varchar(255)')
          .addColumn('created_at', 'bigint', (c) => c.notNull())
          .addColumn('idle_expires_at', 'bigint', (c) => c.notNull())
          .addColumn('absolute_expires_at', 'bigint', (c) => c.notNull())
          .addColumn('data', 'text', (c) => c.notNull())
          .modifyEnd(tableOptions)
          .execute();
        await db.schema.createIndex(`${prefix}sessions_user`).on('sessions').column('user_id').execute();
        await db.schema.createIndex(`${prefix}sessions_sid`).on('sessions').columns(['issuer', 'sid']).execute();
        await db.schema.createIndex(`${prefix}sessions_subject`).on('sessions').columns(['issuer', 'subject']).execute();
        await db.schema.createIndex(`${prefix}sessions_expiry`).on('sessions').column('absolute_expires_at').execute();
      },
      async down(db: Kysely<Database>): Promise<void> {
        await db.schema.dropTable('sessions').execute();
        await db.schema.dropTable('accounts').execute();
        await db.schema.dropTable('users').execute();
      },
    },
    // Replay memories and cookie-session revocations shared by every instance (issue 14).
    '0002_replay': {
      async up(db: Kysely<Database>): Promise<void> {
        await db.schema
          .createTable('replay')
          .addColumn('scope', 'varchar(32)', (c) => c.notNull())
          .addColumn('value_hash', 'varchar(64)', (c) => c.notNull())
          .addColumn('writer', 'varchar(32)', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint(`${prefix}replay_pk`, ['scope', 'value_hash'])
          .modifyEnd(tableOptions)
          .execute();
        await db.schema.createIndex(`${prefix}replay_expiry`).on('replay').column('expires_at').execute();
        await db.schema
          .createTable('revocations')
          .addColumn('selector_hash', 'varchar(64)', (c) => c.primaryKey())
          .addColumn('revoked_at', 'bigint', (c) => c.notNull())
          .addColumn('expires_at', 'bigint', (c) => c.notNull())
          .modifyEnd(tableOptions)
          .execute();
        await db.schema.createIndex(`${prefix}revocations_expiry`).on('revocations').column('expires_at').execute();
      },
      async down(db: Kysely<Database>): Promise<void> {
        await db.schema.dropTable('revocations').execute();
        await db.schema.dropTable('replay').execute();
      },
    },
  };
}

/** A Kysely migration provider over {@link migrations}. */
export class InCodeMigrationProvider implements MigrationProvider {
  readonly #migrations: Record<string, Migration>;
  /**
   * @param prefix - the table prefix.
   * @param kind - the dialect family.
   */
  constructor(prefix: string, kind: SqlKind) {
    this.#migrations = migrations(prefix, kind);
  }
  /** @returns the migrations by name. */
  async getMigrations(): Promise<Record<string, Migration>> {
    return this.#migrations;
  }
}
