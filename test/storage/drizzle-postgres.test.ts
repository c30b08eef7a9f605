/**
 * The Drizzle store on PostgreSQL (node-postgres): the shared store suite, unchanged, on tables made
 * by `drizzle-kit generate` + `migrate()` (prefixed `dz…_`, apart from the Kysely tests' tables on
 * the same server); the database going away and coming back; killed backend connections.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInWithIdentity } from '../../src/storage/linking.js';
import { describeWithServices, services } from '../support/env.js';
import { drizzleSchemaTests } from './drizzle-shared.js';
import { type DrizzleHarness, openDrizzleHarness, randomName } from './drizzle-support.js';
import { databaseGoingAwayTest } from './sql-faults.js';
import { profileOf, sessionOf, sessionStoreSuite, uniqueIssuer, userStoreSuite } from './store-suite.js';

describeWithServices(['postgres'], 'drizzle postgres store', () => {
  const url = services.postgres!;
  let h: DrizzleHarness;
  beforeAll(async () => {
    h = await openDrizzleHarness('pg', url);
  });
  afterAll(async () => {
    await h?.cleanup();
  });

  userStoreSuite('drizzle postgres', async () => ({ users: h.store.users, close: async () => {} }));
  sessionStoreSuite('drizzle postgres', async () => ({ sessions: h.store.sessions, close: async () => {} }));
  drizzleSchemaTests('drizzle postgres', 'pg', () => h);

  describe('drizzle postgres: faults', () => {
    databaseGoingAwayTest(url, 5432, async (viaProxy) => {
      const f = await openDrizzleHarness('pg', viaProxy, { connectTimeoutMs: 1000, operationTimeoutMs: 3000 });
      return { users: f.store.users, sessions: f.store.sessions, cleanup: () => f.cleanup() };
    });

    it('killed backend connections mid-run: no hang, the next calls succeed, no data lost', async () => {
      // Tag this pool's connections so only they are killed (other test files share the database).
      const tag = `lk_dzfault_${randomName()}`;
      const f = await openDrizzleHarness('pg', `${url}${url.includes('?') ? '&' : '?'}application_name=${tag}`);
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        const iss = uniqueIssuer();
        const created = await signInWithIdentity(f.store.users, {
          providerId: 'google',
          profile: profileOf(iss, 'kill', `kill-${randomName()}@example.com`, true),
          tokens: { refreshToken: 'rt' },
          scopes: ['openid'],
          allowEmailLinking: false,
        });
        const s = sessionOf({ userId: created.user.id });
        await f.store.sessions.create(s);
        await Promise.all(Array.from({ length: 5 }, () => f.store.users.getUser(created.user.id)));
        const killed = await admin.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = $1',
          [tag],
        );
        expect(killed.rowCount).toBeGreaterThan(0);
        const t0 = Date.now();
        const outcomes = await Promise.allSettled(Array.from({ length: 5 }, () => f.store.users.getUser(created.user.id)));
        expect(Date.now() - t0).toBeLessThan(8000);
        for (const o of outcomes) {
          if (o.status === 'rejected') expect((o.reason as { code?: string }).code).toBe('STORAGE_UNAVAILABLE');
          else expect(o.value?.id).toBe(created.user.id);
        }
        expect((await f.store.users.getUser(created.user.id))?.id).toBe(created.user.id);
        expect((await f.store.users.getAccount(iss, 'kill'))?.tokens).toEqual({ refreshToken: 'rt' });
        expect((await f.store.sessions.get(s.id))?.userId).toBe(created.user.id);
      } finally {
        await admin.end();
        await f.cleanup();
      }
    });
  });
});
