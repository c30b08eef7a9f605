/**
 * The rows of the SQL schema (`users`, `accounts`) as plain objects, and their mapping to `User`
 * and `Account`, shared by the Kysely store (`sql/`) and the D1 store (`cloudflare/`), which runs
 * the same schema without Kysely. Internal to `src/storage/`.
 *
 * @module
 */
import { StorageError } from '../errors.js';
import { openTokens, type TokenCipher } from './token-cipher.js';
import type { Account, AccountTokens, User } from './types.js';

/** An integer column as a driver returns it: a number, a string (PostgreSQL BIGINT), a bigint or a boolean. */
export type IntegerValue = number | string | bigint | boolean;

/** A row of `users`. */
export interface UserRowValues {
  readonly id: string;
  readonly email: string | null;
  readonly email_verified: IntegerValue;
  readonly name: string | null;
  readonly image: string | null;
  readonly created_at: IntegerValue;
  readonly updated_at: IntegerValue;
}

/** A row of `accounts`. */
export interface AccountRowValues {
  readonly id: string;
  readonly user_id: string;
  readonly provider_id: string;
  readonly issuer: string;
  readonly subject: string;
  readonly scopes: string;
  readonly tokens_enc: string | null;
  readonly needs_reauth: IntegerValue;
  readonly token_version: IntegerValue;
  readonly created_at: IntegerValue;
  readonly updated_at: IntegerValue;
}

/** Reads a BIGINT/INTEGER column as a number. */
export function num(v: IntegerValue): number {
  return typeof v === 'number' ? v : Number(v);
}

/** The space-separated `scopes` column as a list. */
export function splitScopes(s: string): string[] {
  return s.split(' ').filter((x) => x !== '');
}

/**
 * @param row - a `users` row.
 * @returns the user.
 */
export function userFromRow(row: UserRowValues): User {
  return {
    id: row.id,
    email: row.email,
    emailVerified: num(row.email_verified) === 1,
    name: row.name,
    image: row.image,
    createdAt: new Date(num(row.created_at)),
    updatedAt: new Date(num(row.updated_at)),
  };
}

/**
 * Maps an `accounts` row, decrypting its tokens. Tokens that do not decrypt (their secret was
 * removed, or the row was altered) read as `tokens: null, needsReauth: true`: fail closed for token
 * use, not for sign-in, so the user consents again.
 *
 * @param cipher - the token cipher.
 * @param row - an `accounts` row.
 * @returns the account.
 */
export async function accountFromRow(cipher: TokenCipher, row: AccountRowValues): Promise<Account> {
  let tokens: AccountTokens | null = null;
  let needsReauth = num(row.needs_reauth) === 1;
  try {
    tokens = await openTokens(cipher, row.id, row.tokens_enc);
  } catch (err) {
    if (!(err instanceof StorageError) || err.code !== 'TOKEN_DECRYPT_FAILED') throw err;
    tokens = null;
    needsReauth = true;
  }
  return {
    id: row.id,
    userId: row.user_id,
    providerId: row.provider_id,
    issuer: row.issuer,
    subject: row.subject,
    scopes: splitScopes(row.scopes),
    tokens,
    needsReauth,
    tokenVersion: num(row.token_version),
    createdAt: new Date(num(row.created_at)),
    updatedAt: new Date(num(row.updated_at)),
  };
}
