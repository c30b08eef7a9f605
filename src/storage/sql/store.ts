/**
 * The SQL implementations of `UserStore` and `SessionStore` on Kysely. One code path
 * for SQLite, PostgreSQL and MySQL/MariaDB; the differences (row locks, collation) are in a few
 * guarded spots. One module per concern: `runner.ts` (migrations, deadlines, retries, error
 * mapping), `user-store.ts` (users and accounts), `session-store.ts` (sessions and the revocation
 * bus); this module re-exports them.
 *
 * @module
 */
export { type RunnerOptions, SqlRunner } from './runner.js';
export { type RevocationBus, SqlSessionStore, type SqlSessionStoreOptions } from './session-store.js';
export { SqlUserStore, type SqlUserStoreOptions } from './user-store.js';
