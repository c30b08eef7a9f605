/**
 * Where a request came from, as the browser saw it. By default the app's origin is the configured
 * `baseUrl` and forwarded headers are ignored (a client can send any `X-Forwarded-Host`). With
 * `trustProxy: true` the app sits behind a reverse proxy that sets `Forwarded` (RFC 7239) or
 * `X-Forwarded-Proto`/`X-Forwarded-Host`, and those are honoured, the first (client-side) hop first.
 *
 * @see [RFC 7239 - Forwarded HTTP Extension](https://www.rfc-editor.org/rfc/rfc7239.html#section-4)
 * @module
 */
import { type AuthRequest, headerOf } from './http-shapes.js';

/**
 * The origin the browser used for this request.
 *
 * @param request - the incoming request.
 * @param trustProxy - whether forwarded headers are honoured.
 * @param baseOrigin - the configured app origin, used when `trustProxy` is false.
 * @returns an origin such as `https://app.example`, or `baseOrigin` when it cannot be told.
 */
export function externalOrigin(request: Request | AuthRequest, trustProxy: boolean, baseOrigin: string): string {
  if (!trustProxy) return baseOrigin;
  const h = { get: (name: string): string | null => headerOf(request, name) };
  let proto: string | undefined;
  let host: string | undefined;
  const forwarded = h.get('forwarded');
  if (forwarded) {
    // RFC 7239 §4: comma-separated elements, one per proxy; the first is the client-facing one.
    const first = forwarded.split(',')[0]!;
    for (const pair of first.split(';')) {
      const eq = pair.indexOf('=');
      if (eq === -1) continue;
      const key = pair.slice(0, eq).trim().toLowerCase();
      const value = pair
        .slice(eq + 1)
        .trim()
        .replace(/^"(.*)"$/, '$1');
      if (key === 'proto') proto = value.toLowerCase();
      else if (key === 'host') host = value;
    }
  }
  proto ??= h.get('x-forwarded-proto')?.split(',')[0]?.trim().toLowerCase();
  host ??= h.get('x-forwarded-host')?.split(',')[0]?.trim();
  let url: URL;
  try {
    url = new URL('header' in request ? request.origin : request.url);
  } catch {
    return baseOrigin;
  }
  const scheme = proto === 'https' || proto === 'http' ? proto : url.protocol.slice(0, -1);
  const authority = host && /^[A-Za-z0-9.\-:[\]]+$/.test(host) ? host : (h.get('host') ?? url.host);
  try {
    return new URL(`${scheme}://${authority}`).origin;
  } catch {
    return baseOrigin;
  }
}

/**
 * Whether a state-changing request comes from the app's own origin: `Origin`, when sent, must equal
 * `origin`, and `Sec-Fetch-Site`, when sent, must be `same-origin`; an opaque `Origin: null` passes
 * only with `Sec-Fetch-Site: same-origin`. A request carrying neither
 * (old clients, non-browser callers) passes this check and must be protected by a CSRF token.
 *
 * @param request - the incoming request.
 * @param origin - the app's origin.
 * @returns false when the browser says the request is cross-origin.
 * @see [Fetch Metadata Request Headers, section 2.1](https://www.w3.org/TR/fetch-metadata/#sec-fetch-site-header)
 */
export function isSameOrigin(request: Request | AuthRequest, origin: string): boolean {
  const o = headerOf(request, 'origin');
  const site = headerOf(request, 'sec-fetch-site');
  // RFC 6454 §7.3: browsers send the opaque `Origin: null` for a same-origin form posted from a page
  // under `Referrer-Policy: no-referrer`; only Fetch Metadata can then vouch for it.
  if (o === 'null') return site === 'same-origin';
  if (o !== null && o !== origin) return false;
  if (site !== null && site !== 'same-origin') return false;
  return true;
}

/** An IPv4 or IPv6 address as a header may carry it (no brackets, no port). */
const ADDRESS = /^[0-9A-Fa-f:.]{2,45}$/;

/**
 * The client's address. Without `trustProxy`: the socket's peer (`remoteAddress`, Node-family
 * adapters; absent on the Web-standard handler). With it: the address the proxy put last in
 * `Forwarded: for=` (RFC 7239 §5.2) or `X-Forwarded-For`: the entry the nearest proxy added, which
 * a client cannot forge by sending the header itself (leftmost entries can be); else the peer.
 *
 * @param request - the incoming request.
 * @param trustProxy - whether forwarded headers are honoured.
 * @returns the address (IPv6 without brackets or zone), or undefined when it cannot be told.
 */
export function clientAddress(request: AuthRequest, trustProxy: boolean): string | undefined {
  if (trustProxy) {
    const forwarded = request.header('forwarded');
    let last: string | undefined;
    if (forwarded) {
      for (const element of forwarded.split(',')) {
        for (const pair of element.split(';')) {
          const eq = pair.indexOf('=');
          if (eq !== -1 && pair.slice(0, eq).trim().toLowerCase() === 'for') last = pair.slice(eq + 1).trim();
        }
      }
    }
    last ??= request.header('x-forwarded-for')?.split(',').pop()?.trim();
    const address = last === undefined ? undefined : plainAddress(last);
    if (address !== undefined) return address;
  }
  const peer = request.remoteAddress;
  return peer === undefined ? undefined : plainAddress(peer);
}

/** `"[2001:db8::1]:443"` → `2001:db8::1`, `192.0.2.1:80` → `192.0.2.1`, `::ffff:192.0.2.1` → `192.0.2.1`; anything else undefined. */
function plainAddress(raw: string): string | undefined {
  let v = raw.replace(/^"(.*)"$/, '$1');
  const bracket = /^\[([^\]]+)\](?::\d+)?$/.exec(v);
  if (bracket) v = bracket[1]!;
  else if (/^[0-9.]+:\d+$/.test(v)) v = v.slice(0, v.indexOf(':'));
  v = v.replace(/%.*$/, '');
  if (/^::ffff:[0-9.]+$/i.test(v)) v = v.slice(7);
  return ADDRESS.test(v) ? v.toLowerCase() : undefined;
}
