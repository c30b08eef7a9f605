/**
 * The layer rule (`.dependency-cruiser.cjs`, run by `npm run deps` in `npm test`) can fail, and
 * fails for the right reason. A small fixture tree shaped like `src/` holds every import the
 * architecture allows (app -> vault, the lazy `node:dns` in the endpoint policy, type-only core in
 * storage, Node and drivers in `storage/sql/`, the lazy `bun:sqlite`, Node types in the Hono adapter, ...) and one violation per rule; the real config
 * cruises it, and the violations must be exactly the expected ones: a loosened or deleted rule
 * misses one, an over-eager rule adds one.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '../..');

/** Imports the architecture allows: none of these may be reported. */
const ALLOWED: Readonly<Record<string, string>> = {
  'src/errors.ts': "import './internal/redact.js';\nexport const e = 1;",
  'src/internal/redact.ts': 'export const r = 1;',
  'src/internal/leaf.ts': 'export const l = 1;',
  'src/internal/uses-errors.ts': "import '../errors.js';",
  'src/core/types.ts': 'export type CoreType = { readonly a: 1 };',
  'src/core/http.ts': "import 'jose';\nimport '../internal/uses-errors.js';\nexport const h = 1;",
  'src/core/endpoint-policy.ts': "export const loadDns = () => import('node:dns');",
  'src/providers/preset.ts': "import '../core/http.js';\nexport type Preset = { readonly p: 1 };",
  'src/storage/memory.ts': "import type { CoreType } from '../core/types.js';\nexport type Stored = CoreType;",
  'src/storage/sql/connect.ts': "import 'node:fs';\nimport 'kysely';\nimport './bun-sqlite.js';",
  'src/storage/sql/bun-sqlite.ts': "export const load = () => import('bun:sqlite');",
  'src/storage/redis.ts': "import 'redis';",
  'src/vault/vault.ts': "import '../storage/memory.js';\nimport '../core/http.js';\nimport 'jose';",
  'src/vault/locks/redis.ts': "import 'redis';",
  'src/app/create-auth.ts': "import '../vault/vault.js';\nimport '../providers/preset.js';\nimport '../storage/memory.js';\nimport 'jose';",
  'src/index.ts': "export * from './app/create-auth.js';\nexport * from './storage/memory.js';",
  'src/adapters/node.ts': "import type { IncomingMessage } from 'node:http';\nimport '../app/create-auth.js';\nexport type Req = IncomingMessage;",
  'src/adapters/hono.ts': "import type { IncomingMessage } from 'node:http';\nimport '../app/create-auth.js';\nexport type Req = IncomingMessage;",
  'src/dev/server.ts': "import 'node:http';\nimport '../core/http.js';\nimport 'jose';",
  'src/dev/cli.ts': "import 'node:util';",
  'src/cli/index.ts': "import '../dev/server.js';\nimport '../index.js';\nimport '../adapters/node.js';",
};

/** One violation per rule: file -> source. */
const VIOLATIONS: Readonly<Record<string, string>> = {
  'src/errors.ts': "import './internal/redact.js';\nimport './internal/leaf.js';\nexport const e = 1;",
  'src/internal/bad-up.ts': "import '../core/http.js';",
  'src/core/bad-up.ts': "import '../providers/preset.js';",
  'src/core/bad-node.ts': "import 'node:crypto';",
  'src/core/bad-missing.ts': "import './no-such-file.js';",
  'src/core/endpoint-policy.ts': "import 'node:dns';\nexport const loadDns = () => import('node:dns');\nexport const loadNet = () => import('node:net');",
  'src/providers/bad-storage.ts': "import '../storage/memory.js';",
  'src/storage/bad-providers.ts': "import type { Preset } from '../providers/preset.js';\nexport type P = Preset;",
  'src/storage/bad-core-code.ts': "import '../core/http.js';",
  'src/storage/bad-node.ts': "import 'node:path';",
  'src/storage/bad-driver.ts': "import 'kysely';",
  'src/vault/bad-app.ts': "import '../app/create-auth.js';",
  'src/vault/bad-node.ts': "import 'node:timers';",
  'src/vault/bad-driver.ts': "import 'pg';",
  'src/app/bad-adapter.ts': "import '../adapters/node.js';",
  'src/app/bad-buffer.ts': "import type { Buffer } from 'node:buffer';\nexport type B = Buffer;",
  'src/app/bad-package.ts': "import 'kysely';",
  'src/app/cycle-a.ts': "import type { B } from './cycle-b.js';\nexport type A = B;",
  'src/app/cycle-b.ts': "import type { A } from './cycle-a.js';\nexport type B = A | 1;",
  'src/adapters/bad-storage.ts': "import '../storage/memory.js';",
  'src/dev/bad-app.ts': "import '../app/create-auth.js';",
  'src/dev/bad-node.ts': "import 'node:fs';",
  'src/dev/bad-package.ts': "import 'kysely';",
  'src/index.ts': "export * from './app/create-auth.js';\nexport * from './adapters/node.js';",
  'src/storage/bad-cli.ts': "import '../cli/index.js';",
  'src/adapters/hono.ts': "import { METHODS } from 'node:http';\nexport const m = METHODS;",
  'src/storage/sql/bad-bun.ts': "export const load = () => import('bun:sqlite');",
  'src/storage/sql/bun-sqlite.ts': "import 'bun:sqlite';\nexport const load = () => import('bun:sqlite');",
  'src/workers/bad-node.ts': "import 'node:fs';",
};

/** `from rule` for each violation above (a cycle is reported once, from where it was found). */
const EXPECTED = [
  'src/adapters/bad-storage.ts adapters-import-only-app',
  'src/adapters/hono.ts hono-adapter-node-types-only',
  'src/app/bad-adapter.ts app-imports-only-lower-layers',
  'src/app/bad-buffer.ts no-node-in-web-layers',
  'src/app/bad-package.ts web-layers-depend-on-jose-only',
  'src/app/cycle-a.ts no-circular',
  'src/core/bad-missing.ts not-to-unresolvable',
  'src/core/bad-node.ts no-node-in-web-layers',
  'src/core/bad-up.ts core-imports-only-base',
  'src/core/endpoint-policy.ts endpoint-policy-loads-node-dns-lazily',
  'src/core/endpoint-policy.ts endpoint-policy-loads-only-node-dns',
  'src/dev/bad-app.ts dev-imports-only-core',
  'src/dev/bad-node.ts dev-node-only-for-listening',
  'src/dev/bad-package.ts dev-depends-on-jose-only',
  'src/errors.ts errors-imports-only-redact',
  'src/index.ts index-exports-only-app-api',
  'src/internal/bad-up.ts internal-imports-only-errors',
  'src/providers/bad-storage.ts providers-import-only-core',
  'src/storage/bad-cli.ts nothing-imports-the-cli',
  'src/storage/bad-cli.ts storage-imports-only-core',
  'src/storage/bad-core-code.ts storage-imports-only-core-types',
  'src/storage/bad-driver.ts storage-drivers-only-in-sql-redis',
  'src/storage/bad-node.ts storage-node-and-drivers-only-in-sql-redis',
  'src/storage/bad-providers.ts storage-imports-only-core',
  'src/storage/sql/bad-bun.ts bun-builtins-only-in-bun-sqlite',
  'src/storage/sql/bun-sqlite.ts bun-sqlite-loaded-lazily',
  'src/vault/bad-app.ts vault-imports-only-storage-core',
  'src/vault/bad-driver.ts vault-store-clients-only-in-locks',
  'src/vault/bad-node.ts vault-no-node',
  'src/workers/bad-node.ts node-builtins-only-where-the-table-allows',
];

interface CruiseResult {
  readonly summary: {
    readonly totalCruised: number;
    readonly violations: ReadonlyArray<{ readonly from: string; readonly to: string; readonly rule: { readonly name: string } }>;
  };
}

const dirs: string[] = [];

/** Writes a fixture tree, cruises it with the project's config: `from rule` per violation, and the modules seen. */
async function cruise(files: Readonly<Record<string, string>>): Promise<{ violations: string[]; modules: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-layers-'));
  dirs.push(dir);
  symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'), 'dir');
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', strict: true }, include: ['src'] }),
  );
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), `${text}\n`);
  }
  const bin = join(repo, 'node_modules/dependency-cruiser/bin/dependency-cruise.mjs');
  const args = [bin, 'src', '--config', join(repo, '.dependency-cruiser.cjs'), '--output-type', 'json'];
  // Exit status = number of violations; the JSON on stdout is what is checked.
  const run = promisify(execFile)(process.execPath, args, { cwd: dir, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 });
  const { stdout, stderr } = await run.catch((error: { stdout?: string; stderr?: string }) => ({ stdout: error.stdout ?? '', stderr: error.stderr ?? '' }));
  if (!stdout.startsWith('{')) throw new Error(`dependency-cruiser gave no report: ${(stderr || stdout).slice(0, 2000)}`);
  const result = JSON.parse(stdout) as CruiseResult;
  return { violations: [...new Set(result.summary.violations.map((v) => `${v.from} ${v.rule.name}`))].sort(), modules: result.summary.totalCruised };
}

describe('the layer rule (.dependency-cruiser.cjs)', () => {
  let allowed: { violations: string[]; modules: number };
  let violations: string[];
  beforeAll(async () => {
    let bad: { violations: string[] };
    [allowed, bad] = await Promise.all([cruise(ALLOWED), cruise({ ...ALLOWED, ...VIOLATIONS })]);
    violations = bad.violations;
  }, 120_000);
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('accepts every import the architecture allows, the lazy node:dns of the endpoint policy included', () => {
    expect(allowed.modules).toBeGreaterThanOrEqual(Object.keys(ALLOWED).length);
    expect(allowed.violations).toEqual([]);
  });

  it('reports each forbidden import under its rule, and nothing else', () => {
    expect(violations).toEqual(EXPECTED);
  });
});
