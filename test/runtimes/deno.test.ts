/**
 * The runtime matrix, Deno (issue 14): the packed package in a fresh app folder, served by
 * `Deno.serve` (`apps/deno-server.ts`, `auth.handler` with cookie sessions) as a child process,
 * signed in against the dev IdP running here in Node (`web-runtime.ts`, `fullSignIn`); and the
 * ID-token checks with conformance negatives (`apps/id-token-checks.ts`) executed by Deno against
 * misbehaving OPs. Deno runs with `--sloppy-imports` only for the app's own `./auth-app.js` import of
 * a `.ts` file (the repository's import style); Latchkey itself is the built JavaScript.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningDevIdp, startDevIdp } from '../../src/dev/index.js';
import { startApp } from '../package/packed.js';
import { runtimeBinaries } from './install.js';
import { ACCESS_TOKEN_TTL_SECONDS, fullSignIn, installRuntimeApp, runIdTokenChecks, runtimeEnv } from './web-runtime.js';

const deno = { command: runtimeBinaries().deno, args: ['run', '--no-lock', '--sloppy-imports', '--allow-net', '--allow-env', '--allow-read'] };
let work = '';
let app = '';
let dev: RunningDevIdp;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'latchkey-deno-'));
  [app, dev] = await Promise.all([
    installRuntimeApp(work, 'deno-app'),
    startDevIdp({ port: 0, host: '127.0.0.1', acceptAnyClient: true, accessTokenTtlSeconds: ACCESS_TOKEN_TTL_SECONDS }),
  ]);
}, 240_000);

afterAll(async () => {
  await dev?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('Deno', () => {
  it('Deno.serve with auth.handler (cookie sessions): login, callback, session, vault call, refresh, sign-out', async () => {
    const server = await startApp(
      app,
      'deno-server.ts',
      { AUTH_SECRET: randomBytes(32).toString('base64url'), GOOGLE_ISSUER: dev.issuerFor('google'), ...runtimeEnv(app) },
      deno,
    );
    try {
      const runtime = await (await fetch(`${server.url}/runtime`)).json();
      expect(runtime).toMatchObject({ runtime: 'deno', sessions: 'cookie' });
      expect(runtime.version).toMatch(/^2\./);
      await fullSignIn(server.url, dev.issuerFor('google'));
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- the Deno app printed:\n${server.output()}`, { cause: error });
    } finally {
      await server.close();
    }
  }, 120_000);

  it('the ID-token checks and conformance negatives, executed by Deno', async () => {
    await runIdTokenChecks(app, deno);
  }, 120_000);
});
