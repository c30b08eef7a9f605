/**
 * Headers of the transport: the merged request headers with the `Accept` of the expected body,
 * any `HeadersInit` as a plain record, and the parsing of a `WWW-Authenticate` challenge.
 *
 * @module
 */
import type { ExpectedBody } from './http-types.js';

/**
 * The request's headers: the transport's defaults, then the request's own (which win), then an
 * `Accept` for the expected body unless the request set one (fetch itself sends a wildcard). Merged
 * into one plain record with lower-case names (fetch copies a record faster than a `Headers`).
 */
export function headerRecord(own: HeadersInit | undefined, defaults: Readonly<Record<string, string>> | undefined, expect: ExpectedBody): HeadersInit {
  const accept = acceptFor(expect);
  // Nothing to merge: fetch takes the request's own headers as they are (it copies them).
  if (defaults === undefined && accept === undefined && own !== undefined) return own;
  const out: Record<string, string> = {};
  if (defaults) for (const name of Object.keys(defaults)) out[name.toLowerCase()] = defaults[name]!;
  Object.assign(out, toHeaderRecord(own));
  if (out.accept === undefined && accept !== undefined) out.accept = accept;
  return out;
}

/**
 * Any `HeadersInit` as a plain record with lower-case names; repeated names are combined, as
 * `Headers` does (RFC 9110 §5.3).
 */
export function toHeaderRecord(init: HeadersInit | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (init === undefined) return out;
  if (init instanceof Headers) {
    init.forEach((value, name) => {
      out[name] = value;
    });
  } else if (Array.isArray(init)) {
    for (const [rawName, value] of init) {
      const name = rawName!.toLowerCase();
      out[name] = out[name] === undefined ? value! : `${out[name]}, ${value}`;
    }
  } else {
    for (const name of Object.keys(init)) {
      const key = name.toLowerCase();
      const value = (init as Record<string, string>)[name]!;
      out[key] = out[key] === undefined ? value : `${out[key]}, ${value}`;
    }
  }
  return out;
}

/** The `Accept` header for an expected body (none for `none`, `any`, `stream`: fetch sends a wildcard). */
function acceptFor(expect: ExpectedBody): string | undefined {
  switch (expect) {
    case 'json':
      return 'application/json';
    case 'jwt':
      return 'application/jwt';
    case 'json-or-jwt':
      return 'application/json, application/jwt';
    default:
      return undefined;
  }
}

/** A parsed `WWW-Authenticate` challenge (RFC 6750 §3, RFC 9449 §7.1). */
export interface WwwAuthenticateChallenge {
  readonly scheme: string;
  readonly error?: string;
  readonly error_description?: string;
  readonly params: Readonly<Record<string, string>>;
}

/**
 * Parses the first challenge of a `WWW-Authenticate` header. The scheme is lower-cased (schemes
 * are case-insensitive, RFC 9110 §11.1).
 */
export function parseWwwAuthenticate(header: string | null): WwwAuthenticateChallenge | undefined {
  if (!header) return undefined;
  const m = /^\s*([A-Za-z0-9!#$%&'*+.^_`|~-]+)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  const re = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))\s*,?\s*/g;
  let p: RegExpExecArray | null;
  while ((p = re.exec(m[2]!)) !== null) {
    params[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3]!;
  }
  return { scheme: m[1]!.toLowerCase(), error: params.error, error_description: params.error_description, params };
}
