/**
 * The runner every SQL store operation goes through (Kysely, for SQLite, PostgreSQL and
 * MySQL/MariaDB): migrations before the first operation, a deadline on each, a bounded retry of
 * transient conflicts and of one dropped connection, driver errors mapped to `StorageError`.
 *
 * @module
 */
import { type Kysely, Migrator } from 'kysely';
import { toStorageError } from '../errors.js';
import { runStoreOperation } from '../retry.js';
import { InCodeMigrationProvider, type SqlKind } from './migrations.js';
import type { Database } from './schema.js';

/** Options of the shared runner. */
export interface RunnerOptions {
  readonly db: Kysely<Database>;
  readonly kind: SqlKind;
  readonly prefix: string;
  /** Run migrations before the first operation. */
  readonly autoMigrate: boolean;
  /** The deadline of one store operation, retries included. */
  readonly operationTimeoutMs: number;
}

/**
 * Runs store operations: migrations first (when automatic), a deadline on each, a bounded retry
 * of transient conflicts and of one dropped connection, and driver errors mapped to typed errors.
 */
export class SqlRunner {
  readonly db: Kysely<Database>;
  readonly kind: SqlKind;
  readonly prefix: string;
  readonly #options: RunnerOptions;
  #ready: Promise<void> | undefined;

  /** @param options - the database and policies. */
  constructor(options: RunnerOptions) {
    this.#options = options;
    this.db = options.db;
    this.kind = options.kind;
    this.prefix = options.prefix;
  }

  /**
   * Applies pending migrations.
   *
   * @returns the names of the migrations applied now.
   * @throws StorageError `STORAGE_UNAVAILABLE`.
   */
  async migrate(): Promise<string[]> {
    const migrator = new Migrator({
      db: this.db,
      provider: new InCodeMigrationProvider(this.prefix, this.kind),
      migrationTableName: `${this.prefix}kysely_migration`,
      migrationLockTableName: `${this.prefix}kysely_migration_lock`,
    });
    const { error, results } = await migrator.migrateToLatest();
    if (error !== undefined) throw toStorageError(error, 'migrate');
    return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  }

  /** Resolves when the schema is ready; a failed automatic migration is retried on the next call. */
  ready(): Promise<void> {
    if (!this.#options.autoMigrate) return Promise.resolve();
    this.#ready ??= this.migrate().then(
      () => undefined,
      (err: unknown) => {
        this.#ready = undefined;
        throw err;
      },
    );
    return this.#ready;
  }

  /**
   * Runs one operation under the deadline and retry policy.
   *
   * @param operation - its name, for messages.
   * @param work - the queries.
   * @returns what `work` returns.
   * @throws StorageError `STORAGE_UNAVAILABLE` (unreachable, timed out, failed).
   */
  run<T>(operation: string, work: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    return runStoreOperation(
      operation,
      async () => {
        await this.ready();
        return work(this.db);
      },
      this.#options.operationTimeoutMs,
    );
  }

  /** Locks a row for the rest of the transaction (PostgreSQL, MySQL); SQLite transactions are serial. */
  get rowLocks(): boolean {
    return this.kind !== 'sqlite';
  }
}
