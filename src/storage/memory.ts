/**
 * In-memory stores: the zero-configuration default for development and tests. Data lives in the
 * process and is lost when it exits. Every method runs synchronously inside its promise, so each
 * call is atomic with respect to the others (the same guarantees the SQL store gets from
 * transactions and unique constraints).
 *
 * @module
 */
import { AccountError, StorageError } from '../errors.js';
import { isExpired, newId, normalizeEmail } from './internal.js';
import type { Account, AccountTokens, NewAccount, NewUser, SessionRecord, SessionStore, User, UserStore } from './types.js';

/** Options of the memory stores. */
export interface MemoryStoreOptions {
  /** The clock, epoch milliseconds (tests move it). Default `Date.now`. */
  readonly now?: () => number;
}

/** The key of an (issuer, subject) or (issuer, sid) pair; a newline cannot occur in either. */
function pairKey(a: string, b: string): string {
  return `${a}\n${b}`;
}

function freezeTokens(tokens: AccountTokens | null): AccountTokens | null {
  return tokens === null ? null : Object.freeze({ ...tokens });
}

/**
 * Users and accounts in memory. Enforces the same rules as the SQL store: unique (issuer, subject),
 * at most one user per case-insensitive email, no orphan accounts, never unlinking the last account.
 */
export class MemoryUserStore implements UserStore {
  readonly #users = new Map<string, User>();
  readonly #accounts = new Map<string, Account>();
  readonly #byIdentity = new Map<string, string>();
  readonly #byEmail = new Map<string, string>();
  readonly #now: () => number;

  /**
   * @param options - the clock.
   */
  constructor(options: MemoryStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
  }

  /** @returns the user, or null. */
  async getUser(id: string): Promise<User | null> {
    return this.#users.get(id) ?? null;
  }

  /** @returns the user with this email (case-insensitive), or null. */
  async getUserByEmail(email: string): Promise<User | null> {
    const id = this.#byEmail.get(normalizeEmail(email));
    return id === undefined ? null : (this.#users.get(id) ?? null);
  }

  /**
   * Updates a user's fields.
   *
   * @throws StorageError `STORAGE_CONFLICT` when the new email belongs to another user.
   */
  async updateUser(id: string, patch: Partial<NewUser>): Promise<User> {
    const user = this.#users.get(id);
    if (!user) throw new StorageError('STORAGE_CONFLICT', 'The user to update does not exist.');
    const next: User = Object.freeze({
      ...user,
      ...definedOnly(patch),
      updatedAt: new Date(this.#now()),
    });
    if (next.email !== user.email) {
      const key = next.email === null ? null : normalizeEmail(next.email);
      if (key !== null) {
        const owner = this.#byEmail.get(key);
        if (owner !== undefined && owner !== id) {
          throw new StorageError('STORAGE_CONFLICT', 'Another user already has this email.');
        }
      }
      if (user.email !== null) this.#byEmail.delete(normalizeEmail(user.email));
      if (key !== null) this.#byEmail.set(key, id);
    }
    this.#users.set(id, next);
    return next;
  }

  /** @returns the account of this identity, or null. */
  async getAccount(issuer: string, subject: string): Promise<Account | null> {
    return this.#identity(issuer, subject);
  }

  /** @returns the account, or null. */
  async getAccountById(id: string): Promise<Account | null> {
    return this.#accounts.get(id) ?? null;
  }

  /** @returns the user's accounts, oldest first. */
  async listAccounts(userId: string): Promise<Account[]> {
    return [...this.#accounts.values()].filter((a) => a.userId === userId);
  }

  /**
   * Creates a user and its first account atomically; returns the existing pair when the identity
   * is already known (a concurrent first login won).
   *
   * @throws StorageError `STORAGE_CONFLICT` when another user already has this email.
   */
  async createUserWithAccount(user: NewUser, account: NewAccount): Promise<{ user: User; account: Account; created: boolean }> {
    const existing = this.#identity(account.issuer, account.subject);
    if (existing) {
      const owner = this.#users.get(existing.userId)!;
      return { user: owner, account: existing, created: false };
    }
    const emailKey = user.email === null ? null : normalizeEmail(user.email);
    if (emailKey !== null && this.#byEmail.has(emailKey)) {
      throw new StorageError('STORAGE_CONFLICT', 'Another user already has this email.');
    }
    const now = new Date(this.#now());
    const created: User = Object.freeze({
      id: newId('usr'),
      email: user.email,
      emailVerified: user.emailVerified,
      name: user.name,
      image: user.image,
      createdAt: now,
      updatedAt: now,
    });
    this.#users.set(created.id, created);
    if (emailKey !== null) this.#byEmail.set(emailKey, created.id);
    const acc = this.#insertAccount(created.id, account, now);
    return { user: created, account: acc, created: true };
  }

  /**
   * Links an identity to a user. Idempotent when it is already linked to that user.
   *
   * @throws AccountError `ACCOUNT_ALREADY_LINKED` when it belongs to another user.
   * @throws StorageError `STORAGE_CONFLICT` when the user does not exist.
   */
  async linkAccount(userId: string, account: NewAccount): Promise<Account> {
    if (!this.#users.has(userId)) throw new StorageError('STORAGE_CONFLICT', 'The user to link to does not exist.');
    const existing = this.#identity(account.issuer, account.subject);
    if (existing) {
      if (existing.userId !== userId) throw new AccountError('ACCOUNT_ALREADY_LINKED', undefined, { provider: account.providerId });
      return existing;
    }
    return this.#insertAccount(userId, account, new Date(this.#now()));
  }

  /**
   * Removes a link.
   *
   * @throws AccountError `LAST_LOGIN_METHOD` when it is the user's only account.
   * @throws StorageError `STORAGE_CONFLICT` when the account is not this user's.
   */
  async unlinkAccount(userId: string, accountId: string): Promise<void> {
    const account = this.#accounts.get(accountId);
    if (!account || account.userId !== userId) {
      throw new StorageError('STORAGE_CONFLICT', 'This account is not linked to this user.');
    }
    const count = [...this.#accounts.values()].filter((a) => a.userId === userId).length;
    if (count <= 1) throw new AccountError('LAST_LOGIN_METHOD', undefined, { provider: account.providerId });
    this.#accounts.delete(accountId);
    this.#byIdentity.delete(pairKey(account.issuer, account.subject));
  }

  /**
   * Stores tokens; with `expectedVersion`, only if the stored version still equals it.
   *
   * @returns the updated account, or null (absent, or the version moved on).
   */
  async updateAccountTokens(
    accountId: string,
    update: { tokens: AccountTokens | null; scopes?: readonly string[]; needsReauth?: boolean },
    expectedVersion?: number,
  ): Promise<Account | null> {
    const account = this.#accounts.get(accountId);
    if (!account) return null;
    if (expectedVersion !== undefined && account.tokenVersion !== expectedVersion) return null;
    const next: Account = Object.freeze({
      ...account,
      tokens: freezeTokens(update.tokens),
      scopes: update.scopes ? Object.freeze([...update.scopes]) : account.scopes,
      needsReauth: update.needsReauth ?? false,
      tokenVersion: account.tokenVersion + 1,
      updatedAt: new Date(this.#now()),
    });
    this.#accounts.set(accountId, next);
    return next;
  }

  /** Nothing to release. */
  async close(): Promise<void> {}

  // Synchronous on purpose: no await between a check and the write that depends on it.
  #identity(issuer: string, subject: string): Account | null {
    const id = this.#byIdentity.get(pairKey(issuer, subject));
    return id === undefined ? null : (this.#accounts.get(id) ?? null);
  }

  #insertAccount(userId: string, account: NewAccount, now: Date): Account {
    const acc: Account = Object.freeze({
      id: newId('acc'),
      userId,
      providerId: account.providerId,
      issuer: account.issuer,
      subject: account.subject,
      scopes: Object.freeze([...account.scopes]),
      tokens: freezeTokens(account.tokens),
      needsReauth: false,
      tokenVersion: 1,
      createdAt: now,
      updatedAt: now,
    });
    this.#accounts.set(acc.id, acc);
    this.#byIdentity.set(pairKey(acc.issuer, acc.subject), acc.id);
    return acc;
  }
}

function definedOnly(patch: Partial<NewUser>): Partial<NewUser> {
  const out: { -readonly [K in keyof NewUser]?: NewUser[K] } = {};
  if (patch.email !== undefined) out.email = patch.email;
  if (patch.emailVerified !== undefined) out.emailVerified = patch.emailVerified;
  if (patch.name !== undefined) out.name = patch.name;
  if (patch.image !== undefined) out.image = patch.image;
  return out;
}

/** Options of {@link MemorySessionStore}. */
export interface MemorySessionStoreOptions extends MemoryStoreOptions {
  /** Upper bound on stored sessions; the ones closest to expiry are dropped first. Default 100 000. */
  readonly maxSessions?: number;
}

/**
 * Server-side sessions in memory, with the indexes logout needs (by user, by (issuer, sid), by
 * (issuer, subject)) and revocation listeners for in-process caches.
 */
export class MemorySessionStore implements SessionStore {
  readonly #sessions = new Map<string, SessionRecord>();
  readonly #byUser = new Map<string, Set<string>>();
  readonly #bySid = new Map<string, Set<string>>();
  readonly #bySubject = new Map<string, Set<string>>();
  readonly #listeners = new Set<(ids: readonly string[]) => void>();
  readonly #now: () => number;
  readonly #max: number;

  /**
   * @param options - the clock and the size bound.
   */
  constructor(options: MemorySessionStoreOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#max = options.maxSessions ?? 100_000;
  }

  /** Stores a session (replacing one with the same id). */
  async create(session: SessionRecord): Promise<void> {
    if (this.#sessions.has(session.id)) this.#remove(session.id);
    if (this.#sessions.size >= this.#max) this.#evict();
    const record: SessionRecord = Object.freeze({ ...session, data: Object.freeze(structuredClone(session.data)) });
    this.#sessions.set(record.id, record);
    addTo(this.#byUser, record.userId, record.id);
    addTo(this.#bySubject, pairKey(record.issuer, record.subject), record.id);
    if (record.sid !== undefined) addTo(this.#bySid, pairKey(record.issuer, record.sid), record.id);
  }

  /** @returns the session, or null when absent or expired. */
  async get(id: string): Promise<SessionRecord | null> {
    const record = this.#sessions.get(id);
    if (!record) return null;
    if (isExpired(record, this.#now())) {
      this.#remove(id);
      return null;
    }
    return record;
  }

  /** Moves the idle expiry forward (never past the absolute expiry). */
  async touch(id: string, idleExpiresAt: number): Promise<void> {
    const record = this.#sessions.get(id);
    if (!record) return;
    this.#sessions.set(id, Object.freeze({ ...record, idleExpiresAt: Math.min(idleExpiresAt, record.absoluteExpiresAt) }));
  }

  /** Deletes one session. */
  async delete(id: string): Promise<void> {
    if (this.#remove(id)) this.#emit([id]);
  }

  /** @returns the ids of the user's deleted sessions. */
  async deleteByUser(userId: string): Promise<string[]> {
    return this.#removeAll(this.#byUser.get(userId));
  }

  /** @returns the user's live sessions, oldest first. */
  async listByUser(userId: string): Promise<SessionRecord[]> {
    const now = this.#now();
    const out: SessionRecord[] = [];
    for (const id of this.#byUser.get(userId) ?? []) {
      const record = this.#sessions.get(id);
      if (record && !isExpired(record, now)) out.push(record);
    }
    return out;
  }

  /** @returns the ids of the deleted sessions carrying this provider `sid`. */
  async deleteBySid(issuer: string, sid: string): Promise<string[]> {
    return this.#removeAll(this.#bySid.get(pairKey(issuer, sid)));
  }

  /** @returns the ids of the deleted sessions of this identity. */
  async deleteBySubject(issuer: string, subject: string): Promise<string[]> {
    return this.#removeAll(this.#bySubject.get(pairKey(issuer, subject)));
  }

  /** Subscribes to revocations made through this store. */
  async onRevoked(listener: (ids: readonly string[]) => void): Promise<() => Promise<void>> {
    this.#listeners.add(listener);
    return async () => {
      this.#listeners.delete(listener);
    };
  }

  /** Drops every session and listener. */
  async close(): Promise<void> {
    this.#sessions.clear();
    this.#byUser.clear();
    this.#bySid.clear();
    this.#bySubject.clear();
    this.#listeners.clear();
  }

  /** The number of stored sessions (expired ones not yet swept included). */
  get size(): number {
    return this.#sessions.size;
  }

  #removeAll(ids: Set<string> | undefined): string[] {
    if (!ids) return [];
    const removed: string[] = [];
    const now = this.#now();
    for (const id of [...ids]) {
      const record = this.#sessions.get(id);
      // Expired sessions are dropped too, but not reported: they were no longer valid.
      if (record && this.#remove(id) && !isExpired(record, now)) removed.push(id);
    }
    if (removed.length > 0) this.#emit(removed);
    return removed;
  }

  #remove(id: string): boolean {
    const record = this.#sessions.get(id);
    if (!record) return false;
    this.#sessions.delete(id);
    removeFrom(this.#byUser, record.userId, id);
    removeFrom(this.#bySubject, pairKey(record.issuer, record.subject), id);
    if (record.sid !== undefined) removeFrom(this.#bySid, pairKey(record.issuer, record.sid), id);
    return true;
  }

  #evict(): void {
    const now = this.#now();
    for (const [id, r] of this.#sessions) if (isExpired(r, now)) this.#remove(id);
    if (this.#sessions.size < this.#max) return;
    // Still full: drop the oldest tenth (Map iteration order is insertion order).
    const drop = Math.max(1, Math.floor(this.#max / 10));
    let n = 0;
    for (const id of this.#sessions.keys()) {
      if (n++ >= drop) break;
      this.#remove(id);
    }
  }

  #emit(ids: readonly string[]): void {
    for (const l of this.#listeners) {
      try {
        l(ids);
      } catch {
        // A listener's failure must not break the logout that triggered it.
      }
    }
  }
}

function addTo(index: Map<string, Set<string>>, key: string, id: string): void {
  let set = index.get(key);
  if (!set) index.set(key, (set = new Set()));
  set.add(id);
}

function removeFrom(index: Map<string, Set<string>>, key: string, id: string): void {
  const set = index.get(key);
  if (!set) return;
  set.delete(id);
  if (set.size === 0) index.delete(key);
}
