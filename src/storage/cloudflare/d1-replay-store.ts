/**
 * The D1 {@link ReplayStore}, with plain D1 calls on the tables of migration `0002_replay`: one
 * statement each, so D1 (one writer per database) decides every race. A one-time value is an
 * `insert … on conflict do update … where expired … returning`: a row comes back only to the
 * call that inserted it or took over an expired one. A revocation keeps the later instant.
 *
 * @module
 */
import type { ReplayScope, ReplayStore } from '../types.js';
import type { D1StatementLike } from './types.js';

/** Runs statements under the user store's migration, deadline and typed errors. */
export type D1ReplayRunner = <T>(operation: string, work: (sql: (text: string, ...values: unknown[]) => D1StatementLike) => Promise<T>) => Promise<T>;

/** Replay memories and cookie-session revocations in D1. */
export class D1ReplayStore implements ReplayStore {
  readonly #run: D1ReplayRunner;
  readonly #replay: string;
  readonly #revocations: string;
  readonly #now: () => number;
  #lastSweep = 0;

  /**
   * @param run - the user store's runner.
   * @param prefix - the table prefix.
   * @param now - the clock, epoch ms.
   */
  constructor(run: D1ReplayRunner, prefix: string, now: () => number) {
    this.#run = run;
    this.#replay = `"${prefix}replay"`;
    this.#revocations = `"${prefix}revocations"`;
    this.#now = now;
  }

  remember(scope: ReplayScope, key: string, expiresAt: number): Promise<boolean> {
    return this.#run('replay.remember', async (sql) => {
      const now = this.#now();
      await this.#sweep(sql, now);
      const row = await sql(
        `insert into ${this.#replay} ("scope", "value_hash", "writer", "expires_at") values (?, ?, '', ?)
         on conflict ("scope", "value_hash") do update set "expires_at" = excluded."expires_at" where ${this.#replay}."expires_at" <= ?
         returning "scope"`,
        scope,
        key,
        expiresAt,
        now,
      ).first();
      return row !== null;
    });
  }

  async revoke(selector: string, at: number, until: number): Promise<void> {
    await this.#run('replay.revoke', (sql) =>
      sql(
        `insert into ${this.#revocations} ("selector_hash", "revoked_at", "expires_at") values (?, ?, ?)
         on conflict ("selector_hash") do update set "revoked_at" = max("revoked_at", excluded."revoked_at"), "expires_at" = max("expires_at", excluded."expires_at")`,
        selector,
        at,
        until,
      ).run(),
    );
  }

  revokedAt(selectors: readonly string[]): Promise<number | null> {
    if (selectors.length === 0) return Promise.resolve(null);
    return this.#run('replay.revokedAt', async (sql) => {
      const marks = selectors.map(() => '?').join(', ');
      const row = await sql(
        `select max("revoked_at") as "latest" from ${this.#revocations} where "selector_hash" in (${marks}) and "expires_at" > ?`,
        ...selectors,
        this.#now(),
      ).first<{ latest: number | string | null }>();
      return row?.latest === null || row?.latest === undefined ? null : Number(row.latest);
    });
  }

  async #sweep(sql: (text: string, ...values: unknown[]) => D1StatementLike, now: number): Promise<void> {
    if (now - this.#lastSweep < 300_000) return;
    this.#lastSweep = now;
    await sql(`delete from ${this.#replay} where "expires_at" <= ?`, now).run();
    await sql(`delete from ${this.#revocations} where "expires_at" <= ?`, now).run();
  }
}
