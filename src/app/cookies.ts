/**
 * Cookie names, parsing and `Set-Cookie` serialization for the app layer. Every Latchkey cookie is
 * `HttpOnly`, `SameSite=Lax`, `Path=/` and `Secure` unless the app runs on loopback http; with
 * `Secure` the name carries the `__Host-` prefix, so a sibling sub-domain cannot set or shadow it.
 * `cookies: { sameSite: 'none' }` (for apps on another site, see docs/cross-origin.md) makes them
 * `SameSite=None` and always `Secure` (browsers drop `SameSite=None` without `Secure`).
 *
 * @see [RFC 6265bis - Cookies: HTTP State Management Mechanism, section 4.1.3](https://datatracker.ietf.org/doc/html/draft-ietf-httpbis-rfc6265bis#section-4.1.3)
 * @module
 */
import { ConfigurationError, SessionError } from '../errors.js';

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
  /** Whether cookies carry `Secure` (https base URL, or `cookies.sameSite: 'none'`). */
  readonly secure: boolean;
  /** The `SameSite` attribute of every cookie. Default `Lax`. */
  readonly sameSite?: SameSite;
}

/** The `SameSite` values Latchkey sets. */
export type SameSite = 'Lax' | 'None';

/** `cookies` in the `createAuth` options. */
export interface CookieOptions {
  /**
   * `lax` (default): cookies go with top-level navigations and with requests from the same site
   * only. `none`: also with an allowed app origin on another site (`http://localhost:5173` calling
   * `http://127.0.0.1:3000`); cookies are then always `Secure`. Browsers that block third-party
   * cookies still drop them: prefer one site for app and API (docs/cross-origin.md).
   */
  readonly sameSite?: 'lax' | 'none';
  /**
   * Force `Secure` on (it is on by default for an https `baseUrl`). `false` is refused with
   * `sameSite: 'none'` and on https.
   */
  readonly secure?: boolean;
}

/**
 * Resolves the `cookies` option.
 *
 * @param options - the `cookies` option.
 * @param https - whether the base URL is https.
 * @returns whether cookies are `Secure`, and their `SameSite`.
 * @throws ConfigurationError `COOKIE_SAMESITE_INSECURE` for SameSite=None without Secure, `CONFIG_INVALID` for other values.
 */
export function resolveCookieAttributes(options: CookieOptions | undefined, https: boolean): { secure: boolean; sameSite: SameSite } {
  if (options !== undefined && (typeof options !== 'object' || options === null))
    throw new ConfigurationError("`cookies` must be an object: { sameSite: 'none' }.");
  const sameSite = options?.sameSite ?? 'lax';
  if (sameSite !== 'lax' && sameSite !== 'none')
    throw new ConfigurationError(`\`cookies.sameSite\` must be "lax" or "none" (got "${String(sameSite).slice(0, 20)}").`);
  const secure = options?.secure;
  if (secure !== undefined && typeof secure !== 'boolean') throw new ConfigurationError('`cookies.secure` must be true or false.');
  // RFC 6265bis §5.6.7: a user agent ignores a `SameSite=None` cookie that is not `Secure`.
  if (sameSite === 'none' && secure === false) {
    throw new ConfigurationError(
      "`cookies.sameSite: 'none'` needs Secure cookies (browsers drop SameSite=None without Secure): remove `cookies.secure: false`.",
      'COOKIE_SAMESITE_INSECURE',
    );
  }
  if (https && secure === false) throw new ConfigurationError('`cookies.secure: false` on an https `baseUrl`: cookies of an https app are always Secure.');
  // Browsers keep Secure cookies set by http://localhost and http://127.0.0.1 (potentially trustworthy origins).
  return { secure: https || secure === true || sameSite === 'none', sameSite: sameSite === 'none' ? 'None' : 'Lax' };
}

/**
 * The cookie names for an app served over https (`secure`) or loopback http.
 *
 * @param secure - true when the base URL is https.
 * @param name - the base name, default `lk`.
 * @param sameSite - the `SameSite` attribute, default `Lax`.
 * @returns the names, with the `__Host-` prefix when `secure`.
 */
export function cookieNames(secure: boolean, name = 'lk', sameSite: SameSite = 'Lax'): CookieNames {
  const p = secure ? '__Host-' : '';
  return {
    session: `${p}${name}-session`,
    transactionPrefix: `${p}${name}-tx-`,
    logout: `${p}${name}-logout`,
    secure,
    sameSite,
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
  /** Default `Lax`; `None` always adds `Secure`. */
  readonly sameSite?: SameSite | undefined;
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
 * Serializes a `Set-Cookie` header value with Latchkey's fixed attributes (`SameSite=Lax` or `None`,
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
  const sameSite = options.sameSite ?? 'Lax';
  // RFC 6265bis §5.6.7: `SameSite=None` without `Secure` is dropped by the browser.
  if (options.secure || sameSite === 'None') s += '; Secure';
  return `${s}; SameSite=${sameSite}`;
}

/**
 * A `Set-Cookie` value that deletes the cookie.
 *
 * @param name - the cookie name.
 * @param secure - whether the cookie was set with `Secure` (needed to delete a `__Host-` cookie).
 * @param sameSite - its `SameSite` (a cross-site answer may not set a `Lax` cookie, not even to delete one).
 * @returns the header value.
 */
export function expireCookie(name: string, secure: boolean, sameSite: SameSite = 'Lax'): string {
  return serializeCookie(name, '', { secure, maxAgeSeconds: 0, sameSite });
}
