import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSqlStore, parseDatabaseUrl, type SqlStore } from '../../src/storage/sql/index.js';
import { createTokenCipher } from '../../src/storage/token-cipher.js';
import { openTestSqlStore, TEST_SECRET } from './sql-support.js';
import { expectCode, sessionStoreSuite, uniqueIssuer, userStoreSuite } from './store-suite.js';

const dir = mkdtempSync(join(tmpdir(), 'latchkey-sqlite-'));
const file = join(dir, 'nested', 'folder', 'auth.db');
let shared: { store: SqlStore; prefix: string; cleanup: () => Promise<void> };

beforeAll(async () => {
  shared = await openTestSqlStore(`sqlite:${file}`);
});
afterAll(async () => {
  await shared?.cleanup();
  rmSync(dir, { recursive: true, force: true });
});

userStoreSuite('sqlite', async () => ({ users: shared.store.users, close: async () => {} }));
sessionStoreSuite('sqlite', async () => ({ sessions: shared.store.sessions, close: async () => {} }));

describe('sqlite: specifics', () => {
  it('creates the file and its folders on first use', () => {
    expect(existsSync(file)).toBe(true);
  });

  it('parses the URL forms', () => {
    expect(parseDatabaseUrl('sqlite:data/auth.db')).toEqual({ kind: 'sqlite', target: 'data/auth.db' });
    expect(parseDatabaseUrl('sqlite://data/auth.db')).toEqual({ kind: 'sqlite', target: 'data/auth.db' });
    expect(parseDatabaseUrl('sqlite::memory:')).toEqual({ kind: 'sqlite', target: ':memory:' });
    expect(parseDatabaseUrl('file:./auth.db')).toEqual({ kind: 'sqlite', target: './auth.db' });
    expect(parseDatabaseUrl('sqlite:///abs/auth.db')).toEqual({ kind: 'sqlite', target: '/abs/auth.db' });
    // No scheme: refused, not taken as a SQLite path (a DATABASE_URL that lost its postgres://).
    for (const bare of ['./auth.db', '/abs/auth.db', 'C:/data/auth.db', 'app:pw@db.example/auth', '//app:pw@db.example/auth', '']) {
      expect(() => parseDatabaseUrl(bare), bare).toThrow(
        expect.objectContaining({
          code: 'DATABASE_URL_INVALID',
          message: expect.stringMatching(/no scheme.*`sqlite:\.\/file\.db`.*`postgres:\/\/host\/db`.*`mysql:\/\/host\/db`/),
        }),
      );
    }
    expect(parseDatabaseUrl('postgresql://u@h/db').kind).toBe('postgres');
    expect(parseDatabaseUrl('mariadb://u@h/db')).toEqual({ kind: 'mysql', target: 'mysql://u@h/db' });
    expect(() => parseDatabaseUrl('mongodb://x')).toThrow(/Unsupported/);
  });

  it('migrations are versioned and idempotent', async () => {
    expect(await shared.store.migrate()).toEqual([]);
    const raw = new Database(file, { readonly: true });
    try {
      const rows = raw.prepare(`select name from ${shared.prefix}kysely_migration`).all() as { name: string }[];
      expect(rows.map((r) => r.name)).toEqual(['0001_initial', '0002_replay']);
    } finally {
      raw.close();
    }
  });

  it('encrypts tokens at rest and records the key id', async () => {
    const r = await shared.store.users.createUserWithAccount(
      { email: null, emailVerified: false, name: null, image: null },
      {
        providerId: 'google',
        issuer: uniqueIssuer(),
        subject: 'enc',
        scopes: ['openid'],
        tokens: { accessToken: 'ya29.PLAINTEXT-ACCESS', refreshToken: '1//PLAINTEXT-REFRESH' },
      },
    );
    const raw = new Database(file, { readonly: true });
    try {
      const row = raw.prepare(`select tokens_enc, token_key_id from ${shared.prefix}accounts where id = ?`).get(r.account.id) as {
        tokens_enc: string;
        token_key_id: string;
      };
      expect(row.tokens_enc).not.toContain('PLAINTEXT');
      expect(row.token_key_id).toBe(await createTokenCipher({ secrets: [TEST_SECRET] }).currentKeyId());
      expect(row.tokens_enc.startsWith(`lk1.${row.token_key_id}.`)).toBe(true);
    } finally {
      raw.close();
    }
    expect((await shared.store.users.getAccountById(r.account.id))!.tokens).toEqual({
      accessToken: 'ya29.PLAINTEXT-ACCESS',
      refreshToken: '1//PLAINTEXT-REFRESH',
    });
  });

  it('reads old tokens after a secret rotation; without the old secret they need re-consent', async () => {
    const iss = uniqueIssuer();
    const r = await shared.store.users.createUserWithAccount(
      { email: null, emailVerified: false, name: null, image: null },
      { providerId: 'google', issuer: iss, subject: 'rot', scopes: [], tokens: { refreshToken: 'rt-old' } },
    );
    const NEW = 'rotated-secret-0123456789-abcdefghijklmnopqrstuvwxyz';
    const rotated = await createSqlStore({
      url: `sqlite:${file}`,
      tablePrefix: shared.prefix,
      tokenCipher: createTokenCipher({ secrets: [NEW, TEST_SECRET] }),
    });
    const dropped = await createSqlStore({ url: `sqlite:${file}`, tablePrefix: shared.prefix, tokenCipher: createTokenCipher({ secrets: [NEW] }) });
    try {
      expect((await rotated.users.getAccount(iss, 'rot'))!.tokens).toEqual({ refreshToken: 'rt-old' });
      const gone = await dropped.users.getAccount(iss, 'rot');
      expect(gone).toMatchObject({ id: r.account.id, tokens: null, needsReauth: true });
    } finally {
      await rotated.close();
      await dropped.close();
    }
  });

  it("a moved ciphertext (another account's tokens pasted into a row) does not decrypt", async () => {
    const a = await shared.store.users.createUserWithAccount(
      { email: null, emailVerified: false, name: null, image: null },
      { providerId: 'g', issuer: uniqueIssuer(), subject: 'victim', scopes: [], tokens: { accessToken: 'victim-at' } },
    );
    const b = await shared.store.users.createUserWithAccount(
      { email: null, emailVerified: false, name: null, image: null },
      { providerId: 'g', issuer: uniqueIssuer(), subject: 'attacker', scopes: [], tokens: { accessToken: 'attacker-at' } },
    );
    const raw = new Database(file);
    try {
      const row = raw.prepare(`select tokens_enc from ${shared.prefix}accounts where id = ?`).get(a.account.id) as { tokens_enc: string };
      raw.prepare(`update ${shared.prefix}accounts set tokens_enc = ? where id = ?`).run(row.tokens_enc, b.account.id);
    } finally {
      raw.close();
    }
    expect(await shared.store.users.getAccountById(b.account.id)).toMatchObject({ tokens: null, needsReauth: true });
  });

  it('rejects a bad prefix and a missing cipher', async () => {
    await expectCode(createSqlStore({ url: 'sqlite::memory:', tablePrefix: 'x; drop', secrets: [TEST_SECRET] }), 'CONFIG_INVALID');
    await expectCode(createSqlStore({ url: 'sqlite::memory:' }), 'CONFIG_INVALID');
  });

  it('an unopenable file gives STORAGE_UNAVAILABLE', async () => {
    // The parent "folder" is a regular file, so neither the folder nor the database can be made.
    await expectCode(createSqlStore({ url: `sqlite:${file}/inside-a-file/auth.db`, secrets: [TEST_SECRET] }), 'STORAGE_UNAVAILABLE');
  });
});
