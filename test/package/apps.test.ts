/**
 * The first hour of a new user (issue 13, "What must be shown"): the packed tarball installed with
 * npm into fresh apps, each with only the packages the README's "Use it in your app" table names for
 * its framework, and each written as the docs write it: Express (ESM), a CommonJS app on `node:http`
 * using `require('latchkey')`, a TypeScript Express app (`module: nodenext`, `skipLibCheck: false`)
 * that typechecks and runs, Fastify, and Hono on `@hono/node-server`. Every app starts the dev IdP
 * (`latchkey/dev`) and points Google at its emulation, as getting-started.md §2 does; every test then
 * signs in through the dev IdP's forms with a cookie jar, reads `/auth/session`, calls the Google
 * emulation's userinfo through the token vault (`auth.fetch`, tokens.md), and signs out with the
 * session's CSRF token (`POST /auth/logout`, app.md).
 */

import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../demo/spawn.js';
import { UserAgent } from '../support/user-agent.js';
import { type AppProcess, installApp, repo, startApp } from './packed.js';

const run = promisify(execFile);
const secret = randomBytes(32).toString('base64url');

/** The part every ESM app shares: getting-started.md §2, on the port the test chose. */
const esmAuth = `import { createAuth } from 'latchkey';
import { startDevIdp } from 'latchkey/dev';
import { google } from 'latchkey/providers';

const port = Number(process.env.PORT);
const dev = await startDevIdp({ port: 0, acceptAnyClient: true }); // or \`npx latchkey dev-idp\`
const auth = createAuth({
  baseUrl: \`http://127.0.0.1:\${port}\`,
  secret: process.env.AUTH_SECRET, // npx latchkey secret
  providers: [google({ clientId: 'my-app', clientSecret: 'anything', issuer: dev.issuerFor('google') })],
});
// The Google emulation's userinfo API, called with the user's token through the vault (tokens.md).
const userinfoUrl = \`\${dev.issuerFor('google')}/v1/userinfo\`;
`;

const expressApp = `import express from 'express';
import { latchkey } from 'latchkey/adapters/express';
${esmAuth}
const lk = latchkey(auth);
const app = express();
app.use(lk.router);
app.get('/me', lk.requireUser, (req, res) => res.json(res.locals.user));
app.get('/userinfo', lk.requireUser, async (req, res) => {
  const answer = await auth.fetch(res.locals.user.id, 'google', userinfoUrl);
  res.status(answer.status).json(await answer.json());
});
app.listen(port, '127.0.0.1', () => console.log(\`listening on http://127.0.0.1:\${port}\`));
`;

const fastifyApp = `import Fastify from 'fastify';
import { latchkey } from 'latchkey/adapters/fastify';
${esmAuth}
const lk = latchkey(auth);
const app = Fastify();
await app.register(lk.plugin);
app.get('/me', { preHandler: lk.requireUser }, (request) => lk.user(request));
app.get('/userinfo', { preHandler: lk.requireUser }, async (request, reply) => {
  const answer = await auth.fetch(lk.user(request).id, 'google', userinfoUrl);
  return reply.code(answer.status).send(await answer.json());
});
await app.listen({ port, host: '127.0.0.1' });
console.log(\`listening on http://127.0.0.1:\${port}\`);
`;

const honoApp = `import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { latchkey } from 'latchkey/adapters/hono';
${esmAuth}
const lk = latchkey(auth);
const app = new Hono();
app.all('/auth/*', lk.handler);
app.get('/me', lk.requireUser, (c) => c.json(c.get('user')));
app.get('/userinfo', lk.requireUser, async (c) => {
  const answer = await auth.fetch(c.get('user').id, 'google', userinfoUrl);
  return c.json(await answer.json(), answer.status);
});
serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, () => console.log(\`listening on http://127.0.0.1:\${port}\`));
`;

/** getting-started.md §2 (node:http) in CommonJS: require() instead of import, an async main instead of top-level await. */
const commonJsApp = `const { createServer } = require('node:http');
const { createAuth } = require('latchkey');
const { latchkey } = require('latchkey/adapters/node');
const { startDevIdp } = require('latchkey/dev');
const { google } = require('latchkey/providers');

async function main() {
  const port = Number(process.env.PORT);
  const dev = await startDevIdp({ port: 0, acceptAnyClient: true });
  const auth = createAuth({
    baseUrl: \`http://127.0.0.1:\${port}\`,
    secret: process.env.AUTH_SECRET,
    providers: [google({ clientId: 'my-app', clientSecret: 'anything', issuer: dev.issuerFor('google') })],
  });
  const lk = latchkey(auth);
  createServer(async (req, res) => {
    try {
      if (await lk.handle(req, res)) return;
      if (req.url === '/me' || req.url === '/userinfo') {
        const user = await lk.requireUser(req, res);
        if (!user) return;
        res.setHeader('content-type', 'application/json');
        if (req.url === '/me') return void res.end(JSON.stringify(user));
        const answer = await auth.fetch(user.id, 'google', \`\${dev.issuerFor('google')}/v1/userinfo\`);
        res.statusCode = answer.status;
        return void res.end(await answer.text());
      }
      res.statusCode = 404;
      res.end();
    } catch (error) {
      console.error(error instanceof Error ? error.name : 'error');
      if (!res.headersSent) res.writeHead(500).end();
      else res.destroy();
    }
  }).listen(port, '127.0.0.1', () => console.log(\`listening on http://127.0.0.1:\${port}\`));
}
main();
`;

/**
 * The Express app in TypeScript: typed handlers, the built declarations checked (skipLibCheck false),
 * `latchkey/vault` included (whose declarations must not need `pg` when the app uses another lock).
 */
const typeScriptApp = `import express from 'express';
import { createAuth, type SessionUser } from 'latchkey';
import { latchkey } from 'latchkey/adapters/express';
import { startDevIdp } from 'latchkey/dev';
import { google } from 'latchkey/providers';
import { createMemoryLock } from 'latchkey/vault';

const port = Number(process.env.PORT);
const dev = await startDevIdp({ port: 0, acceptAnyClient: true });
const auth = createAuth({
  baseUrl: \`http://127.0.0.1:\${port}\`,
  secret: process.env.AUTH_SECRET!,
  providers: [google({ clientId: 'my-app', clientSecret: 'anything', issuer: dev.issuerFor('google') })],
  tokens: { lock: createMemoryLock() }, // one process; tokens.md: createRedisLock or createPostgresLock for several
});
const lk = latchkey(auth);
const app = express();
app.use(lk.router);
app.get('/me', lk.requireUser, (_req, res) => {
  res.json(res.locals.user as SessionUser);
});
app.get('/userinfo', lk.requireUser, async (_req, res) => {
  const user = res.locals.user as SessionUser;
  const answer: Response = await auth.fetch(user.id, 'google', \`\${dev.issuerFor('google')}/v1/userinfo\`);
  res.status(answer.status).json(await answer.json());
});
app.listen(port, '127.0.0.1', () => console.log(\`listening on http://127.0.0.1:\${port}\`));
`;

const typeScriptConfig = JSON.stringify(
  {
    compilerOptions: {
      target: 'es2022',
      module: 'nodenext',
      moduleResolution: 'nodenext',
      strict: true,
      skipLibCheck: false,
      outDir: 'build',
      types: ['node'],
    },
    files: ['server.ts'],
  },
  null,
  2,
);

let work = '';
const apps: Record<string, string> = {};
/** The TypeScript app's `tsc` output ('' when clean), started as soon as that app is installed. */
let typecheck: Promise<string> = Promise.resolve('not installed');

/** Runs tsc on the app's tsconfig.json; resolves with its output, '' when it passes. */
function tscIn(dir: string): Promise<string> {
  return run(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: dir }).then(
    () => '',
    (e: { stdout?: string; stderr?: string }) => `${e.stdout ?? ''}${e.stderr ?? ''}` || 'tsc failed',
  );
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'latchkey-apps-'));
  // Each app has only what the README's table names for it, read from the README itself (plus, for
  // TypeScript, the type packages its TypeScript paragraph names).
  const specs = {
    express: { peers: peersFromReadme('latchkey/adapters/express'), files: { 'server.js': expressApp } },
    commonjs: { type: 'commonjs', peers: peersFromReadme('latchkey/adapters/node'), files: { 'server.js': commonJsApp } },
    typescript: {
      peers: [...peersFromReadme('latchkey/adapters/express'), ...typeScriptPackagesFromReadme()],
      files: { 'server.ts': typeScriptApp, 'tsconfig.json': typeScriptConfig },
    },
    fastify: { peers: peersFromReadme('latchkey/adapters/fastify'), files: { 'server.js': fastifyApp } },
    hono: { peers: peersFromReadme('latchkey/adapters/hono'), files: { 'server.js': honoApp } },
  } as const;
  const installed = await Promise.all(
    Object.entries(specs).map(async ([name, spec]) => {
      const dir = await installApp(work, name, spec);
      // The typecheck is the slowest step: it runs while the other apps sign in.
      if (name === 'typescript') typecheck = tscIn(dir);
      return [name, dir] as const;
    }),
  );
  for (const [name, dir] of installed) apps[name] = dir;
}, 240_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

const readme = readFileSync(join(repo, 'README.md'), 'utf8');

/** The packages the README's "Use it in your app" table says to install with `entry`. */
function peersFromReadme(entry: string): string[] {
  const row = readme.split('\n').find((line) => line.startsWith('|') && line.includes(`(\`${entry}\``));
  if (!row) throw new Error(`the README's table has no row for ${entry}`);
  const cell = row.split('|').at(-2)!;
  return [...cell.matchAll(/`([^`]+)`/g)].flatMap((m) => m[1]!.split(/\s+/));
}

/** The type packages of the README's TypeScript line (`npm install -D typescript …`); tsc itself is the repository's. */
function typeScriptPackagesFromReadme(): string[] {
  const command = /`npm install -D typescript ([^`]+)`/.exec(readme)?.[1];
  if (!command) throw new Error('the README names no TypeScript install command');
  return command.split(/\s+/);
}

/** Starts `script` of the app on a free port, runs `body`, and always stops the app. */
async function withApp(name: string, script: string, body: (server: AppProcess) => Promise<void>): Promise<void> {
  const server = await startApp(apps[name]!, script, { PORT: String(await freePort()), AUTH_SECRET: secret });
  try {
    await body(server);
  } catch (error) {
    throw new Error(`${(error as Error).message}\n--- ${name} printed:\n${server.output()}`, { cause: error });
  } finally {
    await server.close();
  }
}

/**
 * A real sign-in as Alice through the dev IdP's page, then the session, a provider API call
 * through the vault, and sign-out with the CSRF token; each step as a browser (cookie jar) does it.
 */
async function firstHour(base: string): Promise<void> {
  const ua = new UserAgent();
  // The sign-in link every doc shows; the redirects lead to the Google emulation's account chooser.
  const chooser = await ua.navigate(`${base}/auth/google/login?returnTo=/me`);
  expect(chooser.status, chooser.html).toBe(200);
  const forms = UserAgent.parseForms(chooser.html!, chooser.url);
  const index = forms.findIndex((f) => f.fields.get('action') === 'login');
  expect(index, 'the account chooser has the test users form').toBeGreaterThanOrEqual(0);
  // Alice's button; the callback signs in and sends the browser back to returnTo.
  const me = await ua.submitForm(chooser.html!, chooser.url, { index, fields: { user: 'alice' } });
  expect(me.url).toBe(`${base}/me`);
  expect(me.status, me.html).toBe(200);
  expect(JSON.parse(me.html!)).toMatchObject({ email: 'alice@example.org', name: 'Alice Example' });

  const sessionUrl = `${base}/auth/session`;
  const session = await fetch(sessionUrl, { headers: { cookie: ua.cookieHeader(sessionUrl) } });
  expect(session.status).toBe(200);
  const { user, csrfToken } = (await session.json()) as { user: { email: string }; csrfToken: string };
  expect(user.email).toBe('alice@example.org');
  expect(csrfToken).toMatch(/^[\w-]{20,}$/);

  const userinfoUrl = `${base}/userinfo`;
  const userinfo = await fetch(userinfoUrl, { headers: { cookie: ua.cookieHeader(userinfoUrl) } });
  const profile = await userinfo.text();
  expect(userinfo.status, profile).toBe(200);
  expect(JSON.parse(profile)).toMatchObject({ email: 'alice@example.org', email_verified: true });

  // The sign-out form a page renders: a same-origin POST with the session's csrfToken field.
  const logout = await ua.navigate(`${base}/auth/logout`, {
    method: 'POST',
    body: new URLSearchParams({ csrfToken }),
    headers: { origin: base, accept: 'text/html' },
    stop: (url) => url !== `${base}/auth/logout`,
  });
  expect(logout.stopped, `POST /auth/logout answered ${logout.status}: ${logout.html}`).toBe(true);
  expect(logout.url).toBe(`${base}/`);
  const after = await fetch(sessionUrl, { headers: { cookie: ua.cookieHeader(sessionUrl) } });
  expect(after.status).toBe(401);
}

describe('the packed package in fresh apps, signed in against the dev IdP', () => {
  const javaScriptApps = [
    ['Express (ESM)', 'express'],
    ['a CommonJS app (require) on node:http', 'commonjs'],
    ['Fastify', 'fastify'],
    ['Hono on @hono/node-server', 'hono'],
  ] as const;
  for (const [title, name] of javaScriptApps) {
    it(title, async () => {
      await withApp(name, 'server.js', async ({ url }) => firstHour(url));
    }, 60_000);
  }

  it('TypeScript (nodenext, skipLibCheck false): typechecks against the shipped declarations, then runs', async () => {
    const tsc = await typecheck;
    expect(tsc).toBe('');
    await withApp('typescript', 'build/server.js', async ({ url }) => firstHour(url));
  }, 90_000);
});
