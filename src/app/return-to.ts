/**
 * `returnTo` validation: the only accepted form is a same-origin path such as `/dashboard?tab=2`.
 * Absolute URLs, scheme-relative `//host`, backslash tricks (`/\host`), control characters and
 * anything that resolves to another origin are refused, so the login and logout routes can never
 * be used as an open redirect.
 *
 * @see [RFC 9700 - Best Current Practice for OAuth 2.0 Security, section 4.11](https://www.rfc-editor.org/rfc/rfc9700.html#section-4.11)
 * @module
 */
import { SessionError } from '../errors.js';

/** The longest `returnTo` accepted, in characters. */
export const MAX_RETURN_TO_LENGTH = 2048;

/**
 * Checks a `returnTo` value and returns its normalized same-origin path.
 *
 * @param value - the untrusted value (query parameter or stored transaction field).
 * @param origin - the app's origin, e.g. `https://app.example`.
 * @returns the path, query and fragment, resolved against `origin`.
 * @throws SessionError `RETURN_TO_INVALID` for anything but a same-origin path.
 */
export function safeReturnTo(value: string, origin: string): string {
  const invalid = (): SessionError => new SessionError('RETURN_TO_INVALID');
  if (value.length === 0 || value.length > MAX_RETURN_TO_LENGTH) throw invalid();
  // Only a path: one leading slash, never two (scheme-relative) and never a backslash, which some
  // browsers treat as a slash (`/\evil.example`).
  if (value.charCodeAt(0) !== 47 || value.charCodeAt(1) === 47 || value.includes('\\')) throw invalid();
  // No control characters or spaces (header splitting, browsers stripping tabs/newlines).
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f) throw invalid();
  }
  let url: URL;
  try {
    url = new URL(value, origin);
  } catch {
    throw invalid();
  }
  if (url.origin !== origin) throw invalid();
  return `${url.pathname}${url.search}${url.hash}`;
}

/**
 * Like {@link safeReturnTo} but returns `fallback` instead of throwing.
 *
 * @param value - the untrusted value, or null.
 * @param origin - the app's origin.
 * @param fallback - returned when `value` is absent or not a same-origin path.
 * @returns a same-origin path.
 */
export function returnToOr(value: string | null | undefined, origin: string, fallback = '/'): string {
  if (value === null || value === undefined) return fallback;
  try {
    return safeReturnTo(value, origin);
  } catch {
    return fallback;
  }
}
