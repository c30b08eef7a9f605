/**
 * `latchkey/storage/cloudflare`: stores for Cloudflare Workers, on the Worker's own bindings and
 * Web APIs only (no driver, no peer package): server-side sessions in Workers KV, users and
 * accounts in D1 (the SQL store's schema, with plain D1 calls).
 *
 * ```ts
 * const auth = createAuth({
 *   baseUrl: env.BASE_URL, secret: env.AUTH_SECRET, providers,
 *   session: { strategy: 'server' },
 *   store: { users: createD1UserStore({ db: env.DB, secrets: [env.AUTH_SECRET] }), sessions: createKvSessionStore({ kv: env.SESSIONS }) },
 * });
 * ```
 *
 * See `docs/workers.md` for what KV's consistency and minimum TTL mean for sessions.
 *
 * @module
 */
import { ConfigurationError } from '../../errors.js';
import { createTokenCipher, type TokenCipher } from '../token-cipher.js';
import { D1UserStore } from './d1-user-store.js';
import type { D1DatabaseLike } from './types.js';

export { d1MigrationSql } from './d1-schema.js';
export type { D1UserStore } from './d1-user-store.js';
export { createKvSessionStore, KV_MIN_TTL_SECONDS, KvSessionStore, type KvSessionStoreOptions } from './kv-session-store.js';
export type { D1DatabaseLike, D1RunMeta, D1StatementLike, KvListedKey, KvListPage, KvNamespaceLike, KvPutOptions } from './types.js';

const PREFIX_RE = /^[a-z][a-z0-9_]{0,30}$/;

/** Options of {@link createD1UserStore}. */
export interface D1UserStoreConfig {
  /** The D1 binding, e.g. `env.DB`. */
  readonly db: D1DatabaseLike;
  /** Encrypts provider tokens at rest. Give this or `secrets`. */
  readonly tokenCipher?: TokenCipher;
  /** App secrets, newest first, for a token cipher made here. */
  readonly secrets?: readonly string[];
  /** Prepended to every table and index name. Default `latchkey_` (as the SQL store). */
  readonly tablePrefix?: string;
  /**
   * Apply pending migrations before the first operation of each isolate (two reads when there is
   * nothing to do). Default true; with `false`, apply {@link d1MigrationSql} with Wrangler.
   */
  readonly autoMigrate?: boolean;
  /** Deadline of one store operation, ms. Default 8000. */
  readonly operationTimeoutMs?: number;
  /** The clock, epoch ms (tests). */
  readonly now?: () => number;
}

/**
 * Opens the D1 user store: users and linked accounts, tokens encrypted at rest as in the SQL store.
 *
 * @param config - the binding, the token cipher (or secrets) and policies.
 * @returns the user store; `migrate()` applies pending migrations.
 * @throws ConfigurationError `CONFIG_INVALID` for a bad prefix or a missing cipher.
 * @see [Cloudflare D1 - Workers Binding API](https://developers.cloudflare.com/d1/worker-api/)
 */
export function createD1UserStore(config: D1UserStoreConfig): D1UserStore {
  const prefix = config.tablePrefix ?? 'latchkey_';
  if (prefix !== '' && !PREFIX_RE.test(prefix)) {
    throw new ConfigurationError('`tablePrefix` must be lower-case letters, digits and underscores, starting with a letter (max 31).');
  }
  if (typeof config.db?.prepare !== 'function' || typeof config.db.batch !== 'function') {
    throw new ConfigurationError('createD1UserStore needs `db`: the D1 binding (env.DB), as named in wrangler.toml `[[d1_databases]]`.');
  }
  const cipher = config.tokenCipher ?? (config.secrets ? createTokenCipher({ secrets: config.secrets }) : undefined);
  if (!cipher) throw new ConfigurationError('createD1UserStore needs `tokenCipher` or `secrets`: provider tokens are encrypted at rest.');
  return new D1UserStore({
    db: config.db,
    tokenCipher: cipher,
    prefix,
    autoMigrate: config.autoMigrate ?? true,
    operationTimeoutMs: config.operationTimeoutMs ?? 8000,
    ...(config.now ? { now: config.now } : {}),
  });
}
