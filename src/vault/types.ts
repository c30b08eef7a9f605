/**
 * The token vault's public shapes: what it hands out, its options, and the vault itself. The
 * implementation is in `vault.ts` (hot path, cache, fetch, revoke) and `refresh.ts` (the refresh
 * under the lock); provider API calls by path in `provider-api.ts`.
 *
 * @module
 */
import type { OidcClient, ResourceInit } from '../core/client.js';
import type { HttpMethod } from '../core/http.js';
import type { LatchkeyError } from '../errors.js';
import type { AccountTokens, UserStore } from '../storage/types.js';
import type { DistributedLock } from './locks/types.js';

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

/** What {@link TokenVaultOptions.onRefreshFailure} receives (no token). */
export interface RefreshFailure {
  readonly userId: string;
  readonly providerId: string;
  readonly accountId: string;
  /** The error the callers of the refresh receive (`REAUTH_REQUIRED`, `TOKEN_REFRESH_FAILED`, …). */
  readonly error: unknown;
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
   * Told of every refresh that failed (once per refresh, however many callers waited for it), not
   * awaited; what it throws is ignored. The app layer turns it into the `refresh-failure` event.
   */
  readonly onRefreshFailure?: (failure: RefreshFailure) => void;
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
  /**
   * The base URL of a provider's API, which {@link TokenVault.api} paths are relative to
   * (`https://www.googleapis.com`, `https://api.github.com`). `createAuth` passes each provider's
   * `apiBaseUrl` (declared by its preset, or set with the preset option). Without one: the
   * provider's issuer. Its origin must still be one of the provider's API origins.
   */
  readonly apiBaseUrl?: (providerId: string) => string | undefined;
  /**
   * Where the app's login routes are (`/auth`): `INSUFFICIENT_SCOPE` errors then carry the
   * `loginUrl` asking for exactly the missing scopes. `createAuth` sets it.
   */
  readonly loginBasePath?: string;
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
  /**
   * Read the store even when this process has the token cached (another process may have stored a
   * newer grant, with more scopes, within `cacheSeconds`).
   */
  readonly skipCache?: boolean;
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
  /**
   * The provider's API for one user, by path relative to the provider's API base URL:
   * `vault.api(user.id, 'google').get('/oauth2/v3/userinfo')`. Each call goes through
   * {@link TokenVault.fetch} (token, refresh, one retry on `401 invalid_token`); a path that is not
   * a plain path under the base (an absolute URL, `//host`, a backslash, dot segments, encoded
   * slashes or dots) is refused with `API_PATH_REFUSED` before anything is read or sent.
   */
  api(userId: string, providerId: string, options?: ProviderApiOptions): ProviderApi;
}

/** The methods of {@link ProviderApi}. */
export type ApiMethod = HttpMethod;

/** Options of `auth.api(user, providerId, options)` / `vault.api(...)`. */
export interface ProviderApiOptions extends VaultAccountChoice {
  /**
   * Scopes these calls need (`['https://www.googleapis.com/auth/calendar.readonly']`). When the
   * grant lacks one, every call throws `REAUTH_REQUIRED` with `scopes` naming the missing ones
   * before anything is sent: the adapters' reauth handlers send the user to consent to them.
   */
  readonly scopes?: readonly string[];
  /** Most bytes of an answer the JSON helpers read (an error body too). Default 1 MiB. */
  readonly maxBodyBytes?: number;
}

/** One call's options. */
export interface ProviderApiInit {
  readonly headers?: HeadersInit;
  /** Query parameters, appended encoded to the path's own; `undefined` values are skipped. */
  readonly query?: Readonly<Record<string, string | number | boolean | undefined>>;
  /**
   * The body: a string or `URLSearchParams` is sent as it is; any other value as JSON, with
   * `content-type: application/json` unless the headers name one.
   */
  readonly body?: unknown;
}

/** A provider's API for one user; every path is relative to the API base URL. */
export interface ProviderApi {
  /**
   * The raw `Response`, whatever its status (a redirect is returned unfollowed), for streams,
   * non-JSON answers and custom status handling. The body is yours to read (or cancel).
   */
  fetch(path: string, init?: ProviderApiInit & { readonly method?: ApiMethod }): Promise<Response>;
  /**
   * Calls the API and returns its parsed JSON answer (`undefined` for an empty one, such as a 204).
   *
   * @throws {ProviderApiError} `API_RESPONSE_ERROR` for a non-2xx answer (`httpStatus`, `body`).
   * @throws {TokenError} `REAUTH_REQUIRED` (with `scopes`) for `403 insufficient_scope`, a grant
   *   without the options' `scopes`, or a refresh token that is gone; `API_PATH_REFUSED`,
   *   `API_ORIGIN_REFUSED` before anything is sent.
   * @throws {TransportError} `HTTP_BAD_CONTENT_TYPE` / `HTTP_INVALID_JSON` for a 2xx answer that is
   *   not JSON, `HTTP_BODY_TOO_LARGE` over `maxBodyBytes`, `HTTP_TIMEOUT`, `HTTP_REQUEST_FAILED`.
   */
  request<T = unknown>(method: ApiMethod, path: string, init?: ProviderApiInit): Promise<T>;
  /** `request('GET', path, init)`. */
  get<T = unknown>(path: string, init?: Omit<ProviderApiInit, 'body'>): Promise<T>;
  /** `request('POST', path, { ...init, body })`. */
  post<T = unknown>(path: string, body?: unknown, init?: Omit<ProviderApiInit, 'body'>): Promise<T>;
  /** `request('PUT', path, { ...init, body })`. */
  put<T = unknown>(path: string, body?: unknown, init?: Omit<ProviderApiInit, 'body'>): Promise<T>;
  /** `request('PATCH', path, { ...init, body })`. */
  patch<T = unknown>(path: string, body?: unknown, init?: Omit<ProviderApiInit, 'body'>): Promise<T>;
  /** `request('DELETE', path, init)`. */
  delete<T = unknown>(path: string, init?: ProviderApiInit): Promise<T>;
}
