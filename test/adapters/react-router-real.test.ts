/**
 * The React Router adapter inside the real framework: React Router 7's server runtime
 * (`createRequestListener` of `@react-router/node` over `createRequestHandler`) with a route
 * module build made here (a root layout, UI routes rendered by `ServerRouter`, resource routes),
 * end to end against oidc-provider: document requests, single-fetch `.data` requests, resource
 * routes and the `auth/*` route that forwards to `auth.handler`.
 */
import type http from 'node:http';
import { Outlet, type ServerBuild, ServerRouter, useLoaderData } from 'react-router';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latchkey } from '../../src/adapters/react-router.js';
import { listen, makeAuth, type RpServer, startOp } from '../app/support.js';
import type { OidcProviderHandle } from '../support/oidc-provider.js';
import { browser, expectSignedOut, signIn, signOut } from './web-frameworks.js';

type Lk = ReturnType<typeof latchkey>;

// React without its type package (the project has no @types/react): loaded by name in `beforeAll`.
let createElement: (type: unknown, props: Record<string, unknown> | null, ...children: unknown[]) => unknown;
let renderToString: (element: unknown) => string;

function Dashboard() {
  const data = useLoaderData() as { email: string; csrfToken: string };
  return createElement(
    'main',
    null,
    createElement('p', null, data.email),
    createElement(
      'form',
      { method: 'post', action: '/auth/logout' },
      createElement('input', { type: 'hidden', name: 'csrfToken', value: data.csrfToken }),
      createElement('button', null, 'Sign out'),
    ),
  );
}

/** The route modules of the app, as the React Router compiler would emit them. */
function build(lk: Lk): ServerBuild {
  const route = (id: string, parentId: string | undefined, path: string | undefined, module: Record<string, unknown>, index = false) => ({
    id,
    parentId,
    path,
    index,
    caseSensitive: undefined,
    module,
  });
  const routes = {
    root: route('root', undefined, '', { default: () => createElement('html', null, createElement('body', null, createElement(Outlet, null))) }),
    home: route('home', 'root', undefined, { default: () => createElement('p', null, 'home') }, true),
    auth: route('auth', 'root', 'auth/*', { loader: lk.loader, action: lk.action }),
    dashboard: route('dashboard', 'root', 'dashboard', {
      default: Dashboard,
      async loader({ request }: { request: Request }) {
        // A UI route: its client-side navigations are `.data` fetches, redirected all the same.
        const user = await lk.requireUser(request, { navigation: true });
        return { email: user.email, csrfToken: (await lk.getState(request)).csrfToken };
      },
    }),
    me: route('me', 'root', 'api/me', {
      loader: async ({ request }: { request: Request }) => Response.json({ user: await lk.requireUser(request) }),
    }),
    maybe: route('maybe', 'root', 'maybe', {
      loader: async ({ request }: { request: Request }) => Response.json({ email: (await lk.getUser(request))?.email ?? null }),
    }),
  };
  const assetRoutes = Object.fromEntries(
    Object.values(routes).map((r) => [
      r.id,
      {
        id: r.id,
        parentId: r.parentId,
        path: r.path,
        index: r.index,
        module: `/assets/${r.id}.js`,
        hasAction: 'action' in r.module,
        hasLoader: 'loader' in r.module,
        hasClientAction: false,
        hasClientLoader: false,
        hasClientMiddleware: false,
        hasErrorBoundary: false,
        imports: [],
        css: [],
      },
    ]),
  );
  return {
    entry: {
      module: {
        default: (request: Request, status: number, headers: Headers, context: unknown) => {
          headers.set('content-type', 'text/html; charset=utf-8');
          const html = renderToString(createElement(ServerRouter, { context: context as never, url: request.url }));
          return new Response(`<!DOCTYPE html>${html}`, { status, headers });
        },
      },
    },
    routes,
    assets: { entry: { module: '/assets/entry.js', imports: [] }, routes: assetRoutes, url: '/assets/manifest.js', version: '1' },
    publicPath: '/',
    assetsBuildDirectory: 'build/client',
    future: {},
    ssr: true,
    isSpaMode: false,
    prerender: [],
    routeDiscovery: { mode: 'initial', manifestPath: '/__manifest' },
  } as unknown as ServerBuild;
}

describe('adapter: react-router (real React Router 7 server runtime)', () => {
  let rp: RpServer;
  let op: OidcProviderHandle;

  beforeAll(async () => {
    let handle: http.RequestListener | undefined;
    rp = await listen(() => (req, res) => handle!(req, res));
    op = await startOp(rp.base);
    const lk = latchkey(makeAuth(rp.base, op));
    const [react, server] = ['react', 'react-dom/server'];
    ({ createElement } = (await import(react)) as { createElement: typeof createElement });
    ({ renderToString } = (await import(server)) as { renderToString: typeof renderToString });
    const node = '@react-router/node';
    const { createRequestListener } = (await import(node)) as { createRequestListener(o: { build: ServerBuild; mode: string }): http.RequestListener };
    handle = createRequestListener({ build: build(lk), mode: 'production' });
  }, 60_000);

  afterAll(async () => {
    await rp?.close();
    await op?.close();
  });

  it('guards a UI route (302) and a resource route (401), and the maybe-user is null, signed out', async () => {
    await expectSignedOut(rp.base);
  });

  it('redirects a client-side navigation (.data request) as a full document load', async () => {
    const r = await fetch(`${rp.base}/dashboard.data`, { headers: { accept: '*/*' }, redirect: 'manual' });
    expect(r.status).toBe(202);
    expect(r.headers.get('x-remix-reload-document')).toBe('true');
    expect(await r.text()).toContain('/auth/login?returnTo=%2Fdashboard');
  });

  it('signs in with the query response, and signs out with the CSRF token of the request state', async () => {
    const ua = browser();
    await signOut(rp.base, ua, await signIn(rp.base, ua, 'op'));
  }, 60_000);

  it('signs in with form_post (the cross-site POST reaches the auth route action)', async () => {
    const ua = browser();
    await signOut(rp.base, ua, await signIn(rp.base, ua, 'op-post'));
  }, 60_000);
});
