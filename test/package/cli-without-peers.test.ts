/**
 * The installed package with no optional peer (issue 13, item 1): a fresh app where `npm install`
 * put the packed tarball and nothing else but `jose`, its one dependency, as after the README's
 * `npm install latchkey`. `npx latchkey --help`, `secret`, `doctor` and `dev-idp` work; a command
 * that needs a driver says in one line which package to install, never a stack trace. Every entry
 * point imports; the stores name their missing driver in one line when first used (README, "Use it
 * in your app": drivers are loaded only when a store first connects).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningDevIdp, startDevIdp } from '../../src/dev/index.js';
import { installApp } from './packed.js';

const run = promisify(execFile);
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

let work = '';
let app = '';

/** The environment of a shell in the app: no update check, development. */
function envWith(extra: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: work, NODE_ENV: 'development', npm_config_update_notifier: 'false', ...extra };
}

/** Runs `npx latchkey <args>` in the app; resolves with the exit code and the output, whatever the code. */
async function latchkey(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(npx, ['latchkey', ...args], { cwd: app, env: envWith(env), timeout: 30_000 });
    return { code: 0, out: `${stdout}${stderr}` };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'latchkey-no-peers-'));
  app = await installApp(work, 'app');
}, 240_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the installed package with no optional peer', () => {
  it('the app has latchkey and jose only', () => {
    expect(
      readdirSync(join(app, 'node_modules'))
        .filter((n) => !n.startsWith('.'))
        .sort(),
    ).toEqual(['jose', 'latchkey']);
  });

  it('--help lists the commands', async () => {
    const { code, out } = await latchkey(['--help']);
    expect(code).toBe(0);
    for (const c of ['dev-idp', 'migrate', 'secret', 'doctor']) expect(out).toContain(c);
    expect(out).not.toContain('ERR_MODULE_NOT_FOUND');
    // The documentation it names is in the installed package.
    const doc = /Documentation: (.+)$/m.exec(out)?.[1]?.trim();
    expect(doc).toBe(join(app, 'node_modules', 'latchkey', 'docs', 'cli.md'));
    expect(existsSync(doc!)).toBe(true);
  });

  it('secret prints a new secret', async () => {
    const { code, out } = await latchkey(['secret']);
    expect(code).toBe(0);
    expect(out.trim()).toMatch(/^[A-Za-z0-9_-]{43,}$/m);
  });

  it('doctor runs and checks a database URL without any driver', async () => {
    const { out } = await latchkey(['doctor'], { DATABASE_URL: './auth.db' });
    expect(out).not.toContain('ERR_MODULE_NOT_FOUND');
    expect(out).toContain('DATABASE_URL');
  });

  it('migrate names the missing package and the install command in one line', async () => {
    const { code, out } = await latchkey(['migrate'], { DATABASE_URL: 'sqlite:./auth.db' });
    expect(code).toBe(2);
    expect(out.trim().split('\n')).toHaveLength(1);
    expect(out).toMatch(/Latchkey needs the package "(kysely|better-sqlite3)" for .+: npm install (kysely|better-sqlite3)/);
    expect(out).not.toMatch(/\n\s+at /);
  });

  it('dev-idp starts, serves discovery, and stops on SIGTERM', async () => {
    // Its own process group, so that stopping it stops npx and the CLI under it together.
    const child: ChildProcess = spawn(npx, ['latchkey', 'dev-idp', '--port', '0'], {
      cwd: app,
      env: envWith({}),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const signal = (sig: NodeJS.Signals): void => {
      try {
        process.kill(-child.pid!, sig);
      } catch {
        // the group is gone already
      }
    };
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    try {
      const deadline = Date.now() + 20_000;
      let issuer: string | undefined;
      while (!issuer && Date.now() < deadline && child.exitCode === null) {
        issuer = /^\s+google\s+(http:\/\/\S+)$/m.exec(out)?.[1];
        if (!issuer) await new Promise((r) => setTimeout(r, 50));
      }
      expect(issuer, out).toBeDefined();
      expect(out).toContain('Listening on 127.0.0.1:');
      const discovery = await fetch(`${issuer}/.well-known/openid-configuration`);
      expect(discovery.status).toBe(200);
      expect(((await discovery.json()) as { issuer: string }).issuer).toBe(issuer);
    } finally {
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
  });
});

/** Runs an ES module script in the app folder (only latchkey and jose resolvable); resolves with its output. */
async function script(source: string, env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  const file = join(app, `script-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(file, source);
  try {
    const { stdout, stderr } = await run(process.execPath, [file], { cwd: app, env: { PATH: process.env.PATH ?? '', HOME: work, ...env }, timeout: 30_000 });
    return { code: 0, out: `${stdout}${stderr}` };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe('the package entry points with no optional peer installed', () => {
  it('every entry point imports: storage/sql, storage/redis, the adapters and the vault load no peer', async () => {
    const entries = [
      'latchkey',
      'latchkey/core',
      'latchkey/providers',
      'latchkey/vault',
      'latchkey/dev',
      'latchkey/storage/sql',
      'latchkey/storage/redis',
      'latchkey/storage/cloudflare',
    ];
    for (const a of ['express', 'fastify', 'hono', 'next', 'node', 'koa', 'h3', 'nuxt']) entries.push(`latchkey/adapters/${a}`);
    const r = await script(`for (const e of ${JSON.stringify(entries)}) { const m = await import(e); console.log(e, Object.keys(m).length); }`);
    expect(r.code, r.out).toBe(0);
    for (const e of entries) expect(r.out).toMatch(new RegExp(`^${e} [1-9]`, 'm'));
  });

  it('createSqlStore names Kysely and the driver of its URL in one install command, as a typed error', async () => {
    const r = await script(`
      import { createSqlStore } from 'latchkey/storage/sql';
      for (const url of ['postgres://127.0.0.1:1/db', 'sqlite:./x.db', 'mysql://127.0.0.1:1/db']) {
        try { await createSqlStore({ url, secrets: ['s'.repeat(8) + 'q3Jx9v-T2mWcL8zR_fY1uN6bK0hE4'] }); console.log('opened?!'); }
        catch (e) { console.log(e.name, e.code, e.message); }
      }`);
    expect(r.code, r.out).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe(
      'ConfigurationError CONFIG_INVALID Latchkey needs the package "kysely" for the SQL store, and it is not installed: npm install kysely pg',
    );
    expect(lines[1]).toMatch(/CONFIG_INVALID .*npm install kysely better-sqlite3$/);
    expect(lines[2]).toMatch(/CONFIG_INVALID .*npm install kysely mysql2$/);
  });

  it('the Redis session store names redis on its first operation, as a typed error', async () => {
    const r = await script(`
      import { createRedisSessionStore } from 'latchkey/storage/redis';
      const store = createRedisSessionStore({ url: 'redis://127.0.0.1:1' });
      try { await store.get('x'); console.log('got?!'); } catch (e) { console.log(e.name, e.code, e.message); }
      await store.close();`);
    expect(r.code, r.out).toBe(0);
    expect(r.out.trim()).toBe('ConfigurationError CONFIG_INVALID Latchkey needs the package "redis" for Redis, and it is not installed: npm install redis');
  });
});

describe("doctor --config on the app's createAuth result (installed package, no optional peer)", () => {
  const GOOD = 'q3Jx9v-T2mWcL8zR_fY1uN6bK0hE4sDpA7gVtXoBiCe';
  let dev: RunningDevIdp;
  beforeAll(async () => {
    dev = await startDevIdp({ port: 0, host: '127.0.0.1', acceptAnyClient: true });
    writeFileSync(
      join(app, 'auth.js'),
      `import { createAuth } from 'latchkey';
import { google } from 'latchkey/providers';
export const auth = createAuth({
  baseUrl: 'http://localhost:3000',
  secret: process.env.APP_SECRET,
  providers: [google({ clientId: 'demo', clientSecret: 'not-shown-client-secret', issuer: process.env.APP_ISSUER, callbackPath: '/auth/callback/google' })],
});
`,
    );
    writeFileSync(join(app, 'auth.ts'), 'export {};\n');
  });
  afterAll(async () => {
    await dev?.close();
  });

  it('an app pointed at the dev IdP checks green and prints the redirect URIs to register', async () => {
    const { code, out } = await latchkey(['doctor', '--config', './auth.js'], { APP_SECRET: GOOD, APP_ISSUER: dev.issuerFor('google') });
    expect(code, out).toBe(0);
    expect(out).toContain('Your app');
    expect(out).not.toContain('the demo');
    expect(out).toContain('Redirect URI to register:        http://localhost:3000/auth/callback/google');
    expect(out).toContain('Post-logout redirect URI:        http://localhost:3000/auth/logout/callback');
    expect(out).toContain(`✓ Discovery: issuer ${dev.issuerFor('google')} matches`);
    expect(out).toMatch(/✓ Clock skew: under 2 s/);
    expect(out).not.toContain(GOOD);
    expect(out).not.toContain('not-shown-client-secret');
  });

  it('a dead issuer is red, readable, and exits non-zero', async () => {
    const { code, out } = await latchkey(['doctor', '--config=./auth.js'], { APP_SECRET: GOOD, APP_ISSUER: 'http://127.0.0.1:1/google' });
    expect(code).toBe(1);
    expect(out).toMatch(/✗ Discovery of http:\/\/127\.0\.0\.1:1\/google failed: [A-Z_]+: /);
    expect(out).toMatch(/1 problem\(s\) to fix/);
    expect(out).not.toMatch(/\n\s+at /);
  });

  it('a weak secret under NODE_ENV=production is red (createAuth refuses it), the secret not shown', async () => {
    const weak = 'a'.repeat(40);
    const { code, out } = await latchkey(['doctor', '--config', './auth.js'], {
      APP_SECRET: weak,
      APP_ISSUER: dev.issuerFor('google'),
      NODE_ENV: 'production',
    });
    expect(code).toBe(1);
    expect(out).toMatch(/✗ Loading \.\/auth\.js failed: CONFIG_INVALID: Secret #1 looks guessable/);
    expect(out).not.toContain(weak);
    // Development: the same secret is a warning only.
    const dev2 = await latchkey(['doctor', '--config', './auth.js', '--offline'], { APP_SECRET: weak, APP_ISSUER: dev.issuerFor('google') });
    expect(dev2.code, dev2.out).toBe(0);
    expect(dev2.out).toMatch(/! Secret #1 looks guessable/);
  });

  it('a .ts module without tsx installed says to install tsx or pass the compiled .js', async () => {
    const { code, out } = await latchkey(['doctor', '--config', './auth.ts']);
    expect(code).toBe(1);
    expect(out).toContain(
      './auth.ts is TypeScript and no TypeScript loader is installed in this app: install tsx (npm install -D tsx), or pass the compiled module',
    );
  });

  it('a module without a createAuth result is named', async () => {
    writeFileSync(join(app, 'empty.js'), 'export const x = 1;\n');
    const { code, out } = await latchkey(['doctor', '--config', './empty.js']);
    expect(code).toBe(1);
    expect(out).toContain('./empty.js exports no createAuth result');
  });
});
