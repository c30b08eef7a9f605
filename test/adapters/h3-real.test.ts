/**
 * The h3 adapter inside the real framework: an h3 v2 app served on node:http through h3's own Node
 * integration (`toNodeHandler`, srvx's `NodeRequest` as `event.req`), 127.0.0.1 port 0, end to end
 * against oidc-provider: the sign-in scenario of `web-frameworks.ts` (query and `form_post`
 * callbacks, sign-out with the CSRF token from `event.context.latchkey`), the `protect` option and
 * `requireUser(event)`, the edge's 405 and 413 answered through h3, and a 503 when the session store
 * is down.
 */
import { H3, toNodeHandler } from 'h3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LatchkeyContext, latchkey } from '../../src/adapters/h3.js';
import type { Auth } from '../../src/app/create-auth.js';
import { listen, makeAuth, type RpServer, startOp } from '../app/support.js';
import type { OidcProviderHandle } from '../support/oidc-provider.js';
import { downSessionStore, expectEdgeRefusals, expectStoreDown } from './framework-refusals.js';
import { browser, expectSignedOut, signIn, signOut } from './web-frameworks.js';

// What an app declares once, as the docs show it: `event.context.user` / `latchkey` are then typed.
declare module 'h3' {
  interface H3EventContext extends LatchkeyContext {}
}

/** The app of the scenario, as the docs show it: `/dashboard` by `protect`, `/api/me` by `requireUser`. */
function h3App(auth: Auth): H3 {
  const lk = latchkey(auth, { protect: ['/dashboard'] });
  return new H3()
    .use(lk.middleware)
    .get('/', () => 'home')
    .get('/dashboard', (event) => {
      const { user, latchkey: state } = event.context;
      const page = `<main><p>${user?.email}</p><form method="post" action="/auth/logout"><input type="hidden" name="csrfToken" value="${state.csrfToken}"><button>Sign out</button></form></main>`;
      return new Response(page, { headers: { 'content-type': 'text/html; charset=utf-8' } });
    })
    .get('/api/me', async (event) => {
      const user = await lk.requireUser(event);
      return user instanceof Response ? user : { user };
    })
    .get('/maybe', (event) => ({ email: event.context.user?.email ?? null }));
}

describe('adapter: h3 (real h3 v2 app on node:http via toNodeHandler)', () => {
  let rp: RpServer;
  let down: RpServer;
  let op: OidcProviderHandle;
  let downAuth: Auth;

  beforeAll(async () => {
    let handle: ReturnType<typeof toNodeHandler> | undefined;
    rp = await listen(() => handle!);
    op = await startOp(rp.base);
    handle = toNodeHandler(h3App(makeAuth(rp.base, op)));
    let handleDown: ReturnType<typeof toNodeHandler> | undefined;
    down = await listen(() => handleDown!);
    downAuth = makeAuth(down.base, op, { session: { strategy: 'server' }, store: { sessions: downSessionStore() } });
    handleDown = toNodeHandler(h3App(downAuth));
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

  it('signs in with form_post (the cross-site POST reaches the middleware as a Web Request)', async () => {
    const ua = browser();
    await signOut(rp.base, ua, await signIn(rp.base, ua, 'op-post'));
  }, 60_000);

  it('answers the edge refusals through h3: 405 with Allow, 413 declared or chunked', async () => {
    await expectEdgeRefusals(rp.base);
  });

  it('answers 503 when the session store is down, never a sign-in redirect', async () => {
    await expectStoreDown(down.base, downAuth);
  });

  it('protects by h3 canonical path: an escaped /dashboard is guarded too; other paths reach the app (404)', async () => {
    // h3 decodes needless escapes before routing (`/%64ashboard` is `/dashboard` to its router).
    const escaped = await fetch(`${rp.base}/%64ashboard`, { headers: { accept: 'application/json' }, redirect: 'manual' });
    expect(escaped.status).toBe(401);
    await escaped.body?.cancel();
    const other = await fetch(`${rp.base}/nowhere`, { headers: { accept: 'application/json' } });
    expect(other.status).toBe(404);
    await other.body?.cancel();
  });
});
