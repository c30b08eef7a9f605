/**
 * Server-side sessions on a Redis Cluster (node-redis 5 `createCluster`), created through
 * `createRedisSessionStore({ cluster: { rootNodes } })`.
 *
 * Key layout: the single-node names (`s:<id>`, `u:<userId>`, `sid:…`, `sub:…`, `once:…`,
 * `revoked:…`) with no hash tag, so sessions and index sets spread over every slot (one hash tag
 * for the whole store would put every session on one node). Every command and every `MULTI`
 * names exactly one key, so nothing is ever cross-slot:
 * - a session is one `SET … PXAT`; an index is a sorted set of session ids scored by their
 *   absolute expiry, updated by a one-key `MULTI` (`ZADD`, prune the past, `PEXPIREAT NX`/`GT`);
 * - `create` writes the index entries first and the session last; a failure in between leaves
 *   entries pointing to no session, which reads skip and the next write prunes when they expire;
 * - a logout reads an index, deletes each session (`DEL`: exactly one deleter counts it) and then
 *   removes that session's entries; an entry whose session is absent is left to expire, so a
 *   session being created at that moment keeps its entries and the next logout finds it.
 *
 * Failover: nodes are never reconnected one by one; any failed command makes the store open a
 * fresh cluster client (rate-limited), which reads the slot map again and so finds a promoted
 * replica. Until then, commands on the lost slots fail at once with `STORAGE_UNAVAILABLE`.
 *
 * @module
 */
import type { createCluster } from 'redis';
import { ConfigurationError, LatchkeyError, StorageError } from '../errors.js';
import { randomToken } from '../internal/encoding.js';
import { importPeer } from '../internal/peer.js';
import { toStorageError, withDeadline } from './errors.js';
import { isExpired } from './internal.js';
import { RedisReplayStore, type ReplayRedisCommands } from './redis-replay.js';
import type { ReplayStore, SessionRecord, SessionStore } from './types.js';

/** Options of a Redis Cluster session store (`createRedisSessionStore({ cluster })`). */
export interface RedisClusterSessionStoreOptions {
  /** Where to discover the cluster: a few nodes, `redis://[user:password@]host:port` (or `rediss://`). The first URL's credentials and TLS apply to every node. */
  readonly cluster: { readonly rootNodes: readonly string[] };
  /** Prepended to every key and to the revocation channel. Default `latchkey:`. Must not contain `{`. */
  readonly prefix?: string;
  /** Deadline of opening the cluster client (slot discovery), ms. Default 2000. */
  readonly connectTimeoutMs?: number;
  /** Deadline of one store operation, ms. Default 2000. */
  readonly commandTimeoutMs?: number;
  /** The clock, epoch ms (tests). */
  readonly now?: () => number;
}

type Cluster = ReturnType<typeof createCluster>;
type RedisModule = { readonly createCluster: typeof createCluster };

/** Shortest interval between two rebuilds of the cluster client after failures, ms. */
const REFRESH_INTERVAL_MS = 500;

function unavailable(message: string): StorageError {
  return new StorageError('STORAGE_UNAVAILABLE', message);
}

/** Escapes Redis glob metacharacters (`*?[]\`) in a literal prefix. */
function globEscape(s: string): string {
  return s.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/** The node options every node shares: the first root URL's credentials and TLS, fail-fast sockets. */
function nodeDefaults(rootNodes: readonly string[], connectTimeout: number): Record<string, unknown> {
  const first = new URL(rootNodes[0]!);
  const out: Record<string, unknown> = {
    disableOfflineQueue: true,
    // No per-node reconnect: a dropped node fails its commands at once and the store rebuilds the client.
    socket: { connectTimeout, reconnectStrategy: false, ...(first.protocol === 'rediss:' ? { tls: true } : {}) },
  };
  if (first.username) out.username = decodeURIComponent(first.username);
  if (first.password) out.password = decodeURIComponent(first.password);
  return out;
}

/** The Redis Cluster {@link SessionStore}. Create it with `createRedisSessionStore({ cluster })`. */
export class RedisClusterSessionStore implements SessionStore {
  readonly #redis: Promise<RedisModule>;
  readonly #rootNodes: readonly string[];
  readonly #prefix: string;
  readonly #connectMs: number;
  readonly #commandMs: number;
  readonly #now: () => number;
  readonly #origin = randomToken(9);
  readonly #listeners = new Set<(ids: readonly string[]) => void>();
  #client: Cluster | undefined;
  #opening: Promise<Cluster> | undefined;
  #openFailedAt = 0;
  #refreshing = false;
  #refreshedAt = 0;
  #subscriber: Cluster | undefined;
  #subscribing: Promise<void> | undefined;
  #subscribeTimer: ReturnType<typeof setTimeout> | undefined;
  #closed = false;
  /** The replay memories and cookie-session revocations, on this store's cluster client. */
  readonly replay: ReplayStore;

  /** @param options - see {@link RedisClusterSessionStoreOptions}. */
  constructor(options: RedisClusterSessionStoreOptions) {
    const rootNodes = options.cluster?.rootNodes ?? [];
    if (rootNodes.length === 0) throw new ConfigurationError('A Redis Cluster store needs at least one root node URL.');
    this.#rootNodes = [...rootNodes];
    this.#prefix = options.prefix ?? 'latchkey:';
    // A hash tag in the prefix would hash every key of the store to one slot, so one node.
    if (this.#prefix.includes('{')) throw new ConfigurationError('A Redis Cluster key prefix must not contain `{` (it would put every key in one slot).');
    this.#connectMs = options.connectTimeoutMs ?? 2000;
    this.#commandMs = options.commandTimeoutMs ?? 2000;
    this.#now = options.now ?? Date.now;
    this.#redis = importPeer(() => import('redis'));
    this.#redis.catch(() => {});
    this.replay = new RedisReplayStore(
      (operation, work) => this.#run(operation, (client) => work(client as unknown as ReplayRedisCommands)),
      this.#prefix,
      this.#now,
    );
  }

  /** The channel revocations are published on (plain pub/sub: the cluster forwards it to every node). */
  get channel(): string {
    return `${this.#prefix}revoked`;
  }

  /** Opens a cluster client: discovers the slot map from a root node; connects to other nodes on first use. */
  async #open(): Promise<Cluster> {
    const { createCluster } = await this.#redis;
    const client = createCluster({
      rootNodes: this.#rootNodes.map((url) => ({ url })),
      defaults: nodeDefaults(this.#rootNodes, this.#connectMs),
      minimizeConnections: true,
      useReplicas: false,
    });
    // Errors surface through the failing commands; without listeners Node would crash.
    client.on('error', () => {});
    client.on('node-error', () => {});
    const connecting = client.connect();
    try {
      await withDeadline(connecting, this.#connectMs, 'redis.cluster.connect');
    } catch (err) {
      connecting.catch(() => {});
      client.destroy();
      throw err;
    }
    return client;
  }

  async #ready(): Promise<Cluster> {
    if (this.#closed) throw unavailable('The Redis session store is closed.');
    if (this.#client) return this.#client;
    // A discovery just failed: do not make every request wait for the next one.
    if (Date.now() - this.#openFailedAt < REFRESH_INTERVAL_MS) throw unavailable('Redis Cluster is unreachable; the request fails closed.');
    this.#opening ??= this.#open()
      .then((c) => {
        if (this.#closed) {
          c.destroy();
          throw unavailable('The Redis session store is closed.');
        }
        this.#client = c;
        return c;
      })
      .catch((err: unknown) => {
        this.#openFailedAt = Date.now();
        throw err;
      })
      .finally(() => {
        this.#opening = undefined;
      });
    return this.#opening;
  }

  /** After a failure: a new client with a fresh slot map replaces the current one once it is connected. */
  #refresh(): void {
    const current = this.#client;
    if (!current || this.#closed || this.#refreshing || Date.now() - this.#refreshedAt < REFRESH_INTERVAL_MS) return;
    this.#refreshing = true;
    this.#refreshedAt = Date.now();
    this.#open()
      .then(
        (next) => {
          if (this.#closed || this.#client !== current) return next.destroy();
          this.#client = next;
          // Let replies in flight on the old client arrive, within a bound.
          withDeadline(current.close(), this.#commandMs, 'redis.cluster.close').catch(() => current.destroy());
        },
        () => {},
      )
      .finally(() => {
        this.#refreshing = false;
      });
  }

  async #run<T>(operation: string, work: (client: Cluster) => Promise<T>): Promise<T> {
    let started = false;
    try {
      return await withDeadline(
        (async () => {
          const c = await this.#ready();
          started = true;
          return work(c);
        })(),
        this.#connectMs + this.#commandMs,
        operation,
      );
    } catch (err) {
      // A node down, a moved slot, CLUSTERDOWN, a deadline: read the slot map again.
      if (started || !(err instanceof LatchkeyError)) this.#refresh();
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

  /** Indexes the session (one-key transactions), then stores it with a TTL up to its earlier deadline. */
  create(session: SessionRecord): Promise<void> {
    return this.#run('sessions.create', async (c) => {
      const now = this.#now();
      const expiresAt = Math.min(session.idleExpiresAt, session.absoluteExpiresAt);
      if (expiresAt <= now) return;
      const until = session.absoluteExpiresAt;
      await Promise.all(
        this.#indexKeys(session).map((k) =>
          c
            .multi()
            .zAdd(k, { score: until, value: session.id })
            // Entries whose session has passed its absolute expiry go; the set lives as long as its longest session.
            .zRemRangeByScore(k, '-inf', now)
            .pExpireAt(k, until, 'NX')
            .pExpireAt(k, until, 'GT')
            .exec(),
        ),
      );
      await c.set(this.#key(session.id), JSON.stringify(session), { expiration: { type: 'PXAT', value: expiresAt } });
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

  /** @returns the ids of the deleted sessions carrying this provider `sid`. */
  deleteBySid(issuer: string, sid: string): Promise<string[]> {
    return this.#deleteIndex('sessions.deleteBySid', this.#sidKey(issuer, sid));
  }

  /** @returns the ids of the deleted sessions of this identity. */
  deleteBySubject(issuer: string, subject: string): Promise<string[]> {
    return this.#deleteIndex('sessions.deleteBySubject', this.#subjectKey(issuer, subject));
  }

  /** @returns the user's live sessions, oldest first (entries whose session is gone are skipped). */
  listByUser(userId: string): Promise<SessionRecord[]> {
    return this.#run('sessions.listByUser', async (c) => {
      const ids = await this.#members(c, this.#userKey(userId));
      // One GET per session: the sessions live in many slots (no cross-slot MGET).
      const raws = await Promise.all(ids.map((id) => c.get(this.#key(id))));
      const now = this.#now();
      const out: SessionRecord[] = [];
      for (const raw of raws) {
        if (raw === null) continue;
        const record = JSON.parse(raw) as SessionRecord;
        if (record.userId === userId && !isExpired(record, now)) out.push(record);
      }
      return out.sort((a, b) => a.createdAt - b.createdAt);
    });
  }

  /**
   * Subscribes to revocations: those made through this store at once, and those made by other
   * processes through the cluster's pub/sub (re-subscribed by itself when its node fails).
   */
  async onRevoked(listener: (ids: readonly string[]) => void): Promise<() => Promise<void>> {
    this.#listeners.add(listener);
    await this.#subscribe();
    return async () => {
      this.#listeners.delete(listener);
    };
  }

  /**
   * Deletes every key under this store's prefix on every master, for tests and development
   * resets. Bounded: scans in batches of 500.
   *
   * @returns how many keys were deleted.
   * @throws StorageError `STORAGE_UNAVAILABLE`.
   */
  clearAll(): Promise<number> {
    return this.#run('sessions.clearAll', async (c) => {
      let n = 0;
      for (const master of c.masters) {
        const node = await c.nodeClient(master);
        for await (const batch of node.scanIterator({ MATCH: `${globEscape(this.#prefix)}*`, COUNT: 500 })) {
          // One key per UNLINK: the keys of one node still belong to many slots.
          const replies = await Promise.all(batch.map((k) => node.unlink(k)));
          n += replies.reduce((a, b) => a + b, 0);
        }
      }
      return n;
    });
  }

  /** Closes the connections. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#listeners.clear();
    clearTimeout(this.#subscribeTimer);
    await this.#opening?.catch(() => {});
    await this.#subscribing?.catch(() => {});
    for (const c of [this.#client, this.#subscriber]) {
      if (!c) continue;
      await withDeadline(c.close(), this.#commandMs, 'redis.cluster.close').catch(() => c.destroy());
    }
  }

  /** Live members of an index (score: the session's absolute expiry). */
  #members(c: Cluster, indexKey: string): Promise<string[]> {
    return c.zRangeByScore(indexKey, `(${this.#now()}`, '+inf');
  }

  async #deleteIndex(operation: string, indexKey: string): Promise<string[]> {
    const removed = await this.#run(operation, async (c) => this.#remove(c, await this.#members(c, indexKey)));
    if (removed.length > 0) await this.#revoked(removed);
    return removed;
  }

  /** Deletes sessions, then (best effort) their index entries; returns the ids this call deleted. */
  async #remove(c: Cluster, ids: readonly string[]): Promise<string[]> {
    const deleted = new Set<string>();
    await Promise.all(
      ids.map(async (id) => {
        const raw = await c.get(this.#key(id));
        if (raw === null) return;
        // DEL answers 1 to exactly one of concurrent deleters.
        if ((await c.del(this.#key(id))) !== 1) return;
        deleted.add(id);
        const record = JSON.parse(raw) as SessionRecord;
        // A stale entry is harmless (skipped on read, pruned at its expiry): never fail a logout for it.
        await Promise.all(this.#indexKeys(record).map((k) => c.zRem(k, id).catch(() => 0)));
      }),
    );
    return ids.filter((id) => deleted.has(id));
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
      const c = this.#client;
      if (c) await withDeadline(c.publish(this.channel, JSON.stringify({ o: this.#origin, ids })), this.#commandMs, 'redis.publish');
    } catch {
      // The keys are gone; other processes' caches expire on their own short TTL. The node the
      // message went to may be gone too: read the slot map again.
      this.#refresh();
    }
  }

  #onMessage = (message: string): void => {
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

  /** Subscribes on a cluster client of its own; on failure (or when its node fails later) retries every 500 ms. */
  #subscribe(): Promise<void> {
    if (this.#subscriber || this.#closed) return Promise.resolve();
    this.#subscribing ??= (async () => {
      let sub: Cluster | undefined;
      try {
        sub = await this.#open();
        const mine = sub;
        // The subscription's node dropped: subscribe again through a fresh slot map.
        sub.on('node-error', () => this.#resubscribe(mine));
        await withDeadline(sub.subscribe(this.channel, this.#onMessage), this.#connectMs, 'redis.subscribe');
        if (this.#closed) return sub.destroy();
        this.#subscriber = sub;
      } catch {
        sub?.destroy();
        this.#retrySubscribe();
      }
    })().finally(() => {
      this.#subscribing = undefined;
    });
    return this.#subscribing;
  }

  #resubscribe(sub: Cluster): void {
    if (this.#subscriber !== sub) return;
    this.#subscriber = undefined;
    sub.destroy();
    this.#retrySubscribe();
  }

  #retrySubscribe(): void {
    if (this.#closed || this.#listeners.size === 0 || this.#subscribeTimer) return;
    this.#subscribeTimer = setTimeout(() => {
      this.#subscribeTimer = undefined;
      void this.#subscribe();
    }, REFRESH_INTERVAL_MS);
  }
}
