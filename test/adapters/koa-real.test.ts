/**
 * The Koa adapter inside the real framework: a Koa 3 app (`app.callback()` on node:http, 127.0.0.1
 * port 0) with `lk.middleware` for the auth routes and the guards in front of the app's routes,
 * end to end against oidc-provider: the sign-in scenario of `web-frameworks.ts` (query and
 * `form_post` callbacks, sign-out with the CSRF token from `ctx.state.latchkey`), the edge's 405 and
 * 413 answered through Koa, and a 503 when the session store is down.
 */
import Koa, { type Middleware } from 'koa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LatchkeyKoaState, latchkey } from '../../src/adapters/koa.js';
import type { Auth } from '../../src/app/create-auth.js';
import { listen, makeAuth, type RpServer, startOp } from '../app/support.js';
import type { OidcProviderHandle } from '../support/oidc-provider.js';
import { downSessionStore, expectEdgeRefusals, expectStoreDown } from './framework-refusals.js';
import { browser, expectSignedOut, signIn, signOut } from './web-frameworks.js';

type Route = Middleware<LatchkeyKoaState>;

/** The app of the scenario, as the docs show it (a path table in place of a router package). */
function koaApp(auth: Auth): Koa {
  const lk = latchkey(auth);
  const app = new Koa();
  app.use(lk.middleware);
  const routes: Record<string, readonly [guard: Route, handler: Route] | Route> = {
    '/': (ctx) => {
      ctx.body = 'home';
    },
    '/dashboard': [
      lk.requireUser,
      (ctx) => {
        const { user, latchkey: state } = ctx.state;
        ctx.type = 'html';
        ctx.body = `<main><p>${user?.email}</p><form method="post" action="/auth/logout"><input type="hidden" name="csrfToken" value="${state.csrfToken}"><button>Sign out</button></form></main>`;
      },
    ],
    '/api/me': [
      lk.requireUser,
      (ctx) => {
        ctx.body = { user: ctx.state.user };
      },
    ],
    '/maybe': [
      lk.optionalUser,
      (ctx) => {
        ctx.body = { email: ctx.state.user?.email ?? null };
      },
    ],
  };
  app.use((async (ctx, next) => {
    const route = routes[ctx.path];
    if (route === undefined) return next();
    if (typeof route === 'function') return route(ctx, next);
    const [guard, handler] = route;
    return guard(ctx, () => handler(ctx, next));
  }) satisfies Route);
  return app;
}

describe('adapter: koa (real Koa 3 app on node:http)', () => {
  let rp: RpServer;
  let down: RpServer;
  let op: OidcProviderHandle;
  let downAuth: Auth;

  beforeAll(async () => {
    let handle: ReturnType<Koa['callback']> | undefined;
    rp = await listen(() => handle!);
    op = await startOp(rp.base);
    handle = koaApp(makeAuth(rp.base, op)).callback();
    let handleDown: ReturnType<Koa['callback']> | undefined;
    down = await listen(() => handleDown!);
    downAuth = makeAuth(down.base, op, { session: { strategy: 'server' }, store: { sessions: downSessionStore() } });
    handleDown = koaApp(downAuth).callback();
  }, 60_000);

  afterAll(async () => {
    await rp?.close();
    await down?.close();
    await op?.close();
  });

  it('guards a page (302) and an API route (401), and the maybe-user is null, signed out', async () => {
    await expectSignedOut(rp.base);
  });

  it('signs in with the query response, sets ctx.state, and signs out with the CSRF token', async () => {
    const ua = browser();
    await signOut(rp.base, ua, await signIn(rp.base, ua, 'op'));
  }, 60_000);

  it('signs in with form_post (the cross-site POST read from the stream by the middleware)', async () => {
    const ua = browser();
    await signOut(rp.base, ua, await signIn(rp.base, ua, 'op-post'));
  }, 60_000);

  it('answers the edge refusals through Koa: 405 with Allow, 413 declared or chunked', async () => {
    await expectEdgeRefusals(rp.base);
  });

  it('answers 503 when the session store is down, never a sign-in redirect', async () => {
    await expectStoreDown(down.base, downAuth);
  });

  it('passes other requests on to the app (Koa 404 for an unknown path)', async () => {
    const r = await fetch(`${rp.base}/nowhere`);
    expect(r.status).toBe(404);
    await r.body?.cancel();
  });
});
