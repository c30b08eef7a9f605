/**
 * Small request and response helpers shared by the dev IdP's endpoints: parameters, cookies, Bearer
 * tokens, scope lists, OAuth error bodies, and the redirect URIs an unregistered client may use.
 *
 * @module
 */
import { isLoopbackHost } from '../core/http.js';
import { json } from './flavors/flavor.js';

/**
 * Waits, for simulated slowness; never longer than two minutes.
 *
 * @param ms - milliseconds to wait (clamped to 0..120000).
 */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.min(ms, 120_000))));
}

/**
 * An OAuth error response (RFC 6749 §5.2 shape) in JSON with `Cache-Control: no-store`.
 *
 * @param error - the OAuth error code.
 * @param description - the human-readable `error_description`.
 * @param status - the HTTP status (default 400).
 * @param headers - extra response headers.
 */
export function oauthError(error: string, description: string, status = 400, headers: Record<string, string> = {}): Response {
  return json({ error, error_description: description }, status, headers);
}

/**
 * Reads the parameters of a GET query or an urlencoded POST body.
 *
 * @param request - the request; a POST body of another media type counts as no parameters.
 * @returns the parameters, or `undefined` when a parameter repeats.
 */
export async function readParams(request: Request): Promise<Record<string, string> | undefined> {
  let source: URLSearchParams;
  if (request.method === 'POST') {
    const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
    source = type === 'application/x-www-form-urlencoded' ? new URLSearchParams(await request.text()) : new URLSearchParams();
  } else {
    source = new URL(request.url).searchParams;
  }
  const out: Record<string, string> = {};
  for (const [k, v] of source) {
    // RFC 6749 §3.1: request parameters MUST NOT be included more than once.
    if (Object.hasOwn(out, k)) return undefined;
    out[k] = v;
  }
  return out;
}

/**
 * Parses a `Cookie` header into name → value.
 *
 * @param header - the header value, or `null` when absent.
 */
export function parseCookies(header: string | null): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i > 0) out[part.slice(0, i).trim()] = part.slice(i + 1).trim();
  }
  return out;
}

/**
 * Splits a space- (or comma-) separated list into distinct values, in order.
 *
 * @param scope - a `scope` or `prompt` parameter.
 */
export function splitScopes(scope: string | undefined): string[] {
  return [...new Set((scope ?? '').split(/[\s,]+/).filter(Boolean))];
}

/**
 * The access token of an `Authorization` header (RFC 6750 §2.1 `Bearer`, or GitHub's `token`).
 *
 * @param request - the request.
 * @param allowTokenScheme - whether the legacy `token` scheme is accepted.
 */
export function bearerToken(request: Request, allowTokenScheme: boolean): string | undefined {
  const h = request.headers.get('authorization') ?? '';
  const m = /^(Bearer|token)\s+([A-Za-z0-9\-._~+/]+=*)$/i.exec(h.trim());
  if (!m) return undefined;
  if (m[1]!.toLowerCase() === 'token' && !allowTokenScheme) return undefined;
  return m[2];
}

/**
 * Whether a redirect URI may be used by an unregistered client in `acceptAnyClient` mode: http(s)
 * on a loopback host, without a fragment.
 *
 * @param uri - the redirect (or post-logout redirect) URI.
 */
export function isAcceptableDevRedirect(uri: string): boolean {
  try {
    const u = new URL(uri);
    return (u.protocol === 'http:' || u.protocol === 'https:') && isLoopbackHost(u.hostname) && u.hash === '';
  } catch {
    return false;
  }
}
