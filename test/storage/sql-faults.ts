/**
 * The fault test every SQL backend runs: the database goes away mid-run (a TCP proxy cut), calls
 * fail fast with STORAGE_UNAVAILABLE, and after it comes back the service resumes with nothing lost.
 */
import { expect, it } from 'vitest';
import { signInWithIdentity } from '../../src/storage/linking.js';
import type { SessionStore, UserStore } from '../../src/storage/types.js';
import { openTestSqlStore } from './sql-support.js';
import { expectCode, profileOf, sessionOf, uniqueIssuer } from './store-suite.js';
import { startTcpProxy } from './tcp-proxy.js';

/** Stores opened through the proxy (1 s connect timeout, 3 s operation deadline), and their cleanup. */
export type FaultStoreOpener = (url: string) => Promise<{ users: UserStore; sessions: SessionStore; cleanup: () => Promise<void> }>;

/** The SQL store (Kysely) on a fresh table prefix. */
const openSqlStoreForFaults: FaultStoreOpener = async (url) => {
  const { store } = await openTestSqlStore(url, { connectTimeoutMs: 1000, operationTimeoutMs: 3000 });
  return {
    users: store.users,
    sessions: store.sessions,
    cleanup: async () => {
      await store.dropAll().catch(() => {});
      await store.close();
    },
  };
};

/**
 * Registers the database-going-away test for the server at `url` (default port `defaultPort`), on
 * the SQL store or on the stores `open` makes.
 */
export function databaseGoingAwayTest(url: string, defaultPort: number, open: FaultStoreOpener = openSqlStoreForFaults): void {
  it('the database going away mid-run gives STORAGE_UNAVAILABLE quickly, then service resumes with nothing lost', async () => {
    const target = new URL(url);
    const proxy = await startTcpProxy(target.hostname, Number(target.port || defaultPort));
    const viaProxy = new URL(url);
    viaProxy.host = `127.0.0.1:${proxy.port}`;
    const store = await open(viaProxy.toString());
    try {
      const iss = uniqueIssuer();
      const first = await signInWithIdentity(store.users, {
        providerId: 'google',
        profile: profileOf(iss, 'down', null, false),
        tokens: { accessToken: 'at' },
        scopes: [],
        allowEmailLinking: false,
      });
      const s = sessionOf({ userId: first.user.id });
      await store.sessions.create(s);
      await proxy.cut();
      const t0 = Date.now();
      await expectCode(store.users.getUser(first.user.id), 'STORAGE_UNAVAILABLE');
      await expectCode(store.sessions.get(s.id), 'STORAGE_UNAVAILABLE');
      await expectCode(
        signInWithIdentity(store.users, {
          providerId: 'google',
          profile: profileOf(iss, 'other', null, false),
          tokens: null,
          scopes: [],
          allowEmailLinking: false,
        }),
        'STORAGE_UNAVAILABLE',
      );
      expect(Date.now() - t0).toBeLessThan(6000);
      await proxy.restore();
      let user = null;
      for (let i = 0; i < 50 && user === null; i++) {
        user = await store.users.getUser(first.user.id).catch(() => null);
        if (user === null) await new Promise((r) => setTimeout(r, 100));
      }
      expect(user?.id).toBe(first.user.id);
      expect((await store.users.getAccount(iss, 'down'))?.tokens).toEqual({ accessToken: 'at' });
      expect((await store.sessions.get(s.id))?.id).toBe(s.id);
      expect(
        (
          await signInWithIdentity(store.users, {
            providerId: 'google',
            profile: profileOf(iss, 'other', null, false),
            tokens: null,
            scopes: [],
            allowEmailLinking: false,
          })
        ).created,
      ).toBe(true);
    } finally {
      await store.cleanup();
      await proxy.close();
    }
  });
}
