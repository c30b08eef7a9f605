/**
 * The runner every SQL store operation goes through (Kysely, for SQLite, PostgreSQL and
 * MySQL/MariaDB): migrations before the first operation, a deadline on each, a bounded retry of
 * transient conflicts and of one dropped connection, driver errors mapped to `StorageError`.
 *
 * @module
 */
import { type Kysely, Migrator } from 'kysely';
import { LatchkeyError } from '../../errors.js';
import { isConnectionError, isTransientConflict, toStorageError, withDeadline } from '../errors.js';
import { InCodeMigrationProvider, type SqlKind } from './migrations.js';
import type { Database } from './schema.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

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
    return withDeadline(this.#attempt(operation, work), this.#options.operationTimeoutMs, operation);
  }

  async #attempt<T>(operation: string, work: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    let conflicts = 0;
    let drops = 0;
    for (;;) {
      try {
        await this.ready();
        return await work(this.db);
      } catch (err) {
        if (err instanceof LatchkeyError) throw err;
        if (conflicts < 5 && isTransientConflict(err)) {
          conflicts++;
          await sleep(5 + Math.random() * 20 * conflicts);
          continue;
        }
        // A pooled connection whose backend was killed fails once; a fresh one may work.
        if (drops < 1 && isConnectionError(err)) {
          drops++;
          await sleep(50);
          continue;
        }
        throw toStorageError(err, operation);
      }
    }
  }

  /** Locks a row for the rest of the transaction (PostgreSQL, MySQL); SQLite transactions are serial. */
  get rowLocks(): boolean {
    return this.kind !== 'sqlite';
  }
}
