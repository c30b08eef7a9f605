/**
 * Serves a development identity provider over `node:http`: a thin bridge from Node's request and
 * response objects to the Web-standard handler.
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
  /** Shorthand for `idp.issuerFor`. */
  issuerFor(flavor: FlavorName, options?: { readonly tenant?: string }): string;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;

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
  const hostForUrl = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  origin = options.baseUrl?.replace(/\/+$/, '') ?? `http://${hostForUrl}:${address.port}`;
  const { port: _port, host: _host, ...idpOptions } = options;
  idp = createDevIdp({ ...idpOptions, baseUrl: origin });
  const running = idp;
  return {
    url: origin,
    idp: running,
    issuerFor: (flavor, opts) => running.issuerFor(flavor, opts),
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
