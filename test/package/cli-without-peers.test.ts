/**
 * The CLI of the built package with no optional peer installed (issue 13, item 1): only `jose`, the
 * one runtime dependency, is in the package's `node_modules`, as in a fresh app that followed
 * getting-started's first command. `--help`, `secret` and `doctor` work; a command that needs a
 * driver says in one line which package to install, never a stack trace.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningDevIdp, startDevIdp } from '../../src/dev/index.js';

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, '../..');
const manifest = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { bin: Record<string, string> };

let work = '';
let bin = '';

/** Runs the built bin; resolves with the exit code and the output, whatever the code. */
async function latchkey(args: string[], env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  const base = { PATH: process.env.PATH ?? '', HOME: work, NODE_ENV: 'development' };
  try {
    const { stdout, stderr } = await run(process.execPath, [bin, ...args], { cwd: work, env: { ...base, ...env }, timeout: 30_000 });
    return { code: 0, out: `${stdout}${stderr}` };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'latchkey-no-peers-'));
  const pkg = join(work, 'node_modules', 'latchkey');
  mkdirSync(pkg, { recursive: true });
  await run(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', join(repo, 'tsconfig.build.json'), '--outDir', join(pkg, 'dist')], {
    cwd: repo,
  });
  cpSync(join(repo, 'bin'), join(pkg, 'bin'), { recursive: true });
  cpSync(join(repo, 'package.json'), join(pkg, 'package.json'));
  // The app's node_modules holds latchkey and its one dependency, nothing else.
  symlinkSync(join(repo, 'node_modules', 'jose'), join(work, 'node_modules', 'jose'), 'dir');
  writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'app', type: 'module', private: true }));
  bin = join(pkg, manifest.bin.latchkey!);
}, 180_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('the CLI with no optional peer installed', () => {
  it('--help lists the commands', async () => {
    const { code, out } = await latchkey(['--help']);
    expect(code).toBe(0);
    for (const c of ['dev-idp', 'migrate', 'secret', 'doctor']) expect(out).toContain(c);
    expect(out).not.toContain('ERR_MODULE_NOT_FOUND');
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
});

/** Runs an ES module script in the app folder (only latchkey and jose resolvable); resolves with its output. */
async function script(source: string, env: Record<string, string> = {}): Promise<{ code: number; out: string }> {
  const file = join(work, `script-${Math.random().toString(36).slice(2)}.mjs`);
  writeFileSync(file, source);
  try {
    const { stdout, stderr } = await run(process.execPath, [file], { cwd: work, env: { PATH: process.env.PATH ?? '', HOME: work, ...env }, timeout: 30_000 });
    return { code: 0, out: `${stdout}${stderr}` };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

describe('the package entry points with no optional peer installed', () => {
  it('every entry point imports: storage/sql, storage/redis, the adapters and the vault load no peer', async () => {
    const entries = ['latchkey', 'latchkey/core', 'latchkey/providers', 'latchkey/vault', 'latchkey/dev', 'latchkey/storage/sql', 'latchkey/storage/redis'];
    for (const a of ['express', 'fastify', 'hono', 'next', 'node']) entries.push(`latchkey/adapters/${a}`);
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
      join(work, 'auth.js'),
      `import { createAuth } from 'latchkey';
import { google } from 'latchkey/providers';
export const auth = createAuth({
  baseUrl: 'http://localhost:3000',
  secret: process.env.APP_SECRET,
  providers: [google({ clientId: 'demo', clientSecret: 'not-shown-client-secret', issuer: process.env.APP_ISSUER, callbackPath: '/auth/callback/google' })],
});
`,
    );
    writeFileSync(join(work, 'auth.ts'), 'export {};\n');
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
    writeFileSync(join(work, 'empty.js'), 'export const x = 1;\n');
    const { code, out } = await latchkey(['doctor', '--config', './empty.js']);
    expect(code).toBe(1);
    expect(out).toContain('./empty.js exports no createAuth result');
  });
});
