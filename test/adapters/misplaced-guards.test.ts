/**
 * Issue 13, item 3: a guard in front of the auth routes. Through every adapter with its real
 * framework (127.0.0.1, port 0):
 * - `requireUser` mounted before the routes redirected the login route to itself, nesting
 *   `returnTo` without end; it now answers 404 `GUARD_ON_AUTH_ROUTE` with the fix (mount the routes
 *   first) on the page in development and in the log, and a short page in production;
 * - a guard whose routes were never mounted sent browsers to the framework's 404; in development
 *   it now answers 404 `AUTH_ROUTES_NOT_MOUNTED` with what to mount (API clients keep their 401,
 *   production keeps the redirect);
 * - the documented setups (routes mounted, guarded routes registered before or after them) still
 *   redirect on the very first request;
 * - the login route refuses a `returnTo` that names a sign-in route (no nesting).
 */
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { getRequestListener } from '@hono/node-server';
import express from 'express';
import express4 from 'express4';
import Fastify from 'fastify';
import { H3, type H3Event, toNodeHandler } from 'h3';
import { Hono } from 'hono';
import Koa from 'koa';
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { latchkey as expressLatchkey } from '../../src/adapters/express.js';
import { latchkey as fastifyLatchkey } from '../../src/adapters/fastify.js';
import { latchkey as h3Latchkey } from '../../src/adapters/h3.js';
import { latchkey as honoLatchkey, type LatchkeyEnv } from '../../src/adapters/hono.js';
import { latchkey as koaLatchkey } from '../../src/adapters/koa.js';
import { latchkey as nodeLatchkey } from '../../src/adapters/node.js';
import type { Auth } from '../../src/app/create-auth.js';
import { listen, type RpServer, rawGet } from '../app/support.js';
import { edgeAuth } from './edge-support.js';

/** How the auth routes are (or are not) mounted relative to the guard. */
type Setup = 'guard first' | 'not mounted' | 'documented' | 'routes after the guarded route';
type App = { listener: http.RequestListener; close?: () => Promise<void> };
type Factory = (auth: Auth, setup: Setup) => Promise<App>;

const ADAPTERS: Record<string, { factory: Factory; fix: string }> = {
  'node:http': {
    fix: 'if (await lk.handle(req, res)) return;',
    async factory(auth, setup) {
      const lk = nodeLatchkey(auth);
      return {
        listener: async (req, res) => {
          if (setup === 'documented' && (await lk.handle(req, res))) return;
          // Routes after the guarded route: only /me is guarded, the routes come next.
          if (setup === 'routes after the guarded route' && req.url === '/me') {
            const user = await lk.requireUser(req, res);
            if (user) res.end(JSON.stringify({ user }));
            return;
          }
          if (setup === 'routes after the guarded route' && (await lk.handle(req, res))) return;
          const user = await lk.requireUser(req, res);
          if (!user) return;
          if (setup === 'guard first' && (await lk.handle(req, res))) return;
          res.end(JSON.stringify({ user }));
        },
      };
    },
  },
  ...Object.fromEntries(
    (
      [
        ['express 5', express],
        ['express 4', express4 as unknown as typeof express],
      ] as const
    ).map(([name, make]) => [
      name,
      {
        fix: 'app.use(lk.router)',
        async factory(auth: Auth, setup: Setup): Promise<App> {
          const app = make();
          const lk = expressLatchkey(auth);
          if (setup === 'guard first') app.use(lk.requireUser);
          if (setup === 'guard first' || setup === 'documented') app.use(lk.router);
          app.get('/me', lk.requireUser, (_req, res) => {
            res.json({ user: res.locals.user });
          });
          if (setup === 'routes after the guarded route') app.use(lk.router);
          return { listener: app as unknown as http.RequestListener };
        },
      },
    ]),
  ),
  fastify: {
    fix: 'await app.register(lk.plugin)',
    async factory(auth, setup) {
      const app = Fastify();
      const lk = fastifyLatchkey(auth);
      if (setup === 'guard first') app.addHook('preHandler', lk.requireUser);
      if (setup === 'guard first' || setup === 'documented') await app.register(lk.plugin);
      app.get('/me', { preHandler: lk.requireUser }, async (req) => ({ user: lk.user(req) }));
      if (setup === 'routes after the guarded route') await app.register(lk.plugin);
      await app.ready();
      return { listener: (req, res) => app.routing(req, res), close: () => app.close() };
    },
  },
  hono: {
    fix: "app.all('/auth/*', lk.handler)",
    async factory(auth, setup) {
      const app = new Hono<LatchkeyEnv>();
      const lk = honoLatchkey(auth);
      if (setup === 'guard first') app.use('*', lk.requireUser);
      if (setup === 'guard first' || setup === 'documented') app.all('/auth/*', lk.handler);
      app.get('/me', lk.requireUser, (c) => c.json({ user: c.get('user') }));
      if (setup === 'routes after the guarded route') app.all('/auth/*', lk.handler);
      return { listener: getRequestListener(app.fetch) };
    },
  },
  koa: {
    fix: 'app.use(lk.middleware) (before body parsers)',
    async factory(auth, setup) {
      const app = new Koa();
      const lk = koaLatchkey(auth);
      if (setup === 'guard first') app.use(lk.requireUser);
      if (setup === 'guard first' || setup === 'documented') app.use(lk.middleware);
      const me = lk.requireUser;
      app.use((ctx, next) =>
        ctx.path === '/me'
          ? me(ctx, async () => {
              ctx.body = { user: ctx.state.user };
            })
          : next(),
      );
      if (setup === 'routes after the guarded route') app.use(lk.middleware);
      return { listener: app.callback() };
    },
  },
  h3: {
    fix: 'app.use(lk.middleware) (a server middleware in Nitro)',
    async factory(auth, setup) {
      const app = new H3();
      const lk = h3Latchkey(auth);
      const guard = async (event: H3Event) => {
        const user = await lk.requireUser(event);
        return user instanceof Response ? user : undefined;
      };
      if (setup === 'guard first') app.use(guard);
      if (setup === 'guard first' || setup === 'documented') app.use(lk.middleware);
      app.get('/me', async (event) => {
        const user = await lk.requireUser(event);
        return user instanceof Response ? user : { user };
      });
      if (setup === 'routes after the guarded route') app.use(lk.middleware);
      return { listener: toNodeHandler(app) };
    },
  },
};

const BROWSER = { accept: 'text/html,application/xhtml+xml', 'sec-fetch-mode': 'navigate' };

describe.each(Object.keys(ADAPTERS))('adapter: %s', (name) => {
  const { factory, fix } = ADAPTERS[name]!;
  const servers: { rp: RpServer; app: App }[] = [];
  const logged: string[] = [];
  beforeEach(() => {
    logged.length = 0;
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void logged.push(args.map(String).join(' ')));
  });
  afterEach(async () => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
    for (const { rp, app } of servers.splice(0)) {
      await app.close?.();
      await rp.close();
    }
  });
  afterAll(() => vi.restoreAllMocks());

  async function start(setup: Setup): Promise<string> {
    let listener: http.RequestListener | undefined;
    const rp = await listen(() => listener!);
    // A random secret: production refuses a guessable one.
    const app = await factory(edgeAuth(rp.base, { secret: randomBytes(32).toString('base64url') }), setup);
    listener = app.listener;
    servers.push({ rp, app });
    return rp.base;
  }

  /** Follows redirects as a browser would, a bounded number of times; every hop is checked for a nested `returnTo`. */
  async function follow(base: string, path: string): Promise<Awaited<ReturnType<typeof rawGet>>> {
    let r = await rawGet(`${base}${path}`, BROWSER);
    for (let hop = 0; hop < 5 && r.headers.location; hop++) {
      expect(r.headers.location).not.toContain('returnTo%3D');
      r = await rawGet(new URL(r.headers.location, base).href, BROWSER);
    }
    return r;
  }

  it('a guard mounted before the routes never redirects the login route to itself: 404 GUARD_ON_AUTH_ROUTE naming the fix', async () => {
    const base = await start('guard first');
    // A sign-in link: answered at once, with the fix.
    const login = await follow(base, '/auth/op/login?returnTo=%2Fme');
    expect(login.status).toBe(404);
    expect(login.headers.location).toBeUndefined();
    expect(login.headers['content-type']).toMatch(/^text\/html/);
    expect(login.body).toContain('GUARD_ON_AUTH_ROUTE');
    expect(login.body).toContain(fix.replaceAll("'", '&#39;'));
    // The log names the fix, once however often it happens.
    await rawGet(`${base}/auth/op/login`, BROWSER);
    const lines = logged.filter((l) => l.includes('GUARD_ON_AUTH_ROUTE'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(fix);
    // A guarded page does not send the browser into the loop either: the development check finds
    // the routes unreachable behind the guard and says so.
    const me = await follow(base, '/me');
    expect(me.status).toBe(404);
    expect(me.body).toContain('AUTH_ROUTES_NOT_MOUNTED');
    // API clients are told too, as JSON.
    const api = await rawGet(`${base}/auth/session`, { accept: 'application/json' });
    expect(api.status).toBe(404);
    expect(JSON.parse(api.body)).toMatchObject({ code: 'GUARD_ON_AUTH_ROUTE' });
  });

  it('in production the misplaced guard shows a short page without internals, and still never loops', async () => {
    vi.stubEnv('NODE_ENV', 'production');
    const base = await start('guard first');
    const r = await follow(base, '/me');
    expect(r.status).toBe(404);
    expect(r.headers.location).toBeUndefined();
    expect(r.body).toContain('GUARD_ON_AUTH_ROUTE');
    expect(r.body).not.toContain(fix.replaceAll("'", '&#39;'));
    expect(logged.some((l) => l.includes('GUARD_ON_AUTH_ROUTE') && l.includes(fix))).toBe(true);
  });

  it('a guard whose routes are not mounted says what to mount instead of redirecting to a 404 (development)', async () => {
    const base = await start('not mounted');
    const r = await rawGet(`${base}/me`, BROWSER);
    expect(r.status).toBe(404);
    expect(r.headers.location).toBeUndefined();
    expect(r.body).toContain('AUTH_ROUTES_NOT_MOUNTED');
    expect(r.body).toContain(fix.replaceAll("'", '&#39;'));
    expect(logged.filter((l) => l.includes('AUTH_ROUTES_NOT_MOUNTED') && l.includes(fix))).toHaveLength(1);
    // Asked again: the same answer, without another log line.
    expect((await rawGet(`${base}/me`, BROWSER)).status).toBe(404);
    expect(logged.filter((l) => l.includes('AUTH_ROUTES_NOT_MOUNTED'))).toHaveLength(1);
    // API clients keep their 401.
    const api = await rawGet(`${base}/me`, { accept: 'application/json' });
    expect(api.status).toBe(401);
    expect(JSON.parse(api.body)).toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('in production a guard never probes: the redirect stays (the routes may live in another service)', async () => {
    vi.stubEnv('NODE_ENV', 'production');
    const base = await start('not mounted');
    const r = await rawGet(`${base}/me`, BROWSER);
    expect(r.status).toBe(302);
    expect(r.headers.location).toBe('/auth/op/login?returnTo=%2Fme');
  });

  it.each(['documented', 'routes after the guarded route'] as const)('%s: the very first guarded request redirects to the login route', async (setup) => {
    const base = await start(setup);
    const r = await rawGet(`${base}/me`, BROWSER);
    expect(r.status).toBe(302);
    expect(r.headers.location).toBe('/auth/op/login?returnTo=%2Fme');
    // And the login route is there: a 302 toward the provider would need discovery, so the
    // chooser-free JSON answer of the session route stands in for "served by Latchkey".
    const session = await rawGet(`${base}/auth/session`, { accept: 'application/json' });
    expect(session.status).toBe(401);
    expect(session.headers['www-authenticate']).toMatch(/^Bearer realm=/);
    expect(logged.filter((l) => l.includes('AUTH_ROUTES_NOT_MOUNTED') || l.includes('GUARD_ON_AUTH_ROUTE'))).toEqual([]);
  });
});

describe('the login route and the chooser refuse a returnTo that names a sign-in route', () => {
  // In development, JSON errors carry the developer's message (production gets the end-user sentence).
  const auth = edgeAuth('http://127.0.0.1:3999', { development: true, logger: () => {} });
  const get = (path: string) => auth.handler(new Request(`http://127.0.0.1:3999${path}`, { headers: { accept: 'application/json' } }));

  it.each(['/auth/op/login?returnTo=%2Fme', '/auth/login', '/auth/op/callback?code=x'])(
    'GET /auth/op/login?returnTo=%s is 400 RETURN_TO_INVALID',
    async (nested) => {
      const r = await get(`/auth/op/login?returnTo=${encodeURIComponent(nested)}`);
      expect(r.status).toBe(400);
      expect(await r.json()).toMatchObject({ code: 'RETURN_TO_INVALID', message: expect.stringContaining('nest') });
    },
  );

  it('the chooser drops such a returnTo for the home page', async () => {
    const r = await get(`/auth/login?returnTo=${encodeURIComponent('/auth/op/login?returnTo=%2Fme')}`);
    expect(r.status).toBe(302);
    expect(r.headers.get('location')).toBe('/auth/op/login?returnTo=%2F');
  });

  it('auth.requireUser(request) on an auth route answers GUARD_ON_AUTH_ROUTE, not a redirect', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    const r = await auth.requireUser(new Request('http://127.0.0.1:3999/auth/op/login?returnTo=%2Fme', { headers: BROWSER }));
    vi.restoreAllMocks();
    expect(r).toBeInstanceOf(Response);
    expect((r as Response).status).toBe(404);
    expect(await (r as Response).text()).toContain('auth.handler(request)');
  });
});
