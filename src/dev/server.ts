/**
 * Serves a development identity provider over `node:http`: a thin bridge from Node's request and
 * response objects to the Web-standard handler. It answers only requests whose `Host` names its own
 * origin (or a loopback name on the same port), so that a web page cannot reach it through DNS
 * rebinding, and it reports the address it really bound.
 *
 * @module
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createDevIdp, type DevIdp } from './idp.js';
import type { DevIdpOptions, FlavorName } from './types.js';

/** Options of {@link startDevIdp}: the IdP options plus where to listen. */
export interface StartDevIdpOptions extends Omit<DevIdpOptions, 'baseUrl'> {
  /** Port; 0 picks a free one (tests). Default 4000. */
  readonly port?: number;
  /** Interface to listen on. Default `127.0.0.1`. */
  readonly host?: string;
  /** The public origin, when it differs from `http://<host>:<port>` (e.g. `http://localhost:4000`). */
  readonly baseUrl?: string;
}

/** A listening dev IdP. */
export interface RunningDevIdp {
  /** The origin it serves, e.g. `http://127.0.0.1:4000`. */
  readonly url: string;
  /** The IdP: users, `rotateKeys()`, `simulate()`, `logoutUser()`, `logoutDeliveries`. */
  readonly idp: DevIdp;
  /**
   * The socket address it listens on, as the operating system reports it (`0.0.0.0` when bound to
   * every interface, although {@link RunningDevIdp.url} then names `127.0.0.1`).
   */
  readonly address: { readonly address: string; readonly family: string; readonly port: number };
  /** Shorthand for `idp.issuerFor`. */
  issuerFor(flavor: FlavorName, options?: { readonly tenant?: string }): string;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;

/** Host names that always mean this machine: a page on another site cannot make a browser send them. */
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '[::1]'];

/**
 * Whether a request's `Host` header names `origin`, or a loopback name (`localhost`, `127.0.0.1`,
 * `[::1]`) on the same port. DNS rebinding points a name the attacker owns at 127.0.0.1, so the
 * victim's browser sends `Host: evil.example:<port>`: refusing every other Host keeps a development
 * server (the dev IdP, the demo's inspector) out of reach of other sites' pages.
 *
 * @param host - the `Host` header (HTTP/1.1) or `:authority`; absent or malformed is refused.
 * @param origin - the origin the server serves, e.g. `http://127.0.0.1:4000`.
 * @returns true when the request may be served.
 * @example
 * ```ts
 * isAllowedHost('127.0.0.1:4000', 'http://127.0.0.1:4000'); // true
 * isAllowedHost('evil.example:4000', 'http://127.0.0.1:4000'); // false
 * ```
 * @see [RFC 9110 - HTTP Semantics, section 7.2](https://www.rfc-editor.org/rfc/rfc9110.html#section-7.2)
 */
export function isAllowedHost(host: string | undefined, origin: string): boolean {
  // RFC 9110 §7.2: Host is uri-host [":" port]; anything else (userinfo, a path) is malformed.
  if (host === undefined || !/^(?:[a-z0-9.-]+|\[[0-9a-f:.]+\])(?::\d{1,5})?$/i.test(host)) return false;
  let expected: URL;
  let got: URL;
  try {
    expected = new URL(origin);
    got = new URL(`${expected.protocol}//${host}`);
  } catch {
    return false;
  }
  if (got.port !== expected.port) return false;
  const name = got.hostname.toLowerCase().replace(/\.$/, '');
  return name === expected.hostname.toLowerCase() || LOOPBACK_NAMES.includes(name);
}

/**
 * The 421 answer to a request whose `Host` is not this server's.
 * RFC 9110 §15.5.20: 421 Misdirected Request, "not able to produce a response for this target URI".
 */
function misdirected(res: ServerResponse, origin: string): void {
  res.writeHead(421, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
  res.end(`This development server answers only to requests for ${origin} (the Host header names another site: DNS rebinding protection).\n`);
}

async function toWebRequest(req: IncomingMessage, origin: string): Promise<Request> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    else headers.set(name, value);
  }
  const method = req.method ?? 'GET';
  let body: Uint8Array<ArrayBuffer> | undefined;
  if (method !== 'GET' && method !== 'HEAD') {
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of req) {
      const bytes = chunk as Uint8Array;
      size += bytes.length;
      if (size > MAX_BODY_BYTES) throw new RangeError('request body too large');
      chunks.push(bytes);
    }
    body = new Uint8Array(size);
    let offset = 0;
    for (const c of chunks) {
      body.set(c, offset);
      offset += c.length;
    }
  }
  return new Request(new URL(req.url ?? '/', origin), { method, headers, ...(body ? { body } : {}) });
}

async function writeWebResponse(res: ServerResponse, response: Response): Promise<void> {
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((value, name) => {
    if (name !== 'set-cookie') headers[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  res.writeHead(response.status, headers);
  res.end(response.body ? new Uint8Array(await response.arrayBuffer()) : undefined);
}

/**
 * Starts a dev IdP on `node:http`.
 *
 * @param options `port` (default 4000; 0 for tests), `host` (default `127.0.0.1`) and the IdP options.
 * @returns The URL, the IdP, `issuerFor` and `close()`.
 * @example
 * ```ts
 * const dev = await startDevIdp({ port: 0, acceptAnyClient: true });
 * const issuer = dev.issuerFor('google'); // http://127.0.0.1:<port>/google
 * await dev.close();
 * ```
 * @see [OpenID Connect Discovery 1.0](https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig)
 */
export async function startDevIdp(options: StartDevIdpOptions = {}): Promise<RunningDevIdp> {
  const host = options.host ?? '127.0.0.1';
  let idp: DevIdp | undefined;
  let origin = '';
  const server = createServer((req, res) => {
    void (async () => {
      try {
        if (!idp) throw new Error('not ready');
        if (!isAllowedHost(req.headers.host, origin)) return misdirected(res, origin);
        await writeWebResponse(res, await idp.handler(await toWebRequest(req, origin)));
      } catch {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
        res.end('{"error":"server_error"}');
      }
    })();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 4000, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  // An unspecified address (every interface) is not a URL a browser can open: name loopback instead.
  const hostForUrl =
    host === '0.0.0.0' ? '127.0.0.1' : host === '::' || host === '[::]' ? '[::1]' : host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  origin = options.baseUrl?.replace(/\/+$/, '') ?? `http://${hostForUrl}:${address.port}`;
  const { port: _port, host: _host, ...idpOptions } = options;
  idp = createDevIdp({ ...idpOptions, baseUrl: origin });
  const running = idp;
  return {
    url: origin,
    address: { address: address.address, family: address.family, port: address.port },
    idp: running,
    issuerFor: (flavor, opts) => running.issuerFor(flavor, opts),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
