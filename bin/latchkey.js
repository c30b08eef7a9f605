#!/usr/bin/env node
// `npx latchkey <command>`: runs the compiled CLI from dist/ when the package is built, and the
// TypeScript sources through tsx inside this repository (development).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'dist', 'cli', 'index.js');
let main;
if (existsSync(built)) {
  ({ main } = await import(pathToFileURL(built).href));
} else {
  const { tsImport } = await import('tsx/esm/api');
  ({ main } = await tsImport(pathToFileURL(join(root, 'src', 'cli', 'index.ts')).href, import.meta.url));
}
const args = process.argv.slice(2);
process.exitCode = await main(args);
// `doctor --config` imports the app's module, which may hold the process open (a database pool, a
// timer): once the report is written, end. (`dev-idp` keeps running on purpose.)
if (args[0] === 'doctor') process.exit();
