/**
 * `docs/tokens.md` is real code (issue 13, item 7): its first example runs as it is, under tsx,
 * against the development IdP's Google (with SQLite and the real Redis lock): a signed-in user
 * asks for `/calendars`, is sent to consent to the calendar scope (the Express reauth handler;
 * an API client gets the 403 INSUFFICIENT_SCOPE JSON instead), comes back, and gets the calendar names through
 * `auth.api`. Every other TypeScript example of the page typechecks against the sources.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RunningDevIdp, startDevIdp } from '../../src/dev/index.js';
import { rawGet, UserAgent } from '../app/support.js';
import { freePort } from '../demo/spawn.js';
import { describeWithServices, services } from '../support/env.js';

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, '../..');
const CALENDAR = 'https://www.googleapis.com/auth/calendar.readonly';
const blocks = [...readFileSync(join(repo, 'docs/tokens.md'), 'utf8').matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);

describeWithServices(['redis'], 'docs/tokens.md examples', () => {
  let dir = '';
  let dev: RunningDevIdp;
  let child: ChildProcess | undefined;
  let out = '';
  let app = '';

  beforeAll(async () => {
    // Inside the repository (git-ignored), so that `latchkey` imports resolve to the sources as in every example.
    mkdirSync(join(repo, 'test-artifacts'), { recursive: true });
    dir = mkdtempSync(join(repo, 'test-artifacts', 'docs-tokens-'));
    for (const [i, code] of blocks.entries()) writeFileSync(join(dir, `example-${i}.ts`), code);
    dev = await startDevIdp({ port: 0, host: '127.0.0.1', acceptAnyClient: true });
    const port = await freePort();
    app = `http://127.0.0.1:${port}`;
    const env: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
    Object.assign(env, {
      PORT: String(port),
      APP_URL: app,
      AUTH_SECRET: 'docs-example-secret-0123456789abcdefghijklmnopqrstuvwxyz',
      DATABASE_URL: `sqlite:${join(dir, 'app.db')}`,
      REDIS_URL: services.redis!,
      GOOGLE_CLIENT_ID: 'docs-example',
      GOOGLE_CLIENT_SECRET: 'dev-only',
      GOOGLE_ISSUER: dev.issuerFor('google'),
    });
    child = spawn(process.execPath, [join(repo, 'node_modules/tsx/dist/cli.mjs'), join(dir, 'example-0.ts')], {
      cwd: repo,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    // Bounded wait for the app to answer.
    for (let i = 0; i < 300; i++) {
      if (child.exitCode !== null) throw new Error(`the example exited:\n${out}`);
      const up = await fetch(`${app}/auth/session`).then(
        () => true,
        () => false,
      );
      if (up) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`the example did not start:\n${out}`);
  }, 60_000);
  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child!.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    }
    await dev?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** Signs in (or consents again) at the dev IdP's Google as bob, and stops at `landing`. */
  async function throughGoogle(ua: UserAgent, start: string, landing: string) {
    const page = await ua.navigate(new URL(start, app));
    expect(page.status, out).toBe(200);
    const done = await ua.submitForm(page.html!, page.url, { fields: { user: 'bob' }, autoSubmitForms: true, stop: (u) => u === `${app}${landing}` });
    expect(done.stopped, out).toBe(true);
  }
  const get = (ua: UserAgent, path: string, accept: string) => rawGet(`${app}${path}`, { cookie: ua.cookieHeader(`${app}${path}`), accept });

  it('the main example runs: consent to the calendar scope when first needed, then the calendars through auth.api', async () => {
    const ua = new UserAgent();
    await throughGoogle(ua, '/auth/google/login?returnTo=/', '/');
    const first = await get(ua, '/calendars', 'text/html');
    expect(first.status, out).toBe(302);
    expect(first.headers.location).toBe(`/auth/google/login?returnTo=%2Fcalendars&scope=${encodeURIComponent(CALENDAR)}`);
    const api = await get(ua, '/calendars', 'application/json');
    // Incremental authorization: the grant lacks the scope (RFC 6750 §3.1), the login URL asks for it alone.
    expect(api.status).toBe(403);
    expect(JSON.parse(api.body)).toMatchObject({
      code: 'INSUFFICIENT_SCOPE',
      provider: 'google',
      scopes: [CALENDAR],
      loginUrl: `/auth/google/login?returnTo=%2F&scope=${encodeURIComponent(CALENDAR)}`,
    });
    await throughGoogle(ua, first.headers.location!, '/calendars');
    const calendars = await get(ua, '/calendars', 'text/html');
    expect(calendars.status, out).toBe(200);
    const names = JSON.parse(calendars.body) as string[];
    expect(names.length).toBeGreaterThan(0);
    expect(names.join(' ')).toContain('bob');
  });

  it('every TypeScript example of the page typechecks against the API', async () => {
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        extends: join(repo, 'tsconfig.json'),
        compilerOptions: { noEmit: true, noUnusedLocals: false },
        include: ['example-*.ts', join(repo, 'types', '*.d.ts')],
      }),
    );
    const result = await run(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', join(dir, 'tsconfig.json')], { cwd: repo }).then(
      () => '',
      (error: { stdout?: string }) => error.stdout ?? String(error),
    );
    expect(result).toBe('');
  }, 120_000);
});
