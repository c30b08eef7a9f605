/**
 * The signed-in user's linked accounts as the user sees them, and unlinking one: the views of
 * `GET /auth/accounts` (never a token) and the one unlink path shared by `auth.unlink` and
 * `POST /auth/:provider/unlink`.
 *
 * @module
 */
import { AccountError, SessionError } from '../errors.js';
import type { Account } from '../storage/types.js';
import type { AuthContext } from './context.js';
import type { AuthRequest } from './http-shapes.js';
import type { Session } from './sessions/types.js';

/** One linked account of `GET /auth/accounts`. */
export interface AccountView {
  /** The account's id (the `accountId` of `POST /auth/:provider/unlink`). */
  readonly id: string;
  /** The configured provider id, e.g. `google`. */
  readonly provider: string;
  /** The provider's display name, or null when the provider is no longer configured. */
  readonly providerName: string | null;
  /** The provider's issuer and the user's identifier there (OIDC Core 1.0 §2: `iss`, `sub`). */
  readonly issuer: string;
  readonly subject: string;
  /** The scopes granted at the last sign-in or refresh. */
  readonly scopes: readonly string[];
  /** When the account was linked, ISO 8601. */
  readonly linkedAt: string;
  /** True when the user must sign in with this provider again before its API can be called. */
  readonly needsReauth: boolean;
  /** True for the account the requesting session was signed in with. */
  readonly current: boolean;
}

/**
 * The view of one account: what is safe to show its owner. Never the tokens.
 *
 * @param ctx - the auth context (provider names).
 * @param account - the account.
 * @param session - the requesting session.
 * @returns the view.
 */
export function accountView(ctx: AuthContext, account: Account, session: Session): AccountView {
  return {
    id: account.id,
    provider: account.providerId,
    providerName: ctx.config.providers.get(account.providerId)?.name ?? null,
    issuer: account.issuer,
    subject: account.subject,
    scopes: [...account.scopes],
    linkedAt: account.createdAt.toISOString(),
    needsReauth: account.needsReauth,
    current: account.issuer === session.issuer && account.subject === session.subject,
  };
}

/**
 * The user's linked accounts, as views.
 *
 * @param ctx - the auth context.
 * @param session - the requesting session.
 * @returns `{ accounts, canUnlink }`: `canUnlink` is false while only one way in is left.
 * @throws StorageError `STORAGE_UNAVAILABLE`.
 */
export async function accountsOf(ctx: AuthContext, session: Session): Promise<{ accounts: AccountView[]; canUnlink: boolean }> {
  const accounts = await ctx.users.listAccounts(session.user.id);
  return { accounts: accounts.map((a) => accountView(ctx, a, session)), canUnlink: accounts.length > 1 };
}

/**
 * Unlinks one of a user's accounts: its tokens revoked at the provider (best effort, RFC 7009),
 * then the link removed. Never the last way to sign in.
 *
 * @param ctx - the auth context.
 * @param userId - the user.
 * @param accountId - the account.
 * @returns the unlinked account.
 * @throws AccountError `ACCOUNT_NOT_FOUND` (not this user's), `LAST_LOGIN_METHOD`; StorageError.
 */
export async function unlinkAccount(ctx: AuthContext, userId: string, accountId: string): Promise<Account> {
  const accounts = await ctx.users.listAccounts(userId);
  const account = accounts.find((a) => a.id === accountId);
  if (!account) throw new AccountError('ACCOUNT_NOT_FOUND', 'No such linked account for this user.');
  return unlinkFrom(ctx, userId, accounts, account);
}

/**
 * Unlinks the user's account of a provider (the one `accountId` names when the user has several).
 *
 * @param ctx - the auth context.
 * @param userId - the user.
 * @param providerId - the provider id from the route.
 * @param accountId - which of the provider's accounts, when there are several.
 * @param request - the request, for the `unlink` event's origin.
 * @returns the unlinked account.
 * @throws AccountError `ACCOUNT_NOT_FOUND`, `LAST_LOGIN_METHOD`; SessionError `BAD_REQUEST` (several
 *   accounts of the provider and no `accountId`); StorageError.
 */
export async function unlinkProvider(ctx: AuthContext, userId: string, providerId: string, accountId: string | null, request?: AuthRequest): Promise<Account> {
  const accounts = await ctx.users.listAccounts(userId);
  const ofProvider = accounts.filter((a) => a.providerId === providerId && (accountId === null || a.id === accountId));
  if (ofProvider.length === 0) {
    throw new AccountError('ACCOUNT_NOT_FOUND', `No account of provider "${providerId.slice(0, 40)}" is linked to this user.`, {
      provider: providerId.slice(0, 40),
    });
  }
  if (ofProvider.length > 1) {
    throw new SessionError('BAD_REQUEST', 'Several accounts of this provider are linked: say which with `accountId` (from GET /auth/accounts).');
  }
  return unlinkFrom(ctx, userId, accounts, ofProvider[0]!, request);
}

async function unlinkFrom(ctx: AuthContext, userId: string, accounts: readonly Account[], account: Account, request?: AuthRequest): Promise<Account> {
  // Checked before revoking: the last way to sign in keeps its tokens (the store enforces it too).
  if (accounts.length === 1) throw new AccountError('LAST_LOGIN_METHOD', undefined, { provider: account.providerId });
  // RFC 7009: the grant ends at the provider too; a provider failure never blocks the unlink.
  if (account.tokens?.refreshToken || account.tokens?.accessToken) await ctx.revokeProviderTokens(userId, account.providerId, 'unlink', account.id);
  await ctx.users.unlinkAccount(userId, account.id);
  ctx.emit({ type: 'unlink', userId, providerId: account.providerId, accountId: account.id }, request);
  return account;
}
