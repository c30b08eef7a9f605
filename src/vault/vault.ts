/**
 * The token vault: hands out a valid provider access token for a signed-in user, long after the
 * one from the login expired, and calls provider APIs with it.
 *
 * - Hot path: the stored access token is valid beyond the leeway → returned as is (no lock, no
 *   provider call). A token read from the store is kept in this process for `cacheSeconds`
 *   (default 5), so most calls read no store at all; the vault's own refreshes and revocations
 *   drop it at once, other processes' within `cacheSeconds` (and a 401 from the API at once).
 * - Refresh: one per account at a time, within the process (single flight) and across processes
 *   (a {@link DistributedLock} whose lease lasts one refresh's request budget and is renewed while
 *   the refresh runs). Under the lock the account is read again (another process may have
 *   refreshed already), then, if the lease still holds, the refresh token is used once, and the
 *   new tokens (the rotated refresh token included) are stored with a compare-and-set on
 *   `tokenVersion` before the lock is released and before anyone gets the new access token.
 * - `invalid_grant` marks the account `needsReauth` (only if the refresh token that failed is
 *   still the stored one) and throws `REAUTH_REQUIRED`; transport failures and timeouts throw
 *   `TOKEN_REFRESH_FAILED` and mark nothing.
 *
 * @see [RFC 6749 - The OAuth 2.0 Authorization Framework, section 6](https://www.rfc-editor.org/rfc/rfc6749.html#section-6)
 * @see [RFC 9700 - Best Current Practice for OAuth 2.0 Security, section 4.14.2](https://www.rfc-editor.org/rfc/rfc9700.html#section-4.14.2)
 * @module
 */
import { decodeJwt } from 'jose';
import type { OidcClient, ResourceInit } from '../core/client.js';
import { HTTP_DEFAULTS, parseWwwAuthenticate } from '../core/http.js';
import type { IdTokenClaims, TokenSet } from '../core/types.js';
import { ConfigurationError, isLatchkeyError, type LatchkeyError, ProviderError, TokenError, TransportError } from '../errors.js';
import { type ApiOriginMatcher, compileApiOrigins, normalizeApiOrigin, originOf } from '../internal/api-origins.js';
import { BoundedMap } from '../internal/bounded-map.js';
import type { Account, AccountTokens, UserStore } from '../storage/types.js';
import { type KeptLease, keepLease, UNLOCKED } from './locks/keeper.js';
import { type DistributedLock, refreshLockKey } from './locks/types.js';
import { SingleFlight } from './single-flight.js';

/** An access token the vault handed out. */
export interface VaultAccessToken {
  /** The access token. Send it only to the provider's APIs. */
  readonly accessToken: string;
  /** `Bearer` or `DPoP` (a DPoP token needs a proof per request: use {@link TokenVault.fetch}). */
  readonly tokenType: 'Bearer' | 'DPoP';
  /** When it expires, epoch milliseconds; absent when the provider did not say. */
  readonly expiresAt?: number;
  /** The scopes granted. */
  readonly scopes: readonly string[];
}

/** What {@link TokenVaultOptions.onTokens} receives. */
export interface TokenEvent {
  /** `refreshed`: new tokens were stored; `reauth-required`: the refresh token is dead; `revoked`: tokens were revoked and cleared. */
  readonly reason: 'refreshed' | 'reauth-required' | 'revoked';
  readonly userId: string;
  readonly providerId: string;
  readonly accountId: string;
  /** The tokens now stored (null after a revocation). */
  readonly tokens: AccountTokens | null;
  readonly scopes: readonly string[];
}

/** Options of {@link createTokenVault}. */
export interface TokenVaultOptions {
  /** Where linked accounts and their tokens live (shared by every process). */
  readonly users: UserStore;
  /**
   * The client of a configured provider. The vault keeps the first client it gets for each
   * provider (the app layer's `auth.client(id)` also hands out one per provider); a rejection is
   * not kept, so a provider that was down is asked again.
   */
  readonly clientFor: (providerId: string) => Promise<OidcClient>;
  /**
   * The lock shared by every process of the app (`createRedisLock`, `createPostgresLock`).
   * Without one, refreshes are single-flight within this process only: fine for one process,
   * wrong for several when the provider rotates refresh tokens.
   */
  readonly lock?: DistributedLock;
  /** Refresh when the access token expires within this many seconds. Default 60. */
  readonly leewaySeconds?: number;
  /**
   * The refresh lock's lease, in milliseconds: renewed every third of it while the refresh runs,
   * so it is also how long a crashed or frozen holder blocks the others. Default: the refresh's
   * request budget, 3 × the client's request timeout (discovery, token, JWKS) + 5 000, which is
   * 35 000 with the 10 s default timeout.
   */
  readonly lockTtlMs?: number;
  /** Longest wait for the refresh lock before `LOCK_TIMEOUT`. Default: the request budget + 5 000 (40 000 with the default timeout). */
  readonly lockWaitMs?: number;
  /**
   * Called, and awaited, after tokens were stored and before the lock is released and the new
   * access token is used: for apps that also keep tokens themselves. An error it throws reaches
   * the caller (the vault's own store is already up to date).
   */
  readonly onTokens?: (event: TokenEvent) => void | Promise<void>;
  /**
   * How long this process reuses an access token it read from the store, in seconds, so the hot
   * path reads no store (an SQL read and a decryption cost about half a loopback API call).
   * Tokens the vault refreshes or revokes itself are dropped at once; a revocation in another
   * process reaches this one within this time, or at once when the API answers 401. 0 turns the
   * cache off. Default 5.
   */
  readonly cacheSeconds?: number;
  /** Most tokens kept by that cache (the oldest go first). Default 10 000. */
  readonly cacheMaxEntries?: number;
  /**
   * Where {@link TokenVault.fetch} may send a provider's access token, besides the origins of the
   * provider's issuer and userinfo endpoint (always allowed): origins such as
   * `https://api.github.com`, or `https://*.googleapis.com` for every host under a domain (http
   * only on loopback). Any other URL is refused with `API_ORIGIN_REFUSED` before a request is
   * made. `createAuth` passes each provider's `apiOrigins` (declared by its preset, extended with
   * the preset option `apiOrigins`).
   */
  readonly apiOrigins?: (providerId: string) => readonly string[] | undefined;
  /** The clock, epoch milliseconds. Default `Date.now`. */
  readonly clock?: () => number;
}

/** Which of the user's accounts at a provider: the given one, or else the most recently updated. */
export interface VaultAccountChoice {
  /**
   * The linked account to use, when the user linked several at one provider (two Google
   * accounts). Without it, the account updated most recently (the last one signed in with) is used.
   */
  readonly accountId?: string;
}

/** A request through {@link TokenVault.fetch}: method, headers, body, and which account. */
export type VaultFetchInit = ResourceInit & VaultAccountChoice;

/** Options of {@link TokenVault.get}. */
export interface VaultGetOptions extends VaultAccountChoice {
  /** Refresh even when the stored token looks valid (the resource server rejected it). */
  readonly forceRefresh?: boolean;
  /** With `forceRefresh`: the token that was rejected; no refresh happens if the stored one differs (someone already replaced it). */
  readonly rejectedAccessToken?: string;
}

/** What {@link TokenVault.revoke} did. */
export interface VaultRevokeResult {
  /** True when the provider accepted the revocation (RFC 7009). */
  readonly revoked: boolean;
  /** Why not, when `revoked` is false: the provider's or transport's typed error (local tokens were cleared anyway). */
  readonly error?: LatchkeyError;
}

/** The token vault. */
export interface TokenVault {
  /**
   * A valid access token for the user's account at `providerId`, refreshed if it expires within
   * the leeway.
   *
   * @throws {TokenError} `REAUTH_REQUIRED` (no account, no refresh token, or `invalid_grant`),
   *   `TOKEN_REFRESH_FAILED` (provider down, slow or 5xx), `LOCK_TIMEOUT`, `LOCK_LOST` (the lease
   *   lapsed before the refresh token was used; nothing was sent).
   */
  get(userId: string, providerId: string, options?: VaultGetOptions): Promise<VaultAccessToken>;
  /**
   * Calls a provider API with the user's access token (Bearer, or DPoP with a proof). On a 401
   * with `error="invalid_token"` the token is refreshed once and the request retried once.
   *
   * The token goes only to the provider's API origins (see {@link TokenVaultOptions.apiOrigins}).
   *
   * @throws {TokenError} `API_ORIGIN_REFUSED` when `url` is not on one of the provider's API
   *   origins (nothing is sent anywhere); otherwise as {@link TokenVault.get}.
   * @throws {TransportError} `HTTP_*` for the resource request itself.
   */
  fetch(userId: string, providerId: string, url: string | URL, init?: VaultFetchInit): Promise<Response>;
  /**
   * Revokes the account's tokens at the provider (refresh token first, which ends the grant at
   * most providers; the access token too) and clears them from the store, under the refresh lock
   * so that no concurrent refresh stores new ones. Call it before unlinking, and on logout when
   * the app wants the grant ended.
   */
  revoke(userId: string, providerId: string, options?: VaultAccountChoice): Promise<VaultRevokeResult>;
}

const DEFAULTS = { leewaySeconds: 60, cacheSeconds: 5, cacheMaxEntries: 10_000 } as const;

/** Provider requests one refresh may make, each bounded by the client's request timeout: discovery, token, JWKS. */
const REFRESH_REQUESTS = 3;
/** Added to the requests' budget: the store reads and writes and the `onTokens` hook. */
const LEASE_MARGIN_MS = 5_000;
/** A lease is renewed for at most this many request budgets: a holder hung longer lets the lock lapse. */
const MAX_HOLD_BUDGETS = 2;

/** One API call through {@link TokenVault.fetch}: what a refresh-and-retry needs. */
interface ApiCall {
  readonly client: OidcClient;
  /** The token the call was sent with. */
  readonly token: VaultAccessToken;
  readonly userId: string;
  readonly providerId: string;
  readonly url: string | URL;
  readonly init: VaultFetchInit;
}

/** An access token this process read from the store, reusable until `until`. */
interface CachedToken {
  readonly access: VaultAccessToken;
  /** Epoch ms: the cache time or the refresh leeway, whichever ends first. */
  readonly until: number;
}

/**
 * Creates a token vault.
 *
 * @param options The user store, the provider clients, the distributed lock and policies.
 * @returns The vault: `get`, `fetch`, `revoke`.
 * @example
 * ```ts
 * const vault = createTokenVault({ users, clientFor: (id) => auth.client(id), lock: createRedisLock({ client: redis }) });
 * const res = await vault.fetch(user.id, 'google', 'https://www.googleapis.com/calendar/v3/users/me/calendarList');
 * ```
 * @see [RFC 6749, section 6](https://www.rfc-editor.org/rfc/rfc6749.html#section-6)
 * @see [RFC 6750, section 3.1](https://www.rfc-editor.org/rfc/rfc6750.html#section-3.1)
 */
export function createTokenVault(options: TokenVaultOptions): TokenVault {
  const { users, clientFor, lock, onTokens } = options;
  const clock = options.clock ?? Date.now;
  const leewayMs = (options.leewaySeconds ?? DEFAULTS.leewaySeconds) * 1000;
  const { lockTtlMs, lockWaitMs } = options;
  const cacheMs = (options.cacheSeconds ?? DEFAULTS.cacheSeconds) * 1000;
  const cacheMaxEntries = options.cacheMaxEntries ?? DEFAULTS.cacheMaxEntries;
  if (
    !(leewayMs >= 0) ||
    !(lockTtlMs === undefined || lockTtlMs > 0) ||
    !(lockWaitMs === undefined || lockWaitMs >= 0) ||
    !(cacheMs >= 0) ||
    !(cacheMaxEntries >= 1)
  ) {
    throw new ConfigurationError(
      'The token vault needs non-negative `leewaySeconds`, `lockWaitMs` and `cacheSeconds`, a positive `lockTtlMs` and `cacheMaxEntries`.',
    );
  }
  const flights = new SingleFlight<VaultAccessToken>();

  /** The clients `clientFor` gave, by provider. */
  const clients = new Map<string, OidcClient>();
  const clientOf = async (providerId: string): Promise<OidcClient> => {
    let client = clients.get(providerId);
    if (client === undefined) {
      client = await clientFor(providerId);
      clients.set(providerId, client);
    }
    return client;
  };

  /** Keyed by user, provider and the account asked for ('' for "the most recent one"); bounded, the oldest go first. */
  const cache = new BoundedMap<string, CachedToken>({ maxEntries: cacheMaxEntries, expiresAt: (hit) => hit.until, clock });
  /**
   * Bumped by every change the vault makes to stored tokens. A store read that started before a
   * change is not cached: it may hold the tokens the change replaced.
   */
  let generation = 0;
  const cacheKey = (userId: string, providerId: string, accountId: string | undefined): string => `${userId}\n${providerId}\n${accountId ?? ''}`;
  /** The cached access token under `key`, if it is still within its time. */
  const cached = (key: string): VaultAccessToken | undefined => cache.get(key)?.access;
  const remember = (key: string, access: VaultAccessToken, readAt: number): void => {
    if (cacheMs === 0 || readAt !== generation) return;
    const expiresBy = access.expiresAt === undefined ? Number.POSITIVE_INFINITY : access.expiresAt - leewayMs;
    cache.set(key, { access, until: Math.min(clock() + cacheMs, expiresBy) });
  };
  /** Drops every cached token of the account (under either key) and stops in-flight reads from caching. */
  const forget = (account: Account): void => {
    generation++;
    cache.delete(cacheKey(account.userId, account.providerId, undefined));
    cache.delete(cacheKey(account.userId, account.providerId, account.id));
  };

  const isFresh = (account: Account): boolean => {
    const t = account.tokens;
    if (!t?.accessToken || account.needsReauth) return false;
    // No expiry given (RFC 6749 §5.1 makes expires_in optional): usable until a 401 says otherwise.
    return t.expiresAt === undefined || t.expiresAt - leewayMs > clock();
  };

  const findAccount = async (userId: string, providerId: string, accountId?: string): Promise<Account> => {
    // Keyed by the authenticated user: another user's tokens are never reachable.
    const accounts = (await users.listAccounts(userId)).filter((a) => a.providerId === providerId && (accountId === undefined || a.id === accountId));
    if (accounts.length === 0) {
      throw reauth(
        providerId,
        accountId === undefined
          ? `No ${providerId} account is linked to this user; sign in with ${providerId}.`
          : `This user has no ${providerId} account with that id; sign in with ${providerId}.`,
      );
    }
    // Several identities of one provider (two Google accounts): the most recently updated wins.
    return accounts.length === 1 ? accounts[0]! : accounts.reduce((a, b) => (b.updatedAt > a.updatedAt ? b : a));
  };

  const emit = async (reason: TokenEvent['reason'], account: Account, tokens: AccountTokens | null, scopes: readonly string[]): Promise<void> => {
    if (onTokens) await onTokens({ reason, userId: account.userId, providerId: account.providerId, accountId: account.id, tokens, scopes });
  };

  /**
   * Runs `fn` under the account's refresh lock, its lease renewed while `fn` runs. The lease
   * lasts the request budget of `requestTimeoutMs` (the client's; a revocation, which may not
   * have its client yet, uses the default) unless `lockTtlMs` says otherwise; renewal stops after
   * {@link MAX_HOLD_BUDGETS} budgets, so a holder hung for good lets the lock lapse.
   */
  const withLock = async <T>(accountId: string, fn: (lease: KeptLease) => Promise<T>, requestTimeoutMs: number = HTTP_DEFAULTS.timeoutMs): Promise<T> => {
    if (!lock) return fn(UNLOCKED);
    const budgetMs = REFRESH_REQUESTS * requestTimeoutMs + LEASE_MARGIN_MS;
    const ttlMs = lockTtlMs ?? budgetMs;
    const askedAt = performance.now();
    const lease = await lock.acquire(refreshLockKey(accountId), { ttlMs, waitMs: lockWaitMs ?? budgetMs + LEASE_MARGIN_MS });
    const kept = keepLease(lease, { ttlMs, acquiredAt: lease.acquiredAt ?? askedAt, maxHoldMs: MAX_HOLD_BUDGETS * budgetMs });
    try {
      return await fn(kept);
    } finally {
      kept.stop();
      await lease.release();
    }
  };

  /** The refresh, run once per account at a time in this process and under the distributed lock. */
  const refreshLocked = async (accountId: string, providerId: string, rejected: string | undefined): Promise<VaultAccessToken> => {
    // Discovery of a provider that is down fails here: the same transient error as a failed refresh.
    const client = await clientOf(providerId).catch((error: unknown) => {
      throw refreshFailed(providerId, error);
    });
    const requestTimeoutMs = client.requestTimeoutMs;
    return withLock(
      accountId,
      async (lease) => {
        // Re-read under the lock: another process may have refreshed while we waited.
        let current = await users.getAccountById(accountId);
        // At most two refresh attempts: the second only with a token another holder rotated meanwhile.
        for (let attempt = 0; ; attempt++) {
          if (!current) throw reauth(providerId, `The ${providerId} account was unlinked; sign in again.`);
          const stillRejected = rejected !== undefined && current.tokens?.accessToken === rejected;
          if (isFresh(current) && !stillRejected) return toAccess(current);
          const refreshToken = current.tokens?.refreshToken;
          if (current.needsReauth || !refreshToken) {
            throw reauth(
              providerId,
              `No usable ${providerId} refresh token for this account; the user must sign in again${refreshToken ? '' : ' with offline access'}.`,
            );
          }
          assertLeaseHolds(lease, client.requestTimeoutMs, providerId);
          let set: TokenSet;
          try {
            const previous = previousClaims(current.tokens?.idToken);
            set = await client.refresh(refreshToken, previous ? { previousIdTokenClaims: previous } : {});
          } catch (error) {
            // RFC 6749 §5.2: invalid_grant = the refresh token is invalid, expired or revoked.
            if (!(error instanceof ProviderError && error.code === 'TOKEN_ERROR' && error.error === 'invalid_grant')) throw refreshFailed(providerId, error);
            const rotated = await afterInvalidGrant(current, refreshToken, providerId, error);
            if (attempt > 0) {
              // Rotated by others twice in one refresh: the grant is alive, this call just lost the race.
              throw new TokenError('TOKEN_REFRESH_FAILED', `The ${providerId} refresh token was rotated by another instance during this refresh; try again.`, {
                cause: error,
                provider: providerId,
              });
            }
            current = rotated;
            continue;
          }
          return storeAndEmit(current, set, refreshToken);
        }
      },
      requestTimeoutMs,
    );
  };

  /**
   * After `invalid_grant` for `failed`: a holder whose lease lapsed may have rotated the token
   * meanwhile, so the account is read again and marked `needsReauth` only if `failed` is still
   * the stored refresh token (compare-and-set on that version). Returns the account another
   * holder refreshed (its new refresh token is worth one try); throws `REAUTH_REQUIRED` otherwise.
   */
  const afterInvalidGrant = async (read: Account, failed: string, providerId: string, error: ProviderError): Promise<Account> => {
    const refused = (): TokenError => reauth(providerId, `The ${providerId} refresh token was refused (invalid_grant); the user must sign in again.`, error);
    let now = await users.getAccountById(read.id);
    if (now && !now.needsReauth && now.tokens?.refreshToken === failed) {
      const tokens = withoutRefreshToken(now.tokens);
      const marked = await users.updateAccountTokens(read.id, { tokens, needsReauth: true }, now.tokenVersion);
      forget(now);
      if (marked) {
        await emit('reauth-required', marked, tokens, marked.scopes);
        throw refused();
      }
      // Someone wrote since we read (a fresh sign-in, say): their tokens win.
      now = await users.getAccountById(read.id);
    }
    forget(read);
    if (now && !now.needsReauth && (isFresh(now) || (now.tokens?.refreshToken !== undefined && now.tokens.refreshToken !== failed))) return now;
    throw refused();
  };

  /** Stores a refresh's tokens (compare-and-set), tells `onTokens`, and returns the new access token. */
  const storeAndEmit = async (current: Account, set: TokenSet, refreshToken: string): Promise<VaultAccessToken> => {
    const tokens: AccountTokens = {
      accessToken: set.accessToken,
      tokenType: set.tokenType,
      // RFC 6749 §6: without a new refresh token, the old one stays valid.
      refreshToken: set.refreshToken ?? refreshToken,
      ...((set.idToken ?? current.tokens?.idToken) ? { idToken: set.idToken ?? current.tokens?.idToken } : {}),
      ...(set.expiresAt !== undefined ? { expiresAt: set.expiresAt } : {}),
    };
    // The response scope may be absent (RFC 6749 §5.1: then unchanged).
    const scopes = set.raw.scope !== undefined && set.grantedScopes.length > 0 ? set.grantedScopes : current.scopes;
    const stored = await storeRefreshed(current, tokens, scopes, refreshToken);
    forget(current);
    if (stored) await emit('refreshed', stored, tokens, scopes);
    return {
      accessToken: tokens.accessToken!,
      tokenType: tokens.tokenType!,
      ...(tokens.expiresAt !== undefined ? { expiresAt: tokens.expiresAt } : {}),
      scopes,
    };
  };

  /**
   * Stores refreshed tokens with compare-and-set. A lost CAS means someone wrote without our lock
   * (a sign-in, or a holder whose lock expired): if the stored refresh token is still the one we
   * used, or the write was another holder's `needsReauth` mark of the very tokens we refreshed
   * (it replayed our refresh token after our lease lapsed; ours is the newer grant), we retry on
   * the new version; otherwise the newer write (a sign-in, a revocation) wins and ours is not stored.
   */
  const storeRefreshed = async (read: Account, tokens: AccountTokens, scopes: readonly string[], used: string): Promise<Account | null> => {
    let version = read.tokenVersion;
    for (let attempt = 0; attempt < 3; attempt++) {
      const written = await users.updateAccountTokens(read.id, { tokens, scopes, needsReauth: false }, version);
      if (written) return written;
      const now = await users.getAccountById(read.id);
      if (!now || (now.tokens?.refreshToken !== used && !markedFrom(now, read))) return null;
      version = now.tokenVersion;
    }
    return null;
  };

  const get = async (userId: string, providerId: string, getOptions: VaultGetOptions = {}): Promise<VaultAccessToken> => {
    const key = cacheKey(userId, providerId, getOptions.accountId);
    if (!getOptions.forceRefresh) {
      const hit = cached(key);
      if (hit !== undefined) return hit;
    }
    const readAt = generation;
    const account = await findAccount(userId, providerId, getOptions.accountId);
    if (!getOptions.forceRefresh && isFresh(account)) {
      const access = toAccess(account);
      remember(key, access, readAt);
      return access;
    }
    // The API refused this token, or it is near expiry: no one in this process may reuse it.
    forget(account);
    if (account.needsReauth) throw reauth(providerId, `The ${providerId} account needs a new sign-in (a refresh was refused earlier).`);
    const rejected = getOptions.forceRefresh ? (getOptions.rejectedAccessToken ?? account.tokens?.accessToken) : undefined;
    return flights.run(account.id, () => refreshLocked(account.id, providerId, rejected));
  };

  /** Compiled API origins per provider: the issuer's and userinfo's origins plus `apiOrigins`. */
  const apiOriginsOf = new Map<string, ApiOriginMatcher>();
  /** `provider\nurl` strings found on an API origin (bounded; the oldest go first). */
  const approvedUrls = new BoundedMap<string, true>({ maxEntries: 1000 });
  /**
   * RFC 6750 §5.3 / RFC 9700 §4.9: a bearer token is sent only to the resource servers it is meant
   * for; a URL built from user input must not hand the user's provider token to another host.
   * Returns the URL to request: the checked string (a `URL` object is copied, so that changing
   * it after the check changes nothing).
   */
  const checkApiUrl = (providerId: string, client: OidcClient, url: string | URL): string => {
    // Hot path: an API URL string already approved for this provider is not parsed again.
    const memoKey = typeof url === 'string' ? `${providerId}\n${url}` : undefined;
    if (memoKey !== undefined && approvedUrls.has(memoKey)) return url as string;
    let matcher = apiOriginsOf.get(providerId);
    if (matcher === undefined) {
      const own = [originOf(client.metadata.issuer), originOf(client.metadata.userinfo_endpoint)].filter((o): o is string => o !== undefined);
      const extra = (options.apiOrigins?.(providerId) ?? []).map((o) => normalizeApiOrigin(o, `the ${providerId} provider`));
      matcher = compileApiOrigins([...own, ...extra]);
      apiOriginsOf.set(providerId, matcher);
    }
    let target: URL | undefined;
    try {
      target = new URL(url);
    } catch {
      target = undefined;
    }
    if (target !== undefined && matcher.matches(target)) {
      if (memoKey !== undefined) {
        approvedUrls.set(memoKey, true);
      }
      return typeof url === 'string' ? url : target.href;
    }
    const where = target === undefined ? 'a malformed URL' : target.origin === 'null' ? `a ${target.protocol} URL` : target.origin.slice(0, 100);
    throw new TokenError(
      'API_ORIGIN_REFUSED',
      `The ${providerId} access token is not sent to ${where}: it goes only to ${matcher.entries.join(', ')}; add the origin to the provider's \`apiOrigins\` if it is that provider's API.`,
      { provider: providerId },
    );
  };

  const fetchAfterLookup = async (userId: string, providerId: string, url: string | URL, init: VaultFetchInit): Promise<Response> => {
    // The destination is checked before the token is even read (no refresh for a refused URL).
    const client = await clientOf(providerId);
    const checked = checkApiUrl(providerId, client, url);
    const token = await get(userId, providerId, { accountId: init.accountId });
    return retryIfRefused(await client.fetchResource(checked, token, init), { client, token, userId, providerId, url: checked, init });
  };

  /** RFC 6750 §3.1: invalid_token = expired, revoked or malformed; one refresh, one retry. */
  const retryIfRefused = (response: Response, call: ApiCall): Response | Promise<Response> => {
    if (response.status !== 401 || parseWwwAuthenticate(response.headers.get('www-authenticate'))?.error !== 'invalid_token') return response;
    return refreshAndRetry(response, call);
  };

  const refreshAndRetry = async (refused: Response, { client, token, userId, providerId, url, init }: ApiCall): Promise<Response> => {
    // The refused response is discarded: release its (unread) body before retrying.
    await refused.body?.cancel().catch(() => {});
    const second = await get(userId, providerId, { accountId: init.accountId, forceRefresh: true, rejectedAccessToken: token.accessToken });
    return client.fetchResource(url, second, init);
  };

  return {
    get,

    fetch(userId, providerId, url, init = {}) {
      // Hot path: a cached token and a known client go straight to the API (no store, no await here).
      const token = cached(cacheKey(userId, providerId, init.accountId));
      const client = clients.get(providerId);
      if (token === undefined || client === undefined) return fetchAfterLookup(userId, providerId, url, init);
      let checked: string;
      try {
        checked = checkApiUrl(providerId, client, url);
      } catch (error) {
        return Promise.reject(error);
      }
      const call: ApiCall = { client, token, userId, providerId, url: checked, init };
      // The 401 check runs in the step that receives the response.
      return client.fetchResource(checked, token, init, (response) => retryIfRefused(response, call));
    },

    async revoke(userId, providerId, revokeOptions = {}) {
      const account = await findAccount(userId, providerId, revokeOptions.accountId);
      forget(account);
      return withLock(account.id, async () => {
        const current = (await users.getAccountById(account.id)) ?? account;
        const tokens = current.tokens;
        let error: LatchkeyError | undefined;
        let revoked = false;
        if (tokens?.refreshToken || tokens?.accessToken) {
          try {
            const client = await clientOf(providerId);
            // RFC 7009 §2.1: revoking the refresh token should also end its access tokens; revoke both anyway.
            if (tokens.refreshToken) await client.revoke(tokens.refreshToken, 'refresh_token');
            if (tokens.accessToken) await client.revoke(tokens.accessToken, 'access_token');
            revoked = true;
          } catch (e) {
            error = isLatchkeyError(e)
              ? e
              : new TokenError('TOKEN_REFRESH_FAILED', `Revoking the ${providerId} tokens failed.`, { cause: e, provider: providerId });
          }
        }
        const cleared = await users.updateAccountTokens(current.id, { tokens: null, needsReauth: true });
        forget(current);
        if (cleared) await emit('revoked', cleared, null, cleared.scopes);
        return { revoked, ...(error ? { error } : {}) };
      });
    },
  };
}

function toAccess(account: Account): VaultAccessToken {
  const t = account.tokens!;
  // Frozen: the same object may be handed to several callers from the cache.
  return Object.freeze({
    accessToken: t.accessToken!,
    tokenType: t.tokenType ?? 'Bearer',
    ...(t.expiresAt !== undefined ? { expiresAt: t.expiresAt } : {}),
    scopes: Object.freeze([...account.scopes]),
  });
}

/**
 * Refuses to use the refresh token when the lease no longer surely holds: a lock without renewal
 * must still hold for the whole token request, a renewed one must not have lapsed.
 */
function assertLeaseHolds(lease: KeptLease, requestTimeoutMs: number, providerId: string): void {
  if (lease.remainingMs() >= (lease.renewable ? 1 : requestTimeoutMs)) return;
  throw new TokenError('LOCK_LOST', `The ${providerId} refresh lock lapsed before the refresh token was used; nothing was sent. Try again.`, {
    provider: providerId,
  });
}

/**
 * True when `now` is a `needsReauth` mark of the tokens in `read` (the same access token, the
 * refresh token removed): another holder's `invalid_grant` for the refresh token we used.
 */
function markedFrom(now: Account, read: Account): boolean {
  const before = read.tokens?.accessToken;
  return now.needsReauth && now.tokens !== null && now.tokens.refreshToken === undefined && before !== undefined && now.tokens.accessToken === before;
}

function withoutRefreshToken(tokens: AccountTokens | null): AccountTokens | null {
  if (!tokens) return null;
  const { refreshToken: _dead, ...rest } = tokens;
  return rest;
}

/** The claims of the stored ID token (validated at sign-in), for the OIDC Core 12.2 same-user check. */
function previousClaims(idToken: string | undefined): IdTokenClaims | undefined {
  if (!idToken) return undefined;
  try {
    const claims = decodeJwt(idToken);
    return typeof claims.iss === 'string' && typeof claims.sub === 'string' ? (claims as unknown as IdTokenClaims) : undefined;
  } catch {
    return undefined;
  }
}

function reauth(providerId: string, message: string, cause?: unknown): TokenError {
  return new TokenError('REAUTH_REQUIRED', message, { provider: providerId, ...(cause !== undefined ? { cause } : {}) });
}

/**
 * Transport failures (down, timeout, 5xx) become `TOKEN_REFRESH_FAILED` carrying the transport
 * code in the message and the error as `cause`; other typed errors (a validation failure of the
 * refreshed ID token, `invalid_client`) pass through unchanged.
 */
function refreshFailed(providerId: string, error: unknown): unknown {
  if (error instanceof TransportError) {
    return new TokenError('TOKEN_REFRESH_FAILED', `Refreshing the ${providerId} access token failed (${error.code}); try again.`, {
      cause: error,
      provider: providerId,
    });
  }
  if (isLatchkeyError(error)) return error;
  return new TokenError('TOKEN_REFRESH_FAILED', `Refreshing the ${providerId} access token failed; try again.`, { cause: error, provider: providerId });
}
