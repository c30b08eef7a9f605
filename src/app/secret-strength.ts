/**
 * Whether a configured secret is guessable: start-up refuses one in production.
 *
 * @module
 */

/** Placeholder words people paste into a secret. */
const PLACEHOLDER = /change.?me|password|passw0rd|secret|example|placeholder|replace.?me|your.?key|qwerty|123456|abcdef/i;

/**
 * A secret long enough but guessable: few different characters (`'a'.repeat(32)`, `'ab'.repeat(16)`)
 * or a placeholder word (`changeme`, `password`, `secret`, …). A random 32-character secret from `openssl rand -base64`
 * has about 24 different characters.
 *
 * @param secret - the configured secret.
 * @returns true when the secret should not be used in production.
 */
export function isWeakSecret(secret: string): boolean {
  const distinct = new Set(secret).size;
  // A random secret holds one of those words by chance about once in a billion.
  return distinct < 10 || PLACEHOLDER.test(secret);
}
