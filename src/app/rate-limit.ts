/**
 * Rate limits of the auth routes that cost something: login start (a discovery, maybe a PAR
 * request, a sealed cookie), callback (a code exchange, key fetches, a store write) and
 * `POST /auth/token` (a signature). Fixed windows per client address (`clientAddress`: the socket
 * peer, or behind `trustProxy` the address the proxy added), counted in the shared store when it
 * can count (`ReplayStore.hit`: Redis, SQL), so every instance spends one budget; else in this
 * process. Over the budget: 429 `RATE_LIMITED` with `Retry-After` (RFC 6585 §4).
 *
 * @see [RFC 6585, section 4](https://www.rfc-editor.org/rfc/rfc6585.html#section-4)
 * @module
 */
import { ConfigurationError } from '../errors.js';
import { base64url, sha256 } from '../internal/encoding.js';
import { MemoryReplayStore } from '../storage/memory-replay.js';
import type { ReplayStore } from '../storage/types.js';
import type { AuthRequest } from './http-shapes.js';
import { clientAddress } from './request-origin.js';

/** The routes a limit can be set on. */
export type LimitedRoute = 'login' | 'callback' | 'token';

/** One limit: at most `max` requests per client address in each window of `windowSeconds`. */
export interface RateLimit {
  readonly max: number;
  readonly windowSeconds: number;
}

/** `rateLimits`: a limit per route (absent or `false`: none), and where hits are counted. */
export interface RateLimitOptions {
  /** `GET /auth/:provider/login`. */
  readonly login?: RateLimit | false;
  /** `GET|POST /auth/:provider/callback`. */
  readonly callback?: RateLimit | false;
  /** `POST /auth/token`. */
  readonly token?: RateLimit | false;
  /**
   * Where hits are counted. Default: `store.replay` (or the session store's) when it has `hit`
   * (Redis, SQL: one budget across instances), else this process.
   */
  readonly store?: Pick<ReplayStore, 'hit'>;
}

/** Decides whether a request is over its route's budget. */
export interface RateLimiter {
  /**
   * Counts a request.
   *
   * @returns undefined when it may go on; the seconds to wait (`Retry-After`) when over budget.
   * @throws StorageError from a shared store (the caller lets the request through and reports it).
   */
  check(route: LimitedRoute, request: AuthRequest): Promise<number | undefined> | undefined;
}

const ROUTES: readonly LimitedRoute[] = ['login', 'callback', 'token'];

/**
 * Validates `rateLimits` and builds the limiter.
 *
 * @param options - the `rateLimits` option.
 * @param shared - the configured replay store (its `hit`, when it has one, counts across instances).
 * @param clock - the auth clock.
 * @param trustProxy - whether forwarded headers name the client.
 * @returns the limiter, or undefined when no route is limited.
 * @throws ConfigurationError `CONFIG_INVALID` for a limit that is not a positive integer `max` and a positive `windowSeconds`.
 */
export function createRateLimiter(
  options: RateLimitOptions | undefined,
  shared: ReplayStore | undefined,
  clock: () => number,
  trustProxy: boolean,
): RateLimiter | undefined {
  if (options === undefined) return undefined;
  if (typeof options !== 'object' || options === null)
    throw new ConfigurationError('`rateLimits` must be an object such as { login: { max: 20, windowSeconds: 60 } }.');
  const limits = new Map<LimitedRoute, { max: number; windowMs: number }>();
  for (const route of ROUTES) {
    const limit = options[route];
    if (limit === undefined || limit === false) continue;
    if (!Number.isInteger(limit?.max) || limit.max < 1 || !Number.isFinite(limit.windowSeconds) || limit.windowSeconds <= 0) {
      throw new ConfigurationError(
        `\`rateLimits.${route}\` must be { max, windowSeconds } with a positive integer \`max\` and a positive \`windowSeconds\` (or false).`,
      );
    }
    limits.set(route, { max: limit.max, windowMs: Math.ceil(limit.windowSeconds * 1000) });
  }
  if (limits.size === 0) return undefined;
  if (options.store !== undefined && typeof options.store?.hit !== 'function')
    throw new ConfigurationError('`rateLimits.store` must have a `hit(key, windowMs)` method.');
  const store: Pick<ReplayStore, 'hit'> = options.store ?? (typeof shared?.hit === 'function' ? shared : new MemoryReplayStore({ now: clock }));
  const hit = store.hit!.bind(store);
  return {
    check(route, request) {
      const limit = limits.get(route);
      if (limit === undefined) return undefined;
      // A client that cannot be told apart (the Web handler without trustProxy) is not limited:
      // one shared budget would let anyone lock everyone out.
      const address = clientAddress(request, trustProxy);
      if (address === undefined) return undefined;
      const now = clock();
      const window = Math.floor(now / limit.windowMs);
      return sha256(`latchkey-rate ${route} ${address}`).then(async (digest) => {
        // The store sees a hash, never the address; the window is in the key (fixed windows).
        const count = await hit(`${route}:${base64url(digest)}:${window}`, limit.windowMs);
        if (count <= limit.max) return undefined;
        return Math.max(1, Math.ceil(((window + 1) * limit.windowMs - now) / 1000));
      });
    },
  };
}
