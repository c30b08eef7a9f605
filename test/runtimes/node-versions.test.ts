/**
 * The runtime matrix, Node 22 and 24 (issue 14): the whole core, app, conformance, provider and
 * internal test folders, not a smoke test, run by Vitest under each Node binary of
 * `test/runtimes/` (`runtimeBinaries().node22` / `.node24`, from the npm registry). Each run uses
 * the repository's configuration plus a setup file that fails every test file whose worker is on
 * another Node major (`node/vitest.matrix.config.ts`), and writes Vitest's JSON report, which this
 * test reads: the run succeeded, every test file of those folders ran and passed, and no test
 * failed or was skipped. better-sqlite3 is compiled for each Node first (`node/addons.ts`, once,
 * cached). The runs are sequential, each with the configuration's two forks, so they add about one
 * core-and-app run each to `npm test` (the figures are in docs/runtimes.md).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { runtimeBinaries } from './install.js';
import { ensureBetterSqlite3 } from './node/addons.js';

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, '../..');
/** The folders whose tests run on every Node of the matrix: the Web layers' tests and the conformance suite. */
const FOLDERS = ['test/core', 'test/app', 'test/conformance', 'test/providers', 'test/internal'] as const;
const work = mkdtempSync(join(tmpdir(), 'latchkey-node-matrix-'));

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** What Vitest's JSON reporter writes (the part read here). */
interface JsonReport {
  readonly success: boolean;
  readonly numTotalTests: number;
  readonly numPassedTests: number;
  readonly numFailedTests: number;
  readonly numPendingTests: number;
  readonly numTodoTests: number;
  readonly testResults: readonly {
    readonly name: string;
    readonly status: string;
    readonly message?: string;
    readonly assertionResults: readonly { readonly fullName: string; readonly status: string; readonly failureMessages: readonly string[] }[];
  }[];
}

/** Every `*.test.ts` file under the folders, relative to the repository. */
function testFiles(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(join(repo, dir), { withFileTypes: true }).flatMap((e) =>
      e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.test.ts') ? [join(dir, e.name)] : [],
    );
  return FOLDERS.flatMap(walk).sort();
}

/** The environment of the nested run: this one's, without what the outer Vitest set for its own workers. */
function nestedEnv(major: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^(VITEST|TINYPOOL|NODE_OPTIONS$)/.test(k)) env[k] = v;
  return { ...env, LATCHKEY_MATRIX_NODE: major, FORCE_COLOR: '0' };
}

/** A short account of what failed, for the assertion message. */
function failures(report: JsonReport): string {
  const lines: string[] = [];
  for (const file of report.testResults) {
    if (file.status !== 'passed') lines.push(`${relative(repo, file.name)}: ${file.status} ${file.message ?? ''}`.slice(0, 600));
    for (const a of file.assertionResults) if (a.status !== 'passed') lines.push(`  ${a.fullName}: ${a.status} ${(a.failureMessages[0] ?? '').slice(0, 400)}`);
  }
  return lines.slice(0, 40).join('\n');
}

describe('the core and app test folders on Node 22 and 24', () => {
  for (const [name, major] of [
    ['node22', '22'],
    ['node24', '24'],
  ] as const) {
    it(`Node ${major}: every test file of ${FOLDERS.join(', ')} runs and passes`, async () => {
      const node = runtimeBinaries()[name];
      const { stdout: version } = await run(node, ['--version']);
      expect(version.trim()).toMatch(new RegExp(`^v${major}\\.`));
      // The SQL-store tests need better-sqlite3 compiled for this Node (cached after the first build).
      const builtAt = Date.now();
      await ensureBetterSqlite3(node, major);
      const buildSeconds = Math.round((Date.now() - builtAt) / 1000);
      const outputFile = join(work, `${name}.json`);
      const started = Date.now();
      const child = await run(
        node,
        [
          join(repo, 'node_modules/vitest/vitest.mjs'),
          'run',
          '--root',
          repo,
          '--config',
          join(repo, 'test/runtimes/node/vitest.matrix.config.ts'),
          '--reporter=json',
          `--outputFile=${outputFile}`,
          ...FOLDERS,
        ],
        { cwd: repo, env: nestedEnv(major), maxBuffer: 64 * 1024 * 1024, timeout: 840_000 },
      ).then(
        (r) => ({ ...r, code: 0 }),
        (e: { stdout?: string; stderr?: string; code?: number }) => ({ stdout: e.stdout ?? '', stderr: e.stderr ?? '', code: e.code ?? -1 }),
      );
      const seconds = Math.round((Date.now() - started) / 1000);
      let report: JsonReport;
      try {
        report = JSON.parse(readFileSync(outputFile, 'utf8')) as JsonReport;
      } catch {
        throw new Error(`Vitest under Node ${major} wrote no JSON report (exit ${child.code}):\n${child.stderr.slice(-4000)}`);
      }
      process.stdout.write(
        `[node matrix] Node ${version.trim()}: ${report.numPassedTests}/${report.numTotalTests} tests passed in ${seconds} s (better-sqlite3 build: ${buildSeconds} s)\n`,
      );
      const summary = failures(report);
      expect(summary, `under Node ${major}`).toBe('');
      expect(report.success).toBe(true);
      expect(child.code).toBe(0);
      // Every test file of the folders ran (a file that failed to load or was filtered out would be missing).
      expect(report.testResults.map((f) => relative(repo, f.name)).sort()).toEqual(testFiles());
      expect(report.numFailedTests).toBe(0);
      // These folders need no external service: nothing may be skipped, and a run of a few tests is no run.
      expect(report.numPendingTests + report.numTodoTests).toBe(0);
      expect(report.numPassedTests).toBe(report.numTotalTests);
      expect(report.numTotalTests).toBeGreaterThan(500);
    }, 900_000);
  }
});
