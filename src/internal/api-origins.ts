/**
 * API origins: where a provider's access token may be sent. An entry is an origin
 * (`https://api.github.com`), or a wildcard origin
 * `https://*.googleapis.com` matching every host under that domain (any depth, never the bare
 * domain itself), on the default https port. Plain http is accepted only for loopback hosts
 * (`http://127.0.0.1:8080`: tests and the development IdP). Internal: the vault and the presets share it.
 *
 * @see [RFC 6750 - Bearer Token Usage, section 5.3](https://www.rfc-editor.org/rfc/rfc6750.html#section-5.3)
 * @see [RFC 6454 - The Web Origin Concept, section 4](https://www.rfc-editor.org/rfc/rfc6454.html#section-4)
 * @module
 */
import { ConfigurationError } from '../errors.js';
import { isLoopbackHost } from './loopback.js';

/** A compiled list of API origins. */
export interface ApiOriginMatcher {
  /** The normalized entries, for messages. */
  readonly entries: readonly string[];
  /** True when `url` is on one of the origins (https, or http on loopback; no credentials in it). */
  matches(url: URL): boolean;
}

/**
 * Checks one `apiOrigins` entry and returns it normalized (`https://API.GitHub.com/` →
 * `https://api.github.com`).
 *
 * @param entry - the configured value.
 * @param where - what to name in the error, e.g. "the github provider".
 * @returns the normalized origin or wildcard origin.
 * @throws ConfigurationError `CONFIG_INVALID` for anything but an origin or `https://*.domain`.
 */
export function normalizeApiOrigin(entry: string, where: string): string {
  const bad = (why: string): ConfigurationError =>
    new ConfigurationError(
      `\`apiOrigins\` of ${where}: "${String(entry).slice(0, 100)}" ${why}; use an origin such as "https://api.example.com" or "https://*.example.com".`,
    );
  if (typeof entry !== 'string') throw bad('is not a string');
  const wildcard = entry.startsWith('https://*.');
  let url: URL;
  try {
    url = new URL(wildcard ? `https://${entry.slice('https://*.'.length)}` : entry);
  } catch {
    throw bad('is not a URL');
  }
  if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== ''))
    throw bad('must be a bare origin (no path, query or credentials)');
  if (url.hostname.includes('*')) throw bad('may use `*` only as `https://*.domain`');
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname) && !wildcard))
    throw bad('must use https (http only on loopback)');
  if (wildcard && (url.port !== '' || !url.hostname.includes('.') || url.hostname.startsWith('.')))
    throw bad('must be a wildcard over a domain with at least two labels, on the default port');
  return wildcard ? `https://*.${url.hostname}` : url.origin;
}

/**
 * Compiles entries into a matcher.
 *
 * @param entries - normalized origins (see {@link normalizeApiOrigin}).
 * @returns the matcher.
 */
export function compileApiOrigins(entries: Iterable<string>): ApiOriginMatcher {
  const exact = new Set<string>();
  const suffixes: string[] = [];
  for (const e of entries) {
    if (e.startsWith('https://*.')) suffixes.push(`.${e.slice('https://*.'.length)}`);
    else exact.add(e);
  }
  const list = Object.freeze([...exact, ...suffixes.map((s) => `https://*${s}`)]);
  return {
    entries: list,
    matches(url: URL): boolean {
      // Credentials in the URL would go along with the token; never an API call.
      if (url.username !== '' || url.password !== '') return false;
      if (exact.has(url.origin)) return true;
      if (url.protocol !== 'https:' || url.port !== '') return false;
      const host = url.hostname;
      for (const s of suffixes) if (host.length > s.length && host.endsWith(s)) return true;
      return false;
    },
  };
}

/**
 * The origin of an absolute URL, or undefined.
 *
 * @param url - a URL string (an issuer or an endpoint).
 * @returns its origin (`https://host[:port]`).
 */
export function originOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    const o = new URL(url).origin;
    return o === 'null' ? undefined : o;
  } catch {
    return undefined;
  }
}
