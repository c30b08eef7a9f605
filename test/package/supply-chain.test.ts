/**
 * Supply chain: the lock file is complete (every platform's optional packages are recorded, so
 * `npm install` on another machine neither adds entries nor resolves anything afresh), and every
 * dependency that runs an install script was reviewed at the exact version the lock file installs.
 *
 * npm's own pinned `allowScripts` entries (`name@version`) cannot be used here: npm verifies a pin
 * against the lock file's `resolved` URL, and this project's lock files carry none (npm is set to
 * `omit-lockfile-registry-resolved`), so npm refuses every pinned allow as unverifiable. The pins
 * live in this test instead: upgrading such a package fails it until the new version is reviewed.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const repo = resolve(import.meta.dirname, '../..');

/** Packages allowed to run install scripts, at the version that was reviewed. */
const REVIEWED_INSTALL_SCRIPTS: Readonly<Record<string, string>> = {
  // Compiles the SQLite binding (node-gyp) when no prebuilt binary matches.
  'better-sqlite3': '12.11.1',
  // Checks that its platform binary package is present.
  esbuild: '0.28.2',
};

/**
 * Packages that carry an install script npm does NOT run here (not in `allowScripts`), reviewed at
 * these versions: what they need works without it.
 */
const REVIEWED_NOT_RUN: Readonly<Record<string, string>> = {
  // Astro's image service (a devDependency, for the Astro adapter's tests). Its script only checks
  // for the prebuilt binary of its `@img/sharp-*` optional package from the npm registry; the tests
  // use no images, and Astro loads without it.
  sharp: '0.34.5',
};

interface LockEntry {
  readonly version?: string;
  readonly hasInstallScript?: boolean;
  readonly optionalDependencies?: Readonly<Record<string, string>>;
  readonly link?: boolean;
}

const lock = JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8')) as { packages: Record<string, LockEntry> };
const manifest = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { allowScripts?: Record<string, boolean> };

/** The lock-file key of a dependency as Node would resolve it from the package at `from`. */
function resolveInLock(from: string, name: string): string | undefined {
  let base = from;
  for (;;) {
    const key = `${base === '' ? '' : `${base}/`}node_modules/${name}`;
    if (lock.packages[key] !== undefined) return key;
    if (base === '') return undefined;
    const at = base.lastIndexOf('/node_modules/');
    base = at === -1 ? '' : base.slice(0, at);
  }
}

describe('supply chain', () => {
  it('records every optional platform package in the lock file', () => {
    const missing: string[] = [];
    for (const [key, entry] of Object.entries(lock.packages)) {
      for (const name of Object.keys(entry.optionalDependencies ?? {})) {
        if (resolveInLock(key, name) === undefined) missing.push(`${key || '(root)'} -> ${name}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('runs install scripts only for reviewed packages at their reviewed versions', () => {
    const withScripts: Record<string, string> = {};
    for (const [key, entry] of Object.entries(lock.packages)) {
      if (!entry.hasInstallScript || entry.link) continue;
      const name = key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
      withScripts[name] = entry.version ?? '(no version)';
    }
    expect(withScripts).toEqual({ ...REVIEWED_INSTALL_SCRIPTS, ...REVIEWED_NOT_RUN });
    // npm's allow-list names exactly those packages, and allows nothing else.
    expect(Object.entries(manifest.allowScripts ?? {}).sort()).toEqual(
      Object.keys(REVIEWED_INSTALL_SCRIPTS)
        .sort()
        .map((n) => [n, true]),
    );
  });

  it('installed the versions the lock file names', () => {
    for (const name of Object.keys(REVIEWED_INSTALL_SCRIPTS)) {
      const installed = JSON.parse(readFileSync(join(repo, 'node_modules', name, 'package.json'), 'utf8')) as { version: string };
      expect(`${name}@${installed.version}`).toBe(`${name}@${REVIEWED_INSTALL_SCRIPTS[name]}`);
    }
  });
});
