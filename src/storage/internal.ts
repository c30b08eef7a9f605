/**
 * Helpers every store shares (memory, SQL, Redis): ids, the email normalization behind the
 * uniqueness rule, and the session expiry test. Internal to `src/storage/`, never exported.
 *
 * @module
 */
import { randomToken } from '../internal/encoding.js';
import type { SessionRecord } from './types.js';

/** A new random id with a readable prefix, e.g. `usr_…`. */
export function newId(prefix: string): string {
  return `${prefix}_${randomToken(16)}`;
}

/** Lower-cases an email for case-insensitive lookups and the uniqueness rule. */
export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** True when the session is past its idle or absolute expiry. */
export function isExpired(record: SessionRecord, now: number): boolean {
  return now >= record.idleExpiresAt || now >= record.absoluteExpiresAt;
}
