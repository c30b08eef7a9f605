/**
 * `latchkey/storage/redis`: server-side sessions in Redis (node-redis 5). Sessions expire by TTL;
 * sets index them per user ("log out everywhere"), per (issuer, sid) and per (issuer, subject)
 * (back-channel logout); revocations are published on a channel so every process's in-process
 * session cache drops them at once.
 *
 * `redis` is loaded when a store is created, not when this module is imported; a missing one
 * fails the store's first operation with `CONFIG_INVALID` naming `npm install redis`.
 *
 * Fail closed: while Redis is unreachable, every call rejects quickly with `STORAGE_UNAVAILABLE`
 * (the offline queue is disabled, commands have a deadline), and the client reconnects by itself.
 *
 * @module
 */
import type { createClient } from 'redis';
import { StorageError } from '../errors.js';
import { randomToken } from '../internal/encoding.js';
import { importPeer } from '../internal/peer.js';
import { toStorageError, withDeadline } from './errors.js';
import { isExpired } from './internal.js';
import { RedisClusterSessionStore, type RedisClusterSessionStoreOptions } from './redis-cluster.js';
import { RedisReplayStore, type ReplayRedisCommands } from './redis-replay.js';
import type { ReplayStore, SessionRecord, SessionStore } from './types.js';

/** Options of {@link createRedisSessionStore}. */
export interface RedisSessionStoreOptions {
  /** `redis://[user:password@]host:port[/db]` or `rediss://…`. */
  readonly url: string;
  /** Prepended to every key and to the revocation channel. Default `latchkey:`. */
  readonly prefix?: string;
  /** Deadline of the first connection, ms. Default 2000. */
  readonly connectTimeoutMs?: number;
  /** Deadline of one store operation, ms. Default 2000. */
  readonly commandTimeoutMs?: number;
  /** The clock, epoch ms (tests). */
  readonly now?: () => number;
}

type Client = ReturnType<typeof createClient>;
type RedisModule = { readonly createClient: typeof createClient };

/** Bounded exponential backoff: 50 ms doubling to 2 s, forever (the store recovers by itself). */
function reconnectStrategy(retries: number): number {
  return Math.min(50 * 2 ** Math.min(retries, 6), 2000);
}

/** Escapes Redis glob metacharacters (`*?[]\`) in a literal prefix. */
function globEscape(s: string): string {
  return s.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

function unavailable(message: string): StorageError {
  return new StorageError('STORAGE_UNAVAILABLE', message);
}

export { RedisClusterSessionStore, type RedisClusterSessionStoreOptions } from './redis-cluster.js';

/**
 * Opens a Redis session store: on one Redis (`url`), or on a Redis Cluster (`cluster.rootNodes`,
 * see {@link RedisClusterSessionStore} for its key layout and what is atomic there). The
 * connection opens on first use.
 *
 * @param options - the URL (or the cluster's root nodes), key prefix and timeouts.
 * @returns the session store.
 * @throws {ConfigurationError} `CONFIG_INVALID` for a cluster without root nodes or a prefix with `{`.
 * @example
 * ```ts
 * const one = createRedisSessionStore({ url: process.env.REDIS_URL! });
 * const many = createRedisSessionStore({ cluster: { rootNodes: ['redis://10.0.0.1:6379', 'redis://10.0.0.2:6379'] } });
 * ```
 * @see [Redis - Keyspace notifications and TTL](https://redis.io/docs/latest/commands/pexpireat/)
 * @see [Redis Cluster specification - hash tags](https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/#hash-tags)
 */
// The single-node overload last: `ReturnType<typeof createRedisSessionStore>` stays `RedisSessionStore`.
export function createRedisSessionStore(options: RedisClusterSessionStoreOptions): RedisClusterSessionStore;
export function createRedisSessionStore(options: RedisSessionStoreOptions): RedisSessionStore;
export function createRedisSessionStore(options: RedisSessionStoreOptions | RedisClusterSessionStoreOptions): RedisSessionStore | RedisClusterSessionStore {
  return 'cluster' in options ? new RedisClusterSessionStore(options) : new RedisSessionStore(options);
}

/** The Redis {@link SessionStore}. Create it with {@link createRedisSessionStore}. */
export class RedisSessionStore implements SessionStore {
  readonly #redis: Promise<RedisModule>;
  #client: Client | undefined;
  #creating: Promise<Client> | undefined;
  readonly #prefix: string;
  readonly #connectMs: number;
  readonly #commandMs: number;
  readonly #now: () => number;
  readonly #origin = randomToken(9);
  readonly #listeners = new Set<(ids: readonly string[]) => void>();
  readonly #url: string;
  #connecting: Promise<void> | undefined;
  #everReady = false;
  #lastConnectError = 0;
  #subscriber: Client | undefined;
  #closed = false;
  /** The replay memories and cookie-session revocations, on this store's connection. */
  readonly replay: ReplayStore;

  /** @param options - see {@link RedisSessionStoreOptions}. */
  constructor(options: RedisSessionStoreOptions) {
    this.#url = options.url;
    this.#prefix = options.prefix ?? 'latchkey:';
    this.#connectMs = options.connectTimeoutMs ?? 2000;
    this.#commandMs = options.commandTimeoutMs ?? 2000;
    this.#now = options.now ?? Date.now;
    // Loaded now, used on first operation; a missing package surfaces there (never unhandled).
    this.#redis = importPeer(() => import('redis'));
    this.#redis.catch(() => {});
    this.replay = new RedisReplayStore(
      (operation, work) => this.#run(operation, (client) => work(client as unknown as ReplayRedisCommands)),
      this.#prefix,
      this.#now,
    );
  }

  async #newClient(): Promise<Client> {
    const { createClient } = await this.#redis;
    const client = createClient({
      url: this.#url,
      disableOfflineQueue: true,
      socket: { connectTimeout: this.#connectMs, reconnectStrategy },
    });
    // Errors surface through the failing commands; without a listener Node would crash.
    client.on('error', () => {
      this.#lastConnectError = Date.now();
    });
    return client;
  }

  /** The channel revocations are published on. */
  get channel(): string {
    return `${this.#prefix}revoked`;
  }

  async #ready(): Promise<Client> {
    if (this.#closed) throw unavailable('The Redis session store is closed.');
    if (!this.#client) {
      this.#creating ??= this.#newClient().finally(() => {
        this.#creating = undefined;
      });
      this.#client = await this.#creating;
    }
    const client = this.#client;
    if (client.isReady) return client;
    if (!this.#connecting) {
      this.#connecting = client.connect().then(
        () => {
          this.#everReady = true;
        },
        () => {
          this.#connecting = undefined;
        },
      );
    }
    // After a first success the client reconnects on its own; meanwhile fail at once.
    if (this.#everReady) throw unavailable('Redis is unreachable (reconnecting); the request fails closed.');
    // A connection attempt just failed (refused, reset): do not make every request wait.
    if (Date.now() - this.#lastConnectError < this.#connectMs) throw unavailable('Redis is unreachable; the request fails closed.');
    await withDeadline(this.#connecting, this.#connectMs, 'redis.connect');
    if (!client.isReady) throw unavailable('Redis is unreachable; the request fails closed.');
    return client;
  }

  async #run<T>(operation: string, work: (client: Client) => Promise<T>): Promise<T> {
    try {
      return await withDeadline((async () => work(await this.#ready()))(), this.#connectMs + this.#commandMs, operation);
    } catch (err) {
      throw toStorageError(err, operation);
    }
  }

  #key(id: string): string {
    return `${this.#prefix}s:${id}`;
  }
  #userKey(userId: string): string {
    return `${this.#prefix}u:${userId}`;
  }
  #sidKey(issuer: string, sid: string): string {
    return `${this.#prefix}sid:${encodeURIComponent(issuer)}:${encodeURIComponent(sid)}`;
  }
  #subjectKey(issuer: string, subject: string): string {
    return `${this.#prefix}sub:${encodeURIComponent(issuer)}:${encodeURIComponent(subject)}`;
  }
  #indexKeys(r: SessionRecord): string[] {
    const keys = [this.#userKey(r.userId), this.#subjectKey(r.issuer, r.subject)];
    if (r.sid !== undefined) keys.push(this.#sidKey(r.issuer, r.sid));
    return keys;
  }

  /** Stores a session with a TTL up to its earlier deadline, and indexes it. */
  create(session: SessionRecord): Promise<void> {
    return this.#run('sessions.create', async (c) => {
      const expiresAt = Math.min(session.idleExpiresAt, session.absoluteExpiresAt);
      if (expiresAt <= this.#now()) return;
      const multi = c.multi().set(this.#key(session.id), JSON.stringify(session), { expiration: { type: 'PXAT', value: expiresAt } });
      for (const k of this.#indexKeys(session)) {
        multi.sAdd(k, session.id);
        // Index sets live as long as their longest session (NX: first TTL; GT: only ever extend).
        multi.pExpireAt(k, session.absoluteExpiresAt, 'NX');
        multi.pExpireAt(k, session.absoluteExpiresAt, 'GT');
      }
      await multi.exec();
    });
  }

  /** @returns the session, or null when absent or expired. */
  get(id: string): Promise<SessionRecord | null> {
    return this.#run('sessions.get', async (c) => {
      const raw = await c.get(this.#key(id));
      if (raw === null) return null;
      const record = JSON.parse(raw) as SessionRecord;
      return isExpired(record, this.#now()) ? null : record;
    });
  }

  /** Moves the idle expiry forward (never past the absolute one); never resurrects a deleted session. */
  touch(id: string, idleExpiresAt: number): Promise<void> {
    return this.#run('sessions.touch', async (c) => {
      const raw = await c.get(this.#key(id));
      if (raw === null) return;
      const record = JSON.parse(raw) as SessionRecord;
      const idle = Math.min(idleExpiresAt, record.absoluteExpiresAt);
      if (idle <= this.#now()) return;
      // XX: only if it still exists (a concurrent logout wins).
      await c.set(this.#key(id), JSON.stringify({ ...record, idleExpiresAt: idle }), { condition: 'XX', expiration: { type: 'PXAT', value: idle } });
    });
  }

  /** Deletes one session. */
  async delete(id: string): Promise<void> {
    const removed = await this.#run('sessions.delete', (c) => this.#remove(c, [id]));
    if (removed.length > 0) await this.#revoked(removed);
  }

  /** @returns the ids of the user's deleted sessions. */
  deleteByUser(userId: string): Promise<string[]> {
    return this.#deleteIndex('sessions.deleteByUser', this.#userKey(userId));
  }

  /** @returns the user's live sessions, oldest first (index entries whose session expired are skipped). */
  listByUser(userId: string): Promise<SessionRecord[]> {
    return this.#run('sessions.listByUser', async (c) => {
      const ids = await c.sMembers(this.#userKey(userId));
      if (ids.length === 0) return [];
      const raws = await c.mGet(ids.map((id) => this.#key(id)));
      const now = this.#now();
      const out: SessionRecord[] = [];
      for (const raw of raws) {
        if (typeof raw !== 'string') continue;
        const record = JSON.parse(raw) as SessionRecord;
        if (record.userId === userId && !isExpired(record, now)) out.push(record);
      }
      return out.sort((a, b) => a.createdAt - b.createdAt);
    });
  }

  /** @returns the ids of the deleted sessions carrying this provider `sid`. */
  deleteBySid(issuer: string, sid: string): Promise<string[]> {
    return this.#deleteIndex('sessions.deleteBySid', this.#sidKey(issuer, sid));
  }

  /** @returns the ids of the deleted sessions of this identity. */
  deleteBySubject(issuer: string, subject: string): Promise<string[]> {
    return this.#deleteIndex('sessions.deleteBySubject', this.#subjectKey(issuer, subject));
  }

  /**
   * Subscribes to revocations: those made through this store at once, and those made by other
   * processes through Redis pub/sub.
   */
  async onRevoked(listener: (ids: readonly string[]) => void): Promise<() => Promise<void>> {
    this.#listeners.add(listener);
    await this.#subscribe();
    return async () => {
      this.#listeners.delete(listener);
    };
  }

  /**
   * Deletes every key under this store's prefix (sessions and indexes), for tests and development
   * resets. Bounded: scans in batches of 500.
   *
   * @returns how many keys were deleted.
   * @throws StorageError `STORAGE_UNAVAILABLE`.
   */
  async clearAll(): Promise<number> {
    const c = await this.#ready().catch((err: unknown) => {
      throw toStorageError(err, 'sessions.clearAll');
    });
    let n = 0;
    try {
      for await (const batch of c.scanIterator({ MATCH: `${globEscape(this.#prefix)}*`, COUNT: 500 })) {
        if (batch.length > 0) n += await c.unlink(batch);
      }
    } catch (err) {
      throw toStorageError(err, 'sessions.clearAll');
    }
    return n;
  }

  /** Closes the connections. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#listeners.clear();
    for (const c of [this.#client, this.#subscriber]) {
      if (!c) continue;
      try {
        if (c.isOpen) await c.close();
        else c.destroy();
      } catch {
        c.destroy();
      }
    }
  }

  async #subscribe(): Promise<void> {
    if (this.#subscriber) return;
    const sub = await this.#newClient();
    if (this.#subscriber || this.#closed) {
      sub.destroy();
      return;
    }
    this.#subscriber = sub;
    const onMessage = (message: string) => {
      let msg: unknown;
      try {
        msg = JSON.parse(message);
      } catch {
        return;
      }
      const { o, ids } = (msg ?? {}) as { o?: unknown; ids?: unknown };
      if (o === this.#origin || !Array.isArray(ids)) return;
      this.#emit(ids.filter((x): x is string => typeof x === 'string'));
    };
    // node-redis re-subscribes by itself after a reconnect. If Redis is down now, the first
    // connection keeps retrying in the background.
    const connected = sub.connect().then(() => sub.subscribe(this.channel, onMessage));
    try {
      await withDeadline(connected, this.#connectMs, 'redis.subscribe');
    } catch {
      connected.catch(() => {});
    }
  }

  async #deleteIndex(operation: string, indexKey: string): Promise<string[]> {
    const removed = await this.#run(operation, async (c) => {
      const ids = await c.sMembers(indexKey);
      if (ids.length === 0) return [];
      const removed = await this.#remove(c, ids);
      // Drop exactly the members seen: a session created meanwhile stays indexed.
      await c.sRem(indexKey, ids);
      return removed;
    });
    if (removed.length > 0) await this.#revoked(removed);
    return removed;
  }

  /** Deletes sessions and their index entries; returns the ids that were live. */
  async #remove(c: Client, ids: readonly string[]): Promise<string[]> {
    const raws = await c.mGet(ids.map((id) => this.#key(id)));
    const multi = c.multi();
    const order: string[] = [];
    ids.forEach((id, i) => {
      const raw = raws[i];
      if (raw === null || raw === undefined) return;
      order.push(id);
      multi.del(this.#key(id));
      for (const k of this.#indexKeys(JSON.parse(raw) as SessionRecord)) multi.sRem(k, id);
    });
    if (order.length === 0) return [];
    const replies = await multi.exec();
    const deleted = new Set<string>();
    // Replies come in command order: one DEL then its SREMs per session.
    let i = 0;
    ids.forEach((id, n) => {
      const raw = raws[n];
      if (raw === null || raw === undefined) return;
      if (Number(replies[i]) === 1) deleted.add(id);
      i += 1 + this.#indexKeys(JSON.parse(raw) as SessionRecord).length;
    });
    return order.filter((id) => deleted.has(id));
  }

  #emit(ids: readonly string[]): void {
    for (const l of this.#listeners) {
      try {
        l(ids);
      } catch {
        // A listener's failure must not stop the others.
      }
    }
  }

  async #revoked(ids: readonly string[]): Promise<void> {
    this.#emit(ids);
    try {
      if (this.#client) await withDeadline(this.#client.publish(this.channel, JSON.stringify({ o: this.#origin, ids })), this.#commandMs, 'redis.publish');
    } catch {
      // The keys are gone; other processes' caches expire on their own short TTL.
    }
  }
}
