/**
 * Shared by the HTTP-edge tests (odd methods, bounded bodies) and their child-process server: every
 * adapter stood up with its real framework the way the docs show, a lean `createAuth` (its provider
 * is never contacted: nothing these tests send gets past the edge to the protocol), and a raw
 * `node:net` client for the methods and bodies `fetch` refuses to send.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import type http from 'node:http';
import { createServer } from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { getRequestListener } from '@hono/node-server';
import express from 'express';
import express4 from 'express4';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { NextRequest } from 'next/server.js';
import { latchkey as expressLatchkey } from '../../src/adapters/express.js';
import { latchkey as fastifyLatchkey } from '../../src/adapters/fastify.js';
import { type LatchkeyEnv, latchkey as honoLatchkey } from '../../src/adapters/hono.js';
import { latchkey as nextLatchkey } from '../../src/adapters/next.js';
import { latchkey as nodeLatchkey, sendWebResponse } from '../../src/adapters/node.js';
import { type Auth, createAuth } from '../../src/app/create-auth.js';
import type { AuthOptions } from '../../src/app/config.js';
import type { Profile } from '../../src/providers/types.js';

/** A body parser limit far over the 64 KB budget, as an app might configure it. */
const BIG_PARSER_LIMIT = 100 * 1024 * 1024;

/** createAuth with one provider that is never contacted. */
export function edgeAuth(baseUrl: string, options: Partial<AuthOptions> = {}): Auth {
  return createAuth({
    baseUrl,
    secret: 'edge-secret-0123456789abcdefghijklmnopqrstuvwxyz',
    providers: [
      {
        id: 'op',
        name: 'Never contacted',
        kind: 'oidc',
        issuer: 'http://127.0.0.1:9/never',
        clientId: 'rp',
        clientSecret: 'rp-secret-0123456789abcdefghijklmnop',
        scopes: ['openid'],
        mapProfile: (raw): Profile => ({ issuer: 'x', subject: String(raw.sub), email: null, emailVerified: false, name: null, givenName: null, familyName: null, picture: null, locale: null, raw }),
      },
    ],
    accessToken: { allowedOrigins: ['http://127.0.0.1:1'] },
    ...options,
  });
}

/** A Node request listener (and how to close it) for one adapter. */
export type EdgeFactory = (auth: Auth) => Promise<{ listener: http.RequestListener; close?: () => Promise<void> }>;

/** Express routes as the docs show them, optionally behind body parsers with a large limit. */
function expressApp(make: typeof express, parsers: boolean, auth: Auth): http.RequestListener {
  const app = make();
  if (parsers) app.use(make.urlencoded({ extended: false, limit: BIG_PARSER_LIMIT }), make.json({ limit: BIG_PARSER_LIMIT }), make.text({ limit: BIG_PARSER_LIMIT }));
  const lk = expressLatchkey(auth);
  app.use(lk.router);
  app.get('/me', lk.requireUser, (_req, res) => {
    res.json({ user: res.locals.user });
  });
  return app as unknown as http.RequestListener;
}

async function fastifyApp(auth: Auth, rootParser: boolean): Promise<{ listener: http.RequestListener; close: () => Promise<void> }> {
  const app = Fastify();
  // An app-wide form parser with a large limit, registered before the plugin.
  if (rootParser) app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: BIG_PARSER_LIMIT }, (_req, body, done) => done(null, body));
  const lk = fastifyLatchkey(auth);
  await app.register(lk.plugin);
  app.get('/me', { preHandler: lk.requireUser }, async (req) => ({ user: lk.user(req) }));
  await app.ready();
  return { listener: (req, res) => app.routing(req, res), close: () => app.close() };
}

/** Every adapter, stood up as its docs show. */
export const EDGE_ADAPTERS: Record<string, EdgeFactory> = {
  async 'node:http'(auth) {
    const lk = nodeLatchkey(auth);
    // The pattern of docs/app.md, verbatim: an async listener whose rejection nobody catches.
    return {
      listener: async (req, res) => {
        if (await lk.handle(req, res)) return;
        const user = await lk.requireUser(req, res);
        if (user) res.end(JSON.stringify({ user }));
      },
    };
  },
  'express 5': async (auth) => ({ listener: expressApp(express, false, auth) }),
  'express 4': async (auth) => ({ listener: expressApp(express4 as unknown as typeof express, false, auth) }),
  'express 5 + parsers': async (auth) => ({ listener: expressApp(express, true, auth) }),
  'express 4 + parsers': async (auth) => ({ listener: expressApp(express4 as unknown as typeof express, true, auth) }),
  fastify: (auth) => fastifyApp(auth, false),
  'fastify + root parser': (auth) => fastifyApp(auth, true),
  async hono(auth) {
    const app = new Hono<LatchkeyEnv>();
    const lk = honoLatchkey(auth);
    app.all('/auth/*', lk.handler);
    app.get('/me', lk.requireUser, (c) => c.json({ user: c.get('user') }));
    return { listener: getRequestListener(app.fetch) };
  },
  async next(auth) {
    // Next's own request class in front of the route handlers, the body streamed as Next does.
    const route = nextLatchkey(auth);
    const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = route;
    const byMethod: Record<string, ((r: Request) => Promise<Response>) | undefined> = { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS };
    return {
      listener: (req, res) => {
        const headers = new Headers();
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
        const method = req.method ?? 'GET';
        const url = new URL(req.url ?? '/', auth.config.origin);
        const handle = byMethod[method];
        if (!handle || !url.pathname.startsWith('/auth/')) {
          // Next itself answers methods a route module does not export.
          res.writeHead(405).end();
          return;
        }
        const hasBody = method !== 'GET' && method !== 'HEAD';
        const request = new NextRequest(url, { method, headers, ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream<Uint8Array>, duplex: 'half' } : {}) } as ConstructorParameters<typeof NextRequest>[1]);
        void handle(request).then((r) => sendWebResponse(res, r));
      },
    };
  },
};

/** The answer a raw client got; status 0 when the connection closed (or timed out) without one. */
export interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  /** How many body bytes the client managed to send before the answer or the close. */
  readonly sent: number;
}

/**
 * Sends one raw HTTP/1.1 request over `node:net` and reads the answer, whatever the method or body
 * framing. `body` is sent as is (`Content-Length` framing) or, as `chunked`, `chunks` chunks of
 * `chunkBytes` each, stopping as soon as an answer arrives or the server closes; `relentless`, as
 * an attacker would, it ignores the answer and keeps sending until the server closes the
 * connection. Bounded by `timeoutMs`.
 */
export function rawRequest(
  port: number,
  head: string,
  options: { body?: string; chunked?: { chunks: number; chunkBytes: number }; timeoutMs?: number; relentless?: boolean } = {},
): Promise<RawAnswer> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let data = Buffer.alloc(0);
    let sent = 0;
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(parse(data, sent));
    };
    const timer = setTimeout(finish, options.timeoutMs ?? 5000);
    socket.on('data', (d: Buffer) => {
      data = Buffer.concat([data, d]);
      if (!options.relentless && complete(data, head.startsWith('HEAD '))) finish();
    });
    socket.on('error', () => {});
    socket.on('close', finish);
    socket.on('connect', () => {
      socket.write(head);
      if (options.body !== undefined) {
        socket.write(options.body);
        sent += Buffer.byteLength(options.body);
      }
      if (options.chunked) void sendChunks(socket, options.chunked, () => done || (!options.relentless && data.length > 0), (n) => (sent += n));
    });
  });
}

async function sendChunks(socket: net.Socket, spec: { chunks: number; chunkBytes: number }, stop: () => boolean, count: (n: number) => void): Promise<void> {
  const chunk = Buffer.concat([Buffer.from(`${spec.chunkBytes.toString(16)}\r\n`), Buffer.alloc(spec.chunkBytes, 0x61), Buffer.from('\r\n')]);
  for (let i = 0; i < spec.chunks && !stop() && !socket.destroyed; i++) {
    const flushed = socket.write(chunk);
    count(spec.chunkBytes);
    if (!flushed) {
      // Wait for the kernel to take more, for the server to answer, or for the socket to go.
      await new Promise<void>((resume) => {
        const go = (): void => {
          socket.off('drain', go);
          socket.off('close', go);
          socket.off('data', go);
          resume();
        };
        socket.on('drain', go);
        socket.on('close', go);
        socket.on('data', go);
      });
    }
  }
  if (!stop() && !socket.destroyed) socket.write('0\r\n\r\n');
}

function complete(data: Buffer, headOnly: boolean): boolean {
  const end = data.indexOf('\r\n\r\n');
  if (end === -1) return false;
  if (headOnly) return true;
  const head = data.subarray(0, end).toString('latin1');
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
  if (length) return data.length - end - 4 >= Number(length[1]);
  return /\r\ntransfer-encoding:\s*chunked/i.test(head) ? data.subarray(end).includes('\r\n0\r\n\r\n') : false;
}

function parse(data: Buffer, sent: number): RawAnswer {
  const end = data.indexOf('\r\n\r\n');
  if (end === -1) return { status: 0, headers: {}, body: '', sent };
  const lines = data.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '')?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of lines.slice(1)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  let body = data.subarray(end + 4);
  if (/chunked/i.test(headers['transfer-encoding'] ?? '')) body = dechunk(body);
  return { status, headers, body: body.toString('utf8'), sent };
}

function dechunk(b: Buffer): Buffer {
  const out: Buffer[] = [];
  let at = 0;
  for (;;) {
    const eol = b.indexOf('\r\n', at);
    if (eol === -1) break;
    const size = Number.parseInt(b.subarray(at, eol).toString('latin1'), 16);
    if (!(size > 0)) break;
    out.push(b.subarray(eol + 2, eol + 2 + size));
    at = eol + 2 + size + 2;
  }
  return Buffer.concat(out);
}

/** A server on 127.0.0.1:0 whose listener is set once the URL (and so `baseUrl`) is known. */
export async function listenEdge(name: string, makeAuth: (base: string) => Auth = (base) => edgeAuth(base)): Promise<{ base: string; port: number; auth: Auth; close(): Promise<void> }> {
  let listener: http.RequestListener | undefined;
  const server = createServer((req, res) => listener!(req, res));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  const base = `http://127.0.0.1:${port}`;
  const auth = makeAuth(base);
  const made = await EDGE_ADAPTERS[name]!(auth);
  listener = made.listener;
  return {
    base,
    port,
    auth,
    async close() {
      await made.close?.();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Starts `fixtures/edge-server.ts` for one adapter in a child process. */
export async function startEdgeServer(name: string): Promise<{ child: ChildProcess; port: number }> {
  const script = fileURLToPath(new URL('./fixtures/edge-server.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, name], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.setEncoding('utf8');
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('edge server did not start in 20 s')), 20_000);
    child.stdout!.on('data', (d: string) => {
      out += d;
      const m = /listening (\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`edge server exited with ${code}`));
    });
  });
  return { child, port };
}
