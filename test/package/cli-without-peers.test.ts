/**
 * The installed package with no optional peer (issue 13, item 1): a fresh app where `npm install`
 * put the packed tarball and nothing else but `jose`, its one dependency, as after the README's
 * `npm install latchkey`. `npx latchkey --help`, `secret`, `doctor` and `dev-idp` work; a command
 * that needs a driver says in one line which package to install, never a stack trace. Every entry
 * point imports; the stores name their missing driver in one line when first used (README, "Use it
 * in your app": drivers are loaded only when a store first connects).
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installApp } from './packed.js';

const run = promisify(execFile);
const npx = process.platform === 'win32' ? 'npx.cmd' : 'npx';

let work = '';
let app = '';

/** Runs an ES module script in the app with plain Node; resolves with the exit code and the output. */
async function node(script: string): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: app, env: envWith({}), timeout: 30_000 });
    return { code: 0, out: `${stdout}${stderr}` };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, out: `${e.stdout ?? ''}${e.stderr ?? ''}` };
  }
}

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

  it('every entry point but the stores imports without any optional peer', async () => {
    const entries = ['core', 'providers', 'vault', 'dev', 'adapters/node', 'adapters/express', 'adapters/fastify', 'adapters/hono', 'adapters/next'];
    const script = `for (const e of ${JSON.stringify(['latchkey', ...entries.map((e) => `latchkey/${e}`)])}) await import(e); console.log('imported');`;
    const { code, out } = await node(script);
    expect(out.trim()).toBe('imported');
    expect(code).toBe(0);
  });

  // Fails on today's code: latchkey/storage/sql imports kysely and latchkey/storage/redis imports
  // redis at load, so the import itself dies with ERR_MODULE_NOT_FOUND (issue 13, item 1).
  it.each([
    ['storage/sql', 'kysely', "const { createSqlStore } = await import('latchkey/storage/sql'); await createSqlStore({ url: 'sqlite:./auth.db' });"],
    [
      'storage/redis',
      'redis',
      "const { createRedisSessionStore } = await import('latchkey/storage/redis'); await createRedisSessionStore({ url: 'redis://127.0.0.1:6379' }).get('x');",
    ],
  ])('latchkey/%s imports without its driver and names "%s" in one line when used', async (_entry, driver, use) => {
    const script = `try { ${use} console.log('no error'); } catch (e) { console.log(e.message); }`;
    const { code, out } = await node(script);
    expect(out.trim().split('\n')).toHaveLength(1);
    expect(out).toContain(`npm install ${driver}`);
    expect(out).not.toContain('ERR_MODULE_NOT_FOUND');
    expect(code).toBe(0);
  });
});
