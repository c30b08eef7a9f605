/**
 * Shared by the HTTP-edge tests (odd methods, bounded bodies) and their child-process server: every
 * adapter stood up with its real framework the way the docs show, and a lean `createAuth` (its
 * provider is never contacted: nothing these tests send gets past the edge to the protocol).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import type http from 'node:http';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
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
import { latchkey as honoLatchkey, type LatchkeyEnv } from '../../src/adapters/hono.js';
import { sendWebResponse } from '../../src/adapters/internal/node-http.js';
import { latchkey as nextLatchkey } from '../../src/adapters/next.js';
import { latchkey as nodeLatchkey } from '../../src/adapters/node.js';
import type { AuthOptions } from '../../src/app/config.js';
import { type Auth, createAuth } from '../../src/app/create-auth.js';
import type { Profile, ProviderConfig } from '../../src/providers/types.js';

export { type RawAnswer, rawRequest } from './raw-http.js';

/** A body parser limit far over the 64 KB budget, as an app might configure it. */
const BIG_PARSER_LIMIT = 100 * 1024 * 1024;

/** The one provider of the edge tests: never contacted. */
export function neverContactedProvider(): ProviderConfig {
  return {
    id: 'op',
    name: 'Never contacted',
    kind: 'oidc',
    issuer: 'http://127.0.0.1:9/never',
    clientId: 'rp',
    clientSecret: 'rp-secret-0123456789abcdefghijklmnop',
    scopes: ['openid'],
    mapProfile: (raw): Profile => ({
      issuer: 'x',
      subject: String(raw.sub),
      email: null,
      emailVerified: false,
      name: null,
      givenName: null,
      familyName: null,
      picture: null,
      locale: null,
      raw,
    }),
  };
}

/** createAuth with one provider that is never contacted. */
export function edgeAuth(baseUrl: string, options: Partial<AuthOptions> = {}): Auth {
  return createAuth({
    baseUrl,
    secret: 'edge-secret-0123456789abcdefghijklmnopqrstuvwxyz',
    providers: [neverContactedProvider()],
    accessToken: { allowedOrigins: ['http://127.0.0.1:1'] },
    ...options,
  });
}

/** A Node request listener (and how to close it) for one adapter. */
export type EdgeFactory = (auth: Auth) => Promise<{ listener: http.RequestListener; close?: () => Promise<void> }>;

/** Express routes as the docs show them, optionally behind body parsers with a large limit. */
function expressApp(make: typeof express, parsers: boolean, auth: Auth): http.RequestListener {
  const app = make();
  if (parsers)
    app.use(make.urlencoded({ extended: false, limit: BIG_PARSER_LIMIT }), make.json({ limit: BIG_PARSER_LIMIT }), make.text({ limit: BIG_PARSER_LIMIT }));
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
  if (rootParser)
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: BIG_PARSER_LIMIT }, (_req, body, done) => done(null, body));
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
        const request = new NextRequest(url, {
          method,
          headers,
          ...(hasBody ? { body: Readable.toWeb(req) as ReadableStream<Uint8Array>, duplex: 'half' } : {}),
        } as ConstructorParameters<typeof NextRequest>[1]);
        void handle(request).then((r) => sendWebResponse(res, r));
      },
    };
  },
};

/** A server on 127.0.0.1:0 whose listener is set once the URL (and so `baseUrl`) is known. */
export async function listenEdge(
  name: string,
  makeAuth: (base: string) => Auth = (base) => edgeAuth(base),
): Promise<{ base: string; port: number; auth: Auth; close(): Promise<void> }> {
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
