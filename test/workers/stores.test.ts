/**
 * The Cloudflare stores (`latchkey/storage/cloudflare`) against miniflare's local Workers KV and
 * D1 (workerd's own implementations), reached from Node through miniflare's bindings: the shared
 * store suite on both (and the replay contract on D1), then what is particular to them: the D1 schema is the SQL store's (compared
 * with a SQLite file that `createSqlStore` migrated), tokens encrypted at rest, KV's 60-second
 * minimum TTL, keys that stay under KV's limit, and failures of the bindings mapped to
 * `STORAGE_UNAVAILABLE` without their messages.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomToken } from '../../src/internal/encoding.js';
import { createD1UserStore, createKvSessionStore, type D1DatabaseLike, d1MigrationSql, type KvNamespaceLike } from '../../src/storage/cloudflare/index.js';
import { createSqlStore } from '../../src/storage/sql/index.js';
import { createTokenCipher } from '../../src/storage/token-cipher.js';
import { replayContract } from '../storage/replay-contract.js';
import { randomPrefix, TEST_SECRET } from '../storage/sql-support.js';
import { expectCode, sessionOf, sessionStoreSuite, uniqueIssuer, userStoreSuite } from '../storage/store-suite.js';
import { type RunningWorker, startWorker } from './miniflare.js';

let worker: RunningWorker;
let kv: KvNamespaceLike;
let d1: D1DatabaseLike;

beforeAll(async () => {
  worker = await startWorker({ entry: 'test/workers/fixtures/bindings-worker.ts', kvNamespaces: ['SESSIONS'], d1Databases: ['DB'] });
  kv = await worker.kv('SESSIONS');
  d1 = await worker.d1('DB');
}, 90_000);
afterAll(async () => {
  await worker?.close();
});

const kvPrefix = (): string => `t${randomToken(6).toLowerCase()}:`;

sessionStoreSuite('Workers KV', async () => ({ sessions: createKvSessionStore({ kv, prefix: kvPrefix() }), close: async () => {} }));
userStoreSuite('D1', async () => {
  const users = createD1UserStore({ db: d1, secrets: [TEST_SECRET], tablePrefix: randomPrefix() });
  return { users, close: async () => {} };
});

replayContract('D1 (two stores on one database)', async () => {
  const tablePrefix = randomPrefix();
  const a = createD1UserStore({ db: d1, secrets: [TEST_SECRET], tablePrefix });
  const b = createD1UserStore({ db: d1, secrets: [TEST_SECRET], tablePrefix });
  await a.migrate();
  return { a: a.replay, b: b.replay, close: async () => {} };
});

/** `type`, `name` and `sql` of every schema object, without SQLite's and D1's own. */
function schemaOf(rows: readonly { type: string; name: string; sql: string | null }[], prefix: string): string[] {
  return rows
    .filter((r) => r.name.startsWith(prefix))
    .map((r) => `${r.type} ${r.name}: ${r.sql}`)
    .sort();
}

describe('D1: specifics', () => {
  it('migrates to exactly the schema createSqlStore gives a SQLite file, once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'latchkey-d1-schema-'));
    try {
      const prefix = randomPrefix();
      const sqlite = await createSqlStore({ url: `sqlite:${join(dir, 'auth.db')}`, tablePrefix: prefix, secrets: [TEST_SECRET] });
      await sqlite.migrate();
      await sqlite.close();
      const file = new Database(join(dir, 'auth.db'), { readonly: true });
      const expected = schemaOf(file.prepare('select type, name, sql from sqlite_master').all() as never[], prefix);
      file.close();
      expect(expected.length).toBeGreaterThanOrEqual(10);

      const users = createD1UserStore({ db: d1, secrets: [TEST_SECRET], tablePrefix: prefix });
      expect(await users.migrate()).toEqual(['0001_initial', '0002_replay']);
      expect(await users.migrate()).toEqual([]);
      const { results } = await d1.prepare('select type, name, sql from sqlite_master').all<{ type: string; name: string; sql: string | null }>();
      expect(schemaOf(results, prefix)).toEqual(expected);
      // The SQL text for a Wrangler migrations file gives the same schema, and the store sees it applied.
      const other = randomPrefix();
      const fromFile = new Database(':memory:');
      fromFile.exec(d1MigrationSql(other));
      fromFile.exec(d1MigrationSql(other));
      expect(schemaOf(fromFile.prepare('select type, name, sql from sqlite_master').all() as never[], other)).toEqual(
        expected.map((line) => line.replaceAll(prefix, other)),
      );
      expect(fromFile.prepare(`select name from ${other}kysely_migration`).all()).toEqual([{ name: '0001_initial' }, { name: '0002_replay' }]);
      fromFile.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('encrypts tokens at rest, bound to the account', async () => {
    const prefix = randomPrefix();
    const users = createD1UserStore({ db: d1, secrets: [TEST_SECRET], tablePrefix: prefix });
    const r = await users.createUserWithAccount(
      { email: null, emailVerified: false, name: null, image: null },
      {
        providerId: 'google',
        issuer: uniqueIssuer(),
        subject: 'enc',
        scopes: ['openid'],
        tokens: { accessToken: 'ya29.PLAINTEXT', refreshToken: '1//PLAINTEXT' },
      },
    );
    const row = await d1
      .prepare(`select tokens_enc, token_key_id from ${prefix}accounts where id = ?`)
      .bind(r.account.id)
      .first<{ tokens_enc: string; token_key_id: string }>();
    expect(row!.tokens_enc).not.toContain('PLAINTEXT');
    expect(row!.token_key_id).toBe(await createTokenCipher({ secrets: [TEST_SECRET] }).currentKeyId());
    expect((await users.getAccountById(r.account.id))!.tokens).toEqual({ accessToken: 'ya29.PLAINTEXT', refreshToken: '1//PLAINTEXT' });
    const wrongSecret = createD1UserStore({ db: d1, secrets: ['another-secret-0123456789-abcdefghijklmnopqrstuvwxyz'], tablePrefix: prefix });
    expect(await wrongSecret.getAccountById(r.account.id)).toMatchObject({ tokens: null, needsReauth: true });
  });

  it('a failing database gives STORAGE_UNAVAILABLE without its message; a hung one, within the deadline', async () => {
    const failing: D1DatabaseLike = {
      prepare: () => {
        throw new Error('D1_ERROR: internal error quoting alice@example.org');
      },
      batch: async () => [],
    };
    const users = createD1UserStore({ db: failing, secrets: [TEST_SECRET], autoMigrate: false });
    const err = await expectCode(users.getUser('usr_x'), 'STORAGE_UNAVAILABLE');
    expect(err.message).not.toContain('alice');
    const hung: D1DatabaseLike = {
      prepare: () => ({ bind: () => hung.prepare(''), first: () => new Promise(() => {}), all: () => new Promise(() => {}), run: () => new Promise(() => {}) }),
      batch: () => new Promise(() => {}),
    };
    const started = Date.now();
    await expectCode(createD1UserStore({ db: hung, secrets: [TEST_SECRET], operationTimeoutMs: 200 }).getUser('usr_x'), 'STORAGE_UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('refuses a missing binding, a bad prefix and a missing cipher with CONFIG_INVALID', () => {
    expect(() => createD1UserStore({ db: undefined as unknown as D1DatabaseLike, secrets: [TEST_SECRET] })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
    expect(() => createD1UserStore({ db: d1, secrets: [TEST_SECRET], tablePrefix: 'x"; drop' })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => createD1UserStore({ db: d1 })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => createKvSessionStore({ kv: undefined as unknown as KvNamespaceLike })).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});

describe('Workers KV: specifics', () => {
  it('KV refuses a TTL under 60 s; the store keeps a 300 ms session with the minimum and still expires it on time', async () => {
    await expect(kv.put(`${kvPrefix()}short`, 'x', { expirationTtl: 1 })).rejects.toThrow(/60/);
    const prefix = kvPrefix();
    const sessions = createKvSessionStore({ kv, prefix });
    const s = sessionOf({ idleExpiresAt: Date.now() + 300 });
    await sessions.create(s);
    const listed = (await kv.list({ prefix: `${prefix}s:` })) as { readonly keys: readonly { name: string; expiration?: number }[] };
    expect(listed.keys.map((k) => k.name)).toEqual([`${prefix}s:${s.id}`]);
    expect(listed.keys[0]!.expiration! * 1000).toBeGreaterThanOrEqual(Date.now() + 55_000);
    expect(await sessions.get(s.id)).not.toBeNull();
    await new Promise((r) => setTimeout(r, 400));
    // Still in KV for up to a minute, never returned.
    expect(await kv.get(`${prefix}s:${s.id}`)).not.toBeNull();
    expect(await sessions.get(s.id)).toBeNull();
  });

  it('keys stay under 512 bytes whatever the issuer, subject and sid', async () => {
    const prefix = kvPrefix();
    const sessions = createKvSessionStore({ kv, prefix });
    const issuer = `https://idp.example/${'t'.repeat(1500)}`;
    const s = sessionOf({ issuer, subject: 's'.repeat(600), sid: 'i'.repeat(600) });
    await sessions.create(s);
    const keys = (await kv.list({ prefix })).keys.map((k) => k.name);
    expect(keys).toHaveLength(4);
    for (const k of keys) expect(new TextEncoder().encode(k).length).toBeLessThan(512);
    expect(await sessions.deleteBySid(issuer, 'i'.repeat(600))).toEqual([s.id]);
    // The session and all its index keys are gone; the tombstone stays until the absolute expiry.
    expect((await kv.list({ prefix })).keys.map((k) => k.name)).toEqual([`${prefix}x:${s.id}`]);
  });

  it('a touch that read the session before a logout deleted it does not bring it back', async () => {
    const prefix = kvPrefix();
    const s = sessionOf();
    let raced = false;
    // A namespace on which the logout happens between the touch's read and its write.
    const racing: KvNamespaceLike = {
      get: async (key) => {
        const value = await kv.get(key);
        if (!raced && key === `${prefix}s:${s.id}`) {
          raced = true;
          await createKvSessionStore({ kv, prefix }).delete(s.id);
        }
        return value;
      },
      put: (key, value, options) => kv.put(key, value, options),
      delete: (key) => kv.delete(key),
      list: (options) => kv.list(options),
    };
    await createKvSessionStore({ kv, prefix }).create(s);
    await createKvSessionStore({ kv: racing, prefix }).touch(s.id, Date.now() + 120_000);
    expect(raced).toBe(true);
    expect(await kv.get(`${prefix}s:${s.id}`)).toBeNull();
    expect(await createKvSessionStore({ kv, prefix }).get(s.id)).toBeNull();
  });

  it('a failing namespace gives STORAGE_UNAVAILABLE without its message; a hung one, within the deadline', async () => {
    const failing: KvNamespaceLike = {
      get: async () => {
        throw new Error('KV GET failed: 500 quoting the key latchkey:s:abc');
      },
      put: async () => {},
      delete: async () => {},
      list: async () => ({ keys: [], list_complete: true }),
    };
    const err = await expectCode(createKvSessionStore({ kv: failing }).get('abc'), 'STORAGE_UNAVAILABLE');
    expect(err.message).not.toContain('latchkey:s:abc');
    const never = () => new Promise<never>(() => {});
    const hung: KvNamespaceLike = { get: never, put: never, delete: never, list: never };
    const started = Date.now();
    await expectCode(createKvSessionStore({ kv: hung, operationTimeoutMs: 200 }).deleteByUser('usr_x'), 'STORAGE_UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
