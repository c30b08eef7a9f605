/**
 * Issue 18 item 3, end to end: two app processes share a PostgreSQL user store and a refresh lock
 * (Redis, then PostgreSQL advisory locks), and the provider rotates refresh tokens with a token
 * endpoint slower than the lease (times scaled down: a 600 ms lease, a 1 800 ms token answer).
 * Both processes find the same expired access token at once.
 *
 * Before the fix the lease lapsed mid-refresh (the Redis key expired; the PostgreSQL session sat
 * idle in `idle_session_timeout` and was ended), the second process took the lock, replayed the
 * old refresh token, got `invalid_grant` and marked the account `needsReauth`; the first
 * process's compare-and-set then failed and the account was left with no refresh token while the
 * provider honoured the new one.
 *
 * Must hold: the old refresh token reaches the provider once, both processes get the same new
 * access token, and the account holds the newest refresh token, not marked `needsReauth`.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSqlStore, type SqlStore } from '../../src/storage/sql/index.js';
import { describeWithServices, services } from '../support/env.js';
import { startWorker, type Worker } from './child.js';
import { type RotatingOp, startRotatingOp } from './rotating-op.js';
import { CLIENT_ID, CLIENT_SECRET, createLinkedUser, REDIRECT } from './support.js';
import type { RefreshReport } from './worker.js';

/** The lease, as short against the token endpoint as 15 s was against three 10 s requests. */
const LEASE_MS = 600;
const TOKEN_DELAY_MS = 1800;

describeWithServices(['postgres', 'redis'], 'two processes, a slow rotating token endpoint, a lease shorter than the refresh', () => {
  let op: RotatingOp;
  let store: SqlStore;
  const workers: Worker[] = [];
  // Started ahead (slow under tsx): two per lock kind.
  const standby: Worker[] = [];
  const tablePrefix = `lease_${randomBytes(4).toString('hex')}_`;
  const secret = randomBytes(32).toString('base64url');

  beforeAll(async () => {
    for (let i = 0; i < 4; i++) standby.push(startWorker());
    workers.push(...standby);
    // Issuing is slow, refusing is quick: a replay's invalid_grant lands before the first holder's answer.
    op = await startRotatingOp({ delayMs: TOKEN_DELAY_MS, refuseDelayMs: 0 });
    store = await createSqlStore({ url: services.postgres!, tablePrefix, secrets: [secret], notify: false });
    await store.migrate();
  });

  afterAll(async () => {
    for (const w of workers) w.kill();
    await Promise.all(workers.map((w) => w.exited()));
    await store?.dropAll().catch(() => {});
    await store?.close();
    await op?.close();
  });

  for (const lock of ['redis', 'postgres'] as const) {
    it(`${lock} lock: the old refresh token reaches the provider once; the account keeps the newest one, not marked needsReauth`, async () => {
      const grant = op.issue();
      const { user, account } = await createLinkedUser(store.users, op.issuer, 'rot', {
        accessToken: grant.accessToken,
        tokenType: 'Bearer',
        refreshToken: grant.refreshToken,
        expiresAt: Date.now() - 5_000,
      });
      const app = standby.splice(0, 2);
      await Promise.all(app.map((w) => w.line('STANDBY', 30_000)));
      const job = {
        mode: 'refresh',
        lock,
        postgresUrl: services.postgres,
        tablePrefix,
        secret,
        redisUrl: services.redis,
        issuer: op.issuer,
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        redirectUri: REDIRECT,
        providerId: 'rot',
        userId: user.id,
        lockTtlMs: LEASE_MS,
        lockWaitMs: 5_000,
        timeoutMs: 3_000,
      };
      for (const w of app) w.assign(job);
      await Promise.all(app.map((w) => w.line('READY', 30_000)));
      const requestsBefore = op.tokenRequests();
      for (const w of app) w.send('GO');
      const reports = (await Promise.all(app.map((w) => w.line('RESULT', 30_000)))).map((r) => JSON.parse(r) as RefreshReport);

      // The old refresh token was used once: no replay by the second process.
      expect(op.presented(grant.refreshToken)).toBe(1);
      expect(op.tokenRequests() - requestsBefore).toBe(1);
      // Both processes got the one new access token.
      expect(reports.map((r) => r.error)).toEqual([undefined, undefined]);
      expect(reports[0]!.accessToken).toBeTypeOf('string');
      expect(reports[1]!.accessToken).toBe(reports[0]!.accessToken);
      expect(reports[0]!.accessToken).not.toBe(grant.accessToken);
      // The account holds the newest refresh token, which the provider honours, and is not marked.
      const stored = (await store.users.getAccountById(account.id))!;
      expect(stored.needsReauth).toBe(false);
      expect(stored.tokens?.refreshToken).toBe(op.newest());
      expect(op.live()).toContain(stored.tokens?.refreshToken);
      expect(stored.tokens?.accessToken).toBe(reports[0]!.accessToken);
    });
  }
});
