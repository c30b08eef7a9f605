/**
 * The auth handler mounted through each framework adapter with its real framework (node:http,
 * Express 5, Fastify, Hono on @hono/node-server), for the redirect and cookie-budget tests: every
 * non-auth path answers a plain "app page".
 */
import type http from 'node:http';
import { getRequestListener } from '@hono/node-server';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { latchkey as expressLatchkey } from '../../src/adapters/express.js';
import { latchkey as fastifyLatchkey } from '../../src/adapters/fastify.js';
import { latchkey as honoLatchkey } from '../../src/adapters/hono.js';
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
};

