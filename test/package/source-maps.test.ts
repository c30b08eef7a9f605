/**
 * Source maps point into what the package ships (issue 13, item 7): the package ships `dist/`, not
 * `src/`, so a stack trace mapped through a `.js.map` must not name a `src/*.ts` file the app does
 * not have. The build config inlines the sources (`inlineSources`): every `sources` entry of every
 * map either resolves to a file inside the package or carries its text in `sourcesContent`.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, '../..');
let pkg = '';

beforeAll(async () => {
  pkg = mkdtempSync(join(tmpdir(), 'latchkey-maps-'));
  // Built as `npm run build` does, into a copy standing for the installed package.
  await run(process.execPath, [join(repo, 'node_modules/typescript/bin/tsc'), '-p', join(repo, 'tsconfig.build.json'), '--outDir', join(pkg, 'dist')], {
    cwd: repo,
  });
}, 180_000);
afterAll(() => {
  if (pkg) rmSync(pkg, { recursive: true, force: true });
});

function mapsUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.js.map'))
    .map((f) => join(dir, f));
}

describe('source maps of the built package', () => {
  it('every sources entry resolves inside the package or has its text inlined', () => {
    const maps = mapsUnder(join(pkg, 'dist'));
    expect(maps.length).toBeGreaterThan(50);
    const unresolved: string[] = [];
    for (const file of maps) {
      const map = JSON.parse(readFileSync(file, 'utf8')) as { sources: string[]; sourcesContent?: (string | null)[]; sourceRoot?: string };
      expect(map.sources.length, file).toBeGreaterThan(0);
      map.sources.forEach((source, i) => {
        const target = resolve(dirname(file), map.sourceRoot ?? '', source);
        const inside = !relative(pkg, target).startsWith('..') && existsSync(target);
        const inlined = typeof map.sourcesContent?.[i] === 'string' && map.sourcesContent[i]!.length > 0;
        if (!inside && !inlined) unresolved.push(`${relative(pkg, file)} → ${source}`);
      });
    }
    expect(unresolved).toEqual([]);
  });

  it('the inlined text is the source it maps (the vault, as a spot check)', () => {
    const map = JSON.parse(readFileSync(join(pkg, 'dist/vault/vault.js.map'), 'utf8')) as { sourcesContent: string[] };
    expect(map.sourcesContent[0]).toBe(readFileSync(join(repo, 'src/vault/vault.ts'), 'utf8'));
  });
});
