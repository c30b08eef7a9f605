/**
 * drizzle-kit's configuration for the example: `npx drizzle-kit generate --config
 * examples/app/drizzle-sqlite/drizzle.config.ts` (from the repository root) writes the migrations
 * of `schema.ts` into `drizzle/`; the server applies them at start with drizzle-orm's `migrate()`.
 */
import { defineConfig } from 'drizzle-kit';

export default defineConfig({
  dialect: 'sqlite',
  schema: './examples/app/drizzle-sqlite/schema.ts',
  out: './examples/app/drizzle-sqlite/drizzle',
});
