/**
 * The Drizzle store on MariaDB/MySQL (mysql2): the shared store suite, unchanged, on tables made by
 * `drizzle-kit generate` + `migrate()` in a database of this run's own (apart from the Kysely
 * tests on the same server); the database going away and coming back.
 */
import { afterAll, beforeAll, describe } from 'vitest';
import { describeWithServices, services } from '../support/env.js';
import { drizzleSchemaTests } from './drizzle-shared.js';
import { type DrizzleHarness, openDrizzleHarness } from './drizzle-support.js';
import { databaseGoingAwayTest } from './sql-faults.js';
import { sessionStoreSuite, userStoreSuite } from './store-suite.js';

describeWithServices(['mysql'], 'drizzle mysql store', () => {
  const url = services.mysql!;
  let h: DrizzleHarness;
  beforeAll(async () => {
    h = await openDrizzleHarness('mysql', url);
  });
  afterAll(async () => {
    await h?.cleanup();
  });

  userStoreSuite('drizzle mysql', async () => ({ users: h.store.users, close: async () => {} }));
  sessionStoreSuite('drizzle mysql', async () => ({ sessions: h.store.sessions, close: async () => {} }));
  drizzleSchemaTests('drizzle mysql', 'mysql', () => h);

  describe('drizzle mysql: faults', () => {
    databaseGoingAwayTest(url, 3306, async (viaProxy) => {
      const f = await openDrizzleHarness('mysql', viaProxy, { connectTimeoutMs: 1000, operationTimeoutMs: 3000 });
      return { users: f.store.users, sessions: f.store.sessions, cleanup: () => f.cleanup() };
    });
  });
});
