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

/** The part of a node-redis (v5) cluster client (`createCluster`) the lock uses: commands routed by key. */
export interface RedisClusterLockClient {
  sendCommand(firstKey: string, isReadonly: boolean, args: string[]): Promise<unknown>;
}

/**
 * Options of {@link createRedisLock}: an existing client, or a URL (or a Redis Cluster's root
 * nodes) for a client of the lock's own.
 */
export interface RedisLockOptions {
  /** A connected node-redis client (not closed by the lock). */
  readonly client?: RedisLockClient;
  /** A connected node-redis cluster client (not closed by the lock); every lock command names one key. */
  readonly clusterClient?: RedisClusterLockClient;
  /** `redis://host:6379`: the lock opens (and `close()` closes) its own client. */
  readonly url?: string;
  /**
   * A Redis Cluster: the lock opens (and `close()` closes) its own cluster client from these root
   * nodes (`redis://[user:password@]host:port`), and opens a fresh one (a new slot map) after a
   * failed command, so it follows a failover.
   */
  readonly cluster?: { readonly rootNodes: readonly string[] };
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
 * @param options The client (or a URL, or a Redis Cluster's root nodes) and a key prefix.
 * @returns The lock.
 * @throws {ConfigurationError} `CONFIG_INVALID` without `client`, `clusterClient`, `url` or `cluster.rootNodes`.
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * const redis = await createClient({ url: process.env.REDIS_URL }).connect();
 * const vault = createTokenVault({ users, clientFor, lock: createRedisLock({ client: redis }) });
 * // On a Redis Cluster: every command names one key (the lock's), routed to its slot's master.
 * const clustered = createRedisLock({ cluster: { rootNodes: ['redis://10.0.0.1:6379', 'redis://10.0.0.2:6379'] } });
 * ```
 * @see [Redis SET (NX, PX)](https://redis.io/docs/latest/commands/set/)
 */
export function createRedisLock(options: RedisLockOptions): DistributedLock {
  if (!options.client && !options.clusterClient && !options.url && !options.cluster?.rootNodes.length) {
    throw new ConfigurationError('createRedisLock needs `client`, `clusterClient`, `url` or `cluster.rootNodes`.');
  }
  const prefix = options.keyPrefix ?? '';
  const connectTimeoutMs = options.connectTimeoutMs ?? 3000;
  const commandTimeoutMs = options.commandTimeoutMs ?? 3000;
  let own: OwnClient | undefined;
  let opening: Promise<OwnClient> | undefined;

  const sender = (): Promise<Sender> => {
    const given = options.client;
    if (given) return Promise.resolve((_key, args) => given.sendCommand(args));
    const cluster = options.clusterClient;
    if (cluster) return Promise.resolve((key, args) => cluster.sendCommand(key, false, args));
    opening ??= (options.cluster ? openCluster(options.cluster.rootNodes, connectTimeoutMs) : openClient(options.url!, connectTimeoutMs)).then(
      (c) => {
        own = c;
        return c;
      },
      (cause: unknown) => {
        opening = undefined;
        throw cause;
      },
    );
    return opening.then((c) => c.send);
  };

  /** An own cluster client failed a command: drop it, so the next command opens one on a fresh slot map. */
  const dropCluster = (): void => {
    if (!options.cluster || !own) return;
    const o = own;
    own = undefined;
    opening = undefined;
    o.destroy();
  };

  const command = async (key: string, args: string[]): Promise<unknown> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      // Opening is bounded by the connect timeout (and fails at once when refused).
      const send = await sender();
      // Bounded: a client that queues commands while disconnected must not hang the caller.
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${commandTimeoutMs} ms`)), commandTimeoutMs);
      });
      return await Promise.race([send(key, args), timeout]);
    } catch (cause) {
      dropCluster();
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
        const reply = await command(fullKey, ['SET', fullKey, token, 'NX', 'PX', String(Math.max(1, Math.ceil(ttlMs)))]);
        if (reply === 'OK') {
          return {
            key,
            acquiredAt,
            async release() {
              try {
                await command(fullKey, ['EVAL', RELEASE_SCRIPT, '1', fullKey, token]);
              } catch {
                // Never throws: the TTL frees the key anyway.
              }
            },
            async extend(ttlMs: number) {
              // 1: the key held our token and got the new TTL; 0: it expired or is someone else's.
              const reply = await command(fullKey, ['EVAL', EXTEND_SCRIPT, '1', fullKey, token, String(Math.max(1, Math.ceil(ttlMs)))]);
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

/** Sends one command naming `key` (routed by it on a cluster). */
type Sender = (key: string, args: string[]) => Promise<unknown>;

/** A client the lock opened itself. */
interface OwnClient {
  readonly send: Sender;
  close(): Promise<void>;
  destroy(): void;
}

/** Opens the lock's own single-node client. */
async function openClient(url: string, connectTimeoutMs: number): Promise<OwnClient> {
  // Imported only when the lock opens its own connection.
  const { createClient } = await importPeer(() => import('redis'));
  let ready = false;
  const c = createClient({
    url,
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
    c.destroy();
    throw cause;
  }
  ready = true;
  return { send: (_key, args) => c.sendCommand(args), close: async () => void (await c.close()), destroy: () => c.destroy() };
}

/**
 * Opens the lock's own cluster client: slot discovery from the root nodes (the first URL's
 * credentials and TLS apply to every node), no per-node reconnect (a failed command drops the
 * whole client instead, see `dropCluster`).
 */
async function openCluster(rootNodes: readonly string[], connectTimeoutMs: number): Promise<OwnClient> {
  const { createCluster } = await importPeer(() => import('redis'));
  const first = new URL(rootNodes[0]!);
  const c = createCluster({
    rootNodes: rootNodes.map((url) => ({ url })),
    defaults: {
      disableOfflineQueue: true,
      ...(first.username ? { username: decodeURIComponent(first.username) } : {}),
      ...(first.password ? { password: decodeURIComponent(first.password) } : {}),
      socket: { connectTimeout: connectTimeoutMs, reconnectStrategy: false, ...(first.protocol === 'rediss:' ? { tls: true as const } : {}) },
    },
    minimizeConnections: true,
  });
  c.on('error', () => {});
  c.on('node-error', () => {});
  let timer: ReturnType<typeof setTimeout> | undefined;
  const connecting = c.connect();
  try {
    await Promise.race([
      connecting,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no cluster slot map within ${connectTimeoutMs} ms`)), connectTimeoutMs);
      }),
    ]);
  } catch (cause) {
    connecting.catch(() => {});
    c.destroy();
    throw cause;
  } finally {
    clearTimeout(timer);
  }
  return { send: (key, args) => c.sendCommand(key, false, args), close: async () => void (await c.close()), destroy: () => c.destroy() };
}

/** `bytes` random bytes as hex: the lock owner's token. */
function randomHex(bytes: number): string {
  const b = crypto.getRandomValues(new Uint8Array(bytes));
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}
