/**
 * Cookie names, parsing and `Set-Cookie` serialization for the app layer. Every Latchkey cookie is
 * `HttpOnly`, `SameSite=Lax`, `Path=/` and `Secure` unless the app runs on loopback http; with
 * `Secure` the name carries the `__Host-` prefix, so a sibling sub-domain cannot set or shadow it.
 *
 * @see [RFC 6265bis - Cookies: HTTP State Management Mechanism, section 4.1.3](https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-4.1.3)
 * @module
 */
import { SessionError } from '../errors.js';

/** Browsers drop a cookie whose name plus value exceeds 4096 bytes (RFC 6265bis §5.7). */
export const MAX_COOKIE_BYTES = 4096;

/** The names of the cookies Latchkey sets, derived once from whether cookies are `Secure`. */
export interface CookieNames {
  /** The session cookie. */
  readonly session: string;
  /** The prefix of the per-login transaction cookies (`<prefix><8 chars of state>`). */
  readonly transactionPrefix: string;
  /** The RP-initiated logout state cookie. */
  readonly logout: string;
  /** Whether cookies carry `Secure` (https base URL). */
  readonly secure: boolean;
}

/**
 * The cookie names for an app served over https (`secure`) or loopback http.
 *
 * @param secure - true when the base URL is https.
 * @param name - the base name, default `lk`.
 * @returns the names, with the `__Host-` prefix when `secure`.
 */
export function cookieNames(secure: boolean, name = 'lk'): CookieNames {
  const p = secure ? '__Host-' : '';
  return {
    session: `${p}${name}-session`,
    transactionPrefix: `${p}${name}-tx-`,
    logout: `${p}${name}-logout`,
    secure,
  };
}

/**
 * Finds one cookie's value in a `Cookie` header without parsing the others: the hot path of every
 * guarded request. Returns the first occurrence (RFC 6265bis §5.8.3: longer paths first; all of
 * Latchkey's cookies have `Path=/`).
 *
 * @param header - the `Cookie` request header, or null.
 * @param name - the exact cookie name.
 * @returns the raw value, or undefined when absent or empty.
 */
export function readCookie(header: string | null | undefined, name: string): string | undefined {
  if (!header) return undefined;
  let from = 0;
  const len = header.length;
  while (from < len) {
    const at = header.indexOf(name, from);
    if (at === -1) return undefined;
    const eq = at + name.length;
    // The match must start a pair (start of header, or after "; " / ";") and be followed by "=".
    let k = at - 1;
    while (k >= 0 && header.charCodeAt(k) === 32) k--;
    if ((k === -1 || header.charCodeAt(k) === 59) && header.charCodeAt(eq) === 61) {
      let end = header.indexOf(';', eq + 1);
      if (end === -1) end = len;
      // Trim trailing spaces by index: `trim()` would copy a 1.5 KB sealed value on every request.
      while (end > eq + 1 && header.charCodeAt(end - 1) === 32) end--;
      return end === eq + 1 ? undefined : header.slice(eq + 1, end);
    }
    from = at + 1;
  }
  return undefined;
}

/**
 * Every cookie in a `Cookie` header whose name starts with `prefix`, in header order.
 *
 * @param header - the `Cookie` request header.
 * @param prefix - the name prefix.
 * @returns name/value pairs.
 */
export function readCookiesWithPrefix(header: string | null | undefined, prefix: string): { name: string; value: string }[] {
  const out: { name: string; value: string }[] = [];
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1) continue;
    const name = part.slice(0, eq).trim();
    if (name.startsWith(prefix)) out.push({ name, value: part.slice(eq + 1).trim() });
  }
  return out;
}

/** Options of one `Set-Cookie` header. */
export interface SetCookieOptions {
  /** Lifetime in seconds; 0 expires the cookie at once. Absent: a browser-session cookie. */
  readonly maxAgeSeconds?: number;
  readonly secure: boolean;
  /** Default `/` (required by the `__Host-` prefix). */
  readonly path?: string;
  /** Default true. */
  readonly httpOnly?: boolean;
}

/**
 * The bytes a cookie's name and value take (UTF-8), as RFC 6265bis §5.6 counts them.
 *
 * @param name - the cookie name.
 * @param value - the cookie value.
 * @returns the byte count of name plus value.
 */
export function cookieBytes(name: string, value: string): number {
  // Latchkey's names and values are ASCII (one byte a character): encode only when they are not.
  const pair = name + value;
  return /^[\x00-\x7f]*$/.test(pair) ? pair.length : new TextEncoder().encode(pair).length;
}

/**
 * Serializes a `Set-Cookie` header value with Latchkey's fixed attributes (`SameSite=Lax`,
 * `HttpOnly`, `Path=/`, `Secure` when https). Every cookie Latchkey sets passes here, so this is
 * where the 4 KB limit is enforced: a larger cookie would be dropped by the browser without a word.
 *
 * @param name - the cookie name.
 * @param value - the cookie value; must already be cookie-safe (base64url and dots).
 * @param options - lifetime and security.
 * @returns the header value.
 * @throws SessionError `COOKIE_TOO_LARGE` when name plus value exceed {@link MAX_COOKIE_BYTES}.
 */
export function serializeCookie(name: string, value: string, options: SetCookieOptions): string {
  // RFC 6265bis §5.6: a user agent ignores a cookie whose name and value exceed 4096 octets.
  const bytes = cookieBytes(name, value);
  if (bytes > MAX_COOKIE_BYTES) {
    throw new SessionError(
      'COOKIE_TOO_LARGE',
      `The cookie ${name.slice(0, 40)} would be ${bytes} bytes, over the ${MAX_COOKIE_BYTES} browsers keep; keep less in it.`,
    );
  }
  let s = `${name}=${value}; Path=${options.path ?? '/'}`;
  if (options.maxAgeSeconds !== undefined) {
    s += `; Max-Age=${Math.max(0, Math.floor(options.maxAgeSeconds))}`;
    if (options.maxAgeSeconds <= 0) s += '; Expires=Thu, 01 Jan 1970 00:00:00 GMT';
  }
  if (options.httpOnly !== false) s += '; HttpOnly';
  if (options.secure) s += '; Secure';
  return `${s}; SameSite=Lax`;
}

/**
 * A `Set-Cookie` value that deletes the cookie.
 *
 * @param name - the cookie name.
 * @param secure - whether the cookie was set with `Secure` (needed to delete a `__Host-` cookie).
 * @returns the header value.
 */
export function expireCookie(name: string, secure: boolean): string {
  return serializeCookie(name, '', { secure, maxAgeSeconds: 0 });
}
