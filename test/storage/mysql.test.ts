import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomToken } from '../../src/internal/encoding.js';
import { signInWithIdentity } from '../../src/storage/linking.js';
import { createSqlStore, type SqlStore } from '../../src/storage/sql/index.js';
import { describeWithServices, services } from '../support/env.js';
import { databaseGoingAwayTest } from './sql-faults.js';
import { openTestSqlStore, randomPrefix, TEST_SECRET } from './sql-support.js';
import { expectCode, profileOf, sessionOf, sessionStoreSuite, uniqueIssuer, userStoreSuite } from './store-suite.js';

describeWithServices(['mysql'], 'mysql store', () => {
  const url = services.mysql!;
  let shared: { store: SqlStore; prefix: string; cleanup: () => Promise<void> };
  beforeAll(async () => {
    shared = await openTestSqlStore(url);
  });
  afterAll(async () => {
    await shared?.cleanup();
  });

  userStoreSuite('mysql', async () => ({ users: shared.store.users, close: async () => {} }));
  sessionStoreSuite('mysql', async () => ({ sessions: shared.store.sessions, close: async () => {} }));

  describe('mysql: specifics', () => {
    it('subjects and session ids are case-sensitive (binary collation)', async () => {
      const iss = uniqueIssuer();
      const a = await shared.store.users.createUserWithAccount(
        { email: null, emailVerified: false, name: null, image: null },
        { providerId: 'x', issuer: iss, subject: 'AbC', scopes: [], tokens: null },
      );
      const b = await shared.store.users.createUserWithAccount(
        { email: null, emailVerified: false, name: null, image: null },
        { providerId: 'x', issuer: iss, subject: 'abc', scopes: [], tokens: null },
      );
      expect(b.created).toBe(true);
      expect(b.user.id).not.toBe(a.user.id);
      expect(await shared.store.users.getAccount(iss, 'ABC')).toBeNull();
      const s = sessionOf({ id: `Session-${randomToken(8)}` });
      await shared.store.sessions.create(s);
      expect(await shared.store.sessions.get(s.id.toLowerCase())).toBeNull();
    });
  });

  describe('mysql: migrations', () => {
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

  describe('mysql: faults', () => {
    databaseGoingAwayTest(url, 3306);

    it('a closed port gives STORAGE_UNAVAILABLE fast', async () => {
      const dead = await createSqlStore({ url: 'mysql://root@127.0.0.1:1/test', secrets: [TEST_SECRET], connectTimeoutMs: 1000 });
      try {
        const t0 = Date.now();
        await expectCode(dead.users.getUser('usr_x'), 'STORAGE_UNAVAILABLE');
        expect(Date.now() - t0).toBeLessThan(3000);
      } finally {
        await dead.close();
      }
    });

    it('killed connections mid-run: no hang, the next calls succeed, no data lost', async () => {
      // A database of its own, so only this store's connections are killed.
      const dbName = `lk_fault_${randomToken(6)
        .toLowerCase()
        .replace(/[^a-z0-9]/g, 'x')}`;
      const admin = await mysql.createConnection(url);
      await admin.query(`CREATE DATABASE ${dbName}`);
      const target = new URL(url);
      target.pathname = `/${dbName}`;
      const { store, cleanup } = await openTestSqlStore(target.toString());
      try {
        const iss = uniqueIssuer();
        const created = await signInWithIdentity(store.users, {
          providerId: 'google',
          profile: profileOf(iss, 'kill', `kill-${randomToken(4)}@example.com`, true),
          tokens: { refreshToken: 'rt' },
          scopes: ['openid'],
          allowEmailLinking: false,
        });
        await Promise.all(Array.from({ length: 5 }, () => store.users.getUser(created.user.id)));
        const [rows] = await admin.query('SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = ?', [dbName]);
        const ids = (rows as { id: number }[]).map((r) => r.id);
        expect(ids.length).toBeGreaterThan(0);
        for (const id of ids) await admin.query('KILL ?', [id]).catch(() => {});
        const t0 = Date.now();
        const outcomes = await Promise.allSettled(Array.from({ length: 5 }, () => store.users.getUser(created.user.id)));
        expect(Date.now() - t0).toBeLessThan(8000);
        for (const o of outcomes) {
          if (o.status === 'rejected') expect((o.reason as { code?: string }).code).toBe('STORAGE_UNAVAILABLE');
          else expect(o.value?.id).toBe(created.user.id);
        }
        expect((await store.users.getUser(created.user.id))?.id).toBe(created.user.id);
        expect((await store.users.getAccount(iss, 'kill'))?.tokens).toEqual({ refreshToken: 'rt' });
      } finally {
        await cleanup();
        await admin.query(`DROP DATABASE IF EXISTS ${dbName}`);
        await admin.end();
      }
    });
  });
});
