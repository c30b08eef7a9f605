/**
 * The Drizzle {@link SessionStore}: server-side sessions in the app's sessions table (declared with
 * `latchkeySessions`), their idle and absolute expiry, deletion by user, `sid` or subject
 * (back-channel logout), the sweep of expired rows, and in-process revocation listeners.
 *
 * @module
 */
import { isUniqueViolation } from '../errors.js';
import { isExpired } from '../internal.js';
import type { SessionRecord, SessionStore } from '../types.js';
import type { DrizzleOps, SessionFilter, SessionRow } from './ops.js';
import { type DrizzleRunner, driverErrorOf } from './runner.js';

function toSession(row: SessionRow): SessionRecord {
  const record: { -readonly [K in keyof SessionRecord]: SessionRecord[K] } = {
    id: row.id,
    userId: row.userId,
    providerId: row.providerId,
    issuer: row.issuer,
    subject: row.subject,
    createdAt: row.createdAt.getTime(),
    idleExpiresAt: row.idleExpiresAt.getTime(),
    absoluteExpiresAt: row.absoluteExpiresAt.getTime(),
    data: JSON.parse(row.data) as Record<string, unknown>,
  };
  if (row.sid !== null) record.sid = row.sid;
  return record;
}

/** Options of {@link DrizzleSessionStore}. */
export interface DrizzleSessionStoreOptions {
  readonly ops: DrizzleOps;
  readonly run: DrizzleRunner;
  readonly now?: () => number;
  /** How often expired rows are swept, at most (on writes). Default 5 minutes. */
  readonly sweepIntervalMs?: number;
}

/**
 * Server-side sessions on the app's Drizzle table. Revocations reach this process's listeners at
 * once; other processes see them within `session.revalidateSeconds` (no cross-process push).
 */
export class DrizzleSessionStore implements SessionStore {
  readonly #ops: DrizzleOps;
  readonly #run: DrizzleRunner;
  readonly #now: () => number;
  readonly #listeners = new Set<(ids: readonly string[]) => void>();
  readonly #sweepMs: number;
  #lastSweep = 0;

  /** @param options - the dialect's queries, the runner and the clock. */
  constructor(options: DrizzleSessionStoreOptions) {
    this.#ops = options.ops;
    this.#run = options.run;
    this.#now = options.now ?? Date.now;
    this.#sweepMs = options.sweepIntervalMs ?? 300_000;
  }

  /** Stores a session (and sweeps expired ones, at most every `sweepIntervalMs`). */
  create(session: SessionRecord): Promise<void> {
    return this.#run('sessions.create', async () => {
      try {
        await this.#ops.insertSession({
          id: session.id,
          userId: session.userId,
          providerId: session.providerId,
          issuer: session.issuer,
          subject: session.subject,
          sid: session.sid ?? null,
          createdAt: new Date(session.createdAt),
          idleExpiresAt: new Date(session.idleExpiresAt),
          absoluteExpiresAt: new Date(session.absoluteExpiresAt),
          data: JSON.stringify(session.data),
        });
      } catch (err) {
        // Ids are 256-bit random hashes: a duplicate is our own insert, retried after a dropped connection.
        if (!isUniqueViolation(driverErrorOf(err))) throw err;
      }
      const now = this.#now();
      if (now - this.#lastSweep >= this.#sweepMs) {
        this.#lastSweep = now;
        await this.#ops.sweepSessions(new Date(now));
      }
    });
  }

  /** @returns the session, or null when absent or expired. */
  get(id: string): Promise<SessionRecord | null> {
    return this.#run('sessions.get', async () => {
      const row = await this.#ops.sessionById(id);
      if (!row) return null;
      const record = toSession(row);
      return isExpired(record, this.#now()) ? null : record;
    });
  }

  /** Moves the idle expiry forward, never past the absolute one. */
  touch(id: string, idleExpiresAt: number): Promise<void> {
    return this.#run('sessions.touch', () => this.#ops.touchSession(id, new Date(idleExpiresAt)));
  }

  /** Deletes one session. */
  async delete(id: string): Promise<void> {
    const deleted = await this.#run('sessions.delete', () => this.#ops.deleteSession(id));
    if (deleted > 0) this.#revoked([id]);
  }

  /** @returns the ids of the user's deleted (live) sessions. */
  deleteByUser(userId: string): Promise<string[]> {
    return this.#deleteWhere('sessions.deleteByUser', { userId });
  }

  /** @returns the user's live sessions, oldest first. */
  listByUser(userId: string): Promise<SessionRecord[]> {
    return this.#run('sessions.listByUser', async () => {
      const now = this.#now();
      return (await this.#ops.sessionsOfUser(userId)).map(toSession).filter((r) => !isExpired(r, now));
    });
  }

  /** @returns the ids of the deleted sessions with this provider `sid`. */
  deleteBySid(issuer: string, sid: string): Promise<string[]> {
    return this.#deleteWhere('sessions.deleteBySid', { issuer, sid });
  }

  /** @returns the ids of the deleted sessions of this identity. */
  deleteBySubject(issuer: string, subject: string): Promise<string[]> {
    return this.#deleteWhere('sessions.deleteBySubject', { issuer, subject });
  }

  /** Subscribes to this store's revocations. */
  async onRevoked(listener: (ids: readonly string[]) => void): Promise<() => Promise<void>> {
    this.#listeners.add(listener);
    return async () => {
      this.#listeners.delete(listener);
    };
  }

  /** Deletes expired rows now. @returns how many. */
  sweepExpired(): Promise<number> {
    return this.#run('sessions.sweep', () => this.#ops.sweepSessions(new Date(this.#now())));
  }

  /** Drops the listeners (the app owns, and closes, its database). */
  async close(): Promise<void> {
    this.#listeners.clear();
  }

  async #deleteWhere(operation: string, filter: SessionFilter): Promise<string[]> {
    const ids = await this.#run(operation, async () => {
      const rows = await this.#ops.deleteSessions(filter);
      const now = this.#now();
      return rows.filter((r) => now < r.idleExpiresAt.getTime() && now < r.absoluteExpiresAt.getTime()).map((r) => r.id);
    });
    if (ids.length > 0) this.#revoked(ids);
    return ids;
  }

  #revoked(ids: readonly string[]): void {
    for (const l of this.#listeners) {
      try {
        l(ids);
      } catch {
        // A listener's failure must not break the logout.
      }
    }
  }
}
