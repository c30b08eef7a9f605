/**
 * The account-linking policy, applied at every sign-in callback. Identities are keyed by
 * (issuer, subject); an email is only ever a hint, trusted for linking when both sides are verified
 * and the app enabled it for the provider. This closes the account-takeover hole of automatic
 * email linking (an attacker-controlled provider asserting a victim's address).
 *
 * @module
 */
import { AccountError, isLatchkeyError, SessionError, StorageError } from '../errors.js';
import type { Profile } from '../internal/profile.js';
import type { Account, AccountTokens, NewAccount, User, UserStore } from './types.js';

/** What a sign-in callback hands to {@link signInWithIdentity}. */
export interface SignInInput {
  /** The configured provider id, e.g. `google`. */
  readonly providerId: string;
  /** The validated, normalized profile (issuer and subject are the identity). */
  readonly profile: Profile;
  /** The provider tokens to keep for the account, or null to keep none. */
  readonly tokens: AccountTokens | null;
  /** Scopes granted at this sign-in. */
  readonly scopes: readonly string[];
  /** Whether the app enabled linking by verified email for this provider. */
  readonly allowEmailLinking: boolean;
  /** Explicit link by a signed-in user (`intent=link`): the id of that user. */
  readonly linkToUserId?: string;
}

/** The outcome of a sign-in. */
export interface SignInResult {
  /** The local user signed in. */
  readonly user: User;
  /** The account of this identity. */
  readonly account: Account;
  /** True when this sign-in created the user (first login). */
  readonly created: boolean;
  /** True when this sign-in linked a new identity to an existing user. */
  readonly linked: boolean;
}

/** Bound on retries after a lost race (a concurrent sign-in took the email in between). */
const MAX_ATTEMPTS = 3;

/**
 * Resolves a provider identity to a local user, creating or linking as the policy allows.
 *
 * Rules, in order:
 * 1. A known (issuer, subject) signs in its user; tokens and scopes are updated. With
 *    `linkToUserId` naming another user: `ACCOUNT_ALREADY_LINKED`.
 * 2. A new identity with `linkToUserId` is linked to that user.
 * 3. A new identity whose email matches a local user is linked only when the app allows email
 *    linking for this provider AND the provider asserts the email verified AND the local email is
 *    verified; otherwise `ACCOUNT_NOT_LINKED` (never a sign-in to that user, never a second user
 *    with the same email).
 * 4. Otherwise a user and its account are created in one transaction; concurrent first logins of
 *    one identity end with one user.
 *
 * @param store - the user store.
 * @param input - the identity, its tokens and the linking options.
 * @returns the user, the account and what happened.
 * @throws AccountError `ACCOUNT_NOT_LINKED`, `ACCOUNT_ALREADY_LINKED`.
 * @throws SessionError `UNAUTHENTICATED` when `linkToUserId` names no user.
 * @throws StorageError `STORAGE_UNAVAILABLE` when the store is down.
 * @see [OpenID Connect Core 1.0, section 5.7 (sub and iss are the only stable identifier)](https://openid.net/specs/openid-connect-core-1_0.html#ClaimStability)
 */
export async function signInWithIdentity(store: UserStore, input: SignInInput): Promise<SignInResult> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await signInOnce(store, input);
    } catch (err) {
      // STORAGE_CONFLICT: a concurrent sign-in created a user with this email (or linked this
      // identity) between our read and our write. Re-run the policy on the new state.
      if (attempt < MAX_ATTEMPTS && isLatchkeyError(err, 'STORAGE_CONFLICT')) continue;
      throw err;
    }
  }
}

async function signInOnce(store: UserStore, input: SignInInput): Promise<SignInResult> {
  const { profile, providerId } = input;
  const existing = await store.getAccount(profile.issuer, profile.subject);
  if (existing) {
    if (input.linkToUserId !== undefined && existing.userId !== input.linkToUserId) {
      throw new AccountError('ACCOUNT_ALREADY_LINKED', undefined, { provider: providerId });
    }
    const user = await store.getUser(existing.userId);
    if (!user) throw new AccountError('ACCOUNT_NOT_LINKED', 'This identity is linked to a user that no longer exists.', { provider: providerId });
    const account = (await store.updateAccountTokens(existing.id, { tokens: mergeTokens(existing.tokens, input.tokens), scopes: input.scopes })) ?? existing;
    return { user, account, created: false, linked: false };
  }

  const newAccount: NewAccount = {
    providerId,
    issuer: profile.issuer,
    subject: profile.subject,
    scopes: input.scopes,
    tokens: input.tokens,
  };

  if (input.linkToUserId !== undefined) {
    const user = await store.getUser(input.linkToUserId);
    if (!user) throw new SessionError('UNAUTHENTICATED', 'The signed-in user no longer exists; sign in again before linking.');
    const account = await store.linkAccount(user.id, newAccount);
    return { user, account, created: false, linked: true };
  }

  if (profile.email !== null) {
    const local = await store.getUserByEmail(profile.email);
    if (local) {
      // A concurrent first login of this same identity may have created this user between our
      // two reads: if the identity exists now, start over and take the sign-in path.
      if (await store.getAccount(profile.issuer, profile.subject)) {
        throw new StorageError('STORAGE_CONFLICT', 'This identity was created concurrently.');
      }
      // Pitfall: linking on an unverified email hands the victim's account to whoever controls a
      // provider that asserts that address. All three conditions are required.
      if (input.allowEmailLinking && profile.emailVerified && local.emailVerified) {
        const account = await store.linkAccount(local.id, newAccount);
        return { user: local, account, created: false, linked: true };
      }
      throw new AccountError('ACCOUNT_NOT_LINKED', undefined, { provider: providerId });
    }
  }

  const result = await store.createUserWithAccount(
    { email: profile.email, emailVerified: profile.email !== null && profile.emailVerified, name: profile.name, image: profile.picture },
    newAccount,
  );
  if (!result.created) {
    // A concurrent first login of this identity won: sign in to its user, with our tokens.
    const account =
      (await store.updateAccountTokens(result.account.id, {
        tokens: mergeTokens(result.account.tokens, input.tokens),
        scopes: input.scopes,
      })) ?? result.account;
    return { user: result.user, account, created: false, linked: false };
  }
  return { user: result.user, account: result.account, created: true, linked: false };
}

/**
 * The tokens to store after a new sign-in: the new ones, keeping the stored refresh token when the
 * provider sent none this time (Google issues one only at the first consent).
 *
 * @param stored - the tokens stored for the account.
 * @param fresh - the tokens of this sign-in (null: none were kept; the stored ones stay).
 * @returns the tokens to write.
 */
export function mergeTokens(stored: AccountTokens | null, fresh: AccountTokens | null): AccountTokens | null {
  if (fresh === null) return stored;
  if (fresh.refreshToken === undefined && stored?.refreshToken !== undefined) return { ...fresh, refreshToken: stored.refreshToken };
  return fresh;
}

/**
 * Unlinks a provider identity from a user, never the last way to sign in.
 *
 * @param store - the user store.
 * @param userId - the signed-in user.
 * @param accountId - the account to unlink; must belong to that user.
 * @throws AccountError `LAST_LOGIN_METHOD` when it is the user's only account.
 * @throws StorageError `STORAGE_CONFLICT` when the account is not that user's.
 */
export async function unlinkIdentity(store: UserStore, userId: string, accountId: string): Promise<void> {
  await store.unlinkAccount(userId, accountId);
}
