/**
 * Issue 13, item 5: the CSRF token for logout where each framework keeps request state, and a
 * `GET /auth/logout` confirmation page instead of a 405. Through every adapter with its real
 * framework, against oidc-provider, with a cookie jar:
 * - the guards record `{ user, session, csrfToken }` (Express `res.locals.latchkey`, Fastify
 *   `request.latchkey`, Hono `c.get('latchkey')`, node:http `lk.state(req)`), and the app's own
 *   sign-out form, rendered from it as docs/app.md shows, signs out;
 * - `GET /auth/logout` signed in shows the form (CSRF token, `returnTo` carried over, framing
 *   refused) and changes nothing; submitting it signs out; signed out, a page saying so with links.
 */
import type http from 'node:http';
import { getRequestListener } from '@hono/node-server';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { latchkey as expressLatchkey } from '../../src/adapters/express.js';
import { latchkey as fastifyLatchkey } from '../../src/adapters/fastify.js';
import { latchkey as honoLatchkey, type LatchkeyEnv } from '../../src/adapters/hono.js';
import { latchkey as nodeLatchkey } from '../../src/adapters/node.js';
import type { Auth } from '../../src/app/create-auth.js';
import type { LatchkeyState } from '../../src/app/guards.js';
import { rpWithOp } from '../app/rp-with-op.js';
import { login, makeAuth, opProvider, sessionOf, UserAgent } from '../app/support.js';

/** The sign-out form of docs/app.md, rendered from the request state. */
const signOutForm = (state: LatchkeyState | undefined): string =>
  `<!doctype html><title>Account</title><form method="post" action="/auth/logout"><input type="hidden" name="csrfToken" value="${state?.csrfToken ?? ''}"><button>Sign out</button></form>`;
/** What `/state` answers: the request state, as JSON. */
const stateJson = (state: LatchkeyState | undefined) => ({
  user: state?.user?.email ?? null,
  session: state?.session ? 'present' : null,
  csrfToken: state?.csrfToken ?? null,
});

type App = { listener: http.RequestListener; close?: () => Promise<void> };
const ADAPTERS: Record<string, (auth: Auth) => Promise<App>> = {
  async 'node:http'(auth) {
    const lk = nodeLatchkey(auth);
    return {
      listener: async (req, res) => {
        if (await lk.handle(req, res)) return;
        if (req.url === '/state') {
          await lk.optionalUser(req);
          res.setHeader('content-type', 'application/json');
          res.end(JSON.stringify(stateJson(lk.state(req))));
          return;
        }
        if (req.url === '/account' && (await lk.requireUser(req, res))) {
          res.setHeader('content-type', 'text/html');
          res.end(signOutForm(lk.state(req)));
          return;
        }
        if (!res.headersSent) res.writeHead(404).end();
      },
    };
  },
  async express(auth) {
    const app = express();
    const lk = expressLatchkey(auth);
    app.use(lk.router);
    app.get('/state', lk.optionalUser, (_req, res) => {
      res.json(stateJson(res.locals.latchkey as LatchkeyState));
    });
    app.get('/account', lk.requireUser, (_req, res) => {
      res.type('html').send(signOutForm(res.locals.latchkey as LatchkeyState));
    });
    return { listener: app as unknown as http.RequestListener };
  },
  async fastify(auth) {
    const app = Fastify();
    const lk = fastifyLatchkey(auth);
    await app.register(lk.plugin);
    app.get('/state', { preHandler: lk.optionalUser }, async (request) => stateJson(request.latchkey));
    app.get('/account', { preHandler: lk.requireUser }, async (request, reply) => reply.type('text/html').send(signOutForm(request.latchkey)));
    await app.ready();
    return { listener: (req, res) => app.routing(req, res), close: () => app.close() };
  },
  async hono(auth) {
    const app = new Hono<LatchkeyEnv>();
    const lk = honoLatchkey(auth);
    app.all('/auth/*', lk.handler);
    app.get('/state', lk.optionalUser, (c) => c.json(stateJson(c.get('latchkey'))));
    app.get('/account', lk.requireUser, (c) => c.html(signOutForm(c.get('latchkey'))));
    return { listener: getRequestListener(app.fetch) };
  },
};

describe.each(Object.keys(ADAPTERS))('adapter: %s', (name) => {
  // One provider: the guard and the signed-out page lead to its login.
  const live = rpWithOp((base, op) => ADAPTERS[name]!(makeAuth(base, op, { providers: [opProvider(op.issuer)] })));
  const state = async (ua: UserAgent) =>
    (await (await fetch(`${live.rp.base}/state`, { headers: { cookie: ua.cookieHeader(live.rp.base) } })).json()) as ReturnType<typeof stateJson>;

  it('the guards record the session and its CSRF token where the framework keeps request state', async () => {
    const ua = new UserAgent();
    expect(await state(ua)).toEqual({ user: null, session: null, csrfToken: null });
    await login(ua, live.rp.base, '/state');
    const s = await sessionOf(ua, live.rp.base);
    expect(s.status).toBe(200);
    expect(await state(ua)).toEqual({ user: 'alice@example.test', session: 'present', csrfToken: s.body.csrfToken });
    expect(typeof s.body.csrfToken).toBe('string');
  });

  it("the app's own sign-out form, rendered from the request state, signs out", async () => {
    const ua = new UserAgent();
    const landed = await login(ua, live.rp.base, '/account');
    expect(landed.url).toBe(`${live.rp.base}/account`);
    const account = await ua.navigate(`${live.rp.base}/account`);
    expect(account.status).toBe(200);
    const out = await ua.submitForm(account.html!, account.url, {
      headers: { origin: live.rp.base, accept: 'text/html' },
      stop: (u) => u === `${live.rp.base}/`,
    });
    expect(out.url).toBe(`${live.rp.base}/`);
    expect((await sessionOf(ua, live.rp.base)).status).toBe(401);
  });

  it('GET /auth/logout shows a confirmation form and changes nothing; submitting it signs out', async () => {
    const ua = new UserAgent();
    await login(ua, live.rp.base, '/state');
    const before = await sessionOf(ua, live.rp.base);
    const page = await ua.navigate(`${live.rp.base}/auth/logout?returnTo=%2Fbye`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.headers!.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers!.get('cache-control')).toBe('no-store');
    expect(page.headers!.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers!.get('content-security-policy')).toContain("form-action 'self'");
    expect(page.headers!.getSetCookie()).toEqual([]);
    expect(page.html).toContain('Sign out');
    const [form] = UserAgent.parseForms(page.html!, page.url);
    expect(form).toMatchObject({ method: 'POST', action: `${live.rp.base}/auth/logout` });
    expect(Object.fromEntries(form!.fields)).toEqual({ csrfToken: before.body.csrfToken, returnTo: '/bye' });
    // The GET signed nobody out.
    expect((await sessionOf(ua, live.rp.base)).status).toBe(200);
    const out = await ua.submitForm(page.html!, page.url, { headers: { origin: live.rp.base, accept: 'text/html' }, stop: (u) => u === `${live.rp.base}/bye` });
    expect(out.url).toBe(`${live.rp.base}/bye`);
    expect((await sessionOf(ua, live.rp.base)).status).toBe(401);
    expect(await state(ua)).toEqual({ user: null, session: null, csrfToken: null });
  });

  it('GET /auth/logout signed out says so, with links on and to sign in again', async () => {
    const ua = new UserAgent();
    const page = await ua.navigate(`${live.rp.base}/auth/logout`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(200);
    expect(page.html).toContain('You are signed out');
    expect(page.html).not.toContain('<form');
    expect(page.html).toContain('href="/"');
    expect(page.html).toContain('href="/auth/op/login"');
  });
});

describe('the sign-out pages escape what they show', () => {
  it('a hostile name, returnTo and token are escaped, never markup', async () => {
    const { logoutPage, signedOutPage } = await import('../../src/app/pages.js');
    const { DEFAULT_VIEW } = await import('../../src/app/page-options.js');
    const page = logoutPage(
      {
        action: '/auth/logout',
        csrfToken: '"><script>t</script>',
        who: '<img src=x onerror=alert(1)>',
        returnTo: '/a?b=\'c\'&d="e"',
        federated: true,
        federatedField: true,
        cancelHref: "/a?b='c'",
      },
      DEFAULT_VIEW,
    );
    const html = String(page.body);
    expect(html).not.toContain('<script>t');
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('value="/a?b=&#39;c&#39;&amp;d=&quot;e&quot;"');
    expect(html).toContain('<input type="hidden" name="federated" value="1">');
    const [form] = UserAgent.parseForms(html, 'http://127.0.0.1/auth/logout');
    expect(Object.fromEntries(form!.fields)).toEqual({ csrfToken: '"><script>t</script>', returnTo: '/a?b=\'c\'&d="e"', federated: '1' });
    expect(String(signedOutPage('/"x', '/auth/login', DEFAULT_VIEW).body)).toContain('href="/&quot;x"');
  });
});
