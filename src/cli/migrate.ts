/**
 * `npx latchkey migrate`: applies Latchkey's pending SQL migrations (users, accounts, sessions)
 * to the database named by `--database-url` or `DATABASE_URL`.
 *
 * @module
 */
import { isLatchkeyError } from '../errors.js';
import { redactUrlsIn } from '../internal/redact.js';
import { createSqlStore } from '../storage/sql/index.js';
import { createTokenCipher } from '../storage/token-cipher.js';

/** Options of {@link runMigrate}. */
export interface MigrateOptions {
  /** `sqlite:path/to/file.db`, `postgres://…` or `mysql://…`. */
  readonly databaseUrl: string;
  /** The table prefix the app uses. Default `latchkey_`. */
  readonly tablePrefix?: string;
  /** Where progress lines go. Default stdout. */
  readonly out?: (line: string) => void;
}

/**
 * Applies pending migrations and reports them.
 *
 * @param options - the database URL and the table prefix.
 * @returns the process exit code: 0 on success, 1 when the database failed, 2 for bad options or a
 *   database URL without a supported scheme (`DATABASE_URL_INVALID`).
 */
export async function runMigrate(options: MigrateOptions): Promise<number> {
  const out = options.out ?? ((l: string) => process.stdout.write(`${l}\n`));
  let store: Awaited<ReturnType<typeof createSqlStore>> | undefined;
  try {
    // Migrations never touch token values, so a throwaway cipher is enough here.
    store = await createSqlStore({
      url: options.databaseUrl,
      ...(options.tablePrefix !== undefined ? { tablePrefix: options.tablePrefix } : {}),
      tokenCipher: createTokenCipher({ secrets: ['latchkey-migrate-only-not-used-for-any-token'] }),
      autoMigrate: false,
    });
    const applied = await store.migrate();
    out(applied.length === 0 ? `Database is up to date (${store.kind}).` : `Applied ${applied.length} migration(s) on ${store.kind}: ${applied.join(', ')}.`);
    return 0;
  } catch (err) {
    // Driver messages may quote the connection string: credentials are masked before printing.
    out(`Migration failed: ${redactUrlsIn(err instanceof Error ? err.message : String(err))}`);
    return isLatchkeyError(err, 'CONFIG_INVALID') || isLatchkeyError(err, 'DATABASE_URL_INVALID') ? 2 : 1;
  } finally {
    await store?.close();
  }
}

/**
 * Parses `migrate` arguments (`--database-url <url>`, `--table-prefix <p>`; `DATABASE_URL` as
 * the fallback) and runs it.
 *
 * @param args - the arguments after `migrate`.
 * @param out - where lines go.
 * @returns the exit code.
 */
export async function runMigrateCommand(args: readonly string[], out: (line: string) => void): Promise<number> {
  let databaseUrl = process.env.DATABASE_URL;
  let tablePrefix: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const [flag, inline] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
    const value = inline ?? args[++i];
    if (flag === '--database-url' && value !== undefined) databaseUrl = value;
    else if (flag === '--table-prefix' && value !== undefined) tablePrefix = value;
    else {
      out(`Unknown option "${flag}". Usage: latchkey migrate [--database-url <url>] [--table-prefix <prefix>]`);
      return 2;
    }
  }
  if (!databaseUrl) {
    out('No database: pass --database-url <url> or set DATABASE_URL (e.g. sqlite:.latchkey/auth.db).');
    return 2;
  }
  return runMigrate({ databaseUrl, ...(tablePrefix !== undefined ? { tablePrefix } : {}), out });
}
