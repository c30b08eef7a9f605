/**
 * `returnTo` validation: the accepted forms are a same-origin path such as `/dashboard?tab=2`, and,
 * for apps on another origin, an absolute URL that starts with an origin of `cors.origins` exactly
 * (`http://localhost:5173/settings`), whose path passes every check below on that origin.
 * Other absolute URLs, scheme-relative `//host`, backslash tricks (`/\host`), control characters and
 * anything that resolves to another origin are refused, so the login and logout routes can never
 * be used as an open redirect.
 *
 * What is checked is what will be emitted: the value is normalised first (dot segments, `%2e`
 * dots, percent-encoding of everything else, as a browser would resolve it), and the result must
 * itself be a plain same-origin path that normalises to itself. `/..//evil.example` passes a check
 * of the raw value but normalises to `//evil.example`, which is why the raw check alone is not enough.
 *
 * @see [RFC 9700 - Best Current Practice for OAuth 2.0 Security, section 4.11](https://www.rfc-editor.org/rfc/rfc9700.html#section-4.11)
 * @module
 */
import { SessionError } from '../errors.js';

/**
 * The longest `returnTo` accepted, in characters, both as given and once normalised and
 * percent-encoded (the emitted form is ASCII, so characters are bytes). It bounds the transaction
 * cookie that carries it: a non-ASCII character grows to up to nine bytes when encoded.
 */
export const MAX_RETURN_TO_LENGTH = 512;

/**
 * True for a string that can only be read as a path on the current origin: one leading slash,
 * never two (scheme-relative) nor a backslash, which browsers treat as a slash (`/\evil.example`),
 * and no control characters or spaces (header splitting; browsers strip tabs and newlines from
 * URLs, so `/\t/evil` would become `//evil`).
 */
function isPlainPath(value: string): boolean {
  if (value.charCodeAt(0) !== 47) return false;
  const second = value.charCodeAt(1);
  if (second === 47 || second === 92) return false;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f || c === 92) return false;
  }
  return true;
}

/** Percent-encoded separators that a server decoding the path once more would turn into `//host`. */
const ENCODED_SEPARATORS = /%(?:2f|5c|25|09|0a|0d)/gi;
const DECODED: Readonly<Record<string, string>> = { '2f': '/', '5c': '\\', '25': '%', '09': '', '0a': '', '0d': '' };
/** An encoded dot: decoded along with the separators, it can form a dot segment (`%2e%2e%2f` → `../`). */
const ENCODED_DOT = /%2e/gi;

/** True when `path` starts with `//` or `/\`, or its dot segments resolve it to a path that does. */
function readsAsOtherHost(path: string): boolean {
  const starts = (p: string): boolean => p.charCodeAt(0) === 47 && (p.charCodeAt(1) === 47 || p.charCodeAt(1) === 92);
  if (starts(path)) return true;
  let resolved: string;
  try {
    // WHATWG URL: `\` is a separator and `..` pops a segment, as in the browser and most servers.
    resolved = new URL(path.replace(ENCODED_DOT, '.'), 'http://h.invalid').pathname;
  } catch {
    return false;
  }
  return starts(resolved);
}

/**
 * True when decoding `%2f`, `%5c`, `%25` and tab/CR/LF (up to three times, as a proxy or app that
 * decodes again would) makes the path start with `//` or `/\`, directly (`/%2f%2fevil.example`,
 * `/%252f/evil.example`) or once its dot segments are resolved, with `%2e` read as a dot
 * (`/x/%2e%2e%2f%2fevil.example` → `/x/..//evil.example` → `//evil.example`). Refused too, so that
 * no second decoding downstream turns it into a redirect.
 */
function decodesToOtherHost(path: string): boolean {
  let p = path;
  for (let round = 0; round < 3; round++) {
    const next = p.replace(ENCODED_SEPARATORS, (m) => DECODED[m.slice(1).toLowerCase()] ?? m);
    if (next === p) return false;
    p = next;
    if (readsAsOtherHost(p)) return true;
  }
  return false;
}

/** The path, query and fragment of `value` resolved against `origin`, or undefined when it leaves it. */
function normalise(value: string, origin: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value, origin);
  } catch {
    return undefined;
  }
  if (url.origin !== origin) return undefined;
  return `${url.pathname}${url.search}${url.hash}`;
}

/**
 * Checks a `returnTo` value and returns the same-origin path to emit (in a `Location` header or a
 * JSON `redirectTo`). The returned path starts with exactly one `/`, is printable ASCII, is at most
 * {@link MAX_RETURN_TO_LENGTH} characters, and is returned unchanged when checked again. With
 * `appOrigins`, a value that starts with one of them exactly, followed by `/` (or nothing), is that
 * origin followed by its path checked the same way on that origin.
 *
 * @param value - the untrusted value (query parameter, form field or stored transaction field).
 * @param origin - the app's origin, e.g. `https://app.example`.
 * @param appOrigins - other app origins a `returnTo` may name (`cors.origins`, already validated).
 * @returns the normalised path, query and fragment (prefixed by the app origin it names, if any).
 * @throws SessionError `RETURN_TO_INVALID` for anything but a same-origin path or a URL on an app
 *   origin, including a value whose normalised form would leave the origin (`/..//evil.example`) or is too long.
 */
export function safeReturnTo(value: string, origin: string, appOrigins: readonly string[] = []): string {
  if (typeof value === 'string' && appOrigins.length > 0 && value.charCodeAt(0) !== 47) return appOriginReturnTo(value, appOrigins);
  return samePathReturnTo(value, origin);
}

/**
 * A `returnTo` on another app origin: the raw value must start with the origin exactly (as
 * validated at start-up, so `https://spa.example.com.evil.example`, `https://spa.example.com@evil`
 * or `https:\\spa.example.com` match none), followed by `/` or nothing; the rest is a path checked
 * on that origin like any same-origin `returnTo`.
 */
function appOriginReturnTo(value: string, appOrigins: readonly string[]): string {
  if (value.length > MAX_RETURN_TO_LENGTH) throw new SessionError('RETURN_TO_INVALID');
  for (const appOrigin of appOrigins) {
    if (value === appOrigin) return `${appOrigin}/`;
    if (value.startsWith(appOrigin) && value.charCodeAt(appOrigin.length) === 47) {
      // RFC 9700 §4.11: the path gets every check a same-origin returnTo gets, on its own origin.
      const emitted = `${appOrigin}${samePathReturnTo(value.slice(appOrigin.length), appOrigin)}`;
      if (emitted.length > MAX_RETURN_TO_LENGTH) break;
      return emitted;
    }
  }
  throw new SessionError('RETURN_TO_INVALID');
}

/** {@link safeReturnTo} for a same-origin path. */
function samePathReturnTo(value: string, origin: string): string {
  const invalid = (): SessionError => new SessionError('RETURN_TO_INVALID');
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_RETURN_TO_LENGTH || !isPlainPath(value)) throw invalid();
  const emitted = normalise(value, origin);
  // RFC 9700 §4.11: validate what is emitted. Dot segments (`/..//x`, `/%2e%2e//x`, `/x/..//x`)
  // collapse to `//x` during normalisation, which a browser reads as another host.
  if (emitted === undefined || emitted.length > MAX_RETURN_TO_LENGTH || !isPlainPath(emitted) || !isPrintableAscii(emitted)) throw invalid();
  if (decodesToOtherHost(emitted)) throw invalid();
  // The emitted form must be a fixed point: resolving it again (as the browser will) changes nothing.
  if (normalise(emitted, origin) !== emitted) throw invalid();
  return emitted;
}

function isPrintableAscii(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

/**
 * Like {@link safeReturnTo} but returns `fallback` instead of throwing.
 *
 * @param value - the untrusted value, or null.
 * @param origin - the app's origin.
 * @param fallback - returned when `value` is absent or not a same-origin path.
 * @param appOrigins - other app origins a `returnTo` may name (`cors.origins`).
 * @returns a same-origin path, or a URL on one of `appOrigins`.
 */
export function returnToOr(value: string | null | undefined, origin: string, fallback = '/', appOrigins: readonly string[] = []): string {
  if (value === null || value === undefined) return fallback;
  try {
    return safeReturnTo(value, origin, appOrigins);
  } catch {
    return fallback;
  }
}
