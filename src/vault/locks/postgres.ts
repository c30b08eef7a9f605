/**
 * A PostgreSQL lock for the token vault, on session-level advisory locks: each acquisition takes
 * a dedicated connection from the lock's pool, waits server-side with `pg_advisory_lock` bounded
 * by `lock_timeout`, and holds the lock in that session until `pg_advisory_unlock`.
 *
 * Crash semantics: an advisory lock belongs to its session. A holder process that dies closes its
 * socket, the backend ends, and PostgreSQL releases the lock at once: no TTL wait. A holder that
 * freezes with the socket open would keep it forever, so while holding, the session runs with
 * `idle_session_timeout = ttlMs`: the server terminates a session idle that long, which releases
 * the lock. That is what a lapse means here: the holding session sits idle while the holder
 * talks to the provider, so a live holder renews ({@link LockLease.extend}) with a query on that
 * session, which proves the session (and so the lock) is alive and restarts its idle timer. An
 * extend that fails or does not answer within the TTL ends the session, so the lock is free
 * rather than in doubt. The key is `hashtextextended(key, 0)`, a 64-bit hash of the lock name.
 *
 * @see [PostgreSQL - Advisory Locks](https://www.postgresql.org/docs/current/explicit-locking.html#ADVISORY-LOCKS)
 * @see [PostgreSQL - idle_session_timeout](https://www.postgresql.org/docs/current/runtime-config-client.html#GUC-IDLE-SESSION-TIMEOUT)
 * @module
 */
import { ConfigurationError, StorageError, TokenError } from '../../errors.js';
import { importPeer } from '../../internal/peer.js';
import type { DistributedLock, LockAcquireOptions, LockLease } from './types.js';

/**
 * The parts of a `pg` pool client the lock uses. Structural, so that the shipped declarations do not
 * name `pg`: an app that uses another lock typechecks without `pg` or `@types/pg` installed.
 */
export interface PostgresLockConnection {
  query(text: string, values?: unknown[]): Promise<unknown>;
  on(event: 'error', listener: (error: Error) => void): unknown;
  off(event: 'error', listener: (error: Error) => void): unknown;
  release(destroy?: boolean): void;
}

/** The parts of a `pg` `Pool` the lock uses (a `new pg.Pool(...)` is one). */
export interface PostgresLockPool {
  connect(): Promise<PostgresLockConnection>;
  end(): Promise<void>;
}

/** Options of {@link createPostgresLock}: a URL for a pool of the lock's own, or a pool. */
export interface PostgresLockOptions {
  /** `postgres://user@host:5432/db`: the lock opens (and `close()` ends) its own small pool. */
  readonly url?: string;
  /**
   * A `pg` pool (not ended by the lock). Each waiter and holder keeps one connection, so give
   * the pool room; it must not have a `statement_timeout` shorter than the lock wait.
   */
  readonly pool?: PostgresLockPool;
  /** Connections of the lock's own pool. Default 10. */
  readonly maxConnections?: number;
  /** Connection timeout of the lock's own pool, ms. Default 3000. */
  readonly connectTimeoutMs?: number;
}

/** SQLSTATE 55P03 `lock_not_available`: `lock_timeout` ran out. */
const LOCK_NOT_AVAILABLE = '55P03';

/**
 * Creates a PostgreSQL advisory lock.
 *
 * @param options The database URL or a pool.
 * @returns The lock.
 * @throws {ConfigurationError} `CONFIG_INVALID` without `url` or `pool`.
 * @example
 * ```ts
 * const vault = createTokenVault({ users, clientFor, lock: createPostgresLock({ url: process.env.DATABASE_URL }) });
 * ```
 * @see [PostgreSQL - Advisory Lock Functions](https://www.postgresql.org/docs/current/functions-admin.html#FUNCTIONS-ADVISORY-LOCKS)
 */
export function createPostgresLock(options: PostgresLockOptions): DistributedLock {
  if (!options.pool && !options.url) throw new ConfigurationError('createPostgresLock needs `url` or `pool`.');
  let ownPool: PostgresLockPool | undefined;
  let opening: Promise<PostgresLockPool> | undefined;

  const pool = (): Promise<PostgresLockPool> => {
    if (options.pool) return Promise.resolve(options.pool);
    opening ??= (async () => {
      // Imported only when the lock opens its own pool.
      const { default: pg } = await importPeer(() => import('pg'));
      const p = new pg.Pool({
        connectionString: options.url,
        max: options.maxConnections ?? 10,
        connectionTimeoutMillis: options.connectTimeoutMs ?? 3000,
        idleTimeoutMillis: 30_000,
        keepAlive: true,
      });
      // An idle client whose backend ended (idle_session_timeout) emits 'error'; the pool drops it.
      p.on('error', () => {});
      ownPool = p;
      return p;
    })();
    return opening;
  };

  return {
    async acquire(key: string, { ttlMs, waitMs }: LockAcquireOptions): Promise<LockLease> {
      let conn: PostgresLockConnection;
      try {
        conn = await (await pool()).connect();
      } catch (cause) {
        throw new StorageError('STORAGE_UNAVAILABLE', 'The PostgreSQL lock could not connect.', { cause });
      }
      // A connection error while we hold it must not crash the process.
      const onError = (): void => {};
      conn.on('error', onError);
      let finished = false;
      // Once only: an extend that fails and a release may both end the connection.
      const done = (destroy: boolean): void => {
        if (finished) return;
        finished = true;
        // A destroyed connection may still report its socket's end: keep the no-op listener on it.
        if (!destroy) conn.off('error', onError);
        conn.release(destroy ? true : undefined);
      };
      let acquiredAt = 0;
      try {
        // lock_timeout bounds the server-side wait (0 would mean "forever": wait at least 1 ms).
        await conn.query("SELECT set_config('lock_timeout', $1, false)", [`${Math.max(1, Math.ceil(waitMs))}ms`]);
        await conn.query('SELECT pg_advisory_lock(hashtextextended($1, 0))', [key]);
        acquiredAt = performance.now();
        // While held: a session idle for ttlMs (a frozen holder) is ended by the server, freeing the lock.
        await conn.query("SELECT set_config('lock_timeout', '0', false), set_config('idle_session_timeout', $1, false)", [
          `${Math.max(1, Math.ceil(ttlMs))}ms`,
        ]);
      } catch (cause) {
        done(true);
        if ((cause as { code?: unknown }).code === LOCK_NOT_AVAILABLE) {
          throw new TokenError('LOCK_TIMEOUT', `The refresh lock was not free within ${waitMs} ms.`, { cause });
        }
        throw new StorageError('STORAGE_UNAVAILABLE', 'The PostgreSQL lock query failed.', { cause });
      }
      let released = false;
      return {
        key,
        // The idle timer starts after the next query (which sets it): counting from before it is safe.
        acquiredAt,
        async release() {
          if (released) return;
          released = true;
          if (finished) return;
          try {
            await conn.query("SELECT pg_advisory_unlock(hashtextextended($1, 0)), set_config('idle_session_timeout', '0', false)", [key]);
            done(false);
          } catch {
            // The session is gone (idle_session_timeout, network): its locks went with it.
            done(true);
          }
        },
        async extend(ttlMs: number) {
          if (released || finished) return false;
          const timeout = `${Math.max(1, Math.ceil(ttlMs))}ms`;
          try {
            // A session-level advisory lock lasts as long as its session: a query that succeeds on
            // the holding session proves the lock is still ours, and restarts the idle timer.
            // Bounded by the TTL itself: an answer later than that comes too late to count.
            let timer: ReturnType<typeof setTimeout> | undefined;
            const late = new Promise<never>((_, reject) => {
              timer = setTimeout(() => reject(new Error('no answer within the TTL')), Math.max(1, Math.ceil(ttlMs)));
            });
            try {
              await Promise.race([conn.query("SELECT set_config('idle_session_timeout', $1, false)", [timeout]), late]);
            } finally {
              clearTimeout(timer);
            }
            return !finished;
          } catch {
            // The session ended (idle_session_timeout ran out, the server or network went away) or
            // did not answer in time: end it for certain, so the lock is free rather than in doubt.
            done(true);
            return false;
          }
        },
      };
    },
    async close() {
      const p = ownPool;
      ownPool = undefined;
      opening = undefined;
      await p?.end();
    },
  };
}
