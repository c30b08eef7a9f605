/**
 * The Drizzle store on SQLite (better-sqlite3): the shared store suite, unchanged, on tables made by
 * `drizzle-kit generate` + `migrate()` from an app schema with its own users columns.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { drizzleSchemaTests } from './drizzle-shared.js';
import { type DrizzleHarness, openDrizzleHarness } from './drizzle-support.js';
import { sessionStoreSuite, userStoreSuite } from './store-suite.js';

const dir = mkdtempSync(join(tmpdir(), 'latchkey-drizzle-sqlite-'));
let h: DrizzleHarness;
beforeAll(async () => {
  h = await openDrizzleHarness('sqlite', dir);
});
afterAll(async () => {
  await h?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

userStoreSuite('drizzle sqlite', async () => ({ users: h.store.users, close: async () => {} }));
sessionStoreSuite('drizzle sqlite', async () => ({ sessions: h.store.sessions, close: async () => {} }));
drizzleSchemaTests('drizzle sqlite', 'sqlite', () => h);
