/**
 * The SQL {@link SessionStore}: server-side sessions, their idle and absolute expiry, deletion by
 * user, `sid` or subject (back-channel logout), the sweep of expired rows, and the revocation bus
 * that tells other instances which sessions ended.
 *
 * @module
 */
import type { Kysely, Selectable } from 'kysely';
import { isUniqueViolation } from '../errors.js';
import { isExpired } from '../internal.js';
import type { ReplayStore, SessionRecord, SessionStore } from '../types.js';
import type { SqlRunner } from './runner.js';
import { type Database, num, type SessionsTable } from './schema.js';

type SessionRow = Selectable<SessionsTable>;

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
  /** The replay memories on the same database (`createSqlStore` gives it). */
  readonly replay?: ReplayStore;
}

/** Server-side sessions in SQL. */
export class SqlSessionStore implements SessionStore {
  readonly #r: SqlRunner;
  readonly #now: () => number;
  readonly #bus: RevocationBus | undefined;
  readonly #listeners = new Set<(ids: readonly string[]) => void>();
  readonly #sweepMs: number;
  #lastSweep = 0;
  /** The replay memories and cookie-session revocations on the same database, when given. */
  readonly replay: ReplayStore | undefined;

  /** @param options - the runner, clock and revocation bus. */
  constructor(options: SqlSessionStoreOptions) {
    this.#r = options.runner;
    this.#now = options.now ?? Date.now;
    this.#bus = options.bus;
    this.#sweepMs = options.sweepIntervalMs ?? 300_000;
    this.replay = options.replay;
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

  /** @returns the user's live sessions, oldest first. */
  listByUser(userId: string): Promise<SessionRecord[]> {
    return this.#r.run('sessions.listByUser', async (db) => {
      const now = this.#now();
      const rows = await db
        .selectFrom('sessions')
        .selectAll()
        .where('user_id', '=', userId)
        .where('idle_expires_at', '>', now)
        .where('absolute_expires_at', '>', now)
        .orderBy('created_at')
        .execute();
      return rows.map(toSession).filter((r) => !isExpired(r, now));
    });
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
