/**
 * Secrets at rest, on real files: the session's ID token is encrypted in the session store (SQLite
 * here) with the app secrets, rotation included; rows written before encryption still read; the
 * SQLite file, its `-wal` and `-shm`, and the demo's generated secret are created 0600 (folders
 * 0700) under a permissive umask, so the check cannot pass by accident.
 */
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { decodeJwt } from 'jose';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadOrCreateSecret } from '../../demo/app.js';
import { latchkey as nodeLatchkey } from '../../src/adapters/node.js';
import type { AuthOptions } from '../../src/app/config.js';
import type { Auth } from '../../src/app/create-auth.js';
import { sessionStoreKey } from '../../src/app/sessions/server.js';
import { randomToken } from '../../src/internal/encoding.js';
import { createSqlStore, type SqlStore } from '../../src/storage/sql/index.js';
import { listen, login, makeAuth, type RpServer, SECRET_A, SECRET_B, startOp, UserAgent } from '../app/support.js';
import type { OidcProviderHandle } from '../support/oidc-provider.js';

const mode = (path: string): number => statSync(path).mode & 0o777;

/** Runs with umask 0: every mode bit a creator asks for is kept, so only the code decides. */
function withPermissiveUmask(): void {
  let previous: number;
  beforeEach(() => {
    previous = process.umask(0);
  });
  afterEach(() => {
    process.umask(previous);
  });
}

describe('the session ID token at rest (server sessions, SQLite)', () => {
  let dir: string;
  let dbPath: string;
  let sql: SqlStore;
  let rp: RpServer;
  let op: OidcProviderHandle;
  let auth: Auth;

  const app = (options: Partial<AuthOptions> = {}): Auth =>
    makeAuth(rp.base, op, { session: { strategy: 'server' }, store: { users: sql.users, sessions: sql.sessions }, ...options });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lk-at-rest-'));
    dbPath = join(dir, 'auth.db');
    sql = await createSqlStore({ url: `sqlite:${dbPath}`, secrets: [SECRET_A] });
    rp = await listen(() => (req, res) => {
      const lk = nodeLatchkey(auth);
      void (async () => {
        if (await lk.handle(req, res)) return;
        const user = await lk.requireUser(req, res);
        if (user) res.end(JSON.stringify({ user }));
      })();
    });
    op = await startOp(rp.base);
  });
  afterAll(async () => {
    await rp.close();
    await op.close();
    await sql.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Every byte SQLite keeps on disk for the database right now. */
  const diskBytes = (): string =>
    [dbPath, `${dbPath}-wal`]
      .filter((p) => existsSync(p))
      .map((p) => readFileSync(p).toString('latin1'))
      .join('');

  /** The `data` column of a session row, read with SQLite directly. */
  function rawData(id: string): Record<string, unknown> {
    const db = new Database(dbPath, { readonly: true, fileMustExist: true });
    try {
      const row = db.prepare('SELECT data FROM latchkey_sessions WHERE id = ?').get(id) as { data: string } | undefined;
      if (!row) throw new Error('no such session row');
      return JSON.parse(row.data) as Record<string, unknown>;
    } finally {
      db.close();
    }
  }

  /** POST /auth/logout?federated=1 and the `id_token_hint` the OP would be sent. */
  async function federatedLogoutHint(cookie: string): Promise<string | null> {
    const s = await fetch(`${rp.base}/auth/session`, { headers: { cookie, accept: 'application/json' } });
    expect(s.status).toBe(200);
    const { csrfToken } = (await s.json()) as { csrfToken: string };
    const r = await fetch(`${rp.base}/auth/logout?federated=1`, {
      method: 'POST',
      headers: { cookie, origin: rp.base, 'x-csrf-token': csrfToken, accept: 'application/json' },
    });
    expect(r.status).toBe(200);
    const { redirectTo } = (await r.json()) as { redirectTo: string };
    const to = new URL(redirectTo);
    expect(to.origin).toBe(new URL(op.issuer).origin);
    return to.searchParams.get('id_token_hint');
  }

  async function signIn(): Promise<{ cookie: string; id: string }> {
    const ua = new UserAgent();
    await login(ua, rp.base, '/me');
    const cookie = ua.cookieHeader(rp.base);
    const value = /(?:^|;\s*)lk-session=([^;]+)/.exec(cookie)![1]!;
    return { cookie, id: await sessionStoreKey(value) };
  }

  it('stores the ID token encrypted, and still sends it as id_token_hint at federated logout', async () => {
    auth = app();
    const { cookie, id } = await signIn();
    const data = rawData(id);
    expect(data.idToken).toBeUndefined();
    expect(data.idTokenSealed).toMatch(/^lk1\.[\w-]+\.[\w-]+\.[\w-]+$/);
    const onDisk = diskBytes();
    const hint = await federatedLogoutHint(cookie);
    expect(hint).not.toBeNull();
    // It is the OP's ID token for this login, and no byte of the database file holds it.
    expect(decodeJwt(hint!).iss).toBe(op.issuer);
    expect(onDisk).not.toContain(hint!);
    expect(onDisk).not.toContain(hint!.split('.')[2]!);
  });

  it('keeps the ID token readable across a secret rotation and drops only it when its secret is retired', async () => {
    auth = app();
    const a = await signIn();
    const b = await signIn();
    // Rotation: a new secret first, the old one still configured.
    auth = app({ secrets: [SECRET_B, SECRET_A] });
    expect(decodeJwt((await federatedLogoutHint(a.cookie))!).iss).toBe(op.issuer);
    // The old secret retired: the session stays (server sessions do not depend on it), the hint goes.
    auth = app({ secrets: [SECRET_B] });
    expect(await federatedLogoutHint(b.cookie)).toBeNull();
  });

  it('reads a session row written in clear before encryption, and refuses a sealed value moved from another row', async () => {
    auth = app();
    const legacyToken = 'eyJhbGciOiJSUzI1NiJ9.eyJsZWdhY3kiOnRydWV9.legacy-signature';
    const cookieValue = randomToken(32);
    const id = await sessionStoreKey(cookieValue);
    const now = Date.now();
    const base = {
      userId: 'u-legacy',
      providerId: 'op',
      issuer: op.issuer,
      subject: 'legacy-sub',
      createdAt: now,
      idleExpiresAt: now + 3_600_000,
      absoluteExpiresAt: now + 7_200_000,
    };
    const user = { id: 'u-legacy', email: null, emailVerified: false, name: null, image: null };
    await sql.sessions.create({ ...base, id, data: { user, app: {}, idToken: legacyToken } });
    expect(await federatedLogoutHint(`lk-session=${cookieValue}`)).toBe(legacyToken);
    // A sealed ID token copied from another session's row does not open here (bound to the row).
    const donor = await signIn();
    const sealed = rawData(donor.id).idTokenSealed;
    expect(typeof sealed).toBe('string');
    const other = randomToken(32);
    await sql.sessions.create({ ...base, id: await sessionStoreKey(other), data: { user, app: {}, idTokenSealed: sealed } });
    expect(await federatedLogoutHint(`lk-session=${other}`)).toBeNull();
  });
});

describe('file modes of what is written to disk', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lk-modes-'));
  });
  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  withPermissiveUmask();

  it('creates the SQLite file, its -wal and -shm 0600 and its folder 0700', async () => {
    expect(process.umask()).toBe(0);
    const folder = join(dir, 'data', 'nested');
    const path = join(folder, 'auth.db');
    const store = await createSqlStore({ url: `sqlite:${path}`, secrets: [SECRET_A] });
    try {
      const now = Date.now();
      await store.sessions.create({
        id: 'row-1',
        userId: 'u1',
        providerId: 'op',
        issuer: 'https://op.example',
        subject: 's1',
        createdAt: now,
        idleExpiresAt: now + 60_000,
        absoluteExpiresAt: now + 120_000,
        data: {},
      });
      expect(await store.sessions.get('row-1')).not.toBeNull();
      for (const p of [path, `${path}-wal`, `${path}-shm`]) {
        expect(existsSync(p), p).toBe(true);
        expect(mode(p).toString(8), p).toBe('600');
      }
      expect(mode(folder).toString(8)).toBe('700');
      expect(mode(join(dir, 'data')).toString(8)).toBe('700');
    } finally {
      await store.close();
    }
  });

  it('leaves the mode of an existing database file as it is', async () => {
    const path = join(dir, 'existing.db');
    writeFileSync(path, '');
    chmodSync(path, 0o640);
    const store = await createSqlStore({ url: `sqlite:${path}`, secrets: [SECRET_A] });
    try {
      await store.migrate();
      expect(mode(path).toString(8)).toBe('640');
    } finally {
      await store.close();
    }
  });

  it('creates the demo secret 0600 in a 0700 folder, also when it replaces a short one', () => {
    const fresh = join(dir, 'fresh');
    const made = loadOrCreateSecret(fresh);
    expect(made.created).toBe(true);
    expect(made.secret.length).toBeGreaterThanOrEqual(32);
    expect(mode(join(fresh, 'secret')).toString(8)).toBe('600');
    expect(mode(fresh).toString(8)).toBe('700');
    // A short (unusable) secret file left world-readable: replaced, and no longer readable by others.
    const old = join(dir, 'old');
    mkdirSync(old);
    writeFileSync(join(old, 'secret'), 'short\n');
    chmodSync(join(old, 'secret'), 0o644);
    const replaced = loadOrCreateSecret(old);
    expect(replaced.created).toBe(true);
    expect(readFileSync(join(old, 'secret'), 'utf8').trim()).toBe(replaced.secret);
    expect(mode(join(old, 'secret')).toString(8)).toBe('600');
    // Loading it again reads the same secret.
    expect(loadOrCreateSecret(old)).toEqual({ secret: replaced.secret, created: false });
  });
});
