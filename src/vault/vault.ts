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
import type { OidcClient } from '../core/client.js';
import { parseWwwAuthenticate } from '../core/http.js';
import { ConfigurationError, isLatchkeyError, type LatchkeyError, TokenError } from '../errors.js';
import type { Account, UserStore } from '../storage/types.js';
import { createApiUrlCheck } from './api-urls.js';
import { createProviderApi, parseApiBase } from './provider-api.js';
import { createRefresher, reauth, toAccess } from './refresh.js';
import { SingleFlight } from './single-flight.js';
import { createTokenCache } from './token-cache.js';
import type { TokenVault, TokenVaultOptions, VaultAccessToken, VaultFetchInit, VaultGetOptions } from './types.js';

export type {
  ApiMethod,
  ProviderApi,
  ProviderApiInit,
  ProviderApiOptions,
  RefreshFailure,
  TokenEvent,
  TokenVault,
  TokenVaultOptions,
  VaultAccessToken,
  VaultAccountChoice,
  VaultFetchInit,
  VaultGetOptions,
  VaultRevokeResult,
} from './types.js';

const DEFAULTS = { leewaySeconds: 60, cacheSeconds: 5, cacheMaxEntries: 10_000 } as const;

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
  const { clock, leewayMs, lockTtlMs, lockWaitMs, cacheMs, cacheMaxEntries } = timingsOf(options);
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

  const tokenCache = createTokenCache({ cacheMs, maxEntries: cacheMaxEntries, leewayMs, clock });
  const { cached, remember, forget } = tokenCache;
  const cacheKey = tokenCache.key;

  const isFresh = (account: Account): boolean => {
    const t = account.tokens;
    if (!t?.accessToken || account.needsReauth) return false;
    // No expiry given (RFC 6749 §5.1 makes expires_in optional): usable until a 401 says otherwise.
    return t.expiresAt === undefined || t.expiresAt - leewayMs > clock();
  };

  const { emit, withLock, refreshLocked } = createRefresher({ users, lock, lockTtlMs, lockWaitMs, onTokens, clientOf, isFresh, forget });

  const get = async (userId: string, providerId: string, getOptions: VaultGetOptions = {}): Promise<VaultAccessToken> => {
    const key = cacheKey(userId, providerId, getOptions.accountId);
    if (!getOptions.forceRefresh && !getOptions.skipCache) {
      const hit = cached(key);
      if (hit !== undefined) return hit;
    }
    const readAt = tokenCache.generation();
    const account = await findAccount(users, userId, providerId, getOptions.accountId);
    if (!getOptions.forceRefresh && isFresh(account)) {
      const access = toAccess(account);
      remember(key, access, readAt);
      return access;
    }
    // The API refused this token, or it is near expiry: no one in this process may reuse it.
    forget(account);
    if (account.needsReauth) throw reauth(providerId, `The ${providerId} account needs a new sign-in (a refresh was refused earlier).`);
    const rejected = getOptions.forceRefresh ? (getOptions.rejectedAccessToken ?? account.tokens?.accessToken) : undefined;
    return flights.run(account.id, () =>
      refreshLocked(account.id, providerId, rejected).catch((error: unknown) => {
        try {
          options.onRefreshFailure?.({ userId: account.userId, providerId, accountId: account.id, error });
        } catch {
          // The observer's failure is not the caller's.
        }
        throw error;
      }),
    );
  };

  const checkApiUrl = createApiUrlCheck(options.apiOrigins);

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

  /** Parsed API base URLs, by provider: the configured `apiBaseUrl`, else the issuer. */
  const bases = new Map<string, URL>();
  const baseOf = async (providerId: string): Promise<URL> => {
    let base = bases.get(providerId);
    if (base === undefined) {
      base = parseApiBase(options.apiBaseUrl?.(providerId) ?? (await clientOf(providerId)).metadata.issuer, providerId);
      bases.set(providerId, base);
    }
    return base;
  };

  const vault: TokenVault = {
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
      const account = await findAccount(users, userId, providerId, revokeOptions.accountId);
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

    api(userId, providerId, apiOptions) {
      return createProviderApi(
        { vault, userId, providerId, base: () => baseOf(providerId), ...(options.loginBasePath !== undefined ? { loginBasePath: options.loginBasePath } : {}) },
        apiOptions,
      );
    },
  };
  return vault;
}

/** The vault's timings, checked. */
function timingsOf(options: TokenVaultOptions) {
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
  return { clock, leewayMs, lockTtlMs, lockWaitMs, cacheMs, cacheMaxEntries };
}

/** The user's account at the provider (the given one, else the most recently updated); `REAUTH_REQUIRED` when none. */
async function findAccount(users: UserStore, userId: string, providerId: string, accountId?: string): Promise<Account> {
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
}
