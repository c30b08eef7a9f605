/**
 * A Redis lock for the token vault: `SET key token NX PX ttl` to take it, a Lua script that
 * deletes the key only if it still holds our token to release it (so a holder whose TTL ran out
 * never releases someone else's lock), a Lua script that renews the TTL only if the key still
 * holds our token (compare-and-extend: the random token is the lease's fencing token), and
 * bounded polling with jittered backoff to wait.
 *
 * Crash semantics: a holder that dies (or freezes) stops renewing and keeps the key until its `PX`
 * TTL ends; then the next caller takes it. A holder that outlived its TTL learns it from the
 * extend script (0) and the vault gives up before using the refresh token; its store write is a
 * compare-and-set anyway, so it cannot overwrite a newer refresh.
 *
 * @see [Redis - Distributed locks with Redis (single instance)](https://redis.io/docs/latest/develop/use/patterns/distributed-locks/#correct-implementation-with-a-single-instance)
 * @module
 */
import { ConfigurationError, StorageError, TokenError } from '../../errors.js';
import { importPeer } from '../../internal/peer.js';
import { type DistributedLock, type LockAcquireOptions, type LockLease, pollDelayMs, sleep } from './types.js';

/** The part of a node-redis (v4/v5) client the lock uses. */
export interface RedisLockClient {
  sendCommand(args: string[]): Promise<unknown>;
}

/** Options of {@link createRedisLock}: an existing client, or a URL for a client of the lock's own. */
export interface RedisLockOptions {
  /** A connected node-redis client (not closed by the lock). */
  readonly client?: RedisLockClient;
  /** `redis://host:6379`: the lock opens (and `close()` closes) its own client. */
  readonly url?: string;
  /** Prepended to every key. Default '' (the vault's keys start with `latchkey:`). */
  readonly keyPrefix?: string;
  /** Connection timeout of the lock's own client, ms. Default 3000. */
  readonly connectTimeoutMs?: number;
  /** Longest wait for one Redis command before `STORAGE_UNAVAILABLE`, ms. Default 3000. */
  readonly commandTimeoutMs?: number;
}

// Release only if the key still holds our token (the Redis single-instance lock pattern).
const RELEASE_SCRIPT = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
// Extend only if the key still holds our token: compare-and-extend on the lease's fencing token.
const EXTEND_SCRIPT = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";

/**
 * Creates a Redis lock.
 *
 * @param options The client (or a URL) and a key prefix.
 * @returns The lock.
 * @throws {ConfigurationError} `CONFIG_INVALID` without `client` or `url`.
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * const redis = await createClient({ url: process.env.REDIS_URL }).connect();
 * const vault = createTokenVault({ users, clientFor, lock: createRedisLock({ client: redis }) });
 * ```
 * @see [Redis SET (NX, PX)](https://redis.io/docs/latest/commands/set/)
 */
export function createRedisLock(options: RedisLockOptions): DistributedLock {
  if (!options.client && !options.url) throw new ConfigurationError('createRedisLock needs `client` or `url`.');
  const prefix = options.keyPrefix ?? '';
  const connectTimeoutMs = options.connectTimeoutMs ?? 3000;
  const commandTimeoutMs = options.commandTimeoutMs ?? 3000;
  let own: { client: RedisLockClient; close(): Promise<void> } | undefined;
  let opening: Promise<RedisLockClient> | undefined;

  const client = (): Promise<RedisLockClient> => {
    if (options.client) return Promise.resolve(options.client);
    opening ??= (async () => {
      // Imported only when the lock opens its own connection.
      const { createClient } = await importPeer(() => import('redis'));
      let ready = false;
      const c = createClient({
        url: options.url,
        // Fail fast while Redis is away instead of queueing commands (a waiter must not hang).
        disableOfflineQueue: true,
        socket: {
          connectTimeout: connectTimeoutMs,
          // The first connection fails at once (the caller gets STORAGE_UNAVAILABLE); later drops reconnect with backoff.
          reconnectStrategy: (retries: number, cause: Error) => (ready ? Math.min(retries * 100, 2000) : cause),
        },
      });
      c.on('error', () => {});
      try {
        await c.connect();
      } catch (cause) {
        opening = undefined;
        c.destroy();
        throw cause;
      }
      ready = true;
      own = { client: c as unknown as RedisLockClient, close: async () => void (await c.close()) };
      return own.client;
    })();
    return opening;
  };

  const command = async (args: string[]): Promise<unknown> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      // Opening is bounded by the connect timeout (and fails at once when refused).
      const c = await client();
      // Bounded: a client that queues commands while disconnected must not hang the caller.
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${commandTimeoutMs} ms`)), commandTimeoutMs);
      });
      return await Promise.race([c.sendCommand(args), timeout]);
    } catch (cause) {
      throw new StorageError('STORAGE_UNAVAILABLE', 'The Redis lock could not reach Redis.', { cause });
    } finally {
      clearTimeout(timer);
    }
  };

  return {
    async acquire(key: string, { ttlMs, waitMs }: LockAcquireOptions): Promise<LockLease> {
      const fullKey = prefix + key;
      const token = randomHex(16);
      const deadline = Date.now() + waitMs;
      for (let attempt = 0; ; attempt++) {
        const acquiredAt = performance.now();
        const reply = await command(['SET', fullKey, token, 'NX', 'PX', String(Math.max(1, Math.ceil(ttlMs)))]);
        if (reply === 'OK') {
          return {
            key,
            acquiredAt,
            async release() {
              try {
                await command(['EVAL', RELEASE_SCRIPT, '1', fullKey, token]);
              } catch {
                // Never throws: the TTL frees the key anyway.
              }
            },
            async extend(ttlMs: number) {
              // 1: the key held our token and got the new TTL; 0: it expired or is someone else's.
              const reply = await command(['EVAL', EXTEND_SCRIPT, '1', fullKey, token, String(Math.max(1, Math.ceil(ttlMs)))]);
              return reply === 1 || reply === '1';
            },
          };
        }
        const remaining = deadline - Date.now();
        if (remaining <= 0) throw new TokenError('LOCK_TIMEOUT', `The refresh lock was not free within ${waitMs} ms.`);
        await sleep(Math.min(remaining, pollDelayMs(attempt)));
      }
    },
    async close() {
      const o = own;
      own = undefined;
      opening = undefined;
      await o?.close();
    },
  };
}

/** `bytes` random bytes as hex: the lock owner's token. */
function randomHex(bytes: number): string {
  const b = crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}
