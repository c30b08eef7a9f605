/**
 * The parts of the Workers bindings the Cloudflare stores use, as structural types: a Worker's
 * `env.SESSIONS` (a `KVNamespace`) and `env.DB` (a `D1Database`) fit them, and so do the local
 * ones miniflare hands to Node (`getKVNamespace`, `getD1Database`). No dependency on
 * `@cloudflare/workers-types`.
 *
 * @module
 */

/** Options of a KV write. */
export interface KvPutOptions {
  /** Seconds from now; at least 60 (Workers KV's minimum). */
  readonly expirationTtl?: number;
}

/** One key of a KV listing. */
export interface KvListedKey {
  readonly name: string;
}

/** A page of a KV listing. */
export interface KvListPage {
  readonly keys: readonly KvListedKey[];
  readonly list_complete: boolean;
  readonly cursor?: string;
}

/** A Workers KV namespace (`KVNamespace`): the methods the session store calls. */
export interface KvNamespaceLike {
  get(key: string): Promise<string | null>;
  put(key: string, value: string, options?: KvPutOptions): Promise<void>;
  delete(key: string): Promise<void>;
  list(options: { readonly prefix: string; readonly limit?: number; readonly cursor?: string }): Promise<KvListPage>;
}

/** What D1 reports about a write. */
export interface D1RunMeta {
  readonly changes?: number;
}

/** A D1 prepared statement (`D1PreparedStatement`). */
export interface D1StatementLike {
  bind(...values: unknown[]): D1StatementLike;
  first<T = Record<string, unknown>>(): Promise<T | null>;
  all<T = Record<string, unknown>>(): Promise<{ readonly results: T[] }>;
  run(): Promise<{ readonly meta: D1RunMeta }>;
}

/** A D1 database (`D1Database`): the methods the user store calls. */
export interface D1DatabaseLike {
  prepare(query: string): D1StatementLike;
  /** Runs the statements as one transaction: all or none. */
  batch(statements: D1StatementLike[]): Promise<unknown[]>;
}
