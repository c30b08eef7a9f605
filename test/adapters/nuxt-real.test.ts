/**
 * The Nuxt adapter inside the real framework engine: an h3 v1 app (the engine of Nitro 2, which
 * Nuxt 3 and 4 run on; installed as `h3-v1`, h3 1.15) with the adapter as its server middleware,
 * served on node:http through h3's `toNodeListener`, 127.0.0.1 port 0, end to end against
 * oidc-provider: the sign-in scenario of `web-frameworks.ts` (query and `form_post` callbacks,
 * sign-out with the CSRF token from `event.context.latchkey`), the `protect` option and
 * `requireUser(event)`, the edge's 405 and 413 answered through h3, and a 503 when the session store
 * is down. Nuxt itself (its build) is not run: its server routes are h3 v1 handlers like these.
 */
import { createApp, createRouter, defineEventHandler, toNodeListener } from 'h3-v1';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LatchkeyNuxtContext, latchkey } from '../../src/adapters/nuxt.js';
import type { Auth } from '../../src/app/create-auth.js';
import { listen, makeAuth, type RpServer, startOp } from '../app/support.js';
import type { OidcProviderHandle } from '../support/oidc-provider.js';
import { downSessionStore, expectEdgeRefusals, expectStoreDown } from './framework-refusals.js';
import { browser, expectSignedOut, signIn, signOut } from './web-frameworks.js';

/** The app of the scenario, as the docs show it: `/dashboard` by `protect`, `/api/me` by `requireUser`. */
function nuxtLikeApp(auth: Auth): ReturnType<typeof toNodeListener> {
  const lk = latchkey(auth, { protect: ['/dashboard'] });
  const app = createApp();
  app.use(defineEventHandler(lk.middleware));
  const router = createRouter()
    .get(
      '/',
      defineEventHandler(() => 'home'),
    )
    .get(
      '/dashboard',
      defineEventHandler((event) => {
        const { user, latchkey: state } = event.context as unknown as LatchkeyNuxtContext;
        const page = `<main><p>${user?.email}</p><form method="post" action="/auth/logout"><input type="hidden" name="csrfToken" value="${state.csrfToken}"><button>Sign out</button></form></main>`;
        return new Response(page, { headers: { 'content-type': 'text/html; charset=utf-8' } });
      }),
    )
    .get(
      '/api/me',
      defineEventHandler(async (event) => {
        const user = await lk.requireUser(event);
        return user instanceof Response ? user : { user };
      }),
    )
    .get(
      '/maybe',
      defineEventHandler((event) => ({ email: (event.context as unknown as LatchkeyNuxtContext).user?.email ?? null })),
    );
  app.use(router);
  return toNodeListener(app);
}

describe('adapter: nuxt (real h3 v1 app, the engine of Nitro 2, on node:http)', () => {
  let rp: RpServer;
  let down: RpServer;
  let op: OidcProviderHandle;
  let downAuth: Auth;

  beforeAll(async () => {
    let handle: ReturnType<typeof toNodeListener> | undefined;
    rp = await listen(() => handle!);
    op = await startOp(rp.base);
    handle = nuxtLikeApp(makeAuth(rp.base, op));
    let handleDown: ReturnType<typeof toNodeListener> | undefined;
    down = await listen(() => handleDown!);
    downAuth = makeAuth(down.base, op, { session: { strategy: 'server' }, store: { sessions: downSessionStore() } });
    handleDown = nuxtLikeApp(downAuth);
  }, 60_000);

  afterAll(async () => {
    await rp?.close();
    await down?.close();
    await op?.close();
  });

  it('guards a protected page (302) and requireUser answers an API call (401); the maybe-user is null, signed out', async () => {
    await expectSignedOut(rp.base);
  });

  it('signs in with the query response, sets event.context, and signs out with the CSRF token', async () => {
    const ua = browser();
    await signOut(rp.base, ua, await signIn(rp.base, ua, 'op'));
  }, 60_000);

  it('signs in with form_post (the cross-site POST is read from the Node request)', async () => {
    const ua = browser();
    await signOut(rp.base, ua, await signIn(rp.base, ua, 'op-post'));
  }, 60_000);

  it('answers the edge refusals through h3: 405 with Allow, 413 declared or chunked', async () => {
    await expectEdgeRefusals(rp.base);
  });

  it('answers 503 when the session store is down, never a sign-in redirect', async () => {
    await expectStoreDown(down.base, downAuth);
  });

  it('an escaped or re-cased /dashboard never serves the page unguarded', async () => {
    for (const path of ['/%64ashboard', '/dashboard/', '/Dashboard', '/dashboard?x=1']) {
      const r = await fetch(`${rp.base}${path}`, { headers: { accept: 'application/json' }, redirect: 'manual' });
      const body = await r.text();
      // Either the guard answered (401) or h3 found no route (404): never the page without a user.
      expect({ path, status: [401, 404].includes(r.status) }).toEqual({ path, status: true });
      expect(body).not.toContain('csrfToken');
    }
  });
});
