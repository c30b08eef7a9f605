/**
 * The auth handler mounted through each framework adapter with its real framework (node:http,
 * Express 5 and 4, Fastify, Hono on @hono/node-server, Next's route handlers), for the redirect and cookie-budget tests: every
 * non-auth path answers a plain "app page".
 */
import type http from 'node:http';
import { getRequestListener } from '@hono/node-server';
import express from 'express';
import express4 from 'express4';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { NextRequest } from 'next/server.js';
import { latchkey as expressLatchkey } from '../../src/adapters/express.js';
import { latchkey as fastifyLatchkey } from '../../src/adapters/fastify.js';
import { latchkey as honoLatchkey } from '../../src/adapters/hono.js';
import { sendWebResponse } from '../../src/adapters/internal/node-http.js';
import { latchkey as nextLatchkey } from '../../src/adapters/next.js';
import { latchkey as nodeLatchkey } from '../../src/adapters/node.js';
import type { Auth } from '../../src/app/create-auth.js';

/** Builds a request listener for an adapter around `getAuth()`. */
export type Factory = (getAuth: () => Auth) => Promise<{ listener: http.RequestListener; close?: () => Promise<void> }>;

/** The adapters by name. */
export const adapters: Record<string, Factory> = {
  async 'node:http'(getAuth) {
    return {
      listener: (req, res) => {
        void (async () => {
          if (!(await nodeLatchkey(getAuth()).handle(req, res))) res.writeHead(200, { 'content-type': 'text/plain' }).end('app page');
        })();
      },
    };
  },
  async 'express 5'(getAuth) {
    const app = express();
    app.use((req, res, next) => expressLatchkey(getAuth()).router(req, res, next));
    app.use((_req, res) => {
      res.type('text/plain').send('app page');
    });
    return { listener: app };
  },
  async 'express 4'(getAuth) {
    const app = express4();
    // A body parser mounted first, as many Express 4 apps have.
    app.use(express4.urlencoded({ extended: false }));
    app.use((req, res, next) => expressLatchkey(getAuth()).router(req, res, next));
    app.use((_req, res) => {
      res.type('text/plain').send('app page');
    });
    return { listener: app };
  },
  async fastify(getAuth) {
    const app = Fastify();
    let lk: ReturnType<typeof fastifyLatchkey> | undefined;
    await app.register(async (scope) => (lk ??= fastifyLatchkey(getAuth())).plugin(scope));
    await app.ready();
    return { listener: (req, res) => app.routing(req, res), close: () => app.close() };
  },
  async hono(getAuth) {
    const app = new Hono();
    app.all('/auth/*', (c) => honoLatchkey(getAuth()).handler(c));
    return { listener: getRequestListener(app.fetch) };
  },
  async 'next (NextRequest route handlers)'(getAuth) {
    // Next's own request class in front of the route handlers, as the App Router calls them.
    return {
      listener: (req, res) => {
        void (async () => {
          const chunks: Buffer[] = [];
          for await (const c of req) chunks.push(c as Buffer);
          const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
          if (!url.pathname.startsWith('/auth/')) {
            res.writeHead(200, { 'content-type': 'text/plain' }).end('app page');
            return;
          }
          const headers = new Headers();
          for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
          const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : Buffer.concat(chunks);
          const request = new NextRequest(url, { method: req.method ?? 'GET', headers, ...(body ? { body } : {}) });
          const route = nextLatchkey(getAuth());
          await sendWebResponse(res, await (req.method === 'POST' ? route.POST(request) : route.GET(request)));
        })();
      },
    };
  },
};
