/**
 * `bun:sqlite`, Bun's built-in SQLite module, which `src/storage/sql/bun-sqlite.ts` loads lazily
 * when the SQL store runs on Bun. The project does not depend on Bun's type package: this declares
 * only that the module exists; that file types the part it uses itself (and is tested on Bun,
 * `test/runtimes/bun-sqlite.test.ts`).
 */
declare module 'bun:sqlite' {
  export const Database: unknown;
}
