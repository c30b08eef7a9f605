import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomToken } from '../../src/internal/encoding.js';
import { signInWithIdentity } from '../../src/storage/linking.js';
import { createSqlStore, type SqlStore } from '../../src/storage/sql/index.js';
import { describeWithServices, services } from '../support/env.js';
import { databaseGoingAwayTest } from './sql-faults.js';
import { openTestSqlStore, randomPrefix, TEST_SECRET } from './sql-support.js';
import { expectCode, profileOf, sessionOf, sessionStoreSuite, uniqueIssuer, userStoreSuite } from './store-suite.js';
import { startTcpProxy } from './tcp-proxy.js';

describeWithServices(['postgres'], 'postgres store', () => {
  const url = services.postgres!;
  let shared: { store: SqlStore; prefix: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    shared = await openTestSqlStore(url);
  });
  afterAll(async () => {
    await shared?.cleanup();
  });

  userStoreSuite('postgres', async () => ({ users: shared.store.users, close: async () => {} }));
  sessionStoreSuite('postgres', async () => ({ sessions: shared.store.sessions, close: async () => {} }));

  describe('postgres: revocation across processes (LISTEN/NOTIFY)', () => {
    it('a logout through one store reaches the onRevoked listeners of another', async () => {
      const other = await createSqlStore({ url, tablePrefix: shared.prefix, secrets: [TEST_SECRET] });
      try {
        const seen: string[] = [];
        const unsubscribe = await other.sessions.onRevoked!((ids) => seen.push(...ids));
        const s = sessionOf({ sid: `bcl-${randomToken(4)}` });
        await shared.store.sessions.create(s);
        expect((await other.sessions.get(s.id))?.id).toBe(s.id);
        expect(await shared.store.sessions.deleteBySid(s.issuer, s.sid!)).toEqual([s.id]);
        for (let i = 0; i < 100 && seen.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
        expect(seen).toEqual([s.id]);
        expect(await other.sessions.get(s.id)).toBeNull();
        await unsubscribe();
      } finally {
        await other.close();
      }
    });
  });

  describe('postgres: migrations', () => {
    it('two instances migrating a fresh database at once apply each migration exactly once', async () => {
      const prefix = randomPrefix();
      const a = await createSqlStore({ url, tablePrefix: prefix, secrets: [TEST_SECRET], autoMigrate: false });
      const b = await createSqlStore({ url, tablePrefix: prefix, secrets: [TEST_SECRET], autoMigrate: false });
      try {
        const [ra, rb] = await Promise.all([a.migrate(), b.migrate()]);
        expect([...ra, ...rb]).toEqual(['0001_initial', '0002_replay']);
        expect(await a.migrate()).toEqual([]);
        const r = await b.users.createUserWithAccount(
          { email: null, emailVerified: false, name: null, image: null },
          { providerId: 'x', issuer: uniqueIssuer(), subject: 'm', scopes: [], tokens: null },
        );
        expect((await a.users.getUser(r.user.id))?.id).toBe(r.user.id);
      } finally {
        await a.dropAll();
        await a.close();
        await b.close();
      }
    });
  });

  describe('postgres: faults', () => {
    it('the LISTEN connection reconnects by itself after an outage, and revocations flow again', async () => {
      const target = new URL(url);
      const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
      const viaProxy = new URL(url);
      viaProxy.host = `127.0.0.1:${proxy.port}`;
      const listener = await createSqlStore({ url: viaProxy.toString(), tablePrefix: shared.prefix, secrets: [TEST_SECRET], connectTimeoutMs: 1000 });
      try {
        const seen: string[] = [];
        await listener.sessions.onRevoked!((ids) => seen.push(...ids));
        await proxy.cut();
        await new Promise((r) => setTimeout(r, 300));
        await proxy.restore();
        // Revocations made through the shared store (direct connection) after the outage arrive.
        const deadline = Date.now() + 8000;
        const made: string[] = [];
        while (seen.length === 0 && Date.now() < deadline) {
          const s = sessionOf();
          await shared.store.sessions.create(s);
          await shared.store.sessions.delete(s.id);
          made.push(s.id);
          await new Promise((r) => setTimeout(r, 200));
        }
        expect(seen.length).toBeGreaterThan(0);
        expect(made).toContain(seen[0]);
      } finally {
        await listener.close();
        await proxy.close();
      }
    });

    databaseGoingAwayTest(url, 5432);

    it('a closed port gives STORAGE_UNAVAILABLE fast', async () => {
      const dead = await createSqlStore({ url: 'postgres://postgres@127.0.0.1:1/test', secrets: [TEST_SECRET], connectTimeoutMs: 1000 });
      try {
        const t0 = Date.now();
        await expectCode(dead.users.getUser('usr_x'), 'STORAGE_UNAVAILABLE');
        await expectCode(dead.sessions.get('x'), 'STORAGE_UNAVAILABLE');
        expect(Date.now() - t0).toBeLessThan(3000);
      } finally {
        await dead.close();
      }
    });

    it('killed backend connections mid-run: no hang, the next calls succeed, no data lost', async () => {
      // Tag this store's connections so only they are killed (other test files share the database).
      const tag = `lk_fault_${randomToken(6)
        .toLowerCase()
        .replace(/[^a-z0-9]/g, 'x')}`;
      const tagged = `${url}${url.includes('?') ? '&' : '?'}application_name=${tag}`;
      const { store, cleanup } = await openTestSqlStore(tagged);
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        const iss = uniqueIssuer();
        const created = await signInWithIdentity(store.users, {
          providerId: 'google',
          profile: profileOf(iss, 'kill', `kill-${randomToken(4)}@example.com`, true),
          tokens: { refreshToken: 'rt' },
          scopes: ['openid'],
          allowEmailLinking: false,
        });
        const s = sessionOf({ userId: created.user.id });
        await store.sessions.create(s);
        // Warm the pool with several connections, then kill every backend but the admin's.
        await Promise.all(Array.from({ length: 5 }, () => store.users.getUser(created.user.id)));
        const killed = await admin.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND application_name = $1',
          [tag],
        );
        expect(killed.rowCount).toBeGreaterThan(0);
        // Calls right after the kill either succeed (transparent retry) or fail closed, quickly.
        const t0 = Date.now();
        const outcomes = await Promise.allSettled(Array.from({ length: 5 }, () => store.users.getUser(created.user.id)));
        expect(Date.now() - t0).toBeLessThan(8000);
        for (const o of outcomes) {
          if (o.status === 'rejected') expect((o.reason as { code?: string }).code).toBe('STORAGE_UNAVAILABLE');
          else expect(o.value?.id).toBe(created.user.id);
        }
        // And the next calls succeed, with everything still there.
        expect((await store.users.getUser(created.user.id))?.id).toBe(created.user.id);
        expect((await store.users.getAccount(iss, 'kill'))?.tokens).toEqual({ refreshToken: 'rt' });
        expect((await store.sessions.get(s.id))?.userId).toBe(created.user.id);
        const again = await signInWithIdentity(store.users, {
          providerId: 'google',
          profile: profileOf(iss, 'kill', null, false),
          tokens: null,
          scopes: ['openid'],
          allowEmailLinking: false,
        });
        expect(again.user.id).toBe(created.user.id);
      } finally {
        await admin.end();
        await cleanup();
      }
    });
  });
});
