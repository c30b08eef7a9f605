/**
 * Vitest global setup: prepares the skipped-suite record and prints it loudly at the end, and names
 * the folder where the packed package is shared by the test files (removed at the end).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureRuntimes } from '../runtimes/install.js';

let dir: string | undefined;

export function setup(): void {
  dir = mkdtempSync(join(tmpdir(), 'latchkey-skips-'));
  process.env.LATCHKEY_SKIP_FILE = join(dir, 'skipped.txt');
  // Where test/package/packed.ts builds and packs the package once for every test file that asks.
  process.env.LATCHKEY_PACK_DIR = join(dir, 'pack');
  // The runtime matrix's other runtimes (Node 22/24, Bun, Deno, workerd), from the npm registry, cached.
  ensureRuntimes();
  const missing = (['TEST_POSTGRES_URL', 'TEST_MYSQL_URL', 'TEST_REDIS_URL'] as const).filter((n) => !process.env[n]);
  if (missing.length > 0) {
    process.stderr.write(`\n[latchkey] ${missing.join(', ')} not set: suites needing those servers will be SKIPPED (run .ci/run to set them).\n\n`);
  }
}

export function teardown(): void {
  const file = process.env.LATCHKEY_SKIP_FILE;
  if (file && existsSync(file)) {
    const lines = [...new Set(readFileSync(file, 'utf8').split('\n').filter(Boolean))];
    if (lines.length > 0) {
      const bar = '!'.repeat(78);
      process.stderr.write(`\n${bar}\n[latchkey] ${lines.length} SUITE(S) SKIPPED, NOT PASSED:\n${lines.map((l) => `  - ${l}`).join('\n')}\n${bar}\n\n`);
    }
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
}
