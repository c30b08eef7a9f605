/**
 * How the Drizzle stores run an operation: the shared SQL retry policy and deadline
 * (`../retry.ts`), with Drizzle's `DrizzleQueryError` unwrapped first. That wrapper's message quotes
 * the query's parameters (emails, session ids, sealed tokens), so it never reaches a message or a
 * log: only its `cause`, the driver's own error, is inspected and kept as the non-enumerable cause.
 *
 * @module
 */
import { runStoreOperation } from '../retry.js';

/**
 * The driver's error inside a Drizzle query error (Drizzle 0.44+ wraps every failed query), or the
 * error itself.
 *
 * @param err - what a query threw.
 * @returns the driver's error.
 */
export function driverErrorOf(err: unknown): unknown {
  if (err instanceof Error && 'query' in err && 'params' in err && err.cause !== undefined) return err.cause;
  return err;
}

/** Runs one store operation: `run('users.getUser', () => ops.userById(id))`. */
export type DrizzleRunner = <T>(operation: string, work: () => Promise<T>) => Promise<T>;

/**
 * A runner with the given deadline.
 *
 * @param operationTimeoutMs - the deadline of one operation, retries included.
 * @returns the runner.
 */
export function createDrizzleRunner(operationTimeoutMs: number): DrizzleRunner {
  return (operation, work) => runStoreOperation(operation, work, operationTimeoutMs, driverErrorOf);
}
