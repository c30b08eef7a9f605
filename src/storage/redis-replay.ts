/**
 * The Redis {@link ReplayStore}, over the session store's connection: a one-time key is a `SET …
 * NX PXAT` (atomic: the first caller wins, every instance sees it); a revocation is a one-member
 * sorted set per selector whose score only grows (`ZADD GT`), with a TTL to the end of what it
 * revokes; a rate-limit hit is `INCR` with `PEXPIRE … NX` in one transaction (the TTL set by the
 * first hit only). Every command names one key, so a Redis Cluster takes them as they are.
 *
 * @module
 */
import type { ReplayScope, ReplayStore } from './types.js';

/** The commands of the node-redis client this store uses. */
export interface ReplayRedisCommands {
  set(key: string, value: string, options: { condition?: 'NX'; expiration: { type: 'PXAT'; value: number } }): Promise<string | null>;
  zScore(key: string, member: string): Promise<number | null>;
  multi(): ReplayRedisMulti;
}

/** The transaction commands {@link RedisReplayStore} queues. */
export interface ReplayRedisMulti {
  zAdd(key: string, member: { score: number; value: string }, options: { comparison: 'GT' }): ReplayRedisMulti;
  pExpireAt(key: string, at: number, mode: 'NX' | 'GT'): ReplayRedisMulti;
  incr(key: string): ReplayRedisMulti;
  pExpire(key: string, ms: number, mode: 'NX'): ReplayRedisMulti;
  exec(): Promise<unknown>;
}

/** Runs a command under the session store's deadline and fail-closed policy. */
export type ReplayRedisRunner = <T>(operation: string, work: (client: ReplayRedisCommands) => Promise<T>) => Promise<T>;

/** Replay memories and cookie-session revocations in Redis, under the session store's key prefix. */
export class RedisReplayStore implements ReplayStore {
  readonly #run: ReplayRedisRunner;
  readonly #prefix: string;
  readonly #now: () => number;

  /**
   * @param run - the session store's runner (connection, deadline, typed errors).
   * @param prefix - the session store's key prefix.
   * @param now - the clock, epoch ms.
   */
  constructor(run: ReplayRedisRunner, prefix: string, now: () => number) {
    this.#run = run;
    this.#prefix = prefix;
    this.#now = now;
  }

  remember(scope: ReplayScope, key: string, expiresAt: number): Promise<boolean> {
    // An instant already past would be refused by Redis (PXAT in the past deletes): keep it a moment.
    const until = Math.max(expiresAt, this.#now() + 1000);
    return this.#run('replay.remember', async (c) => {
      const reply = await c.set(`${this.#prefix}once:${scope}:${key}`, '1', { condition: 'NX', expiration: { type: 'PXAT', value: until } });
      return reply === 'OK';
    });
  }

  async revoke(selector: string, at: number, until: number): Promise<void> {
    if (until <= this.#now()) return;
    const key = `${this.#prefix}revoked:${selector}`;
    await this.#run('replay.revoke', (c) =>
      c
        .multi()
        // The later instant stands, whichever instance writes last; the TTL only grows.
        .zAdd(key, { score: at, value: 'at' }, { comparison: 'GT' })
        .pExpireAt(key, until, 'NX')
        .pExpireAt(key, until, 'GT')
        .exec(),
    );
  }

  hit(key: string, windowMs: number): Promise<number> {
    return this.#run('replay.hit', async (c) => {
      const k = `${this.#prefix}rate:${key}`;
      const replies = (await c
        .multi()
        .incr(k)
        .pExpire(k, Math.max(1, Math.ceil(windowMs)), 'NX')
        .exec()) as unknown[];
      return Number(replies[0]);
    });
  }

  revokedAt(selectors: readonly string[]): Promise<number | null> {
    if (selectors.length === 0) return Promise.resolve(null);
    return this.#run('replay.revokedAt', async (c) => {
      // One key per command (pipelined by the client): no cross-slot request on a cluster.
      const scores = await Promise.all(selectors.map((s) => c.zScore(`${this.#prefix}revoked:${s}`, 'at')));
      let latest: number | null = null;
      for (const at of scores) if (at !== null && (latest === null || at > latest)) latest = at;
      return latest;
    });
  }
}
