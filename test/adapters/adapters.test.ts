/**
 * Every adapter with its real framework, end to end against oidc-provider: login, callback,
 * /auth/session, a guarded route (browser redirect and API 401), local logout, RP-initiated logout
 * and back-channel logout ending the session.
 */
import type http from 'node:http';
import { getRequestListener } from '@hono/node-server';
import express from 'express';
import express4 from 'express4';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { NextRequest } from 'next/server.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latchkey as expressLatchkey } from '../../src/adapters/express.js';
import { latchkey as fastifyLatchkey } from '../../src/adapters/fastify.js';
import { latchkey as honoLatchkey, type LatchkeyEnv } from '../../src/adapters/hono.js';
import { sendWebResponse } from '../../src/adapters/internal/node-http.js';
import { latchkey as nextLatchkey } from '../../src/adapters/next.js';
import { latchkey as nodeLatchkey } from '../../src/adapters/node.js';
import type { Auth } from '../../src/app/create-auth.js';
import { listen, login, logout, makeAuth, type RpServer, rawGet, sessionOf, startOp, UserAgent } from '../app/support.js';
import type { OidcProviderHandle } from '../support/oidc-provider.js';

type Factory = (getAuth: () => Auth) => Promise<{ listener: http.RequestListener; close?: () => Promise<void> }>;

const adapters: Record<string, Factory> = {
  async 'node:http'(getAuth) {
    return {
      listener: (req, res) => {
        const lk = nodeLatchkey(getAuth());
        void (async () => {
          if (await lk.handle(req, res)) return;
          const user = await lk.requireUser(req, res);
          if (user) res.end(JSON.stringify({ user }));
        })();
      },
    };
  },
  async 'express 5'(getAuth) {
    const app = express();
    app.use((req, res, next) => expressLatchkey(getAuth()).router(req, res, next));
    app.get(
      '/me',
      (req, res, next) => expressLatchkey(getAuth()).requireUser(req, res, next),
      (_req, res) => {
        res.json({ user: res.locals.user });
      },
    );
    return { listener: app };
  },
  async 'express 4'(getAuth) {
    const app = express4();
    // A body parser mounted first must not break form posts to the auth routes.
    app.use(express4.urlencoded({ extended: false }));
    app.use((req, res, next) => expressLatchkey(getAuth()).router(req, res, next));
    app.get(
      '/me',
      (req, res, next) => expressLatchkey(getAuth()).requireUser(req, res, next),
      (_req, res) => {
        res.json({ user: res.locals.user });
      },
    );
    return { listener: app };
  },
  async fastify(getAuth) {
    const app = Fastify();
    let lk: ReturnType<typeof fastifyLatchkey> | undefined;
    const current = (): ReturnType<typeof fastifyLatchkey> => (lk ??= fastifyLatchkey(getAuth()));
    await app.register(async (scope) => current().plugin(scope));
    app.get('/me', { preHandler: (req, reply, done) => current().requireUser(req, reply, done) }, async (req) => ({ user: current().user(req) }));
    await app.ready();
    return {
      listener: (req, res) => app.routing(req, res),
      close: () => app.close(),
    };
  },
  async hono(getAuth) {
    const app = new Hono<LatchkeyEnv>();
    app.all('/auth/*', (c) => honoLatchkey(getAuth()).handler(c));
    app.get(
      '/me',
      (c, next) => honoLatchkey(getAuth()).requireUser(c, next),
      (c) => c.json({ user: c.get('user') }),
    );
    app.get('/me2', (c) => honoLatchkey(getAuth()).protect((c2, user) => c2.json({ user }))(c));
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
          const headers = new Headers();
          for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
          const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : Buffer.concat(chunks);
          const request = new NextRequest(url, { method: req.method ?? 'GET', headers, ...(body ? { body } : {}) });
          const auth = getAuth();
          const route = nextLatchkey(auth);
          let response: Response;
          if (url.pathname.startsWith('/auth/')) response = await (req.method === 'POST' ? route.POST(request) : route.GET(request));
          else {
            const user = await auth.requireUser(request);
            response = user instanceof Response ? user : Response.json({ user });
          }
          await sendWebResponse(res, response);
        })();
      },
    };
  },
};

describe.each(Object.keys(adapters))('adapter: %s', (name) => {
  let rp: RpServer;
  let op: OidcProviderHandle;
  let auth: Auth;
  let close: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    let listener: http.RequestListener | undefined;
    rp = await listen(() => listener!);
    op = await startOp(rp.base);
    auth = makeAuth(rp.base, op, { session: { strategy: name.startsWith('express') || name === 'hono' ? 'server' : 'cookie' } });
    const made = await adapters[name]!(() => auth);
    listener = made.listener;
    close = made.close;
  });
  afterAll(async () => {
    await close?.();
    await rp.close();
    await op.close();
  });

  it('logs in, serves /auth/session and the guarded route, and logs out locally', async () => {
    const ua = new UserAgent();
    const r = await login(ua, rp.base, '/me');
    expect(r.url).toBe(`${rp.base}/me`);
    const s = await sessionOf(ua, rp.base);
    expect(s.status).toBe(200);
    expect((s.body.user as { email: string }).email).toBe('alice@example.test');
    const me = await fetch(`${rp.base}/me`, { headers: { cookie: ua.cookieHeader(rp.base) } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { user: { email: string } }).user.email).toBe('alice@example.test');
    const browser = await rawGet(`${rp.base}/me?x=1`, { accept: 'text/html', 'sec-fetch-mode': 'navigate' });
    expect(browser.status).toBe(302);
    expect(browser.headers.location).toBe('/auth/login?returnTo=%2Fme%3Fx%3D1');
    const api = await fetch(`${rp.base}/me`, { headers: { accept: 'application/json' } });
    expect(api.status).toBe(401);
    expect(api.headers.get('www-authenticate')).toMatch(/^Bearer/);
    if (name === 'hono') {
      const p = await fetch(`${rp.base}/me2`, { headers: { cookie: ua.cookieHeader(rp.base) } });
      expect(((await p.json()) as { user: { email: string } }).user.email).toBe('alice@example.test');
      expect((await fetch(`${rp.base}/me2`, { headers: { accept: 'application/json' } })).status).toBe(401);
    }
    const out = await logout(ua, rp.base);
    expect(out.url).toBe(`${rp.base}/`);
    expect((await sessionOf(ua, rp.base)).status).toBe(401);
  });

  it('completes a form_post login and an RP-initiated logout', async () => {
    const ua = new UserAgent();
    const r = await login(ua, rp.base, '/me', 'op-post');
    expect(r.url).toBe(`${rp.base}/me`);
    expect((await sessionOf(ua, rp.base)).status).toBe(200);
    const out = await logout(ua, rp.base, '?federated=1');
    expect(out.url).toBe(`${rp.base}/`);
    expect((await sessionOf(ua, rp.base)).status).toBe(401);
  });

  it('ends the session on a back-channel logout from the provider', async () => {
    const ua = new UserAgent();
    await login(ua, rp.base, '/me');
    expect((await sessionOf(ua, rp.base)).status).toBe(200);
    await ua.navigate(`${op.issuer}/session/end?client_id=rp`, { autoSubmitForms: true });
    const deadline = Date.now() + 5000;
    let status = 200;
    while (status === 200 && Date.now() < deadline) {
      status = (await sessionOf(ua, rp.base)).status;
      if (status === 200) await new Promise((res) => setTimeout(res, 50));
    }
    expect(op.backchannelErrors).toEqual([]);
    expect(status).toBe(401);
    const me = await fetch(`${rp.base}/me`, { headers: { cookie: ua.cookieHeader(rp.base), accept: 'application/json' } });
    expect(me.status).toBe(401);
  });
});
