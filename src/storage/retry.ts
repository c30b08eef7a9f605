/**
 * The retry policy every SQL store shares (Kysely and Drizzle): a bounded retry of transient
 * conflicts (deadlock, serialization failure, busy), one retry after a dropped pooled connection,
 * a deadline on the whole operation, and driver errors mapped to typed errors. Web APIs only.
 *
 * @module
 */
import { LatchkeyError } from '../errors.js';
import { isConnectionError, isTransientConflict, toStorageError, withDeadline } from './errors.js';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** At most this many retries of a transient conflict. */
const MAX_CONFLICT_RETRIES = 5;

/**
 * Runs one store operation under the deadline and retry policy.
 *
 * @param operation - its name, for messages (`users.getUser`).
 * @param work - the queries; called again for a retry.
 * @param timeoutMs - the deadline of the operation, retries included.
 * @param driverError - the driver's own error inside what `work` threw (an ORM may wrap it, and
 *   its wrapper's message can quote the query's parameters). Default: the error itself.
 * @returns what `work` returns.
 * @throws StorageError `STORAGE_UNAVAILABLE` (unreachable, timed out, failed); Latchkey errors as thrown.
 */
export function runStoreOperation<T>(
  operation: string,
  work: () => Promise<T>,
  timeoutMs: number,
  driverError: (err: unknown) => unknown = (e) => e,
): Promise<T> {
  return withDeadline(attempt(operation, work, driverError), timeoutMs, operation);
}

async function attempt<T>(operation: string, work: () => Promise<T>, driverError: (err: unknown) => unknown): Promise<T> {
  let conflicts = 0;
  let drops = 0;
  for (;;) {
    try {
      return await work();
    } catch (thrown) {
      if (thrown instanceof LatchkeyError) throw thrown;
      const err = driverError(thrown);
      if (conflicts < MAX_CONFLICT_RETRIES && isTransientConflict(err)) {
        conflicts++;
        await sleep(5 + Math.random() * 20 * conflicts);
        continue;
      }
      // A pooled connection whose backend was killed fails once; a fresh one may work.
      if (drops < 1 && isConnectionError(err)) {
        drops++;
        await sleep(50);
        continue;
      }
      throw toStorageError(err, operation);
    }
  }
}
