/**
 * Database URLs: which SQL family and driver target a `DATABASE_URL` names. Kept apart from the
 * connection code so that the CLI (`latchkey doctor`) can check a URL with no driver or Kysely
 * installed.
 *
 * @module
 */
import { ConfigurationError } from '../../errors.js';
import type { SqlKind } from './migrations.js';

/** The forms {@link parseDatabaseUrl} accepts, for error messages. */
const ACCEPTED_FORMS =
  '`sqlite:./file.db` (also `sqlite:///abs/file.db`, `file:./file.db`, `sqlite::memory:`), `postgres://host/db` (or `postgresql://`) or `mysql://host/db` (or `mariadb://`)';

/**
 * Tells the dialect family and the driver target from a URL. A value without a scheme is refused
 * rather than read as a SQLite path: a `DATABASE_URL` that lost its `postgres://` would otherwise
 * quietly become a local file, and each instance would keep its own users and sessions.
 *
 * @param url - `sqlite:path/to/file.db`, `sqlite:///abs/path.db`, `file:path.db`, `sqlite::memory:`,
 *   `postgres://…`, `postgresql://…`, `mysql://…` or `mariadb://…`.
 * @returns the family and the SQLite path or the server URL.
 * @throws ConfigurationError `DATABASE_URL_INVALID` for a missing or unsupported scheme, or a SQLite
 *   URL that names no file; the message names the accepted forms and never quotes the URL.
 */
export function parseDatabaseUrl(url: string): { kind: SqlKind; target: string } {
  const m = /^([a-z][a-z0-9+.-]*):/i.exec(url);
  const scheme = m?.[1]?.toLowerCase();
  if (scheme === 'postgres' || scheme === 'postgresql') return { kind: 'postgres', target: url };
  if (scheme === 'mysql' || scheme === 'mariadb') return { kind: 'mysql', target: url.replace(/^mariadb:/i, 'mysql:') };
  if (scheme === 'sqlite' || scheme === 'file') {
    let path = url.slice(scheme.length + 1);
    if (path.startsWith('//')) path = path.slice(2);
    if (path === '') throw new ConfigurationError(`The SQLite URL names no file: use ${ACCEPTED_FORMS}.`, 'DATABASE_URL_INVALID');
    return { kind: 'sqlite', target: path };
  }
  // No scheme (a bare path such as `./auth.db`, `C:/data/auth.db` or `user:pw@host/db` with its
  // scheme lost): the value is not quoted, since it may hold a password.
  if (scheme === undefined || scheme.length === 1 || !url.slice(scheme.length + 1).startsWith('//')) {
    throw new ConfigurationError(`The database URL has no scheme (a bare path is not taken as a SQLite file): use ${ACCEPTED_FORMS}.`, 'DATABASE_URL_INVALID');
  }
  throw new ConfigurationError(`Unsupported database URL scheme "${scheme.slice(0, 20)}:": use ${ACCEPTED_FORMS}.`, 'DATABASE_URL_INVALID');
}
