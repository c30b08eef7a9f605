/**
 * The Drizzle {@link UserStore}: users in the app's own users table (its other columns untouched),
 * linked accounts with their tokens sealed at rest, over the queries of one dialect
 * (`DrizzleOps`). Unique (issuer, subject) and unique lower-cased email are database constraints,
 * so races resolve in the database; the user and its first account are one transaction.
 *
 * @module
 */
import { AccountError, StorageError } from '../../errors.js';
import { isForeignKeyViolation, isUniqueViolation } from '../errors.js';
import { newId, normalizeEmail } from '../internal.js';
import { openTokens, sealTokens, type TokenCipher } from '../token-cipher.js';
import type { Account, AccountTokens, NewAccount, NewUser, User, UserStore } from '../types.js';
import type { AccountRow, DrizzleOps, TokenWrite, UserRow } from './ops.js';
import { type DrizzleRunner, driverErrorOf } from './runner.js';

/** The fields of `NewUser` the store maps to its own columns; any other is an app field. */
const OWN_FIELDS: ReadonlySet<string> = new Set(['email', 'emailVerified', 'name', 'image']);

/** Options of {@link DrizzleUserStore}. */
export interface DrizzleUserStoreOptions {
  readonly ops: DrizzleOps;
  readonly run: DrizzleRunner;
  readonly tokenCipher: TokenCipher;
  /** Columns of the app's users table carried on `User` and written from `NewUser` (by key). */
  readonly userFields: readonly string[];
  readonly now?: () => number;
}

function splitScopes(s: string): string[] {
  return s.split(' ').filter((x) => x !== '');
}

const unique = (err: unknown): boolean => isUniqueViolation(driverErrorOf(err));

/** Users and accounts on the app's Drizzle tables. */
export class DrizzleUserStore implements UserStore {
  readonly #ops: DrizzleOps;
  readonly #run: DrizzleRunner;
  readonly #cipher: TokenCipher;
  readonly #fields: readonly string[];
  readonly #now: () => number;

  /** @param options - the dialect's queries, the runner, the token cipher and the app's fields. */
  constructor(options: DrizzleUserStoreOptions) {
    this.#ops = options.ops;
    this.#run = options.run;
    this.#cipher = options.tokenCipher;
    this.#fields = options.userFields.filter((f) => !OWN_FIELDS.has(f));
    this.#now = options.now ?? Date.now;
  }

  /** @returns the user, or null. */
  getUser(id: string): Promise<User | null> {
    return this.#run('users.getUser', async () => this.#user(await this.#ops.userById(id)));
  }

  /** @returns the user with this email (case-insensitive), or null. */
  getUserByEmail(email: string): Promise<User | null> {
    return this.#run('users.getUserByEmail', async () => this.#user(await this.#ops.userByEmailLower(normalizeEmail(email))));
  }

  /**
   * Updates a user's fields (and the app fields named in `userFields`); other columns stay as they are.
   *
   * @throws StorageError `STORAGE_CONFLICT` when the user is gone or the email belongs to another user.
   */
  updateUser(id: string, patch: Partial<NewUser>): Promise<User> {
    return this.#run('users.updateUser', async () => {
      const set: Record<string, unknown> = { ...this.#appFields(patch), updatedAt: new Date(this.#now()) };
      if (patch.email !== undefined) {
        set.email = patch.email;
        set.emailLower = patch.email === null ? null : normalizeEmail(patch.email);
      }
      if (patch.emailVerified !== undefined) set.emailVerified = patch.emailVerified;
      if (patch.name !== undefined) set.name = patch.name;
      if (patch.image !== undefined) set.image = patch.image;
      let row: UserRow | undefined;
      try {
        row = await this.#ops.updateUser(id, set);
      } catch (err) {
        if (unique(err)) throw new StorageError('STORAGE_CONFLICT', 'Another user already has this email.', { cause: driverErrorOf(err) });
        throw err;
      }
      if (!row) throw new StorageError('STORAGE_CONFLICT', 'The user to update does not exist.');
      return this.#toUser(row);
    });
  }

  /** @returns the account of this identity, or null. */
  getAccount(issuer: string, subject: string): Promise<Account | null> {
    return this.#run('users.getAccount', async () => this.#account(await this.#ops.accountByIdentity(issuer, subject)));
  }

  /** @returns the account, or null. */
  getAccountById(id: string): Promise<Account | null> {
    return this.#run('users.getAccountById', async () => this.#account(await this.#ops.accountById(id)));
  }

  /** @returns the user's accounts, oldest first. */
  listAccounts(userId: string): Promise<Account[]> {
    return this.#run('users.listAccounts', async () => Promise.all((await this.#ops.accountsOfUser(userId)).map((r) => this.#toAccount(r))));
  }

  /**
   * Creates a user and its first account in one transaction; on a unique conflict on the
   * identity, returns the winner's rows.
   *
   * @throws StorageError `STORAGE_CONFLICT` when another user already has this email.
   */
  createUserWithAccount(user: NewUser, account: NewAccount): Promise<{ user: User; account: Account; created: boolean }> {
    return this.#run('users.createUserWithAccount', async () => {
      const now = new Date(this.#now());
      const userRow: UserRow = {
        ...this.#appFields(user),
        id: newId('usr'),
        email: user.email,
        emailLower: user.email === null ? null : normalizeEmail(user.email),
        emailVerified: user.emailVerified,
        name: user.name,
        image: user.image,
        createdAt: now,
        updatedAt: now,
      };
      const accountRow = await this.#accountRow(newId('acc'), userRow.id, account, now);
      try {
        await this.#ops.insertUserWithAccount(userRow, accountRow);
      } catch (err) {
        if (!unique(err)) throw err;
        // Lost a race: either this identity exists now (return it), or the email belongs to
        // another user (the linking policy decides).
        const existing = await this.#ops.accountByIdentity(account.issuer, account.subject);
        const owner = existing ? await this.#ops.userById(existing.userId) : undefined;
        if (existing && owner) return { user: this.#toUser(owner), account: await this.#toAccount(existing), created: false };
        throw new StorageError('STORAGE_CONFLICT', 'Another user already has this email.', { cause: driverErrorOf(err) });
      }
      return { user: this.#toUser(userRow), account: await this.#toAccount(accountRow), created: true };
    });
  }

  /**
   * Links an identity to a user; idempotent for the same user.
   *
   * @throws AccountError `ACCOUNT_ALREADY_LINKED` when another user has it.
   * @throws StorageError `STORAGE_CONFLICT` when the user is gone.
   */
  linkAccount(userId: string, account: NewAccount): Promise<Account> {
    return this.#run('users.linkAccount', async () => {
      const row = await this.#accountRow(newId('acc'), userId, account, new Date(this.#now()));
      try {
        await this.#ops.insertAccount(row);
        return this.#toAccount(row);
      } catch (err) {
        const cause = driverErrorOf(err);
        if (isForeignKeyViolation(cause)) throw new StorageError('STORAGE_CONFLICT', 'The user to link to does not exist.', { cause });
        if (!isUniqueViolation(cause)) throw err;
        const existing = await this.#ops.accountByIdentity(account.issuer, account.subject);
        if (existing && existing.userId === userId) return this.#toAccount(existing);
        throw new AccountError('ACCOUNT_ALREADY_LINKED', undefined, { provider: account.providerId, cause });
      }
    });
  }

  /**
   * Removes a link, never the last one (the user's row is locked, so two concurrent unlinks cannot
   * both see "two accounts left").
   *
   * @throws AccountError `LAST_LOGIN_METHOD`.
   * @throws StorageError `STORAGE_CONFLICT` when the account is not this user's.
   */
  unlinkAccount(userId: string, accountId: string): Promise<void> {
    return this.#run('users.unlinkAccount', async () => {
      const outcome = await this.#ops.unlinkAccount(userId, accountId);
      if (outcome === 'not-linked') throw new StorageError('STORAGE_CONFLICT', 'This account is not linked to this user.');
      if (outcome !== 'unlinked') throw new AccountError('LAST_LOGIN_METHOD', undefined, { provider: outcome.lastOf });
    });
  }

  /**
   * Stores tokens (encrypted); with `expectedVersion`, compare-and-set on `tokenVersion`.
   *
   * @returns the updated account, or null (absent, or the version moved on).
   */
  updateAccountTokens(
    accountId: string,
    update: { tokens: AccountTokens | null; scopes?: readonly string[]; needsReauth?: boolean },
    expectedVersion?: number,
  ): Promise<Account | null> {
    return this.#run('users.updateAccountTokens', async () => {
      const sealed = await sealTokens(this.#cipher, accountId, update.tokens);
      const set: TokenWrite = {
        tokensEnc: sealed.ciphertext,
        tokenKeyId: sealed.keyId,
        tokenExpiresAt: update.tokens?.expiresAt === undefined ? null : new Date(update.tokens.expiresAt),
        needsReauth: update.needsReauth === true,
        updatedAt: new Date(this.#now()),
        ...(update.scopes ? { scopes: update.scopes.join(' ') } : {}),
      };
      return this.#account(await this.#ops.updateTokens(accountId, set, expectedVersion));
    });
  }

  /** The app's own fields named in `userFields`, from a `NewUser` or a patch. */
  #appFields(source: object): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const f of this.#fields) {
      const v = (source as Record<string, unknown>)[f];
      if (v !== undefined) out[f] = v;
    }
    return out;
  }

  async #accountRow(id: string, userId: string, account: NewAccount, now: Date): Promise<AccountRow> {
    const sealed = await sealTokens(this.#cipher, id, account.tokens);
    return {
      id,
      userId,
      providerId: account.providerId,
      issuer: account.issuer,
      subject: account.subject,
      scopes: account.scopes.join(' '),
      tokensEnc: sealed.ciphertext,
      tokenKeyId: sealed.keyId,
      tokenExpiresAt: account.tokens?.expiresAt === undefined ? null : new Date(account.tokens.expiresAt),
      needsReauth: false,
      tokenVersion: 1,
      createdAt: now,
      updatedAt: now,
    };
  }

  #user(row: UserRow | undefined): User | null {
    return row ? this.#toUser(row) : null;
  }

  #toUser(row: UserRow): User {
    const user: Record<string, unknown> = {
      id: row.id,
      email: row.email,
      emailVerified: row.emailVerified,
      name: row.name,
      image: row.image,
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    };
    // Only the app fields it named: the users table may hold columns never meant for a session
    // snapshot (a password hash, an internal note).
    for (const f of this.#fields) if (f in row) user[f] = row[f];
    return user as unknown as User;
  }

  async #account(row: AccountRow | undefined): Promise<Account | null> {
    return row ? this.#toAccount(row) : null;
  }

  async #toAccount(row: AccountRow): Promise<Account> {
    let tokens: AccountTokens | null = null;
    let needsReauth = row.needsReauth;
    try {
      tokens = await openTokens(this.#cipher, row.id, row.tokensEnc);
    } catch (err) {
      if (!(err instanceof StorageError) || err.code !== 'TOKEN_DECRYPT_FAILED') throw err;
      // Fail closed for token use, not for sign-in: the tokens are unusable (their secret was
      // removed, or the row was altered), so the user must consent again.
      tokens = null;
      needsReauth = true;
    }
    return {
      id: row.id,
      userId: row.userId,
      providerId: row.providerId,
      issuer: row.issuer,
      subject: row.subject,
      scopes: splitScopes(row.scopes),
      tokens,
      needsReauth,
      tokenVersion: Number(row.tokenVersion),
      createdAt: row.createdAt,
      updatedAt: row.updatedAt,
    };
  }
}
