/**
 * `npm run bench`: runs every `bench/*.bench.ts` in turn (or those named on the command line) and
 * prints each one's Markdown report. Each bench file default-exports `async () => string`.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith('.bench.ts'))
  .filter((f) => only.length === 0 || only.some((o) => f.includes(o)))
  .sort();

for (const f of files) {
  const mod = (await import(pathToFileURL(join(here, f)).href)) as { default: () => Promise<string> };
  process.stdout.write(`\n## ${f}\n\n`);
  process.stdout.write(`${await mod.default()}\n`);
}
process.stdout.write(`\nnode ${process.version}, ${new Date().toISOString()}\n`);
