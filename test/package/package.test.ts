/**
 * The package as an app installs it: the `npm pack` tarball (packed.ts) unpacked into a temporary
 * folder (the repository's own `dist/` is left alone), then used from a separate app folder through
 * `node_modules/latchkey`, with the repository's packages as its peers. Checks that every `exports` entry resolves to a built file and its types,
 * that each entry imports in plain Node (no TypeScript loader) and offers its main exports, that a
 * TypeScript consumer with `moduleResolution: nodenext` typechecks against the built declarations,
 * and that the `latchkey` bin runs from the built CLI.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { packedTarball } from './packed.js';

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, '../..');
const manifest = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as {
  name: string;
  bin: Record<string, string>;
  exports: Record<string, string | { types: string; default: string }>;
};

let work = '';
let pkg = '';
let app = '';

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'latchkey-package-'));
  pkg = join(work, 'latchkey');
  app = join(work, 'app');
  mkdirSync(pkg);
  // What `npm pack` ships, unpacked (the tarball's files sit under `package/`).
  await run('tar', ['-xzf', await packedTarball(), '-C', pkg, '--strip-components=1']);
  // The package's own dependencies (jose, and the optional peers an app would install).
  symlinkSync(join(repo, 'node_modules'), join(pkg, 'node_modules'), 'dir');
  mkdirSync(join(app, 'node_modules'), { recursive: true });
  symlinkSync(pkg, join(app, 'node_modules', 'latchkey'), 'dir');
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', type: 'module', private: true }));
}, 240_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** The subpaths an app imports; `./adapters/*` stands for each adapter file. */
function entryPoints(): string[] {
  const adapters = ['express', 'fastify', 'hono', 'node', 'next'];
  return Object.keys(manifest.exports)
    .filter((k) => k !== './package.json' && manifest.exports[k as keyof typeof manifest.exports] !== null)
    .flatMap((k) => (k === './adapters/*' ? adapters.map((a) => `./adapters/${a}`) : [k]));
}

describe('the built package', () => {
  it('every exports entry points at a built file and its declarations', () => {
    for (const [key, target] of Object.entries(manifest.exports)) {
      if (key === './package.json' || target === null) continue;
      const { types, default: main } = target as { types: string; default: string };
      const names = key === './adapters/*' ? ['express', 'fastify', 'hono', 'node', 'next'] : ['*'];
      for (const name of names) {
        expect(existsSync(join(pkg, main.replace('*', name))), `${key} → ${main}`).toBe(true);
        expect(existsSync(join(pkg, types.replace('*', name))), `${key} → ${types}`).toBe(true);
      }
    }
  });

  it('each entry imports in plain Node from an app folder and offers its main exports', async () => {
    const expected: Record<string, string[]> = {
      '.': ['createAuth', 'LatchkeyError', 'reauthRedirect'],
      './core': ['OidcClient', 'discover', 'fetchStream', 'validateIdToken'],
      './providers': ['google', 'github', 'oidc', 'providersFromEnv'],
      './storage/sql': ['createSqlStore'],
      './storage/redis': ['createRedisSessionStore'],
      './storage/cloudflare': ['createKvSessionStore', 'createD1UserStore', 'd1MigrationSql'],
      './vault': ['createTokenVault', 'createRedisLock', 'createPostgresLock'],
      './dev': ['startDevIdp'],
      './adapters/express': ['latchkey'],
      './adapters/node': ['latchkey'],
    };
    const script = `
      const entries = ${JSON.stringify(entryPoints())};
      const out = {};
      for (const e of entries) {
        const m = await import(e === '.' ? 'latchkey' : 'latchkey/' + e.slice(2));
        out[e] = Object.keys(m);
      }
      console.log(JSON.stringify(out));`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: app });
    const found = JSON.parse(stdout) as Record<string, string[]>;
    expect(Object.keys(found).sort()).toEqual(entryPoints().sort());
    for (const [entry, names] of Object.entries(expected)) {
      for (const name of names) expect(found[entry], `${entry} exports ${name}`).toContain(name);
    }
    // Each adapter entry exports its documented API only; the helpers they share stay internal.
    expect(found['./adapters/node']).toEqual(['latchkey']);
    for (const a of ['express', 'fastify', 'hono']) expect(found[`./adapters/${a}`], a).toEqual(['latchkey']);
  }, 60_000);

  it("the adapters' shared helpers are not an entry point (latchkey/adapters/internal/* is not exported)", async () => {
    expect(existsSync(join(pkg, 'dist', 'adapters', 'internal', 'node-http.js'))).toBe(true);
    const script = "import('latchkey/adapters/internal/node-http').then(() => console.log('imported'), (e) => console.log(e.code))";
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: app });
    expect(stdout.trim()).toBe('ERR_PACKAGE_PATH_NOT_EXPORTED');
  }, 60_000);

  it('a TypeScript app (strict, nodenext) typechecks against the built declarations', async () => {
    writeFileSync(
      join(app, 'main.ts'),
      [
        "import { createAuth, type Auth } from 'latchkey';",
        "import { OidcClient } from 'latchkey/core';",
        "import { google } from 'latchkey/providers';",
        "import { createTokenVault } from 'latchkey/vault';",
        "import { latchkey } from 'latchkey/adapters/node';",
        "const auth: Auth = createAuth({ baseUrl: 'http://localhost:3000', secret: 'x'.repeat(32), providers: [google({ clientId: 'id', clientSecret: 'secret' })] });",
        'const vault = createTokenVault({ users: auth.users, clientFor: (id: string) => auth.client(id) });',
        'export const pieces = [latchkey(auth), vault, OidcClient.create];',
      ].join('\n'),
    );
    writeFileSync(
      join(app, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { strict: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', noEmit: true, skipLibCheck: true, types: [] },
        files: ['main.ts'],
      }),
    );
    const result = await run(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', join(app, 'tsconfig.json')], { cwd: app }).then(
      () => ({ ok: true, out: '' }),
      (e: { stdout?: string }) => ({ ok: false, out: e.stdout ?? '' }),
    );
    expect(result.out).toBe('');
    expect(result.ok).toBe(true);
  }, 60_000);

  it('a CommonJS app loads it with require() (Node >= 20.19 loads ES modules from require)', async () => {
    const cjs = join(work, 'cjs-app');
    mkdirSync(join(cjs, 'node_modules'), { recursive: true });
    symlinkSync(pkg, join(cjs, 'node_modules', 'latchkey'), 'dir');
    writeFileSync(join(cjs, 'package.json'), JSON.stringify({ name: 'cjs-app', private: true }));
    writeFileSync(
      join(cjs, 'main.js'),
      [
        "const { createAuth } = require('latchkey');",
        "const { google } = require('latchkey/providers');",
        "const auth = createAuth({ baseUrl: 'http://localhost:3000', secret: 'q3Jx9v-T2mWcL8zR_fY1uN6bK0hE4sDpA7gVtXoBiCe', providers: [google({ clientId: 'id', clientSecret: 'secret-value' })] });",
        'process.stdout.write(JSON.stringify(auth.config.redirectUris));',
      ].join('\n'),
    );
    const { stdout } = await run(process.execPath, [join(cjs, 'main.js')], { cwd: cjs });
    expect(JSON.parse(stdout)).toEqual({ google: 'http://localhost:3000/auth/google/callback' });
  }, 30_000);

  it('the latchkey bin runs the built CLI', async () => {
    const bin = join(pkg, manifest.bin.latchkey!);
    const { stdout } = await run(process.execPath, [bin, 'secret'], { cwd: app });
    expect(stdout.trim()).toMatch(/^[A-Za-z0-9_-]{40,}$/);
  }, 30_000);
});
