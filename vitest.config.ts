import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string): string => fileURLToPath(new URL(`./src/${p}`, import.meta.url));

export default defineConfig({
  resolve: {
    // The package's own entry points, mapped to the sources (as tsconfig.json `paths` does for tsc and tsx).
    alias: [
      { find: /^latchkey$/, replacement: src('index.ts') },
      { find: /^latchkey\/core$/, replacement: src('core/index.ts') },
      { find: /^latchkey\/providers$/, replacement: src('providers/index.ts') },
      { find: /^latchkey\/dev$/, replacement: src('dev/index.ts') },
      { find: /^latchkey\/vault$/, replacement: src('vault/index.ts') },
      { find: /^latchkey\/storage\/sql$/, replacement: src('storage/sql/index.ts') },
      { find: /^latchkey\/storage\/drizzle$/, replacement: src('storage/drizzle/index.ts') },
      { find: /^latchkey\/storage\/drizzle\/(pg|mysql|sqlite)$/, replacement: src('storage/drizzle/$1.ts') },
      { find: /^latchkey\/storage\/redis$/, replacement: src('storage/redis.ts') },
      { find: /^latchkey\/storage\/cloudflare$/, replacement: src('storage/cloudflare/index.ts') },
      { find: /^latchkey\/adapters\/(.+)$/, replacement: src('adapters/$1.ts') },
    ],
  },
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // Two cores: keep the number of concurrent test files small so server-heavy suites do not starve.
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    reporters: ['default', './test/support/summary-reporter.ts'],
  },
});
