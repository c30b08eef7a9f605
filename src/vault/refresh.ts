/**
 * The refresh itself, once per account at a time: under the distributed lock (its lease renewed
 * while the refresh runs), the account is read again, the refresh token is used once if the lease
 * still holds, and the new tokens (the rotated refresh token included) are stored with a
 * compare-and-set on `tokenVersion` before the lock is released. `invalid_grant` marks the account
 * `needsReauth` only if the refused refresh token is still the stored one.
 *
 * @see [RFC 6749 - The OAuth 2.0 Authorization Framework, section 6](https://www.rfc-editor.org/rfc/rfc6749.html#section-6)
 * @see [RFC 9700 - Best Current Practice for OAuth 2.0 Security, section 4.14.2](https://www.rfc-editor.org/rfc/rfc9700.html#section-4.14.2)
 * @module
 */
import { decodeJwt } from 'jose';
import type { OidcClient } from '../core/client.js';
import { HTTP_DEFAULTS } from '../core/http.js';
import type { IdTokenClaims, TokenSet } from '../core/types.js';
import { isLatchkeyError, ProviderError, TokenError, TransportError } from '../errors.js';
import type { Account, AccountTokens, UserStore } from '../storage/types.js';
import { type KeptLease, keepLease, UNLOCKED } from './locks/keeper.js';
import { type DistributedLock, refreshLockKey } from './locks/types.js';
import type { TokenEvent, TokenVaultOptions, VaultAccessToken } from './types.js';

/** Provider requests one refresh may make, each bounded by the client's request timeout: discovery, token, JWKS. */
const REFRESH_REQUESTS = 3;
/** Added to the requests' budget: the store reads and writes and the `onTokens` hook. */
const LEASE_MARGIN_MS = 5_000;
/** A lease is renewed for at most this many request budgets: a holder hung longer lets the lock lapse. */
const MAX_HOLD_BUDGETS = 2;

/** What the refresh needs of the vault. */
export interface RefreshDeps {
  readonly users: UserStore;
  readonly lock: DistributedLock | undefined;
  readonly lockTtlMs: number | undefined;
  readonly lockWaitMs: number | undefined;
  readonly onTokens: TokenVaultOptions['onTokens'];
  /** The provider's client (kept by the vault). */
  readonly clientOf: (providerId: string) => Promise<OidcClient>;
  /** Whether the stored access token is usable beyond the leeway. */
  readonly isFresh: (account: Account) => boolean;
  /** Drops the account's cached tokens. */
  readonly forget: (account: Account) => void;
}

/** The refresh and the lock, for the vault. */
export interface Refresher {
  /** The refresh, under the distributed lock; `rejected` is the access token an API refused, if any. */
  refreshLocked(accountId: string, providerId: string, rejected: string | undefined): Promise<VaultAccessToken>;
  /** Runs `fn` under the account's refresh lock, its lease renewed while `fn` runs. */
  withLock<T>(accountId: string, fn: (lease: KeptLease) => Promise<T>, requestTimeoutMs?: number): Promise<T>;
  /** Tells `onTokens` (awaited). */
  emit(reason: TokenEvent['reason'], account: Account, tokens: AccountTokens | null, scopes: readonly string[]): Promise<void>;
}

/**
 * Creates the refresher of one vault.
 *
 * @param deps - the store, the lock and its timings, `onTokens`, and the vault's client and cache hooks.
 * @returns `refreshLocked`, `withLock` and `emit`.
 */
export function createRefresher(deps: RefreshDeps): Refresher {
  const { users, lock, lockTtlMs, lockWaitMs, onTokens, clientOf, isFresh, forget } = deps;

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

  return { refreshLocked, withLock, emit };
}

/** The handed-out view of an account's stored access token. */
export function toAccess(account: Account): VaultAccessToken {
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

/** A `REAUTH_REQUIRED` error for `providerId`. */
export function reauth(providerId: string, message: string, cause?: unknown): TokenError {
  return new TokenError('REAUTH_REQUIRED', message, { provider: providerId, ...(cause !== undefined ? { cause } : {}) });
}

/**
 * Transport failures (down, timeout, 5xx) become `TOKEN_REFRESH_FAILED` carrying the transport
 * code in the message and the error as `cause`; other typed errors (a validation failure of the
 * refreshed ID token, `invalid_client`) pass through unchanged.
 */
export function refreshFailed(providerId: string, error: unknown): unknown {
  if (error instanceof TransportError) {
    return new TokenError('TOKEN_REFRESH_FAILED', `Refreshing the ${providerId} access token failed (${error.code}); try again.`, {
      cause: error,
      provider: providerId,
    });
  }
  if (isLatchkeyError(error)) return error;
  return new TokenError('TOKEN_REFRESH_FAILED', `Refreshing the ${providerId} access token failed; try again.`, { cause: error, provider: providerId });
}
