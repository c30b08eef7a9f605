/**
 * The vault's in-process token cache: an access token read from the store is reused for
 * `cacheSeconds`, at most until it enters the refresh leeway, so the hot path reads no store. The
 * vault's own changes to stored tokens drop it at once, and a store read that started before such a
 * change is not cached (it may hold the tokens the change replaced).
 *
 * @module
 */
import { BoundedMap } from '../internal/bounded-map.js';
import type { Account } from '../storage/types.js';
import type { VaultAccessToken } from './types.js';

/** An access token this process read from the store, reusable until `until`. */
interface CachedToken {
  readonly access: VaultAccessToken;
  /** Epoch ms: the cache time or the refresh leeway, whichever ends first. */
  readonly until: number;
}

/** The cache of one vault. */
export interface TokenCache {
  /** The key of a user's token at a provider ('' account for "the most recent one"). */
  key(userId: string, providerId: string, accountId: string | undefined): string;
  /** The cached access token under `key`, if it is still within its time. */
  cached(key: string): VaultAccessToken | undefined;
  /** The current generation: pass it to {@link TokenCache.remember} for a read that starts now. */
  generation(): number;
  /** Keeps a token read from the store, unless the vault changed stored tokens since `readAt`. */
  remember(key: string, access: VaultAccessToken, readAt: number): void;
  /** Drops every cached token of the account (under either key) and stops in-flight reads from caching. */
  forget(account: Account): void;
}

/**
 * Creates the cache.
 *
 * @param options - how long to keep a token (0: off), how many, the refresh leeway and the clock.
 * @returns the cache.
 */
export function createTokenCache(options: { cacheMs: number; maxEntries: number; leewayMs: number; clock: () => number }): TokenCache {
  const { cacheMs, leewayMs, clock } = options;
  // Bounded: the oldest go first.
  const cache = new BoundedMap<string, CachedToken>({ maxEntries: options.maxEntries, expiresAt: (hit) => hit.until, clock });
  // Bumped by every change the vault makes to stored tokens.
  let generation = 0;
  const key = (userId: string, providerId: string, accountId: string | undefined): string => `${userId}\n${providerId}\n${accountId ?? ''}`;
  return {
    key,
    cached: (k) => cache.get(k)?.access,
    generation: () => generation,
    remember(k, access, readAt) {
      if (cacheMs === 0 || readAt !== generation) return;
      const expiresBy = access.expiresAt === undefined ? Number.POSITIVE_INFINITY : access.expiresAt - leewayMs;
      cache.set(k, { access, until: Math.min(clock() + cacheMs, expiresBy) });
    },
    forget(account) {
      generation++;
      cache.delete(key(account.userId, account.providerId, undefined));
      cache.delete(key(account.userId, account.providerId, account.id));
    },
  };
}
