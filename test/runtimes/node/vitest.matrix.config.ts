/**
 * The repository's Vitest configuration, as `test/runtimes/node-versions.test.ts` runs it under
 * Node 22 and 24: the same aliases, global setup, pool and timeouts, plus
 *
 * - a setup file that fails every test file whose worker does not run the Node major version the
 *   matrix asked for (`LATCHKEY_MATRIX_NODE`);
 * - `better-sqlite3` resolved to the copy compiled for that Node (`addons.ts`): the repository's
 *   is compiled for the Node that installed it.
 *
 * The matrix test gives the JSON reporter on the command line (the counts it reads).
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import base from '../../../vitest.config.js';
import { betterSqlite3For } from './addons.js';

const major = process.env.LATCHKEY_MATRIX_NODE ?? '';
const alias = base.resolve?.alias;
if (!Array.isArray(alias)) throw new Error('vitest.config.ts: resolve.alias is expected to be an array');

export default defineConfig({
  ...base,
  root: fileURLToPath(new URL('../../..', import.meta.url)),
  resolve: {
    ...base.resolve,
    alias: [{ find: /^better-sqlite3$/, replacement: join(betterSqlite3For(major), 'lib', 'index.js') }, ...alias],
  },
  test: {
    ...base.test,
    setupFiles: [fileURLToPath(new URL('./assert-runtime.ts', import.meta.url))],
  },
});
