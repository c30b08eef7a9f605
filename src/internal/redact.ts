/**
 * Redacts credentials embedded in URLs before a URL (or a message that may quote one) is printed:
 * `postgres://user:secret@host/db` becomes `postgres://user:***@host/db`, and query parameters that
 * carry secrets (`?password=…`, `?access_token=…`) keep their name only. One helper for every place
 * that prints or throws a URL: `latchkey doctor`, `latchkey migrate`, the database URL errors, the
 * dev IdP banner, the demo's log. Internal: not exported from the package.
 *
 * @module
 */

/** The mask printed instead of a credential. */
export const REDACTED = '***';

/** Query parameter names whose values are credentials (drivers accept `?password=` in the URL). */
const SECRET_QUERY_NAME = /pass|pwd|secret|token|api[-_]?key|credential|signature|^(?:sig|key|auth|authorization)$/i;

/** A URL with an authority (`scheme://…`) inside free text: up to whitespace, a quote or a bracket. */
const URL_IN_TEXT = /\b[a-z][a-z0-9+.-]*:\/\/[^\s"'`<>(){}]+/gi;

/**
 * The URL with its userinfo and secret query values masked. Works on the text, not through `new URL`,
 * so that a URL the WHATWG parser rejects (an unencoded `/` or `#` in a password) is masked too:
 * everything before the last `@` of the URL counts as userinfo, which may mask more than needed but
 * never less.
 *
 * @param url - any string; text without `scheme://` comes back unchanged.
 * @returns the URL with `user:***@` (or `***@` when the userinfo has no `:`), and `name=***` for
 *   query parameters whose names say password, secret, token or key.
 * @example
 * ```ts
 * redactUrl('postgres://app:hunter2@db.internal/auth'); // 'postgres://app:***@db.internal/auth'
 * ```
 * @see [RFC 3986 - Uniform Resource Identifier (URI): Generic Syntax](https://www.rfc-editor.org/rfc/rfc3986.html#section-3.2.1)
 */
export function redactUrl(url: string): string {
  const start = url.indexOf('://');
  if (start === -1 || !/^[a-z][a-z0-9+.-]*$/i.test(url.slice(0, start))) return url;
  const head = url.slice(0, start + 3);
  let rest = url.slice(start + 3);
  // RFC 3986 §3.2.1: userinfo ends at "@"; a password may hold a raw "@", so take the last one.
  const at = rest.lastIndexOf('@');
  if (at !== -1) {
    const userinfo = rest.slice(0, at);
    const colon = userinfo.indexOf(':');
    const user = colon > 0 && !/[/?#]/.test(userinfo.slice(0, colon)) ? userinfo.slice(0, colon) : '';
    const kept = user !== '' ? `${user}:` : colon === 0 ? ':' : '';
    rest = `${kept}${REDACTED}@${rest.slice(at + 1)}`;
  }
  const q = rest.indexOf('?');
  if (q !== -1) {
    const hash = rest.indexOf('#', q);
    const query = rest.slice(q + 1, hash === -1 ? undefined : hash);
    const masked = query
      .split('&')
      .map((pair) => {
        const eq = pair.indexOf('=');
        if (eq === -1) return pair;
        let name = pair.slice(0, eq);
        try {
          name = decodeURIComponent(name);
        } catch {
          // keep the raw name
        }
        return SECRET_QUERY_NAME.test(name) ? `${pair.slice(0, eq)}=${REDACTED}` : pair;
      })
      .join('&');
    rest = `${rest.slice(0, q + 1)}${masked}${hash === -1 ? '' : rest.slice(hash)}`;
  }
  return `${head}${rest}`;
}

/**
 * Masks the credentials of every URL found in `text` (an error message, a log line).
 *
 * @param text - free text that may quote URLs.
 * @returns the text with each `scheme://…` URL passed through {@link redactUrl}.
 */
export function redactUrlsIn(text: string): string {
  return text.replace(URL_IN_TEXT, (url) => redactUrl(url));
}

/** A JWT (three base64url segments) or a run of 32+ token characters: what a code, a token or a secret looks like. */
const OPAQUE_TOKEN_IN_TEXT = /\beyJ[\w-]*\.[\w-]*\.[\w-]*|(?<![\w/.-])[\w~+/-]{32,}={0,2}(?![\w/-])/g;

/**
 * Masks what looks like a credential in free text meant for a log line: URL credentials (as
 * {@link redactUrlsIn}), JWTs, and runs of 32 or more token characters (authorization codes, access
 * and refresh tokens, client secrets, cookie values). A provider's `error_description` may quote
 * what it refused; the log must not repeat it.
 *
 * @param text - free text (an error message).
 * @returns the text with each such credential replaced by {@link REDACTED}.
 * @example
 * ```ts
 * redactCredentialsIn('code abcdefghijklmnopqrstuvwxyz0123456789ABC is invalid'); // 'code *** is invalid'
 * ```
 */
export function redactCredentialsIn(text: string): string {
  return redactUrlsIn(text).replace(OPAQUE_TOKEN_IN_TEXT, REDACTED);
}

/**
 * Text cut to at most `n` characters, with an ellipsis when cut (for provider text in messages).
 *
 * @param s - the text.
 * @param n - the most characters kept.
 * @returns the text, or its first `n` characters and `…`.
 */
export function truncateText(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n)}…` : s;
}

/**
 * A URL without its query and fragment (where codes, tokens and states travel).
 *
 * @param url - the URL as text.
 * @returns the URL up to its first `?` or `#`.
 */
export function urlWithoutQuery(url: string): string {
  const q = url.search(/[?#]/);
  return q === -1 ? url : url.slice(0, q);
}

/** Who gave an OAuth error, by code: the message says who answered what (the hint says what to do). */
const PROVIDER_ERROR_SOURCE: Readonly<Record<string, string>> = {
  AUTHORIZATION_ERROR: 'The provider answered the sign-in with',
  TOKEN_ERROR: 'The token endpoint answered',
  PAR_ERROR: 'The pushed authorization request endpoint answered',
  USERINFO_ERROR: 'The userinfo endpoint answered',
  REVOCATION_ERROR: 'The revocation endpoint answered',
  RESOURCE_ERROR: 'The resource server answered',
};

/**
 * One sentence: who answered which OAuth error, and the provider's description, e.g. `The token
 * endpoint answered "invalid_client": client authentication failed.` It does not repeat the hint.
 *
 * @param code - the Latchkey error code (`TOKEN_ERROR`, …), which says who answered.
 * @param fields - the provider's `error` and `error_description` (RFC 6749 §5.2).
 * @returns the message: one line, bounded.
 */
export function providerErrorMessage(code: string, fields: { error: string; error_description?: string }): string {
  const source = (Object.hasOwn(PROVIDER_ERROR_SOURCE, code) ? PROVIDER_ERROR_SOURCE[code] : undefined) ?? 'The provider answered';
  // The description is the provider's text: one line, bounded.
  const desc = fields.error_description ? `: ${truncateText(fields.error_description.replace(/\s+/g, ' ').trim(), 300)}` : '';
  const sentence = `${source} "${truncateText(fields.error, 80)}"${desc}`;
  return /[.!?…]$/.test(sentence) ? sentence : `${sentence}.`;
}
