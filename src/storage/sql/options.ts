/**
 * The options and the result of `createSqlStore`, apart so that the Kysely-backed half (`open.ts`)
 * and the entry point (`index.ts`) share them without importing each other.
 *
 * @module
 */
import type { Dialect } from 'kysely';
import type { TokenCipher } from '../token-cipher.js';
import type { ReplayStore, SessionStore, UserStore } from '../types.js';
import type { SqlKind } from './migrations.js';

/** Options of `createSqlStore`. Give `url`, or `dialect` with `kind`. */
export interface SqlStoreOptions {
  /**
   * `sqlite:path/to/file.db` (file and folder are created on first use; a value without a scheme is
   * refused with `DATABASE_URL_INVALID`),
   * `sqlite::memory:`, `postgres://user@host:5432/db`, `mysql://user@host:3306/db`.
   */
  readonly url?: string;
  /** A Kysely dialect you configured yourself (then `kind` is required). */
  readonly dialect?: Dialect;
  /** The family of `dialect`. */
  readonly kind?: SqlKind;
  /** Prepended to every table, index and migration-table name. Default `latchkey_`. */
  readonly tablePrefix?: string;
  /** Encrypts provider tokens at rest. Give this or `secrets`. */
  readonly tokenCipher?: TokenCipher;
  /** App secrets, newest first, for a token cipher made here. */
  readonly secrets?: readonly string[];
  /** Migrate before the first operation. Default: true unless `NODE_ENV` is `production`. */
  readonly autoMigrate?: boolean;
  /** Connection timeout, ms. Default 3000. */
  readonly connectTimeoutMs?: number;
  /** Statement timeout, ms. Default 5000. */
  readonly queryTimeoutMs?: number;
  /** Deadline of one store operation including its retries, ms. Default 8000. */
  readonly operationTimeoutMs?: number;
  /**
   * PostgreSQL: tell other processes about revoked sessions with LISTEN/NOTIFY, so their
   * in-process session caches drop them at once. Default true for PostgreSQL.
   */
  readonly notify?: boolean;
  /** The clock, epoch ms (tests). */
  readonly now?: () => number;
}

/** What `createSqlStore` returns. */
export interface SqlStore {
  readonly users: UserStore;
  readonly sessions: SessionStore;
  /** Replay memories and cookie-session revocations shared by every instance on this database. */
  readonly replay: ReplayStore;
  /** The dialect family in use. */
  readonly kind: SqlKind;
  /** Applies pending migrations; returns the names applied now. */
  migrate(): Promise<string[]>;
  /** Drops every Latchkey table and the migration tables (tests, `latchkey migrate --reset`). */
  dropAll(): Promise<void>;
  /** Closes the pool and the LISTEN connection. */
  close(): Promise<void>;
}
