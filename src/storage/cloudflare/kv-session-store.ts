/**
 * Server-side sessions in Workers KV. One key per session (`<prefix>s:<id>`, the JSON record) and
 * one empty key per index entry (`<prefix>u:<hash(userId)>:<id>`, `<prefix>sub:<hash(issuer,
 * subject)>:<id>`, `<prefix>sid:<hash(issuer, sid)>:<id>`), found by listing a prefix: KV has no
 * sets. Hashes keep every key under KV's 512-byte limit whatever the issuer's length.
 *
 * KV's rules, and what this store does with them:
 * - Expiry: `expirationTtl` is at least 60 s, so a key may outlive its session by up to a minute;
 *   `get` checks the record's own deadlines and never returns an expired session.
 * - Eventual consistency: a write is visible at once where it was made and within about a minute
 *   elsewhere. A logout at one location can be missed by another for that long (as with
 *   `session.revalidateSeconds`, which bounds the app's own cache).
 * - No transactions and no conditional writes: `touch` writes back only a session it just read, and
 *   re-checks the tombstone `delete` leaves (`<prefix>x:<id>`, kept until the session's absolute
 *   expiry), so at one location a touch racing a logout never brings the session back.
 * - One write per key per second: the app touches a session at most once a minute.
 * - No pub/sub: `onRevoked` reaches the listeners of this isolate only.
 *
 * @module
 */
import { ConfigurationError } from '../../errors.js';
import { base64url, sha256 } from '../../internal/encoding.js';
import { toStorageError, withDeadline } from '../errors.js';
import { isExpired } from '../internal.js';
import type { SessionRecord, SessionStore } from '../types.js';
import type { KvNamespaceLike } from './types.js';

/** Workers KV refuses an `expirationTtl` under 60 seconds. */
export const KV_MIN_TTL_SECONDS = 60;
/** At most this many index keys are read per logout-by-index (10 pages of KV's 1000). */
const MAX_INDEX_KEYS = 10_000;
/** KV operations in flight at once while removing sessions. */
const PARALLEL = 8;

/** Options of {@link createKvSessionStore}. */
export interface KvSessionStoreOptions {
  /** The KV namespace binding, e.g. `env.SESSIONS`. */
  readonly kv: KvNamespaceLike;
  /** Prepended to every key. Default `latchkey:`. */
  readonly prefix?: string;
  /** Deadline of one store operation, ms. Default 5000. */
  readonly operationTimeoutMs?: number;
  /** The clock, epoch ms (tests). */
  readonly now?: () => number;
}

/**
 * Opens a Workers KV session store.
 *
 * @param options - the namespace, key prefix and deadline.
 * @returns the session store.
 * @throws ConfigurationError `CONFIG_INVALID` without a KV binding.
 * @see [Cloudflare Workers KV - How KV works](https://developers.cloudflare.com/kv/concepts/how-kv-works/)
 */
export function createKvSessionStore(options: KvSessionStoreOptions): KvSessionStore {
  const kv = options?.kv;
  if (typeof kv?.get !== 'function' || typeof kv.put !== 'function' || typeof kv.list !== 'function') {
    throw new ConfigurationError('createKvSessionStore needs `kv`: the KV namespace binding (env.SESSIONS), as named in wrangler.toml `[[kv_namespaces]]`.');
  }
  return new KvSessionStore(options);
}

/** base64url(SHA-256(JSON of the parts)): a fixed-length key part. */
async function hashKey(...parts: string[]): Promise<string> {
  return base64url(await sha256(JSON.stringify(parts)));
}

/** Runs `work` on each item, at most {@link PARALLEL} at a time. */
async function eachBounded<T, R>(items: readonly T[], work: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += PARALLEL) out.push(...(await Promise.all(items.slice(i, i + PARALLEL).map(work))));
  return out;
}

/** The Workers KV {@link SessionStore}. Create it with {@link createKvSessionStore}. */
export class KvSessionStore implements SessionStore {
  readonly #kv: KvNamespaceLike;
  readonly #prefix: string;
  readonly #timeoutMs: number;
  readonly #now: () => number;
  readonly #listeners = new Set<(ids: readonly string[]) => void>();

  /** @param options - see {@link KvSessionStoreOptions}. */
  constructor(options: KvSessionStoreOptions) {
    this.#kv = options.kv;
    this.#prefix = options.prefix ?? 'latchkey:';
    this.#timeoutMs = options.operationTimeoutMs ?? 5000;
    this.#now = options.now ?? Date.now;
  }

  async #run<T>(operation: string, work: () => Promise<T>): Promise<T> {
    try {
      return await withDeadline(work(), this.#timeoutMs, operation);
    } catch (err) {
      throw toStorageError(err, operation);
    }
  }

  /** Seconds until `at`, never under KV's minimum. */
  #ttl(at: number): number {
    return Math.max(KV_MIN_TTL_SECONDS, Math.ceil((at - this.#now()) / 1000));
  }

  #key(id: string): string {
    return `${this.#prefix}s:${id}`;
  }
  #tombstone(id: string): string {
    return `${this.#prefix}x:${id}`;
  }
  async #userIndex(userId: string): Promise<string> {
    return `${this.#prefix}u:${await hashKey(userId)}:`;
  }
  async #subjectIndex(issuer: string, subject: string): Promise<string> {
    return `${this.#prefix}sub:${await hashKey(issuer, subject)}:`;
  }
  async #sidIndex(issuer: string, sid: string): Promise<string> {
    return `${this.#prefix}sid:${await hashKey(issuer, sid)}:`;
  }
  async #indexKeys(r: SessionRecord): Promise<string[]> {
    const prefixes = [await this.#userIndex(r.userId), await this.#subjectIndex(r.issuer, r.subject)];
    if (r.sid !== undefined) prefixes.push(await this.#sidIndex(r.issuer, r.sid));
    return prefixes.map((p) => p + r.id);
  }

  async #read(id: string): Promise<SessionRecord | null> {
    const raw = await this.#kv.get(this.#key(id));
    return raw === null ? null : (JSON.parse(raw) as SessionRecord);
  }

  /** Stores a session until its earlier deadline, and its index entries until its absolute one. */
  create(session: SessionRecord): Promise<void> {
    return this.#run('sessions.create', async () => {
      const expiresAt = Math.min(session.idleExpiresAt, session.absoluteExpiresAt);
      if (expiresAt <= this.#now()) return;
      const indexTtl = this.#ttl(session.absoluteExpiresAt);
      await Promise.all([
        this.#kv.put(this.#key(session.id), JSON.stringify(session), { expirationTtl: this.#ttl(expiresAt) }),
        ...(await this.#indexKeys(session)).map((k) => this.#kv.put(k, '', { expirationTtl: indexTtl })),
      ]);
    });
  }

  /** @returns the session, or null when absent or expired. */
  get(id: string): Promise<SessionRecord | null> {
    return this.#run('sessions.get', async () => {
      const record = await this.#read(id);
      return record === null || isExpired(record, this.#now()) ? null : record;
    });
  }

  /** Moves the idle expiry forward (never past the absolute one); never brings back a deleted session. */
  touch(id: string, idleExpiresAt: number): Promise<void> {
    return this.#run('sessions.touch', async () => {
      const record = await this.#read(id);
      if (record === null) return;
      const idle = Math.min(idleExpiresAt, record.absoluteExpiresAt);
      if (idle <= this.#now()) return;
      await this.#kv.put(this.#key(id), JSON.stringify({ ...record, idleExpiresAt: idle }), { expirationTtl: this.#ttl(idle) });
      // A logout between the read and the write left its tombstone: undo the write.
      if ((await this.#kv.get(this.#tombstone(id))) !== null) await this.#kv.delete(this.#key(id));
    });
  }

  /** Deletes one session. */
  async delete(id: string): Promise<void> {
    const removed = await this.#run('sessions.delete', async () => ((await this.#remove(id)) ? [id] : []));
    this.#emit(removed);
  }

  /** @returns the ids of the user's deleted (live) sessions. */
  async deleteByUser(userId: string): Promise<string[]> {
    return this.#deleteIndex('sessions.deleteByUser', await this.#userIndex(userId));
  }

  /**
   * The user's live sessions, oldest first, through the per-user index (KV listing is eventually
   * consistent: a session made a moment ago in another location may be missing for up to a minute).
   */
  async listByUser(userId: string): Promise<SessionRecord[]> {
    const prefix = await this.#userIndex(userId);
    return this.#run('sessions.listByUser', async () => {
      const ids = await this.#listIds(prefix);
      const now = this.#now();
      const records = await eachBounded(ids, (id) => this.#read(id));
      return records.filter((r): r is SessionRecord => r !== null && r.userId === userId && !isExpired(r, now)).sort((a, b) => a.createdAt - b.createdAt);
    });
  }

  /** @returns the ids of the deleted (live) sessions carrying this provider `sid`. */
  async deleteBySid(issuer: string, sid: string): Promise<string[]> {
    return this.#deleteIndex('sessions.deleteBySid', await this.#sidIndex(issuer, sid));
  }

  /** @returns the ids of the deleted (live) sessions of this identity. */
  async deleteBySubject(issuer: string, subject: string): Promise<string[]> {
    return this.#deleteIndex('sessions.deleteBySubject', await this.#subjectIndex(issuer, subject));
  }

  /**
   * Subscribes to revocations made through this store object (KV has no pub/sub: other isolates'
   * revocations reach this one's caches through `session.revalidateSeconds`).
   */
  async onRevoked(listener: (ids: readonly string[]) => void): Promise<() => Promise<void>> {
    this.#listeners.add(listener);
    return async () => {
      this.#listeners.delete(listener);
    };
  }

  /** Nothing to release: the binding belongs to the Worker. */
  async close(): Promise<void> {
    this.#listeners.clear();
  }

  async #deleteIndex(operation: string, indexPrefix: string): Promise<string[]> {
    const removed = await this.#run(operation, async () => {
      const ids = await this.#listIds(indexPrefix);
      const live = await eachBounded(ids, async (id) => {
        const wasLive = await this.#remove(id);
        // An entry whose session is already gone: drop the entry itself.
        await this.#kv.delete(indexPrefix + id);
        return wasLive ? id : undefined;
      });
      return live.filter((id): id is string => id !== undefined);
    });
    this.#emit(removed);
    return removed;
  }

  /** The session ids under an index prefix (bounded). */
  async #listIds(indexPrefix: string): Promise<string[]> {
    const ids: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.#kv.list({ prefix: indexPrefix, ...(cursor !== undefined ? { cursor } : {}) });
      for (const k of page.keys) ids.push(k.name.slice(indexPrefix.length));
      cursor = page.list_complete ? undefined : page.cursor;
    } while (cursor !== undefined && ids.length < MAX_INDEX_KEYS);
    return ids;
  }

  /** Deletes a session and its index entries, leaving a tombstone; returns whether it was live. */
  async #remove(id: string): Promise<boolean> {
    const record = await this.#read(id);
    if (record === null) return false;
    await this.#kv.put(this.#tombstone(id), '', { expirationTtl: this.#ttl(record.absoluteExpiresAt) });
    await Promise.all([this.#kv.delete(this.#key(id)), ...(await this.#indexKeys(record)).map((k) => this.#kv.delete(k))]);
    return !isExpired(record, this.#now());
  }

  #emit(ids: readonly string[]): void {
    if (ids.length === 0) return;
    for (const l of this.#listeners) {
      try {
        l(ids);
      } catch {
        // A listener's failure must not stop the others.
      }
    }
  }
}
