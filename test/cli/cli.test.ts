/**
 * The `latchkey` CLI: the dispatcher, `secret`, `migrate`, `doctor` (against a real dev IdP on
 * 127.0.0.1:0, and against a closed port), and the `bin/latchkey.js` entry point in a child process
 * (`secret` and `dev-idp`).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runDoctor } from '../../src/cli/doctor.js';
import { main } from '../../src/cli/index.js';
import { type RunningDevIdp, startDevIdp } from '../../src/dev/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const GOOD_SECRET = 'q3Jx9v-T2mWcL8zR_fY1uN6bK0hE4sDpA7gVtXoBiCe';
let dev: RunningDevIdp;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'latchkey-cli-'));
  dev = await startDevIdp({ port: 0, host: '127.0.0.1', acceptAnyClient: true });
});
afterAll(async () => {
  await dev?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function run(argv: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const code = await main(argv, (l) => lines.push(l));
  return { code, out: lines.join('\n') };
}

async function doctor(env: Record<string, string>, extra: Parameters<typeof runDoctor>[1] = {}): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const code = await runDoctor((l) => lines.push(l), { env, timeoutMs: 3000, ...extra });
  return { code, out: lines.join('\n') };
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const { port } = s.address() as { port: number };
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe('latchkey CLI', () => {
  it('lists the commands and refuses unknown ones', async () => {
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    for (const c of ['dev-idp', 'migrate', 'secret', 'doctor']) expect(help.out).toContain(c);
    const bad = await run(['frobnicate']);
    expect(bad.code).toBe(2);
    expect(bad.out).toContain('Unknown command "frobnicate"');
  });

  it('secret prints a fresh 32-byte base64url secret each time', async () => {
    const a = await run(['secret']);
    const b = await run(['secret']);
    expect(a.code).toBe(0);
    expect(a.out).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(a.out).not.toBe(b.out);
  });

  it('migrate applies the migrations once, then says the database is up to date', async () => {
    const url = `sqlite:${join(dir, 'cli.db')}`;
    const first = await run(['migrate', '--database-url', url]);
    expect(first.code, first.out).toBe(0);
    expect(first.out).toMatch(/Applied \d+ migration/);
    const second = await run(['migrate', '--database-url', url]);
    expect(second.out).toMatch(/up to date/);
  });

  it('doctor: a good configuration passes, with the exact redirect URIs, discovery and clock skew', async () => {
    const issuer = dev.issuerFor('generic');
    const r = await doctor({
      APP_URL: 'http://localhost:3000/',
      AUTH_SECRET: GOOD_SECRET,
      OIDC_ISSUER: issuer,
      OIDC_CLIENT_ID: 'demo',
      OIDC_CLIENT_SECRET: 'shh-not-shown',
    });
    expect(r.code, r.out).toBe(0);
    expect(r.out).toContain('Redirect URI to register:        http://localhost:3000/auth/oidc/callback');
    expect(r.out).toContain('Back-channel logout URI:         http://localhost:3000/auth/oidc/backchannel-logout');
    expect(r.out).toContain('Post-logout redirect URI:        http://localhost:3000/auth/logout/callback');
    expect(r.out).toContain(`Discovery: issuer ${issuer} matches`);
    expect(r.out).toMatch(/✓ Clock skew: under 2 s/);
    expect(r.out).not.toContain(GOOD_SECRET);
    expect(r.out).not.toContain('shh-not-shown');
  });

  it('doctor: a clock two minutes ahead is an error', async () => {
    const r = await doctor(
      { APP_URL: 'http://localhost:3000', AUTH_SECRET: GOOD_SECRET, OIDC_ISSUER: dev.issuerFor('generic'), OIDC_CLIENT_ID: 'demo', OIDC_CLIENT_SECRET: 'x' },
      { now: () => Date.now() + 120_000 },
    );
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/✗ Clock skew: 12\d s \(this machine is ahead\)/);
  });

  it('doctor: insecure and broken settings are errors, and the secret is never printed', async () => {
    const weak = 'password'.repeat(5);
    const r = await doctor(
      {
        APP_URL: 'http://app.example.com',
        AUTH_SECRET: weak,
        NODE_TLS_REJECT_UNAUTHORIZED: '0',
        GOOGLE_CLIENT_ID: 'id-only',
        REDIS_URL: 'redis://cache.example.com:6379',
      },
      { offline: true },
    );
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/✗ APP_URL http:\/\/app\.example\.com must use https/);
    expect(r.out).toMatch(/! AUTH_SECRET looks low-entropy/);
    expect(r.out).toMatch(/✗ NODE_TLS_REJECT_UNAUTHORIZED=0/);
    expect(r.out).toMatch(/✗ .*GOOGLE_CLIENT_SECRET/);
    expect(r.out).toMatch(/! REDIS_URL uses plain redis:\/\//);
    expect(r.out).not.toContain(weak);
    const short = await doctor({ APP_URL: 'https://app.example.com', AUTH_SECRET: 'short' }, { offline: true });
    expect(short.out).toMatch(/✗ AUTH_SECRET is 5 characters/);
  });

  it('doctor: an unreachable issuer is reported', async () => {
    const port = await closedPort();
    const r = await doctor({
      APP_URL: 'http://localhost:3000',
      AUTH_SECRET: GOOD_SECRET,
      OIDC_ISSUER: `http://127.0.0.1:${port}/oidc`,
      OIDC_CLIENT_ID: 'demo',
    });
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/✗ Discovery of http:\/\/127\.0\.0\.1:\d+\/oidc failed: HTTP_/);
  });

  describe('bin/latchkey.js', () => {
    const children: ChildProcess[] = [];
    afterAll(() => {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    });

    function launch(args: string[], env: Record<string, string> = {}): { child: ChildProcess; output: () => string; exit: Promise<number | null> } {
      const child = spawn(process.execPath, [join(root, 'bin', 'latchkey.js'), ...args], {
        cwd: root,
        env: { PATH: process.env.PATH ?? '', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      children.push(child);
      let out = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      return { child, output: () => out, exit: new Promise((r) => child.once('exit', (code) => r(code))) };
    }

    it('runs `secret`', async () => {
      const p = launch(['secret']);
      expect(await p.exit).toBe(0);
      expect(p.output().trim()).toMatch(/^[A-Za-z0-9_-]{43}$/);
    });

    it('runs `dev-idp --port 0` until stopped, printing every issuer', async () => {
      const p = launch(['dev-idp', '--port', '0']);
      const deadline = Date.now() + 20_000;
      while (!/Ctrl\+C/.test(p.output()) && Date.now() < deadline && p.child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
      expect(p.output()).toMatch(/google\s+http:\/\/127\.0\.0\.1:\d+\/google/);
      const url = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(p.output())![1]!;
      const res = await fetch(`${url}/google/.well-known/openid-configuration`);
      expect(res.status).toBe(200);
      p.child.kill('SIGTERM');
      expect(await p.exit).toBe(0);
    });

    /** Waits (bounded) until the dev IdP printed its last banner line, or exited. */
    async function banner(p: ReturnType<typeof launch>): Promise<string> {
      const deadline = Date.now() + 20_000;
      while (!/Ctrl\+C/.test(p.output()) && Date.now() < deadline && p.child.exitCode === null) await new Promise((r) => setTimeout(r, 100));
      return p.output();
    }

    it('`dev-idp` under NODE_ENV=production refuses to start (exit 2) and names --force', async () => {
      for (const nodeEnv of ['production', 'PRODUCTION', 'prod']) {
        const p = launch(['dev-idp', '--port', '0'], { NODE_ENV: nodeEnv });
        // Bounded: a dev IdP that starts anyway (the old behaviour) is stopped after 15 s.
        const timer = setTimeout(() => p.child.kill('SIGTERM'), 15_000);
        const code = await p.exit;
        clearTimeout(timer);
        expect(code, p.output()).toBe(2);
        expect(p.output()).toContain(`NODE_ENV is "${nodeEnv}"`);
        expect(p.output()).toContain('--force');
        expect(p.output()).not.toContain('Issuers:');
      }
    });

    it('`dev-idp --force` under NODE_ENV=production starts, with a warning', async () => {
      const p = launch(['dev-idp', '--port', '0', '--force'], { NODE_ENV: 'production' });
      const out = await banner(p);
      expect(out).toMatch(/^Warning: NODE_ENV says production, started anyway because of --force/m);
      const url = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)![1]!;
      expect((await fetch(`${url}/google/.well-known/openid-configuration`)).status).toBe(200);
      p.child.kill('SIGTERM');
      expect(await p.exit).toBe(0);
    });

    it('`dev-idp --host localhost` prints the address the socket really bound, and no warning for loopback', async () => {
      const p = launch(['dev-idp', '--port', '0', '--host', 'localhost']);
      const out = await banner(p);
      const m = /^Listening on (127\.0\.0\.1|\[::1\]):(\d+)/m.exec(out);
      expect(m, out).not.toBeNull();
      expect(out).not.toContain('Warning');
      // That address answers (the socket is there), and the issuers name the same port.
      const bound = `http://${m![1]}:${m![2]}`;
      expect((await fetch(`${bound}/google/.well-known/openid-configuration`)).status).toBe(200);
      expect(out).toMatch(new RegExp(`google\\s+http://localhost:${m![2]}/google`));
      p.child.kill('SIGTERM');
      expect(await p.exit).toBe(0);
    });

    it('`doctor` masks credentials in every URL it prints (APP_URL, the issuer, discovery errors)', async () => {
      const port = await closedPort();
      const p = launch(['doctor'], {
        APP_URL: 'https://deploy:s3cretAppPw@app example.com',
        OIDC_ISSUER: `http://admin:s3cretIssuerPw@127.0.0.1:${port}/oidc`,
        OIDC_CLIENT_ID: 'demo',
        DATABASE_URL: 'postgres://app:s3cretDbPw@db.example/auth?password=s3cretQueryPw',
        REDIS_URL: 'redis://:s3cretRedisPw@127.0.0.1:1',
      });
      expect(await p.exit).toBe(1);
      const out = p.output();
      expect(out).not.toMatch(/s3cret/);
      expect(out).toContain('https://deploy:***@app');
      expect(out).toContain(`Discovery of http://admin:***@127.0.0.1:${port}/oidc failed`);
      expect(out).toContain('✓ DATABASE_URL: postgres on db.example (credentials not shown).');
    });

    it('`doctor` reports a DATABASE_URL without a scheme as an error that names the accepted forms', async () => {
      const p = launch(['doctor', '--offline'], { APP_URL: 'http://localhost:3000', AUTH_SECRET: GOOD_SECRET, DATABASE_URL: './auth.db' });
      expect(await p.exit).toBe(1);
      expect(p.output()).toMatch(/✗ DATABASE_URL: The database URL has no scheme .*`sqlite:\.\/file\.db`.*`postgres:\/\/host\/db`.*`mysql:\/\/host\/db`/);
    });

    it('`migrate` refuses a database URL without a scheme (exit 2, nothing created, the value not echoed)', async () => {
      const bare = join(dir, 'bare.db');
      for (const url of ['./bare.db', 'app:s3cretPw@db.example/auth']) {
        const p = launch(['migrate', '--database-url', url]);
        expect(await p.exit, p.output()).toBe(2);
        expect(p.output()).toMatch(/^Migration failed: The database URL has no scheme .*`sqlite:\.\/file\.db`/m);
        expect(p.output()).not.toContain('s3cret');
      }
      // In-process from here (same code path, without a process start each).
      for (const url of [bare, '//app:s3cretPw@db.example/auth', 'C:/data/auth.db']) {
        const r = await run(['migrate', '--database-url', url]);
        expect(r.code, r.out).toBe(2);
        expect(r.out).not.toContain('s3cret');
      }
      expect(existsSync(bare)).toBe(false);
      expect(existsSync(join(root, 'bare.db'))).toBe(false);
      // The accepted forms still work: sqlite:, sqlite:// and file:.
      for (const url of [`sqlite:${join(dir, 'a.db')}`, `sqlite://${join(dir, 'b.db')}`, `file:${join(dir, 'c.db')}`]) {
        const r = await run(['migrate', '--database-url', url]);
        expect(r.code, r.out).toBe(0);
      }
    });
  });
});
