/**
 * Opens SQL stores for tests: a random table prefix per file, so parallel files and repeated runs
 * never collide, and a cleanup that drops the tables.
 */
import { randomToken } from '../../src/internal/encoding.js';
import { createSqlStore, type SqlStore, type SqlStoreOptions } from '../../src/storage/sql/index.js';
import { createTokenCipher } from '../../src/storage/token-cipher.js';

/** A test secret (≥ 32 characters). */
export const TEST_SECRET = 'test-secret-0123456789-abcdefghijklmnopqrstuvwxyz';

/** A random, valid table prefix. */
export function randomPrefix(): string {
  return `t${randomToken(6)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, 'x')}_`;
}

/** Opens a store with a fresh prefix; `cleanup` drops its tables and closes it. */
export async function openTestSqlStore(
  url: string,
  extra: Partial<SqlStoreOptions> = {},
): Promise<{ store: SqlStore; prefix: string; cleanup: () => Promise<void> }> {
  const prefix = extra.tablePrefix ?? randomPrefix();
  const store = await createSqlStore({ url, tablePrefix: prefix, tokenCipher: createTokenCipher({ secrets: [TEST_SECRET] }), autoMigrate: true, ...extra });
  await store.migrate();
  return {
    store,
    prefix,
    cleanup: async () => {
      try {
        await store.dropAll();
      } finally {
        await store.close();
      }
    },
  };
}
