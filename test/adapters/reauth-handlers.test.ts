/**
 * The adapters' reauth handlers (issue 13, item 7), each with its real framework against
 * oidc-provider: once the user's grant is revoked at the provider (RFC 7009), a route calling
 * `auth.api(...)` fails with `REAUTH_REQUIRED` (or `INSUFFICIENT_SCOPE`); the handler answers a browser with a 302 to the
 * provider's login route (back to the page, no stack page, no 500) and an API client with a 401
 * JSON body naming the code, the provider and the login URL. Following the redirect re-consents and
 * the page works again. A call that needs a scope the grant lacks sends the user to consent to it
 * (`scope=` on the login route, allowed by the provider's `optionalScopes`).
 */
import type http from 'node:http';
import { getRequestListener } from '@hono/node-server';
import express from 'express';
import express4 from 'express4';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latchkey as expressLatchkey } from '../../src/adapters/express.js';
import { latchkey as fastifyLatchkey } from '../../src/adapters/fastify.js';
import { latchkey as honoLatchkey, type LatchkeyEnv } from '../../src/adapters/hono.js';
import { latchkey as nextLatchkey } from '../../src/adapters/next.js';
import { latchkey as nodeLatchkey } from '../../src/adapters/node.js';
import { type Auth, createAuth } from '../../src/app/create-auth.js';
import type { SessionUser } from '../../src/app/sessions/types.js';
import { isLatchkeyError } from '../../src/errors.js';
import { type AdapterRig, listen, login, opProvider, type RpServer, rawGet, SECRET_A, sessionOf, startAdapterRig, startOp, UserAgent } from '../app/support.js';
import type { OidcProviderHandle } from '../support/oidc-provider.js';

/** The app's two provider API pages: `/calendar` (any grant) and `/contacts` (needs the `phone` scope). */
function page(auth: Auth, user: SessionUser, path: string): Promise<unknown> {
  return path.startsWith('/contacts') ? auth.api(user, 'op', { scopes: ['phone'] }).get('/me') : auth.api(user, 'op').get('/me');
}

type Factory = (auth: Auth) => Promise<{ listener: http.RequestListener; close?: () => Promise<void> }>;

const adapters: Record<string, Factory> = {
  async 'node:http'(auth) {
    const lk = nodeLatchkey(auth);
    return {
      listener: (req, res) => {
        void (async () => {
          if (await lk.handle(req, res)) return;
          const user = await lk.requireUser(req, res);
          if (!user) return;
          try {
            const body = JSON.stringify(await page(auth, user, req.url ?? '/'));
            res.writeHead(200, { 'content-type': 'application/json' }).end(body);
          } catch (error) {
            if (!lk.reauth(error, req, res)) res.writeHead(500).end('unexpected');
          }
        })();
      },
    };
  },
  async 'express 5'(auth) {
    const lk = expressLatchkey(auth);
    const app = express();
    app.use(lk.router);
    app.get(['/calendar', '/contacts'], lk.requireUser, async (req, res) => {
      res.json(await page(auth, res.locals.user as SessionUser, req.originalUrl));
    });
    app.use(lk.reauthRequired);
    app.use((_error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
      res.status(500).send('unexpected');
    });
    return { listener: app };
  },
  async 'express 4'(auth) {
    const lk = expressLatchkey(auth);
    const app = express4();
    app.use(lk.router);
    app.get(['/calendar', '/contacts'], lk.requireUser, (req, res, next) => {
      page(auth, res.locals.user as SessionUser, req.originalUrl).then((body) => res.json(body), next);
    });
    app.use(lk.reauthRequired);
    return { listener: app };
  },
  async fastify(auth) {
    const lk = fastifyLatchkey(auth);
    const app = Fastify();
    await app.register(lk.plugin);
    app.setErrorHandler(lk.errorHandler);
    for (const path of ['/calendar', '/contacts']) app.get(path, { preHandler: lk.requireUser }, async (request) => page(auth, lk.user(request)!, request.url));
    await app.ready();
    return { listener: (req, res) => app.routing(req, res), close: () => app.close() };
  },
  async hono(auth) {
    const lk = honoLatchkey(auth);
    const app = new Hono<LatchkeyEnv>();
    app.all('/auth/*', lk.handler);
    for (const path of ['/calendar', '/contacts']) app.get(path, lk.requireUser, async (c) => c.json(await page(auth, c.get('user')!, c.req.path)));
    app.onError(lk.onError);
    return { listener: getRequestListener(app.fetch) };
  },
};

describe.each(Object.keys(adapters))('reauth handler: %s', (name) => {
  let rig: AdapterRig;
  let rp: RpServer;
  let auth: Auth;

  beforeAll(async () => {
    rig = await startAdapterRig(
      (base, op) => createAuth({ baseUrl: base, secret: SECRET_A, providers: [opProvider(op.issuer, { optionalScopes: ['phone'] })] }),
      adapters[name]!,
    );
    ({ rp, auth } = rig);
  });
  afterAll(async () => {
    await rig?.close();
  });

  const browserGet = (ua: UserAgent, path: string) => rawGet(`${rp.base}${path}`, { cookie: ua.cookieHeader(`${rp.base}${path}`), accept: 'text/html' });
  const apiGet = (ua: UserAgent, path: string) => rawGet(`${rp.base}${path}`, { cookie: ua.cookieHeader(`${rp.base}${path}`), accept: 'application/json' });
  /** Follows a re-consent redirect through the provider and back to the app page. */
  const reconsent = (ua: UserAgent, location: string) =>
    ua.navigate(new URL(location, rp.base), { autoSubmitForms: true, stop: (u) => u.startsWith(rp.base) && !new URL(u).pathname.startsWith('/auth/') });

  it('REAUTH_REQUIRED: a browser is sent to re-consent and comes back; an API client gets a 401 JSON', async () => {
    const ua = new UserAgent();
    expect((await login(ua, rp.base, '/')).stopped).toBe(true);
    const userId = ((await sessionOf(ua, rp.base)).body.user as { id: string }).id;
    const before = await browserGet(ua, '/calendar');
    expect(before.status).toBe(200);
    expect((JSON.parse(before.body) as { sub: string }).sub).toBe('alice');

    // The grant ends at the provider (RFC 7009); the vault clears the tokens: the next call needs a new consent.
    expect((await auth.tokens.revoke(userId, 'op')).revoked).toBe(true);
    const browser = await browserGet(ua, '/calendar?week=3');
    expect(browser.status).toBe(302);
    expect(browser.headers.location).toBe('/auth/op/login?returnTo=%2Fcalendar%3Fweek%3D3');
    expect(browser.headers['cache-control']).toContain('no-store');

    const api = await apiGet(ua, '/calendar?week=3');
    expect(api.status).toBe(401);
    expect(api.headers['content-type']).toContain('application/json');
    expect(api.headers['www-authenticate']).toMatch(/^Bearer realm=/);
    expect(JSON.parse(api.body)).toMatchObject({
      error: 'reauth_required',
      code: 'REAUTH_REQUIRED',
      provider: 'op',
      scopes: [],
      loginUrl: '/auth/op/login?returnTo=%2F',
    });
    // No stack, no source path, no token in either answer.
    for (const body of [browser.body, api.body]) expect(body).not.toMatch(/\.ts\b|at [\w.]+ \(|Bearer [\w-]{8,}/);

    const back = await reconsent(ua, browser.headers.location!);
    expect(back.url).toBe(`${rp.base}/calendar?week=3`);
    const after = await browserGet(ua, '/calendar?week=3');
    expect(after.status).toBe(200);
    expect((JSON.parse(after.body) as { sub: string }).sub).toBe('alice');
  });

  it('a scope the grant lacks: the browser is sent to consent to it, and the page then works', async () => {
    const ua = new UserAgent();
    expect((await login(ua, rp.base, '/')).stopped).toBe(true);
    const first = await browserGet(ua, '/contacts');
    expect(first.status).toBe(302);
    expect(first.headers.location).toBe('/auth/op/login?returnTo=%2Fcontacts&scope=phone');
    // An API client gets a 403 INSUFFICIENT_SCOPE (RFC 6750 §3.1) with the URL asking for exactly that scope.
    const api = await apiGet(ua, '/contacts');
    expect(api.status).toBe(403);
    expect(api.headers['www-authenticate']).toBeUndefined();
    expect(JSON.parse(api.body)).toMatchObject({
      error: 'insufficient_scope',
      code: 'INSUFFICIENT_SCOPE',
      provider: 'op',
      scopes: ['phone'],
      loginUrl: '/auth/op/login?returnTo=%2F&scope=phone',
    });
    const back = await reconsent(ua, first.headers.location!);
    expect(back.url).toBe(`${rp.base}/contacts`);
    const after = await browserGet(ua, '/contacts');
    expect(after.status).toBe(200);
    expect(JSON.parse(after.body)).toHaveProperty('sub', 'alice');
  });
});

describe('reauth handlers: what they leave alone', () => {
  let rp: RpServer;
  let op: OidcProviderHandle;
  let auth: Auth;

  beforeAll(async () => {
    let lk: ReturnType<typeof nodeLatchkey> | undefined;
    rp = await listen(() => (req, res) => void lk!.handle(req, res).then((handled) => handled || res.writeHead(404).end()));
    op = await startOp(rp.base);
    auth = createAuth({ baseUrl: rp.base, secret: SECRET_A, providers: [opProvider(op.issuer)] });
    lk = nodeLatchkey(auth);
  });
  afterAll(async () => {
    await rp?.close();
    await op?.close();
  });

  it('the login route refuses a scope outside the provider’s scopes and optionalScopes', async () => {
    const res = await rawGet(`${rp.base}/auth/op/login?returnTo=%2F&scope=${encodeURIComponent('openid admin:all')}`, { accept: 'text/html' });
    expect(res.status).toBe(400);
    const fine = await rawGet(`${rp.base}/auth/op/login?returnTo=%2F&scope=email`, { accept: 'text/html' });
    expect(fine.status).toBe(302);
  });

  it('other errors and unknown providers pass through; Next answers REAUTH_REQUIRED as the others do', async () => {
    const request = new Request(`${rp.base}/calendar`, { headers: { accept: 'text/html' } });
    expect(auth.reauthResponse(new Error('boom'), request)).toBeUndefined();
    const error = await auth.tokens.get('no-such-user', 'op').catch((e: unknown) => e);
    expect(isLatchkeyError(error, 'REAUTH_REQUIRED')).toBe(true);
    const next = nextLatchkey(auth);
    const answer = next.reauth(error, request)!;
    expect(answer.status).toBe(302);
    expect(answer.headers.get('location')).toBe('/auth/op/login?returnTo=%2Fcalendar');
    const api = next.reauth(error, new Request(`${rp.base}/calendar`, { headers: { accept: 'application/json' } }))!;
    expect(api.status).toBe(401);
    expect(await api.json()).toMatchObject({ code: 'REAUTH_REQUIRED', provider: 'op' });
    const stranger = Object.assign(Object.create(Object.getPrototypeOf(error) as object) as object, error, { provider: 'elsewhere' });
    expect(next.reauth(stranger, request)).toBeUndefined();
  });
});
