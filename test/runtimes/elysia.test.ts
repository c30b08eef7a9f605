/**
 * The Elysia adapter on the real Bun with the real Elysia (issue 14): the packed package and
 * `elysia` installed into a fresh app folder outside the repository (`installRuntimeApp`, the Bun
 * leg's install: `npm install --offline` from the tarball and the npm cache, at the repository's
 * locked versions, so Elysia 1.4.30 and its dependencies come from the lock, no download), served
 * by Elysia's own `listen()` in a Bun child process (`apps/elysia-server.ts`). Bun resolves
 * `elysia` from that folder's `node_modules`, which the test checks is a real install (not a link
 * into the repository). From Node, against oidc-provider: the sign-in scenario of
 * `test/adapters/web-frameworks.ts` (guarded page 302 with `returnTo`, API 401 with
 * `WWW-Authenticate`, maybe-user null; sign-in with the query response and with `form_post`; the
 * dashboard shows the email; sign-out refused without the CSRF token, done with it), the edge's
 * 405/413 answered through Elysia (a chunked body over the budget: see that test for Bun's close),
 * Elysia's loose trailing slash guarded too, 503 when the session store is down, and a guard
 * without the plugin telling the developer to mount it.
 *
 * Cost beyond the shared pack (`LATCHKEY_PACK_DIR`, built once per run for every packed-package
 * test): about 10 s of install and 2 s per Bun app start (three starts).
 */
import { randomBytes } from 'node:crypto';
import { lstatSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { downSessionStore, expectStoreDown } from '../adapters/framework-refusals.js';
import { rawRequest } from '../adapters/raw-http.js';
import { browser, expectSignedOut, signIn, signOut } from '../adapters/web-frameworks.js';
import { CLIENT_SECRET, makeAuth, rawGet, startOp } from '../app/support.js';
import { type AppProcess, repo, startApp } from '../package/packed.js';
import type { OidcProviderHandle } from '../support/oidc-provider.js';
import { runtimeBinaries } from './install.js';
import { installRuntimeApp, runtimeEnv } from './web-runtime.js';

const bun = { command: runtimeBinaries().bun, args: ['run'] };
const secret = randomBytes(32).toString('base64url');
let work = '';
let app = '';

/** The Bun app and the OP registered for its origin. */
interface Running {
  readonly server: AppProcess;
  readonly op: OidcProviderHandle;
  close(): Promise<void>;
}

/** Starts the Bun app, then the OP for its origin, hands it the issuer and waits for `ready`. */
async function startElysiaApp(name: string, env: Record<string, string> = {}): Promise<Running> {
  const opFile = join(work, `${name}.issuer`);
  const server = await startApp(app, 'elysia-server.ts', { AUTH_SECRET: secret, CLIENT_SECRET, LATCHKEY_OP_FILE: opFile, ...runtimeEnv(app), ...env }, bun);
  const op = await startOp(server.url).catch(async (error: unknown) => {
    await server.close();
    throw error;
  });
  const close = async (): Promise<void> => {
    await server.close();
    await op.close();
  };
  writeFileSync(`${opFile}.tmp`, op.issuer);
  renameSync(`${opFile}.tmp`, opFile);
  for (let i = 0; i < 300 && !/^ready on /m.test(server.output()); i++) await new Promise((r) => setTimeout(r, 50));
  if (!/^ready on /m.test(server.output())) {
    await close();
    throw new Error(`the Elysia app did not get ready:\n${server.output()}`);
  }
  return { server, op, close };
}

describe('adapter: Elysia (real Elysia 1.4 on the real Bun, from the packed package)', () => {
  let running: Running;
  let base = '';

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'latchkey-elysia-'));
    app = await installRuntimeApp(work, 'elysia-app', ['elysia']);
    running = await startElysiaApp('main');
    base = running.server.url;
  }, 240_000);

  afterAll(async () => {
    await running?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** Runs `body`; on failure, adds what the Bun app printed. */
  async function explained(body: () => Promise<void>): Promise<void> {
    try {
      await body();
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- the Bun app printed:\n${running.server.output()}`, { cause: error });
    }
  }

  it('runs on Bun with the Elysia installed in the app folder, at the repository version', async () => {
    const installed = join(app, 'node_modules', 'elysia');
    expect(lstatSync(installed).isSymbolicLink()).toBe(false);
    const version = (JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { version: string }).version;
    const wanted = (JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { devDependencies: Record<string, string> }).devDependencies.elysia;
    expect(version).toBe(wanted);
    const runtime = (await (await fetch(`${base}/runtime`)).json()) as Record<string, unknown>;
    expect(runtime).toMatchObject({ runtime: 'bun', bunServer: true });
    expect(runtime.version).toMatch(/^1\./);
  });

  it('guards a protected page (302 with returnTo) and requireUser answers an API call (401); the maybe-user is null', async () => {
    await explained(() => expectSignedOut(base));
  });

  it('signs in with the query response, resolves user and latchkey in the context, and signs out with the CSRF token', async () => {
    await explained(async () => {
      const ua = browser();
      await signOut(base, ua, await signIn(base, ua, 'op'));
    });
  }, 60_000);

  it('signs in with form_post (the cross-site POST is answered in onRequest, before Elysia parses a body)', async () => {
    await explained(async () => {
      const ua = browser();
      await signOut(base, ua, await signIn(base, ua, 'op-post'));
    });
  }, 60_000);

  it('answers the edge refusals through Elysia on Bun: 405 with Allow, 413 for a declared body; a chunked one is refused', async () => {
    const port = Number(new URL(base).port);
    const head = (method: string, path: string, extra: string): string =>
      `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n${extra}\r\n`;
    for (const method of ['PUT', 'DELETE']) {
      const r = await rawRequest(port, head(method, '/auth/session', 'Content-Length: 0\r\n'));
      expect({ method, status: r.status, allow: r.headers.allow }).toEqual({ method, status: 405, allow: 'GET, OPTIONS' });
      expect(JSON.parse(r.body)).toMatchObject({ code: 'METHOD_NOT_ALLOWED' });
    }
    const form = 'Content-Type: application/x-www-form-urlencoded\r\n';
    const body = `state=${'a'.repeat(100 * 1024)}`;
    const declared = await rawRequest(port, head('POST', '/auth/op/callback', `${form}Content-Length: ${body.length}\r\n`), { body });
    expect({ status: declared.status, connection: declared.headers.connection }).toEqual({ status: 413, connection: 'close' });
    expect(JSON.parse(declared.body)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    // A chunked body that goes past the budget and never ends: Bun answers 413 and closes, but
    // about one time in four (plain `Bun.serve` with `auth.handler` too, not Elysia's doing) the
    // close arrives before the answer (status 0 here). Either way it is refused, never read on.
    const chunked = await rawRequest(port, head('POST', '/auth/op/callback', `${form}Transfer-Encoding: chunked\r\n`), {
      chunked: { chunks: 4, chunkBytes: 32 * 1024 },
    });
    expect([0, 413]).toContain(chunked.status);
    if (chunked.status === 413) expect(JSON.parse(chunked.body)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
    const session = await fetch(`${base}/auth/session`, { headers: { accept: 'application/json' } });
    expect(session.status).toBe(401);
    await session.body?.cancel();
  });

  it('guards the paths Elysia routes to a protected one (its loose trailing slash); unrouted escapes are 404', async () => {
    const slash = await fetch(`${base}/dashboard/`, { headers: { accept: 'application/json' }, redirect: 'manual' });
    expect(slash.status).toBe(401);
    await slash.body?.cancel();
    // Elysia routes on the path as sent: `/%64ashboard` is not `/dashboard` to its router.
    const escaped = await fetch(`${base}/%64ashboard`, { headers: { accept: 'application/json' } });
    expect(escaped.status).toBe(404);
    expect(await escaped.text()).not.toContain('csrfToken');
  });

  it('answers 503 when the session store is down, never a sign-in redirect', async () => {
    const down = await startElysiaApp('down', { LATCHKEY_SESSIONS: 'down' });
    try {
      // The cookie name of an Auth configured as the Bun app's (database sessions, same origin).
      const auth = makeAuth(down.server.url, down.op, { session: { strategy: 'server' }, store: { sessions: downSessionStore() } });
      await expectStoreDown(down.server.url, auth);
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- the Bun app printed:\n${down.server.output()}`, { cause: error });
    } finally {
      await down.close();
    }
  }, 60_000);

  it('a guard without the plugin (auth routes never mounted) names the fix in development: app.use(lk.plugin)', async () => {
    const bare = await startElysiaApp('bare', { LATCHKEY_MOUNT: 'none' });
    try {
      const page = await rawGet(`${bare.server.url}/api/me`, { accept: 'text/html', 'sec-fetch-mode': 'navigate' });
      expect(page.status).toBe(404);
      expect(page.body).toContain('AUTH_ROUTES_NOT_MOUNTED');
      expect(page.body).toContain('app.use(lk.plugin)');
      // API clients keep their 401.
      const api = await fetch(`${bare.server.url}/api/me`, { headers: { accept: 'application/json' } });
      expect(api.status).toBe(401);
      expect(((await api.json()) as { code: string }).code).toBe('UNAUTHENTICATED');
    } catch (error) {
      throw new Error(`${(error as Error).message}\n--- the Bun app printed:\n${bare.server.output()}`, { cause: error });
    } finally {
      await bare.close();
    }
  }, 60_000);
});
