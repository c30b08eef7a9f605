/**
 * Users and accounts in Cloudflare D1 with plain D1 calls (no Kysely, no driver): the SQL store's
 * schema (`d1-schema.ts`), the same constraints deciding the same races. D1 has no interactive
 * transactions, so what the Kysely store does in one transaction is one statement or one `batch`
 * here (D1 runs a batch as a transaction and one database's writes one at a time):
 * - `createUserWithAccount`: both inserts in one batch; a unique conflict rolls both back.
 * - `unlinkAccount`: one `delete … where (select count(*) …) > 1`, so two concurrent unlinks
 *   cannot both see "two accounts left".
 * - `updateAccountTokens`: one `update … where token_version = ? returning *` (compare-and-set).
 *
 * @module
 */
import { AccountError, StorageError } from '../../errors.js';
import { toStorageError, withDeadline } from '../errors.js';
import { newId, normalizeEmail } from '../internal.js';
import { type AccountRowValues, accountFromRow, type UserRowValues, userFromRow } from '../rows.js';
import { sealTokens, type TokenCipher } from '../token-cipher.js';
import type { Account, AccountTokens, NewAccount, NewUser, ReplayStore, User, UserStore } from '../types.js';
import { D1ReplayStore } from './d1-replay-store.js';
import { migrateD1 } from './d1-schema.js';
import type { D1DatabaseLike, D1StatementLike } from './types.js';

/** The text of a D1 error and of its cause (D1 reports SQLite's constraint errors in the message). */
function errorText(err: unknown): string {
  const e = err as { message?: unknown; cause?: { message?: unknown } } | null;
  return `${typeof e?.message === 'string' ? e.message : ''} ${typeof e?.cause?.message === 'string' ? e.cause.message : ''}`;
}
const isUnique = (err: unknown): boolean => /UNIQUE constraint failed|PRIMARY KEY constraint failed|SQLITE_CONSTRAINT_(UNIQUE|PRIMARYKEY)/.test(errorText(err));
const isForeignKey = (err: unknown): boolean => /FOREIGN KEY constraint failed|SQLITE_CONSTRAINT_FOREIGNKEY/.test(errorText(err));

/** Options of {@link D1UserStore}. */
export interface D1UserStoreOptions {
  readonly db: D1DatabaseLike;
  readonly tokenCipher: TokenCipher;
  readonly prefix: string;
  readonly autoMigrate: boolean;
  readonly operationTimeoutMs: number;
  readonly now?: () => number;
}

/** The D1 {@link UserStore}. Create it with `createD1UserStore` (`latchkey/storage/cloudflare`). */
export class D1UserStore implements UserStore {
  readonly #db: D1DatabaseLike;
  readonly #cipher: TokenCipher;
  readonly #options: D1UserStoreOptions;
  readonly #users: string;
  readonly #accounts: string;
  readonly #now: () => number;
  #ready: Promise<unknown> | undefined;
  /**
   * The replay memories and cookie-session revocations in the same database, for
   * `createAuth({ store: { replay } })`: every isolate and location sees them.
   */
  readonly replay: ReplayStore;

  /** @param options - the database, the token cipher and policies. */
  constructor(options: D1UserStoreOptions) {
    this.#db = options.db;
    this.#cipher = options.tokenCipher;
    this.#options = options;
    this.#users = `"${options.prefix}users"`;
    this.#accounts = `"${options.prefix}accounts"`;
    this.#now = options.now ?? Date.now;
    this.replay = new D1ReplayStore(
      (operation, work) => this.#run(operation, () => work((text, ...values) => this.#sql(text, ...values))),
      options.prefix,
      this.#now,
    );
  }

  /**
   * Applies pending migrations.
   *
   * @returns the names of the migrations applied now.
   * @throws StorageError `STORAGE_UNAVAILABLE`.
   */
  migrate(): Promise<string[]> {
    return this.#run('migrate', () => migrateD1(this.#db, this.#options.prefix), false);
  }

  async #run<T>(operation: string, work: () => Promise<T>, migrateFirst = true): Promise<T> {
    const attempt = async (): Promise<T> => {
      if (migrateFirst && this.#options.autoMigrate) {
        // A failed automatic migration is tried again by the next operation.
        this.#ready ??= migrateD1(this.#db, this.#options.prefix).catch((err: unknown) => {
          this.#ready = undefined;
          throw err;
        });
        await this.#ready;
      }
      return work();
    };
    try {
      return await withDeadline(attempt(), this.#options.operationTimeoutMs, operation);
    } catch (err) {
      throw toStorageError(err, operation);
    }
  }

  #sql(text: string, ...values: unknown[]): D1StatementLike {
    return this.#db.prepare(text).bind(...values);
  }
  #userRow(where: 'id' | 'email_lower', value: string): Promise<UserRowValues | null> {
    return this.#sql(`select * from ${this.#users} where "${where}" = ?`, value).first<UserRowValues>();
  }
  #accountRow(issuer: string, subject: string): Promise<AccountRowValues | null> {
    return this.#sql(`select * from ${this.#accounts} where "issuer" = ? and "subject" = ?`, issuer, subject).first<AccountRowValues>();
  }

  /** @returns the user, or null. */
  getUser(id: string): Promise<User | null> {
    return this.#run('users.getUser', async () => {
      const row = await this.#userRow('id', id);
      return row ? userFromRow(row) : null;
    });
  }

  /** @returns the user with this email (case-insensitive), or null. */
  getUserByEmail(email: string): Promise<User | null> {
    return this.#run('users.getUserByEmail', async () => {
      const row = await this.#userRow('email_lower', normalizeEmail(email));
      return row ? userFromRow(row) : null;
    });
  }

  /**
   * Updates a user's fields.
   *
   * @throws StorageError `STORAGE_CONFLICT` when the user is gone or the email belongs to another user.
   */
  updateUser(id: string, patch: Partial<NewUser>): Promise<User> {
    return this.#run('users.updateUser', async () => {
      const set: [string, unknown][] = [['updated_at', this.#now()]];
      if (patch.email !== undefined) set.push(['email', patch.email], ['email_lower', patch.email === null ? null : normalizeEmail(patch.email)]);
      if (patch.emailVerified !== undefined) set.push(['email_verified', patch.emailVerified ? 1 : 0]);
      if (patch.name !== undefined) set.push(['name', patch.name]);
      if (patch.image !== undefined) set.push(['image', patch.image]);
      const assignments = set.map(([column]) => `"${column}" = ?`).join(', ');
      let row: UserRowValues | null;
      try {
        row = await this.#sql(`update ${this.#users} set ${assignments} where "id" = ? returning *`, ...set.map(([, v]) => v), id).first<UserRowValues>();
      } catch (err) {
        if (isUnique(err)) throw new StorageError('STORAGE_CONFLICT', 'Another user already has this email.', { cause: err });
        throw err;
      }
      if (!row) throw new StorageError('STORAGE_CONFLICT', 'The user to update does not exist.');
      return userFromRow(row);
    });
  }

  /** @returns the account of this identity, or null. */
  getAccount(issuer: string, subject: string): Promise<Account | null> {
    return this.#run('users.getAccount', async () => {
      const row = await this.#accountRow(issuer, subject);
      return row ? accountFromRow(this.#cipher, row) : null;
    });
  }

  /** @returns the account, or null. */
  getAccountById(id: string): Promise<Account | null> {
    return this.#run('users.getAccountById', async () => {
      const row = await this.#sql(`select * from ${this.#accounts} where "id" = ?`, id).first<AccountRowValues>();
      return row ? accountFromRow(this.#cipher, row) : null;
    });
  }

  /** @returns the user's accounts, oldest first. */
  listAccounts(userId: string): Promise<Account[]> {
    return this.#run('users.listAccounts', async () => {
      const { results } = await this.#sql(`select * from ${this.#accounts} where "user_id" = ? order by "created_at", "id"`, userId).all<AccountRowValues>();
      return Promise.all(results.map((r) => accountFromRow(this.#cipher, r)));
    });
  }

  /**
   * Creates a user and its first account in one batch; on a unique conflict on the identity,
   * returns the winner's rows.
   *
   * @throws StorageError `STORAGE_CONFLICT` when another user already has this email.
   */
  createUserWithAccount(user: NewUser, account: NewAccount): Promise<{ user: User; account: Account; created: boolean }> {
    return this.#run('users.createUserWithAccount', async () => {
      const now = this.#now();
      const userId = newId('usr');
      const accountInsert = await this.#insertAccount(newId('acc'), userId, account, now);
      const userRow: UserRowValues = {
        id: userId,
        email: user.email,
        email_verified: user.emailVerified ? 1 : 0,
        name: user.name,
        image: user.image,
        created_at: now,
        updated_at: now,
      };
      const emailLower = user.email === null ? null : normalizeEmail(user.email);
      try {
        await this.#db.batch([
          this.#sql(
            `insert into ${this.#users} ("id", "email", "email_lower", "email_verified", "name", "image", "created_at", "updated_at") values (?, ?, ?, ?, ?, ?, ?, ?)`,
            userId,
            user.email,
            emailLower,
            userRow.email_verified,
            user.name,
            user.image,
            now,
            now,
          ),
          accountInsert.statement,
        ]);
      } catch (err) {
        if (!isUnique(err)) throw err;
        // Lost a race: either this identity exists now (return it), or the email belongs to
        // another user (the linking policy decides).
        const existing = await this.#accountRow(account.issuer, account.subject);
        const owner = existing ? await this.#userRow('id', existing.user_id) : null;
        if (existing && owner) return { user: userFromRow(owner), account: await accountFromRow(this.#cipher, existing), created: false };
        throw new StorageError('STORAGE_CONFLICT', 'Another user already has this email.', { cause: err });
      }
      return { user: userFromRow(userRow), account: await accountFromRow(this.#cipher, accountInsert.row), created: true };
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
      const insert = await this.#insertAccount(newId('acc'), userId, account, this.#now());
      try {
        await insert.statement.run();
        return accountFromRow(this.#cipher, insert.row);
      } catch (err) {
        if (isForeignKey(err)) throw new StorageError('STORAGE_CONFLICT', 'The user to link to does not exist.', { cause: err });
        if (!isUnique(err)) throw err;
        const existing = await this.#accountRow(account.issuer, account.subject);
        if (existing && existing.user_id === userId) return accountFromRow(this.#cipher, existing);
        throw new AccountError('ACCOUNT_ALREADY_LINKED', undefined, { provider: account.providerId, cause: err });
      }
    });
  }

  /**
   * Removes a link, never the last one, in one statement.
   *
   * @throws AccountError `LAST_LOGIN_METHOD`.
   * @throws StorageError `STORAGE_CONFLICT` when the account is not this user's.
   */
  unlinkAccount(userId: string, accountId: string): Promise<void> {
    return this.#run('users.unlinkAccount', async () => {
      const { meta } = await this.#sql(
        `delete from ${this.#accounts} where "id" = ? and "user_id" = ? and (select count(*) from ${this.#accounts} where "user_id" = ?) > 1`,
        accountId,
        userId,
        userId,
      ).run();
      if ((meta.changes ?? 0) > 0) return;
      const target = await this.#sql(`select "provider_id" from ${this.#accounts} where "id" = ? and "user_id" = ?`, accountId, userId).first<{
        provider_id: string;
      }>();
      if (!target) throw new StorageError('STORAGE_CONFLICT', 'This account is not linked to this user.');
      throw new AccountError('LAST_LOGIN_METHOD', undefined, { provider: target.provider_id });
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
    return this.#run('users.updateAccountTokens', async () => {
      const sealed = await sealTokens(this.#cipher, accountId, update.tokens);
      const set: [string, unknown][] = [
        ['tokens_enc', sealed.ciphertext],
        ['token_key_id', sealed.keyId],
        ['token_expires_at', update.tokens?.expiresAt ?? null],
        ['needs_reauth', update.needsReauth ? 1 : 0],
        ['updated_at', this.#now()],
      ];
      if (update.scopes) set.push(['scopes', update.scopes.join(' ')]);
      const assignments = `${set.map(([column]) => `"${column}" = ?`).join(', ')}, "token_version" = "token_version" + 1`;
      const values = [...set.map(([, v]) => v), accountId];
      let where = `"id" = ?`;
      if (expectedVersion !== undefined) {
        where += ` and "token_version" = ?`;
        values.push(expectedVersion);
      }
      const row = await this.#sql(`update ${this.#accounts} set ${assignments} where ${where} returning *`, ...values).first<AccountRowValues>();
      return row ? accountFromRow(this.#cipher, row) : null;
    });
  }

  /** Nothing to release: the binding belongs to the Worker. */
  async close(): Promise<void> {}

  async #insertAccount(id: string, userId: string, account: NewAccount, now: number): Promise<{ statement: D1StatementLike; row: AccountRowValues }> {
    const sealed = await sealTokens(this.#cipher, id, account.tokens);
    const scopes = account.scopes.join(' ');
    const statement = this.#sql(
      `insert into ${this.#accounts} ("id", "user_id", "provider_id", "issuer", "subject", "scopes", "tokens_enc", "token_key_id", "token_expires_at", "created_at", "updated_at") values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      id,
      userId,
      account.providerId,
      account.issuer,
      account.subject,
      scopes,
      sealed.ciphertext,
      sealed.keyId,
      account.tokens?.expiresAt ?? null,
      now,
      now,
    );
    const row: AccountRowValues = {
      id,
      user_id: userId,
      provider_id: account.providerId,
      issuer: account.issuer,
      subject: account.subject,
      scopes,
      tokens_enc: sealed.ciphertext,
      needs_reauth: 0,
      token_version: 1,
      created_at: now,
      updated_at: now,
    };
    return { statement, row };
  }
}
