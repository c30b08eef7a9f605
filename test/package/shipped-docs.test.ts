/**
 * The docs ship with the package (issue 13, item 10): every relative link in the README and in
 * `docs/*.md` names a file that `npm pack` puts in the tarball, so an app that installed Latchkey
 * can follow them from `node_modules/latchkey/`; and `latchkey --help` points at a file that exists.
 */
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, normalize, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repo = resolve(import.meta.dirname, '../..');

/** The files `npm pack` would ship, relative to the package root. */
async function packedFiles(): Promise<Set<string>> {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const { stdout } = await run(npm, ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: repo, maxBuffer: 16 * 1024 * 1024 });
  const [report] = JSON.parse(stdout) as [{ files: { path: string }[] }];
  return new Set(report.files.map((f) => f.path));
}

/** The relative link targets of a Markdown file (no scheme, no pure anchors), resolved from the repo root. */
function relativeLinks(file: string): string[] {
  const text = readFileSync(join(repo, file), 'utf8');
  const targets: string[] = [];
  for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = m[1]!.split('#')[0]!;
    if (target === '' || /^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
    targets.push(normalize(relative(repo, resolve(repo, dirname(file), target))).replace(/\\/g, '/'));
  }
  return targets;
}

describe('shipped documentation', () => {
  it('every relative link in the README and docs/ points into the tarball', async () => {
    const packed = await packedFiles();
    const docs = [
      'README.md',
      ...readdirSync(join(repo, 'docs'))
        .filter((f) => f.endsWith('.md'))
        .map((f) => `docs/${f}`),
    ];
    const dead: string[] = [];
    for (const file of docs) {
      expect(packed.has(file), `${file} is shipped`).toBe(true);
      for (const target of relativeLinks(file)) {
        const shipped = packed.has(target) || [...packed].some((p) => p.startsWith(`${target.replace(/\/$/, '')}/`));
        if (!shipped) dead.push(`${file} -> ${target}`);
      }
    }
    expect(dead).toEqual([]);
  }, 60_000);

  it('latchkey --help names a documentation file that exists', async () => {
    const { stdout } = await run(process.execPath, [join(repo, 'bin', 'latchkey.js'), '--help'], { cwd: tmpdir(), timeout: 30_000 });
    const doc = /Documentation: (.+)$/m.exec(stdout)?.[1]?.trim();
    expect(doc).toBeDefined();
    // Run from another folder, as an app's `npx latchkey` is: the path must hold from anywhere.
    expect(existsSync(resolve(tmpdir(), doc!))).toBe(true);
    expect(doc!.endsWith(join('docs', 'cli.md'))).toBe(true);
  }, 60_000);
});
