/**
 * The package as users get it: built with `npm run build`'s config, packed with `npm pack`, and
 * installed from the tarball into fresh app folders with `npm install`, as a new user would.
 *
 * ```ts
 * const tarball = await packedTarball();                       // one build and one pack per test run
 * const app = await installApp(work, 'express-app', { peers: ['express'], files: { 'server.js': '…' } });
 * const server = await startApp(app, 'server.js', { AUTH_SECRET });   // resolves on "listening on <url>"
 * ```
 *
 * Nothing is written into the repository: the build runs in a staging copy (the files `npm pack`
 * would ship, the sources and the build config), and the tarball goes to a temporary folder. Under vitest the global setup names one folder
 * (`LATCHKEY_PACK_DIR`) so that every test file shares one build; the first file to ask builds it
 * (a `mkdir` lock), the others wait for it.
 *
 * Installs are offline. `npm install --prefer-offline` still fetches each package's registry
 * metadata that the npm cache lacks (the repository's own `npm install` follows its lock file and
 * caches tarballs only). So each app gets a `package-lock.json` cut from the repository's lock (the
 * packages its dependencies reach, at the versions the repository tests), and `npm install
 * --offline` then needs nothing but tarballs already in the cache: the same on a developer's
 * machine and in CI.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
/** The repository root. */
export const repo = resolve(import.meta.dirname, '../..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
/** Environment for npm: no update check, no funding or audit requests, no network. */
const npmEnv = { ...process.env, npm_config_update_notifier: 'false', npm_config_audit: 'false', npm_config_fund: 'false' };

interface LockEntry {
  version?: string;
  integrity?: string;
  resolved?: string;
  dependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  [key: string]: unknown;
}

const repoManifest = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as {
  name: string;
  version: string;
  devDependencies: Record<string, string>;
};
const repoLock = JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };

let packing: Promise<string> | undefined;

/** The path of the packed tarball (`latchkey-<version>.tgz`), built once per test run. */
export function packedTarball(): Promise<string> {
  packing ??= sharedPack();
  return packing;
}

async function sharedPack(): Promise<string> {
  const shared = process.env.LATCHKEY_PACK_DIR;
  const dir = shared ?? mkdtempSync(join(tmpdir(), 'latchkey-pack-'));
  const tarball = join(dir, `${repoManifest.name}-${repoManifest.version}.tgz`);
  const done = join(dir, 'done');
  const failed = join(dir, 'failed');
  mkdirSync(dir, { recursive: true });
  let owner = true;
  try {
    mkdirSync(join(dir, 'lock'));
  } catch {
    owner = false;
  }
  if (owner) {
    try {
      await buildAndPack(dir);
      writeFileSync(done, '');
    } catch (error) {
      writeFileSync(failed, String((error as { stderr?: string }).stderr ?? error));
      throw error;
    }
    return tarball;
  }
  // Another test file is building: wait for it, at most 4 minutes.
  for (let i = 0; i < 2400 && !existsSync(done); i++) {
    if (existsSync(failed)) throw new Error(`packing failed in another test file: ${readFileSync(failed, 'utf8')}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  if (!existsSync(done)) throw new Error('packing did not finish in 4 minutes');
  return tarball;
}

/**
 * Copies what `npm pack` ships plus the sources and build config into a staging folder, runs the
 * `build` script's compile there (so `dist/` and its source maps are what `npm run build` makes),
 * then packs the staging folder into `dir`.
 */
async function buildAndPack(dir: string): Promise<void> {
  const staging = join(dir, 'staging');
  const { stdout } = await run(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: repo, env: npmEnv, maxBuffer: 16 * 1024 * 1024 });
  const [report] = JSON.parse(stdout) as [{ files: { path: string }[] }];
  for (const { path } of report.files) {
    if (path.startsWith('dist/')) continue; // a stale local build is not what we ship
    mkdirSync(dirname(join(staging, path)), { recursive: true });
    cpSync(join(repo, path), join(staging, path));
  }
  for (const path of ['src', 'types', 'tsconfig.json', 'tsconfig.build.json']) cpSync(join(repo, path), join(staging, path), { recursive: true });
  symlinkSync(join(repo, 'node_modules'), join(staging, 'node_modules'), 'dir');
  await run(npm, ['run', '--silent', 'build'], { cwd: staging, env: npmEnv });
  rmSync(join(staging, 'node_modules'));
  await run(npm, ['pack', '--ignore-scripts', '--pack-destination', dir], { cwd: staging, env: npmEnv, maxBuffer: 16 * 1024 * 1024 });
  rmSync(staging, { recursive: true, force: true });
}

/** What {@link installApp} puts in a new app folder. */
export interface AppSpec {
  /** Packages installed next to latchkey, at the versions the repository tests (its devDependencies). */
  readonly peers?: readonly string[];
  /** `"type": "module"` (default) or CommonJS (no `type`). */
  readonly type?: 'module' | 'commonjs';
  /** Files of the app, by relative path. */
  readonly files?: Readonly<Record<string, string>>;
}

/** Creates `<work>/<name>` with a package.json, installs the tarball and `peers` with npm, writes `files`. */
export async function installApp(work: string, name: string, spec: AppSpec = {}): Promise<string> {
  const tarball = await packedTarball();
  const app = join(work, name);
  mkdirSync(app, { recursive: true });
  cpSync(tarball, join(app, 'latchkey.tgz'));
  const dependencies: Record<string, string> = { latchkey: 'file:latchkey.tgz' };
  for (const peer of spec.peers ?? []) {
    const version = repoManifest.devDependencies[peer];
    if (!version) throw new Error(`${peer} is not a devDependency of the repository`);
    dependencies[peer] = version;
  }
  const manifest = { name, version: '1.0.0', private: true, ...(spec.type === 'commonjs' ? {} : { type: 'module' }), dependencies };
  writeFileSync(join(app, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  const lock = lockFor(manifest, join(app, 'latchkey.tgz'), await registryUrl());
  writeFileSync(join(app, 'package-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
  await run(npm, ['install', '--offline', '--no-audit', '--no-fund'], { cwd: app, env: npmEnv, maxBuffer: 16 * 1024 * 1024 });
  for (const [file, text] of Object.entries(spec.files ?? {})) {
    mkdirSync(dirname(join(app, file)), { recursive: true });
    writeFileSync(join(app, file), text);
  }
  return app;
}

let registry: Promise<string> | undefined;

/** npm's configured registry, ending with a slash. */
function registryUrl(): Promise<string> {
  registry ??= run(npm, ['config', 'get', 'registry'], { env: npmEnv }).then(({ stdout }) => stdout.trim().replace(/\/?$/, '/'));
  return registry;
}

/**
 * A lock file for an app: latchkey from the tarball, and every package the dependencies reach
 * (dependencies, optional dependencies, required peers) where the repository's lock has it.
 * Node's lookup (the nearest `node_modules` up the tree) picks the same entries in the subset as in
 * the whole tree, so the subset is a valid tree.
 */
function lockFor(
  manifest: { name: string; version: string; dependencies: Record<string, string> },
  tarball: string,
  registry: string,
): Record<string, unknown> {
  const latchkey = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as LockEntry;
  const packages: Record<string, LockEntry> = {
    '': { name: manifest.name, version: manifest.version, dependencies: manifest.dependencies },
    'node_modules/latchkey': {
      version: repoManifest.version,
      resolved: 'file:latchkey.tgz',
      integrity: `sha512-${createHash('sha512').update(readFileSync(tarball)).digest('base64')}`,
      ...pick(latchkey, ['license', 'dependencies', 'peerDependencies', 'peerDependenciesMeta', 'bin', 'engines']),
    },
  };
  const queue: [string, LockEntry][] = [
    [
      '',
      {
        dependencies: Object.fromEntries(
          Object.keys(manifest.dependencies)
            .filter((d) => d !== 'latchkey')
            .map((d) => [d, '*']),
        ),
      },
    ],
  ];
  queue.push(['node_modules/latchkey', packages['node_modules/latchkey']!]);
  while (queue.length > 0) {
    const [location, entry] = queue.shift()!;
    const optionalPeers = new Set(Object.entries(entry.peerDependenciesMeta ?? {}).flatMap(([n, m]) => (m.optional ? [n] : [])));
    const wanted = [
      ...Object.keys(entry.dependencies ?? {}),
      ...Object.keys(entry.optionalDependencies ?? {}),
      ...Object.keys(entry.peerDependencies ?? {}).filter((n) => !optionalPeers.has(n)),
    ];
    for (const dep of wanted) {
      const found = resolveInLock(location, dep);
      if (!found || packages[found]) continue;
      const { dev: _dev, devOptional: _devOptional, peer: _peer, ...clean } = repoLock.packages[found]!;
      // The registry's tarball URL, as npm writes it when `resolved` is kept: without it npm asks
      // the registry for the package's metadata to find the tarball.
      const name = typeof clean.name === 'string' ? clean.name : found.slice(found.lastIndexOf('node_modules/') + 'node_modules/'.length);
      clean.resolved ??= `${registry}${name}/-/${name.slice(name.lastIndexOf('/') + 1)}-${clean.version}.tgz`;
      packages[found] = clean;
      queue.push([found, clean]);
    }
  }
  return { name: manifest.name, version: manifest.version, lockfileVersion: 3, requires: true, packages };
}

/** Where Node would find `dep` from the package at `location`, in the repository's lock. */
function resolveInLock(location: string, dep: string): string | undefined {
  let base = location;
  for (;;) {
    const candidate = base === '' ? `node_modules/${dep}` : `${base}/node_modules/${dep}`;
    if (repoLock.packages[candidate] && candidate !== 'node_modules/latchkey') return candidate;
    if (base === '') return undefined;
    const i = base.lastIndexOf('/node_modules/');
    base = i === -1 ? '' : base.slice(0, i);
  }
}

function pick(o: LockEntry, keys: readonly string[]): LockEntry {
  return Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
}

/** A running app process. */
export interface AppProcess {
  /** The URL it printed (`listening on <url>`). */
  readonly url: string;
  /** Everything it printed so far. */
  output(): string;
  /** SIGTERM, then SIGKILL after 5 s. */
  close(): Promise<void>;
}

/**
 * Runs `node <script>` in `app` (or `runtime.command ...runtime.args <script>`: Bun, Deno) and
 * resolves once it printed `listening on <url>` (at most 30 s).
 */
export async function startApp(
  app: string,
  script: string,
  env: Readonly<Record<string, string>>,
  runtime: { readonly command: string; readonly args: readonly string[] } = { command: process.execPath, args: ['--enable-source-maps'] },
): Promise<AppProcess> {
  const base: Record<string, string> = {};
  for (const k of ['PATH', 'HOME', 'TMPDIR', 'LANG']) if (process.env[k] !== undefined) base[k] = process.env[k]!;
  const child: ChildProcess = spawn(runtime.command, [...runtime.args, script], {
    cwd: app,
    env: { ...base, NODE_ENV: 'development', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const close = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  const deadline = Date.now() + 30_000;
  let url: string | undefined;
  while (!url && Date.now() < deadline && child.exitCode === null) {
    url = /^listening on (\S+)/m.exec(out)?.[1];
    if (!url) await new Promise((r) => setTimeout(r, 50));
  }
  if (!url) {
    await close();
    throw new Error(`${script} in ${app} did not start:\n${out}`);
  }
  return { url, output: () => out, close };
}
