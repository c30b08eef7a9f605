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
