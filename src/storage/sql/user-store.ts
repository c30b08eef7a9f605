/**
 * The SQL {@link UserStore}: users and their linked provider accounts, tokens sealed at rest, the
 * row locks (PostgreSQL, MySQL) that keep linking and unlinking consistent under concurrency.
 *
 * @module
 */
import type { Kysely, Selectable, Transaction } from 'kysely';
import { AccountError, StorageError } from '../../errors.js';
import { isForeignKeyViolation, isUniqueViolation } from '../errors.js';
import { newId, normalizeEmail } from '../internal.js';
import { accountFromRow, userFromRow } from '../rows.js';
import { sealTokens, type TokenCipher } from '../token-cipher.js';
import type { Account, AccountTokens, NewAccount, NewUser, User, UserStore } from '../types.js';
import type { SqlRunner } from './runner.js';
import type { AccountsTable, Database } from './schema.js';

type AccountRow = Selectable<AccountsTable>;

const toUser = userFromRow;

/** The account row of an identity (`issuer`, `subject`), if any. */
function accountRowOf(db: Kysely<Database>, issuer: string, subject: string): Promise<AccountRow | undefined> {
  return db.selectFrom('accounts').selectAll().where('issuer', '=', issuer).where('subject', '=', subject).executeTakeFirst();
}

/** Options of {@link SqlUserStore}. */
export interface SqlUserStoreOptions {
  readonly runner: SqlRunner;
  readonly tokenCipher: TokenCipher;
  readonly now?: () => number;
}

/**
 * Users and accounts in SQL. Unique (issuer, subject) and unique lower-cased email are database
 * constraints, so races resolve in the database, not in application code.
 */
export class SqlUserStore implements UserStore {
  readonly #r: SqlRunner;
  readonly #cipher: TokenCipher;
  readonly #now: () => number;

  /** @param options - the runner and the token cipher. */
  constructor(options: SqlUserStoreOptions) {
    this.#r = options.runner;
    this.#cipher = options.tokenCipher;
    this.#now = options.now ?? Date.now;
  }

  /** @returns the user, or null. */
  getUser(id: string): Promise<User | null> {
    return this.#r.run('users.getUser', async (db) => {
      const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toUser(row) : null;
    });
  }

  /** @returns the user with this email (case-insensitive), or null. */
  getUserByEmail(email: string): Promise<User | null> {
    return this.#r.run('users.getUserByEmail', async (db) => {
      const row = await db.selectFrom('users').selectAll().where('email_lower', '=', normalizeEmail(email)).executeTakeFirst();
      return row ? toUser(row) : null;
    });
  }

  /**
   * Updates a user's fields.
   *
   * @throws StorageError `STORAGE_CONFLICT` when the user is gone or the email belongs to another user.
   */
  updateUser(id: string, patch: Partial<NewUser>): Promise<User> {
    return this.#r.run('users.updateUser', async (db) => {
      const set: {
        email?: string | null;
        email_lower?: string | null;
        email_verified?: number;
        name?: string | null;
        image?: string | null;
        updated_at: number;
      } = {
        updated_at: this.#now(),
      };
      if (patch.email !== undefined) {
        set.email = patch.email;
        set.email_lower = patch.email === null ? null : normalizeEmail(patch.email);
      }
      if (patch.emailVerified !== undefined) set.email_verified = patch.emailVerified ? 1 : 0;
      if (patch.name !== undefined) set.name = patch.name;
      if (patch.image !== undefined) set.image = patch.image;
      try {
        await db.updateTable('users').set(set).where('id', '=', id).execute();
      } catch (err) {
        if (isUniqueViolation(err)) throw new StorageError('STORAGE_CONFLICT', 'Another user already has this email.', { cause: err });
        throw err;
      }
      const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) throw new StorageError('STORAGE_CONFLICT', 'The user to update does not exist.');
      return toUser(row);
    });
  }

  /** @returns the account of this identity, or null. */
  getAccount(issuer: string, subject: string): Promise<Account | null> {
    return this.#r.run('users.getAccount', async (db) => {
      const row = await accountRowOf(db, issuer, subject);
      return row ? this.#toAccount(row) : null;
    });
  }

  /** @returns the account, or null. */
  getAccountById(id: string): Promise<Account | null> {
    return this.#r.run('users.getAccountById', async (db) => {
      const row = await db.selectFrom('accounts').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? this.#toAccount(row) : null;
    });
  }

  /** @returns the user's accounts, oldest first. */
  listAccounts(userId: string): Promise<Account[]> {
    return this.#r.run('users.listAccounts', async (db) => {
      const rows = await db.selectFrom('accounts').selectAll().where('user_id', '=', userId).orderBy('created_at').orderBy('id').execute();
      return Promise.all(rows.map((r) => this.#toAccount(r)));
    });
  }

  /**
   * Creates a user and its first account in one transaction; on a unique conflict on the
   * identity, returns the winner's rows.
   *
   * @throws StorageError `STORAGE_CONFLICT` when another user already has this email.
   */
  createUserWithAccount(user: NewUser, account: NewAccount): Promise<{ user: User; account: Account; created: boolean }> {
    return this.#r.run('users.createUserWithAccount', async (db) => {
      const now = this.#now();
      const userId = newId('usr');
      const accountId = newId('acc');
      const accountRow = await this.#accountRow(accountId, userId, account, now);
      const userRow = {
        id: userId,
        email: user.email,
        email_lower: user.email === null ? null : normalizeEmail(user.email),
        email_verified: user.emailVerified ? 1 : 0,
        name: user.name,
        image: user.image,
        created_at: now,
        updated_at: now,
      };
      try {
        await db.transaction().execute(async (trx) => {
          await trx.insertInto('users').values(userRow).execute();
          await trx.insertInto('accounts').values(accountRow).execute();
        });
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        // Lost a race: either this identity exists now (return it), or the email belongs to
        // another user (the linking policy decides).
        const existing = await accountRowOf(db, account.issuer, account.subject);
        if (existing) {
          const owner = await db.selectFrom('users').selectAll().where('id', '=', existing.user_id).executeTakeFirst();
          if (owner) return { user: toUser(owner), account: await this.#toAccount(existing), created: false };
        }
        throw new StorageError('STORAGE_CONFLICT', 'Another user already has this email.', { cause: err });
      }
      return {
        user: toUser(userRow),
        account: await this.#toAccount({ ...accountRow, token_version: 1, needs_reauth: 0 }),
        created: true,
      };
    });
  }

  /**
   * Links an identity to a user; idempotent for the same user.
   *
   * @throws AccountError `ACCOUNT_ALREADY_LINKED` when another user has it.
   * @throws StorageError `STORAGE_CONFLICT` when the user is gone.
   */
  linkAccount(userId: string, account: NewAccount): Promise<Account> {
    return this.#r.run('users.linkAccount', async (db) => {
      const now = this.#now();
      const row = await this.#accountRow(newId('acc'), userId, account, now);
      try {
        await db.insertInto('accounts').values(row).execute();
        return this.#toAccount({ ...row, token_version: 1, needs_reauth: 0 });
      } catch (err) {
        if (isForeignKeyViolation(err)) throw new StorageError('STORAGE_CONFLICT', 'The user to link to does not exist.', { cause: err });
        if (!isUniqueViolation(err)) throw err;
        const existing = await accountRowOf(db, account.issuer, account.subject);
        if (existing && existing.user_id === userId) return this.#toAccount(existing);
        throw new AccountError('ACCOUNT_ALREADY_LINKED', undefined, { provider: account.providerId, cause: err });
      }
    });
  }

  /**
   * Removes a link, never the last one: the user's row is locked so two concurrent unlinks
   * cannot both see "two accounts left".
   *
   * @throws AccountError `LAST_LOGIN_METHOD`.
   * @throws StorageError `STORAGE_CONFLICT` when the account is not this user's.
   */
  unlinkAccount(userId: string, accountId: string): Promise<void> {
    return this.#r.run('users.unlinkAccount', async (db) => {
      await db.transaction().execute(async (trx) => {
        let lockUser = trx.selectFrom('users').select('id').where('id', '=', userId);
        if (this.#r.rowLocks) lockUser = lockUser.forUpdate();
        if (!(await lockUser.executeTakeFirst())) throw new StorageError('STORAGE_CONFLICT', 'This account is not linked to this user.');
        let q = trx.selectFrom('accounts').select(['id', 'provider_id']).where('user_id', '=', userId);
        if (this.#r.rowLocks) q = q.forUpdate();
        const accounts = await q.execute();
        const target = accounts.find((a) => a.id === accountId);
        if (!target) throw new StorageError('STORAGE_CONFLICT', 'This account is not linked to this user.');
        if (accounts.length <= 1) throw new AccountError('LAST_LOGIN_METHOD', undefined, { provider: target.provider_id });
        await trx.deleteFrom('accounts').where('id', '=', accountId).where('user_id', '=', userId).execute();
      });
    });
  }

  /**
   * Stores tokens (encrypted); with `expectedVersion`, compare-and-set on `token_version`.
   *
   * @returns the updated account, or null (absent, or the version moved on).
   */
  updateAccountTokens(
    accountId: string,
    update: { tokens: AccountTokens | null; scopes?: readonly string[]; needsReauth?: boolean },
    expectedVersion?: number,
  ): Promise<Account | null> {
    return this.#r.run('users.updateAccountTokens', async (db) => {
      const sealed = await sealTokens(this.#cipher, accountId, update.tokens);
      const row = await db.transaction().execute(async (trx: Transaction<Database>) => {
        let q = trx
          .updateTable('accounts')
          .set((eb) => ({
            tokens_enc: sealed.ciphertext,
            token_key_id: sealed.keyId,
            token_expires_at: update.tokens?.expiresAt ?? null,
            needs_reauth: update.needsReauth ? 1 : 0,
            token_version: eb('token_version', '+', 1).$castTo<number>(),
            updated_at: this.#now(),
            ...(update.scopes ? { scopes: update.scopes.join(' ') } : {}),
          }))
          .where('id', '=', accountId);
        if (expectedVersion !== undefined) q = q.where('token_version', '=', expectedVersion);
        const result = await q.executeTakeFirst();
        if (Number(result.numUpdatedRows) === 0) return undefined;
        return trx.selectFrom('accounts').selectAll().where('id', '=', accountId).executeTakeFirst();
      });
      return row ? this.#toAccount(row) : null;
    });
  }

  async #accountRow(id: string, userId: string, account: NewAccount, now: number) {
    const sealed = await sealTokens(this.#cipher, id, account.tokens);
    return {
      id,
      user_id: userId,
      provider_id: account.providerId,
      issuer: account.issuer,
      subject: account.subject,
      scopes: account.scopes.join(' '),
      tokens_enc: sealed.ciphertext,
      token_key_id: sealed.keyId,
      token_expires_at: account.tokens?.expiresAt ?? null,
      created_at: now,
      updated_at: now,
    };
  }

  #toAccount(row: AccountRow): Promise<Account> {
    return accountFromRow(this.#cipher, row);
  }
}
