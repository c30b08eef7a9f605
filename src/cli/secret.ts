/**
 * `npx latchkey secret`: prints a new random secret for `AUTH_SECRET` (32 random bytes, base64url).
 *
 * @module
 */
import { randomToken } from '../internal/encoding.js';

/** Generates a secret suitable for `createAuth({ secret })` / `AUTH_SECRET`. */
export function generateSecret(): string {
  return randomToken(32);
}

/** Runs the `secret` command. */
export function runSecret(out: (line: string) => void): number {
  out(generateSecret());
  return 0;
}
