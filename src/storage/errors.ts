/**
 * Maps database and Redis driver errors to Latchkey's typed errors. Driver messages can quote row
 * values (a duplicate email, a token), so they never reach our messages: only the driver's error
 * code does, and the original is kept as the non-enumerable `cause`.
 *
 * @module
 */
import { LatchkeyError, StorageError } from '../errors.js';

interface DriverError {
  readonly code?: unknown;
  readonly errno?: unknown;
  readonly sqlState?: unknown;
  readonly message?: unknown;
}

function fields(err: unknown): DriverError {
  return typeof err === 'object' && err !== null ? (err as DriverError) : {};
}

function codeOf(err: unknown): string {
  const c = fields(err).code;
  return typeof c === 'string' ? c : typeof c === 'number' ? String(c) : '';
}

/**
 * True for a unique or primary-key violation (PostgreSQL 23505, MySQL 1062, SQLite
 * `SQLITE_CONSTRAINT_UNIQUE`/`_PRIMARYKEY`).
 *
 * @param err - a driver error.
 * @returns whether it is a uniqueness violation.
 */
export function isUniqueViolation(err: unknown): boolean {
  const code = codeOf(err);
  return (
    code === '23505' || code === 'ER_DUP_ENTRY' || fields(err).errno === 1062 || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY'
  );
}

/**
 * True for a foreign-key violation (the referenced user is gone).
 *
 * @param err - a driver error.
 * @returns whether it is a foreign-key violation.
 */
export function isForeignKeyViolation(err: unknown): boolean {
  const code = codeOf(err);
  const errno = fields(err).errno;
  return code === '23503' || code === 'ER_NO_REFERENCED_ROW_2' || errno === 1452 || code === 'SQLITE_CONSTRAINT_FOREIGNKEY';
}

/**
 * True for a transient conflict a transaction should simply retry: deadlock, serialization
 * failure, lock wait timeout, SQLite busy.
 *
 * @param err - a driver error.
 * @returns whether a retry may succeed.
 */
export function isTransientConflict(err: unknown): boolean {
  const code = codeOf(err);
  const errno = fields(err).errno;
  return (
    code === '40001' ||
    code === '40P01' ||
    code === '55P03' ||
    code === 'ER_LOCK_DEADLOCK' ||
    code === 'ER_LOCK_WAIT_TIMEOUT' ||
    errno === 1213 ||
    errno === 1205 ||
    code === 'SQLITE_BUSY' ||
    code === 'SQLITE_LOCKED'
  );
}

const CONNECTION_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EADDRNOTAVAIL',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_CON_COUNT_ERROR',
  'ER_SERVER_SHUTDOWN',
  'ER_CONNECTION_KILLED',
  'ER_QUERY_INTERRUPTED',
  'ER_ACCESS_DENIED_ERROR',
  'ER_BAD_DB_ERROR',
  'SQLITE_CANTOPEN',
  'SQLITE_IOERR',
  'SQLITE_FULL',
  'SQLITE_READONLY',
]);

/**
 * True when the error says the backend cannot be reached or dropped the connection (as opposed
 * to a constraint or a bug): network errors, PostgreSQL classes 08 and 57P, MySQL connection
 * errors, pool timeouts, closed clients.
 *
 * @param err - a driver error.
 * @returns whether the backend is unavailable.
 */
export function isConnectionError(err: unknown): boolean {
  const code = codeOf(err);
  if (CONNECTION_CODES.has(code)) return true;
  if (/^(08|57P|53)/.test(code)) return true; // PostgreSQL: connection exception, operator intervention, resources
  if (code.startsWith('SQLITE_IOERR')) return true;
  const msg = fields(err).message;
  if (typeof msg !== 'string') return false;
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|Connection is closed|The client is closed|Socket closed|Pool is closed|Can't add new command when connection is in closed state|connect ECONNREFUSED|read ECONNRESET|Query read timeout|driver has already been destroyed/i.test(
    msg,
  );
}

/**
 * Wraps any failure of a store operation as a typed error. Latchkey errors pass through; every
 * other failure becomes `STORAGE_UNAVAILABLE` (fail closed, 503), naming the operation and the
 * driver's code but never the driver's message.
 *
 * @param err - the failure.
 * @param operation - what was being done, e.g. `users.getAccount`.
 * @returns the error to throw.
 */
export function toStorageError(err: unknown, operation: string): LatchkeyError {
  if (err instanceof LatchkeyError) return err;
  const code = codeOf(err);
  const kind = isConnectionError(err) ? 'the backend is unreachable or dropped the connection' : 'the backend failed';
  return new StorageError('STORAGE_UNAVAILABLE', `Storage operation ${operation} failed: ${kind}${code ? ` (${code})` : ''}.`, { cause: err });
}

/**
 * Runs `work` with a deadline; past it, rejects with `STORAGE_UNAVAILABLE` so a hung backend
 * never hangs a request.
 *
 * @param work - the operation.
 * @param ms - the deadline in milliseconds.
 * @param operation - the operation name for the message.
 * @returns what `work` returns.
 * @throws StorageError `STORAGE_UNAVAILABLE` on timeout.
 */
export async function withDeadline<T>(work: Promise<T>, ms: number, operation: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StorageError('STORAGE_UNAVAILABLE', `Storage operation ${operation} timed out after ${ms} ms.`)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
