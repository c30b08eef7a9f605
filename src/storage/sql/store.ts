/**
 * The SQL implementations of {@link UserStore} and {@link SessionStore} on Kysely. One code path
 * for SQLite, PostgreSQL and MySQL/MariaDB; the differences (row locks, collation) are in a few
 * guarded spots.
 *
 * @module
 */
import { type Kysely, Migrator, type Selectable, type Transaction } from 'kysely';
import { AccountError, LatchkeyError, StorageError } from '../../errors.js';
import { isConnectionError, isForeignKeyViolation, isTransientConflict, isUniqueViolation, toStorageError, withDeadline } from '../errors.js';
import { isExpired, newId, normalizeEmail } from '../internal.js';
import { openTokens, sealTokens, type TokenCipher } from '../token-cipher.js';
import type { Account, AccountTokens, NewAccount, NewUser, SessionRecord, SessionStore, User, UserStore } from '../types.js';
import { InCodeMigrationProvider, type SqlKind } from './migrations.js';
import { type AccountsTable, type Database, num, type SessionsTable, type UsersTable } from './schema.js';

type UserRow = Selectable<UsersTable>;
type AccountRow = Selectable<AccountsTable>;
type SessionRow = Selectable<SessionsTable>;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Options of the shared runner. */
export interface RunnerOptions {
  readonly db: Kysely<Database>;
  readonly kind: SqlKind;
  readonly prefix: string;
  /** Run migrations before the first operation. */
  readonly autoMigrate: boolean;
  /** The deadline of one store operation, retries included. */
  readonly operationTimeoutMs: number;
}

/**
 * Runs store operations: migrations first (when automatic), a deadline on each, a bounded retry
 * of transient conflicts and of one dropped connection, and driver errors mapped to typed errors.
 */
export class SqlRunner {
  readonly db: Kysely<Database>;
  readonly kind: SqlKind;
  readonly prefix: string;
  readonly #options: RunnerOptions;
  #ready: Promise<void> | undefined;

  /** @param options - the database and policies. */
  constructor(options: RunnerOptions) {
    this.#options = options;
    this.db = options.db;
    this.kind = options.kind;
    this.prefix = options.prefix;
  }

  /**
   * Applies pending migrations.
   *
   * @returns the names of the migrations applied now.
   * @throws StorageError `STORAGE_UNAVAILABLE`.
   */
  async migrate(): Promise<string[]> {
    const migrator = new Migrator({
      db: this.db,
      provider: new InCodeMigrationProvider(this.prefix, this.kind),
      migrationTableName: `${this.prefix}kysely_migration`,
      migrationLockTableName: `${this.prefix}kysely_migration_lock`,
    });
    const { error, results } = await migrator.migrateToLatest();
    if (error !== undefined) throw toStorageError(error, 'migrate');
    return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  }

  /** Resolves when the schema is ready; a failed automatic migration is retried on the next call. */
  ready(): Promise<void> {
    if (!this.#options.autoMigrate) return Promise.resolve();
    this.#ready ??= this.migrate().then(
      () => undefined,
      (err: unknown) => {
        this.#ready = undefined;
        throw err;
      },
    );
    return this.#ready;
  }

  /**
   * Runs one operation under the deadline and retry policy.
   *
   * @param operation - its name, for messages.
   * @param work - the queries.
   * @returns what `work` returns.
   * @throws StorageError `STORAGE_UNAVAILABLE` (unreachable, timed out, failed).
   */
  run<T>(operation: string, work: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    return withDeadline(this.#attempt(operation, work), this.#options.operationTimeoutMs, operation);
  }

  async #attempt<T>(operation: string, work: (db: Kysely<Database>) => Promise<T>): Promise<T> {
    let conflicts = 0;
    let drops = 0;
    for (;;) {
      try {
        await this.ready();
        return await work(this.db);
      } catch (err) {
        if (err instanceof LatchkeyError) throw err;
        if (conflicts < 5 && isTransientConflict(err)) {
          conflicts++;
          await sleep(5 + Math.random() * 20 * conflicts);
          continue;
        }
        // A pooled connection whose backend was killed fails once; a fresh one may work.
        if (drops < 1 && isConnectionError(err)) {
          drops++;
          await sleep(50);
          continue;
        }
        throw toStorageError(err, operation);
      }
    }
  }

  /** Locks a row for the rest of the transaction (PostgreSQL, MySQL); SQLite transactions are serial. */
  get rowLocks(): boolean {
    return this.kind !== 'sqlite';
  }
}

function toUser(row: UserRow): User {
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

function splitScopes(s: string): string[] {
  return s.split(' ').filter((x) => x !== '');
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
      const row = await db.selectFrom('accounts').selectAll().where('issuer', '=', issuer).where('subject', '=', subject).executeTakeFirst();
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
        const existing = await db
          .selectFrom('accounts')
          .selectAll()
          .where('issuer', '=', account.issuer)
          .where('subject', '=', account.subject)
          .executeTakeFirst();
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
        const existing = await db
          .selectFrom('accounts')
          .selectAll()
          .where('issuer', '=', account.issuer)
          .where('subject', '=', account.subject)
          .executeTakeFirst();
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

  async #toAccount(row: AccountRow): Promise<Account> {
    let tokens: AccountTokens | null = null;
    let needsReauth = num(row.needs_reauth) === 1;
    try {
      tokens = await openTokens(this.#cipher, row.id, row.tokens_enc);
    } catch (err) {
      if (!(err instanceof StorageError) || err.code !== 'TOKEN_DECRYPT_FAILED') throw err;
      // Fail closed for token use, not for sign-in: the tokens are unusable (their secret was
      // removed, or the row was altered), so the user must consent again.
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
}

function toSession(row: SessionRow): SessionRecord {
  const record: { -readonly [K in keyof SessionRecord]: SessionRecord[K] } = {
    id: row.id,
    userId: row.user_id,
    providerId: row.provider_id,
    issuer: row.issuer,
    subject: row.subject,
    createdAt: num(row.created_at),
    idleExpiresAt: num(row.idle_expires_at),
    absoluteExpiresAt: num(row.absolute_expires_at),
    data: JSON.parse(row.data) as Record<string, unknown>,
  };
  if (row.sid !== null) record.sid = row.sid;
  return record;
}

/** A channel carrying revoked session ids between processes. */
export interface RevocationBus {
  /** Publishes ids revoked here. */
  publish(ids: readonly string[]): Promise<void>;
  /** Subscribes to ids revoked in other processes. */
  subscribe(listener: (ids: readonly string[]) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** Options of {@link SqlSessionStore}. */
export interface SqlSessionStoreOptions {
  readonly runner: SqlRunner;
  readonly now?: () => number;
  /** Cross-process revocations (PostgreSQL LISTEN/NOTIFY). */
  readonly bus?: RevocationBus;
  /** How often expired rows are swept, at most (on writes). Default 5 minutes. */
  readonly sweepIntervalMs?: number;
}

/** Server-side sessions in SQL. */
export class SqlSessionStore implements SessionStore {
  readonly #r: SqlRunner;
  readonly #now: () => number;
  readonly #bus: RevocationBus | undefined;
  readonly #listeners = new Set<(ids: readonly string[]) => void>();
  readonly #sweepMs: number;
  #lastSweep = 0;

  /** @param options - the runner, clock and revocation bus. */
  constructor(options: SqlSessionStoreOptions) {
    this.#r = options.runner;
    this.#now = options.now ?? Date.now;
    this.#bus = options.bus;
    this.#sweepMs = options.sweepIntervalMs ?? 300_000;
  }

  /** Stores a session. */
  create(session: SessionRecord): Promise<void> {
    return this.#r.run('sessions.create', async (db) => {
      try {
        await db
          .insertInto('sessions')
          .values({
            id: session.id,
            user_id: session.userId,
            provider_id: session.providerId,
            issuer: session.issuer,
            subject: session.subject,
            sid: session.sid ?? null,
            created_at: session.createdAt,
            idle_expires_at: session.idleExpiresAt,
            absolute_expires_at: session.absoluteExpiresAt,
            data: JSON.stringify(session.data),
          })
          .execute();
      } catch (err) {
        // Ids are 256-bit random hashes: a duplicate is our own insert, retried after a dropped connection.
        if (!isUniqueViolation(err)) throw err;
      }
      const now = this.#now();
      if (now - this.#lastSweep >= this.#sweepMs) {
        this.#lastSweep = now;
        await db
          .deleteFrom('sessions')
          .where((eb) => eb.or([eb('absolute_expires_at', '<=', now), eb('idle_expires_at', '<=', now)]))
          .execute();
      }
    });
  }

  /** @returns the session, or null when absent or expired. */
  get(id: string): Promise<SessionRecord | null> {
    return this.#r.run('sessions.get', async (db) => {
      const row = await db.selectFrom('sessions').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) return null;
      const record = toSession(row);
      return isExpired(record, this.#now()) ? null : record;
    });
  }

  /** Moves the idle expiry forward, never past the absolute one. */
  touch(id: string, idleExpiresAt: number): Promise<void> {
    return this.#r.run('sessions.touch', async (db) => {
      await db
        .updateTable('sessions')
        .set((eb) => ({
          idle_expires_at: eb
            .case()
            .when('absolute_expires_at', '<', idleExpiresAt)
            .then(eb.ref('absolute_expires_at'))
            .else(idleExpiresAt)
            .end()
            .$castTo<number>(),
        }))
        .where('id', '=', id)
        .execute();
    });
  }

  /** Deletes one session. */
  async delete(id: string): Promise<void> {
    const deleted = await this.#r.run('sessions.delete', async (db) => {
      const r = await db.deleteFrom('sessions').where('id', '=', id).executeTakeFirst();
      return Number(r.numDeletedRows);
    });
    if (deleted > 0) await this.#revoked([id]);
  }

  /** @returns the ids of the user's deleted (live) sessions. */
  deleteByUser(userId: string): Promise<string[]> {
    return this.#deleteWhere('sessions.deleteByUser', (db) =>
      db.selectFrom('sessions').select(['id', 'idle_expires_at', 'absolute_expires_at']).where('user_id', '=', userId),
    );
  }

  /** @returns the ids of the deleted sessions with this provider `sid`. */
  deleteBySid(issuer: string, sid: string): Promise<string[]> {
    return this.#deleteWhere('sessions.deleteBySid', (db) =>
      db.selectFrom('sessions').select(['id', 'idle_expires_at', 'absolute_expires_at']).where('issuer', '=', issuer).where('sid', '=', sid),
    );
  }

  /** @returns the ids of the deleted sessions of this identity. */
  deleteBySubject(issuer: string, subject: string): Promise<string[]> {
    return this.#deleteWhere('sessions.deleteBySubject', (db) =>
      db.selectFrom('sessions').select(['id', 'idle_expires_at', 'absolute_expires_at']).where('issuer', '=', issuer).where('subject', '=', subject),
    );
  }

  /** Subscribes to revocations: this store's, and other processes' when a bus is configured. */
  async onRevoked(listener: (ids: readonly string[]) => void): Promise<() => Promise<void>> {
    this.#listeners.add(listener);
    const unsubscribeBus = this.#bus ? await this.#bus.subscribe(listener) : undefined;
    return async () => {
      this.#listeners.delete(listener);
      await unsubscribeBus?.();
    };
  }

  /** Deletes expired rows now. @returns how many. */
  sweepExpired(): Promise<number> {
    return this.#r.run('sessions.sweep', async (db) => {
      const now = this.#now();
      const r = await db
        .deleteFrom('sessions')
        .where((eb) => eb.or([eb('absolute_expires_at', '<=', now), eb('idle_expires_at', '<=', now)]))
        .executeTakeFirst();
      return Number(r.numDeletedRows);
    });
  }

  /** Stops the bus (the database is closed by the store). */
  async close(): Promise<void> {
    this.#listeners.clear();
    await this.#bus?.close();
  }

  async #deleteWhere(
    operation: string,
    select: (db: Kysely<Database>) => {
      execute(): Promise<{ id: string; idle_expires_at: number | string | bigint; absolute_expires_at: number | string | bigint }[]>;
    },
  ): Promise<string[]> {
    const ids = await this.#r.run(operation, async (db) => {
      const rows = await select(db).execute();
      if (rows.length === 0) return [];
      // Delete exactly the rows found: a session created meanwhile (a new login) survives.
      const removed = await db
        .deleteFrom('sessions')
        .where(
          'id',
          'in',
          rows.map((r) => r.id),
        )
        .executeTakeFirst();
      void removed;
      const now = this.#now();
      return rows.filter((r) => now < num(r.idle_expires_at) && now < num(r.absolute_expires_at)).map((r) => r.id);
    });
    if (ids.length > 0) await this.#revoked(ids);
    return ids;
  }

  async #revoked(ids: readonly string[]): Promise<void> {
    for (const l of this.#listeners) {
      try {
        l(ids);
      } catch {
        // A listener's failure must not break the logout.
      }
    }
    try {
      await this.#bus?.publish(ids);
    } catch {
      // The rows are gone; other processes' caches expire on their own short TTL.
    }
  }
}
