/**
 * `docs/workers.md` is real code: its first TypeScript block is bundled as a Worker and run on
 * workerd with local KV and D1, and a user signs in through it against the dev IdP's Google (in
 * Node). The session lands in KV and the user in D1.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type RunningDevIdp, startDevIdp } from '../../src/dev/index.js';
import { UserAgent } from '../support/user-agent.js';
import { type RunningWorker, startWorker } from './miniflare.js';

const repo = resolve(import.meta.dirname, '../..');
const example = /```ts\n([\s\S]*?)```/.exec(readFileSync(join(repo, 'docs/workers.md'), 'utf8'))![1]!;

let dir = '';
let dev: RunningDevIdp;
let worker: RunningWorker;

beforeAll(async () => {
  // Inside the repository (git-ignored), so that `latchkey` imports resolve to the sources.
  mkdirSync(join(repo, 'test-artifacts'), { recursive: true });
  dir = mkdtempSync(join(repo, 'test-artifacts', 'docs-workers-'));
  writeFileSync(join(dir, 'index.ts'), example);
  dev = await startDevIdp({ port: 0, host: '127.0.0.1', acceptAnyClient: true });
  worker = await startWorker({
    entry: relative(repo, join(dir, 'index.ts')),
    baseUrlBinding: 'APP_URL',
    bindings: {
      AUTH_SECRET: 'docs-workers-secret-0123456789abcdefghijklmnopqrstuvwxyz',
      GOOGLE_CLIENT_ID: 'docs-workers',
      GOOGLE_CLIENT_SECRET: 'dev-only',
      GOOGLE_ISSUER: dev.issuerFor('google'),
    },
    kvNamespaces: ['SESSIONS'],
    d1Databases: ['DB'],
  });
}, 90_000);
afterAll(async () => {
  await worker?.close();
  await dev?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it('the example Worker signs a user in with sessions in KV and users in D1', async () => {
  const base = worker.base;
  const refused = await fetch(`${base}/`, { headers: { accept: 'application/json' } });
  expect(refused.status).toBe(401);
  const ua = new UserAgent();
  const page = await ua.navigate(`${base}/auth/google/login?returnTo=/`);
  expect(page.status).toBe(200);
  const done = await ua.submitForm(page.html!, page.url, { fields: { user: 'bob' }, stop: (u) => u === `${base}/` });
  expect(done.stopped).toBe(true);
  const hello = await fetch(`${base}/`, { headers: { cookie: ua.cookieHeader(base), accept: 'application/json' } });
  expect(await hello.json()).toEqual({ hello: 'Bob Builder' });
  expect((await (await worker.kv('SESSIONS')).list({ prefix: 'latchkey:s:' })).keys).toHaveLength(1);
  const row = await (await worker.d1('DB')).prepare('select "email" from "latchkey_users"').first<{ email: string }>();
  expect(row?.email).toBe('bob@example.com');
});
