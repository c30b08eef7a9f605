/**
 * The SQL {@link ReplayStore} (SQLite, PostgreSQL, MySQL/MariaDB, through the shared runner): a
 * one-time value is a row under a primary key, so of two instances inserting the same value at
 * once exactly one succeeds; an expired row is taken over by a conditional update. Revocations
 * are one row per selector holding the latest instant. A rate-limit counter is a `replay` row of
 * scope `rate` whose `writer` holds the count, raised by compare-and-set (no migration needed).
 * Expired rows are swept now and then.
 *
 * @module
 */

import { StorageError } from '../../errors.js';
import { base64url, randomToken, sha256 } from '../../internal/encoding.js';
import { isUniqueViolation } from '../errors.js';
import type { ReplayScope, ReplayStore } from '../types.js';
import type { SqlRunner } from './runner.js';
import { num } from './schema.js';

/** Compare-and-set rounds of one rate-limit hit before it gives up (`STORAGE_CONFLICT`). */
const MAX_HIT_ATTEMPTS = 20;

/** Replay memories and cookie-session revocations in SQL. */
export class SqlReplayStore implements ReplayStore {
  readonly #r: SqlRunner;
  readonly #now: () => number;
  readonly #sweepMs: number;
  #lastSweep = 0;

  /**
   * @param runner - the store's runner.
   * @param now - the clock, epoch ms.
   * @param sweepIntervalMs - how often expired rows are deleted, at most.
   */
  constructor(runner: SqlRunner, now: () => number = Date.now, sweepIntervalMs = 300_000) {
    this.#r = runner;
    this.#now = now;
    this.#sweepMs = sweepIntervalMs;
  }

  remember(scope: ReplayScope, key: string, expiresAt: number): Promise<boolean> {
    // One writer token per call: a retry after a dropped connection finds its own row and succeeds.
    const writer = randomToken(12);
    return this.#r.run('replay.remember', async (db) => {
      const now = this.#now();
      await this.#sweep(now);
      try {
        await db.insertInto('replay').values({ scope, value_hash: key, writer, expires_at: expiresAt }).execute();
        return true;
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
      }
      // Taken: by an expired row (take it over, once) or by a live one (a replay, or our own retry).
      const taken = await db
        .updateTable('replay')
        .set({ writer, expires_at: expiresAt })
        .where('scope', '=', scope)
        .where('value_hash', '=', key)
        .where('expires_at', '<=', now)
        .executeTakeFirst();
      if (Number(taken.numUpdatedRows) > 0) return true;
      const row = await db.selectFrom('replay').select('writer').where('scope', '=', scope).where('value_hash', '=', key).executeTakeFirst();
      return row?.writer === writer;
    });
  }

  revoke(selector: string, at: number, until: number): Promise<void> {
    return this.#r.run('replay.revoke', async (db) => {
      const raise = () =>
        db
          .updateTable('revocations')
          .set({ revoked_at: at, expires_at: until })
          .where('selector_hash', '=', selector)
          .where('revoked_at', '<=', at)
          .executeTakeFirst();
      if (Number((await raise()).numUpdatedRows) > 0) return;
      try {
        await db.insertInto('revocations').values({ selector_hash: selector, revoked_at: at, expires_at: until }).execute();
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
        // Another instance inserted this selector meanwhile: keep the later of the two instants.
        await raise();
      }
    });
  }

  revokedAt(selectors: readonly string[]): Promise<number | null> {
    if (selectors.length === 0) return Promise.resolve(null);
    return this.#r.run('replay.revokedAt', async (db) => {
      const row = await db
        .selectFrom('revocations')
        .select((eb) => eb.fn.max('revoked_at').as('latest'))
        .where('selector_hash', 'in', [...selectors])
        .where('expires_at', '>', this.#now())
        .executeTakeFirst();
      const latest = row?.latest;
      return latest === null || latest === undefined ? null : num(latest as number | string | bigint);
    });
  }

  async hit(key: string, windowMs: number): Promise<number> {
    // Hashed again: any key fits `value_hash` (64 characters).
    const k = base64url(await sha256(`rate ${key}`));
    return this.#r.run('replay.hit', async (db) => {
      const now = this.#now();
      await this.#sweep(now);
      for (let attempt = 0; attempt < MAX_HIT_ATTEMPTS; attempt++) {
        const row = await db.selectFrom('replay').select(['writer', 'expires_at']).where('scope', '=', 'rate').where('value_hash', '=', k).executeTakeFirst();
        if (row === undefined) {
          try {
            await db
              .insertInto('replay')
              .values({ scope: 'rate', value_hash: k, writer: '1', expires_at: now + windowMs })
              .execute();
            return 1;
          } catch (err) {
            if (!isUniqueViolation(err)) throw err;
            continue;
          }
        }
        const until = num(row.expires_at as number | string | bigint);
        // An expired counter starts again at 1 with a new window; a live one counts on.
        const next = until <= now ? 1 : Number(row.writer) + 1;
        const done = await db
          .updateTable('replay')
          .set({ writer: String(next), expires_at: until <= now ? now + windowMs : until })
          .where('scope', '=', 'rate')
          .where('value_hash', '=', k)
          .where('writer', '=', row.writer)
          .where('expires_at', '=', until)
          .executeTakeFirst();
        if (Number(done.numUpdatedRows) > 0) return next;
      }
      throw new StorageError('STORAGE_CONFLICT', 'A rate-limit counter was raised concurrently too often; the hit was not counted.');
    });
  }

  async #sweep(now: number): Promise<void> {
    if (now - this.#lastSweep < this.#sweepMs) return;
    this.#lastSweep = now;
    await this.#r.db.deleteFrom('replay').where('expires_at', '<=', now).execute();
    await this.#r.db.deleteFrom('revocations').where('expires_at', '<=', now).execute();
  }
}
