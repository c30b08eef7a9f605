/**
 * The other runtimes of the runtime matrix (Node 22 and 24, Bun, Deno, workerd through miniflare),
 * installed from the npm registry into `test/runtimes/node_modules` and cached between runs: the
 * install runs again only when `package-lock.json` changed. Called once from the Vitest global
 * setup; test files read the paths with {@link runtimeBinaries}.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const folder = dirname(fileURLToPath(import.meta.url));
const stampFile = join(folder, 'node_modules', '.latchkey-install-stamp');

/** Where each runtime's binary (or, for miniflare, its package folder) lives once installed. */
export interface RuntimeBinaries {
  node22: string;
  node24: string;
  bun: string;
  deno: string;
  /** The folder of the `miniflare` package, to import it from. */
  miniflare: string;
}

/** The paths of the installed runtimes (call {@link ensureRuntimes} first). */
export function runtimeBinaries(): RuntimeBinaries {
  const modules = join(folder, 'node_modules');
  return {
    node22: join(modules, 'node22', 'bin', 'node'),
    node24: join(modules, 'node24', 'bin', 'node'),
    bun: join(modules, '@oven', 'bun-linux-x64', 'bin', 'bun'),
    deno: join(modules, '@deno', 'linux-x64-glibc', 'deno'),
    miniflare: join(modules, 'miniflare'),
  };
}

function lockHash(): string {
  return createHash('sha256')
    .update(readFileSync(join(folder, 'package-lock.json')))
    .digest('hex');
}

/**
 * Installs the runtimes unless the cached install matches the lock file. Throws with npm's output
 * when the install fails (the matrix then fails loudly rather than skipping).
 */
export function ensureRuntimes(): RuntimeBinaries {
  const want = lockHash();
  const binaries = runtimeBinaries();
  const present = Object.values(binaries).every((path) => existsSync(path));
  if (present && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === want) return binaries;
  rmSync(join(folder, 'node_modules'), { recursive: true, force: true });
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--no-save'], { cwd: folder, stdio: 'pipe', timeout: 300_000 });
  mkdirSync(dirname(stampFile), { recursive: true });
  writeFileSync(stampFile, want);
  return binaries;
}
