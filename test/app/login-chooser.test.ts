/**
 * `GET /auth/login`, the sign-in chooser: with several providers the guard sends browsers there;
 * it lists every provider (HTML for browsers, JSON otherwise) with the same-origin `returnTo` kept,
 * escapes provider names, and with one provider goes straight to its login. End to end against
 * oidc-provider: guarded page → chooser → the provider → back on the guarded page.
 */
import type http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latchkey } from '../../src/adapters/node.js';
import { type Auth, createAuth } from '../../src/app/create-auth.js';
import { ConfigurationError } from '../../src/errors.js';
import type { OidcProviderHandle } from '../support/oidc-provider.js';
import { listen, opProvider, type RpServer, rawGet, SECRET_A, startOp, UserAgent } from './support.js';

/** A browser navigation (Node's fetch would announce `Sec-Fetch-Mode: cors`, an API call). */
const NAVIGATE = { accept: 'text/html', 'sec-fetch-mode': 'navigate' };

describe('sign-in chooser', () => {
  let rp: RpServer;
  let op: OidcProviderHandle;
  let auth: Auth;
  let single: Auth;
  let own: Auth;

  beforeAll(async () => {
    rp = await listen(() => (req: http.IncomingMessage, res: http.ServerResponse) => {
      const lk = latchkey(req.url?.startsWith('/single') ? single : req.url?.startsWith('/own') ? own : auth);
      void (async () => {
        if (await lk.handle(req, res)) return;
        if (req.url?.startsWith('/dashboard') || req.url?.startsWith('/single/dashboard') || req.url?.startsWith('/own/dashboard')) {
          const user = await lk.requireUser(req, res);
          if (user) res.end(`dashboard of ${user.id}`);
          return;
        }
        res.end('page');
      })();
    });
    op = await startOp(rp.base);
    auth = createAuth({
      baseUrl: rp.base,
      secret: SECRET_A,
      // A second provider whose name would break the page if it were not escaped.
      providers: [opProvider(op.issuer), opProvider(op.issuer, { id: 'corp', name: 'Corp <b>SSO</b> & "friends"' })],
    });
    single = createAuth({ baseUrl: rp.base, basePath: '/single/auth', secret: SECRET_A, providers: [opProvider(op.issuer)] });
    own = createAuth({
      baseUrl: rp.base,
      basePath: '/own/auth',
      secret: SECRET_A,
      signInPage: '/own/signin',
      providers: [opProvider(op.issuer), opProvider(op.issuer, { id: 'corp' })],
    });
  });
  afterAll(async () => {
    await rp?.close();
    await op?.close();
  });

  it('with several providers, the guard sends a browser to the chooser with its returnTo', async () => {
    const r = await rawGet(`${rp.base}/dashboard?tab=2`, NAVIGATE);
    expect(r.status).toBe(302);
    expect(r.headers.location).toBe(`/auth/login?returnTo=${encodeURIComponent('/dashboard?tab=2')}`);
  });

  it('lists every provider as an escaped link keeping returnTo, under a strict CSP', async () => {
    const r = await fetch(`${rp.base}/auth/login?returnTo=${encodeURIComponent('/dashboard?tab=2')}`, { headers: { accept: 'text/html' } });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('text/html');
    expect(r.headers.get('cache-control')).toContain('no-store');
    const csp = r.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("frame-ancestors 'none'");
    const html = await r.text();
    const links = [...html.matchAll(/<a href="([^"]+)">([^<]*(?:<[^/][^<]*)*)<\/a>/g)].map((m) => m[1]);
    expect(links).toEqual([
      `/auth/op/login?returnTo=${encodeURIComponent('/dashboard?tab=2')}`,
      `/auth/corp/login?returnTo=${encodeURIComponent('/dashboard?tab=2')}`,
    ]);
    expect(html).toContain('Sign in with Corp &lt;b&gt;SSO&lt;/b&gt; &amp; &quot;friends&quot;');
    expect(html).not.toContain('<b>SSO</b>');
  });

  it('answers JSON clients with the list, and drops a returnTo that leaves the site', async () => {
    const r = await fetch(`${rp.base}/auth/login?returnTo=${encodeURIComponent('https://evil.example/steal')}`, { headers: { accept: 'application/json' } });
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({
      providers: [
        { id: 'op', name: 'Test OP', loginUrl: '/auth/op/login?returnTo=%2F' },
        { id: 'corp', name: 'Corp <b>SSO</b> & "friends"', loginUrl: '/auth/corp/login?returnTo=%2F' },
      ],
    });
    const post = await fetch(`${rp.base}/auth/login`, { method: 'POST' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET');
  });

  it('with one provider, the guard and the chooser go straight to its login', async () => {
    const guarded = await rawGet(`${rp.base}/single/dashboard`, NAVIGATE);
    expect(guarded.headers.location).toBe(`/single/auth/op/login?returnTo=${encodeURIComponent('/single/dashboard')}`);
    const chooser = await fetch(`${rp.base}/single/auth/login?returnTo=%2Fsingle%2Fdashboard`, { redirect: 'manual' });
    expect(chooser.status).toBe(302);
    expect(chooser.headers.get('location')).toBe(`/single/auth/op/login?returnTo=${encodeURIComponent('/single/dashboard')}`);
  });

  it('end to end: guarded page → chooser → provider → back on the guarded page, signed in', async () => {
    const ua = new UserAgent();
    const guarded = await rawGet(`${rp.base}/dashboard?tab=2`, NAVIGATE);
    const page = await ua.navigate(new URL(String(guarded.headers.location), rp.base), { headers: NAVIGATE });
    expect(page.status).toBe(200);
    const href = /<a href="([^"]+)">Sign in with Test OP<\/a>/.exec(page.html ?? '')?.[1];
    expect(href).toBeDefined();
    const landed = await ua.navigate(new URL(href!.replace(/&amp;/g, '&'), rp.base), {
      autoSubmitForms: true,
      stop: (u) => u.startsWith(rp.base) && !new URL(u).pathname.startsWith('/auth/'),
    });
    expect(landed.stopped).toBe(true);
    expect(landed.url).toBe(`${rp.base}/dashboard?tab=2`);
    const dashboard = await rawGet(landed.url, { ...NAVIGATE, cookie: ua.cookieHeader(landed.url) });
    expect(dashboard.status).toBe(200);
    expect(dashboard.body).toMatch(/^dashboard of usr_/);
  });

  it("an app's own sign-in page (signInPage) is where the guard sends browsers; it must be a same-origin path", async () => {
    const guarded = await rawGet(`${rp.base}/own/dashboard?tab=2`, NAVIGATE);
    expect(guarded.status).toBe(302);
    expect(guarded.headers.location).toBe(`/own/signin?returnTo=${encodeURIComponent('/own/dashboard?tab=2')}`);
    for (const bad of ['signin', '//evil.example/signin', 'https://evil.example/signin', '/\\evil.example', '/signin?x=1']) {
      expect(() => createAuth({ baseUrl: rp.base, secret: SECRET_A, signInPage: bad, providers: [opProvider(op.issuer)] }), bad).toThrow(ConfigurationError);
    }
  });
});
