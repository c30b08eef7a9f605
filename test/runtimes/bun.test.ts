/**
 * The runtime matrix, Bun (issue 14): the packed package in a fresh app folder (with `kysely`, for
 * the SQL store), served by `Bun.serve` (`apps/bun-server.ts`, `auth.handler`) as a child process,
 * signed in against the dev IdP running here in Node (`web-runtime.ts`, `fullSignIn`):
 *
 * - with cookie sessions;
 * - with database sessions in the SQL store on a `sqlite:` URL, which opens the file with
 *   `bun:sqlite` on Bun (better-sqlite3 is a Node addon Bun cannot load, and the app folder does not
 *   have it): the test reads the file while Alice is signed in (her user, account with encrypted
 *   tokens, and session rows) and after the sign-out (no session);
 * - and the ID-token checks with conformance negatives (`apps/id-token-checks.ts`) executed by Bun
 *   against misbehaving OPs.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningDevIdp, startDevIdp } from '../../src/dev/index.js';
import { type AppProcess, startApp } from '../package/packed.js';
import { runtimeBinaries } from './install.js';
import { ACCESS_TOKEN_TTL_SECONDS, fullSignIn, installRuntimeApp, runIdTokenChecks, runtimeEnv } from './web-runtime.js';

const bun = { command: runtimeBinaries().bun, args: ['run'] };
const secret = randomBytes(32).toString('base64url');
let work = '';
let app = '';
let dev: RunningDevIdp;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'latchkey-bun-'));
  [app, dev] = await Promise.all([
    installRuntimeApp(work, 'bun-app', ['kysely']),
    startDevIdp({ port: 0, host: '127.0.0.1', acceptAnyClient: true, accessTokenTtlSeconds: ACCESS_TOKEN_TTL_SECONDS }),
  ]);
}, 240_000);

afterAll(async () => {
  await dev?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Starts the Bun app with `env`, runs `body`, and always stops it (its output joins a failure). */
async function withBunApp(env: Record<string, string>, body: (server: AppProcess) => Promise<void>): Promise<void> {
  const server = await startApp(app, 'bun-server.ts', { AUTH_SECRET: secret, GOOGLE_ISSUER: dev.issuerFor('google'), ...runtimeEnv(app), ...env }, bun);
  try {
    await body(server);
  } catch (error) {
    throw new Error(`${(error as Error).message}\n--- the Bun app printed:\n${server.output()}`, { cause: error });
  } finally {
    await server.close();
  }
}

describe('Bun', () => {
  it('Bun.serve with auth.handler (cookie sessions): login, callback, session, vault call, refresh, sign-out', async () => {
    await withBunApp({}, async (server) => {
      const runtime = await (await fetch(`${server.url}/runtime`)).json();
      expect(runtime).toMatchObject({ runtime: 'bun', sessions: 'cookie' });
      expect(runtime.version).toMatch(/^1\./);
      await fullSignIn(server.url, dev.issuerFor('google'));
    });
  }, 120_000);

  it('database sessions in the SQL store on bun:sqlite: the same sign-in, with the rows in the file', async () => {
    const file = join(work, 'data', 'auth.db');
    /** The file as another SQLite driver reads it (Bun keeps it open: WAL lets both read). */
    const read = <T>(sql: string): T[] => {
      const db = new Database(file, { readonly: true });
      try {
        return db.prepare(sql).all() as T[];
      } finally {
        db.close();
      }
    };
    await withBunApp({ DATABASE_URL: `sqlite:${file}` }, async (server) => {
      expect(server.output()).toContain('(sql store: sqlite)');
      expect(await (await fetch(`${server.url}/runtime`)).json()).toMatchObject({ runtime: 'bun', sessions: 'server' });
      await fullSignIn(server.url, dev.issuerFor('google'), () => {
        const users = read<{ id: string; email: string }>('SELECT id, email FROM latchkey_users');
        expect(users.map((u) => u.email)).toEqual(['alice@example.org']);
        const accounts = read<Record<string, unknown>>('SELECT * FROM latchkey_accounts');
        expect(accounts).toHaveLength(1);
        expect(accounts[0]).toMatchObject({ user_id: users[0]!.id, provider_id: 'google' });
        // Provider tokens are encrypted at rest: present, but not the emulation's tokens (ya29.…, 1//…).
        expect(String(accounts[0]!.tokens_enc)).not.toMatch(/ya29\.|1\/\//);
        expect(String(accounts[0]!.tokens_enc).length).toBeGreaterThan(40);
        // The database session of the sign-in.
        expect(read<{ user_id: string }>('SELECT user_id FROM latchkey_sessions')).toEqual([{ user_id: users[0]!.id }]);
      });
    });
    // The sign-out ended it in the store.
    expect(read('SELECT id FROM latchkey_sessions')).toEqual([]);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  }, 120_000);

  it('the ID-token checks and conformance negatives, executed by Bun', async () => {
    await runIdTokenChecks(app, bun);
  }, 120_000);
});
