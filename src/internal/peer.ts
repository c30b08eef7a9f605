/**
 * Optional peer packages (database drivers, Kysely, Redis) are loaded only when used; when one is
 * not installed, the error names it and the command that installs it, in one line.
 *
 * @module
 */
import { ConfigurationError } from '../errors.js';

/** The optional peers Latchkey loads, and what each is for. */
const PEER_PURPOSE: Readonly<Record<string, string>> = {
  kysely: 'the SQL store',
  'drizzle-orm': 'the Drizzle store',
  'better-sqlite3': 'SQLite',
  pg: 'PostgreSQL',
  mysql2: 'MySQL and MariaDB',
  redis: 'Redis',
};

/**
 * The optional peer a module-loading failure is about, if it is one of Latchkey's.
 *
 * @param error - what a dynamic `import()` threw.
 * @returns the package name, or undefined for any other failure.
 */
export function missingPeer(error: unknown): string | undefined {
  const e = error as { code?: unknown; message?: unknown } | null;
  if (!e || (e.code !== 'ERR_MODULE_NOT_FOUND' && e.code !== 'MODULE_NOT_FOUND') || typeof e.message !== 'string') return undefined;
  // Node: "Cannot find package 'kysely' imported from …" (ESM) or "Cannot find module 'pg'" (CJS).
  const name = /Cannot find (?:package|module) '([^']+)'/.exec(e.message)?.[1];
  if (name === undefined) return undefined;
  const root = name.startsWith('@') ? name.split('/').slice(0, 2).join('/') : name.split('/')[0]!;
  return root in PEER_PURPOSE ? root : undefined;
}

/**
 * The one-line error for a missing optional peer.
 *
 * @param name - the package.
 * @param alsoInstall - packages the same feature needs with it, added to the install command
 *   (Kysely's driver: `npm install kysely pg`).
 * @returns a `CONFIG_INVALID` error naming the package and `npm install <name>`.
 */
export function missingPeerError(name: string, alsoInstall: readonly string[] = []): ConfigurationError {
  const install = [name, ...alsoInstall.filter((p) => p !== name)].join(' ');
  return new ConfigurationError(
    `Latchkey needs the package "${name}" for ${PEER_PURPOSE[name] ?? 'this feature'}, and it is not installed: npm install ${install}`,
  );
}

/**
 * Loads an optional peer, turning "not installed" into {@link missingPeerError}.
 *
 * @param load - the dynamic import, e.g. `() => import('pg')`.
 * @returns the module.
 * @throws ConfigurationError `CONFIG_INVALID` naming the missing package; other failures as they came.
 */
export async function importPeer<T>(load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (error) {
    const name = missingPeer(error);
    throw name === undefined ? error : missingPeerError(name);
  }
}
