/**
 * End-to-end login flows against the real oidc-provider through the Node adapter, for both session
 * strategies: login, callback, /auth/session, a guarded route, parallel logins, replays, missing and
 * foreign transactions, form_post, returnTo, logout (local and RP-initiated), back-channel logout,
 * access tokens, hooks.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Auth } from '../../src/app/create-auth.js';
import type { OidcProviderHandle } from '../support/oidc-provider.js';
import { listen, login, logout, makeAuth, nodeApp, type RpServer, rawGet, sessionOf, startOp, UserAgent } from './support.js';

describe.each(['cookie', 'server'] as const)('login flow (%s sessions)', (strategy) => {
  let rp: RpServer;
  let op: OidcProviderHandle;
  let auth: Auth;

  beforeAll(async () => {
    rp = await listen(() => nodeApp(() => auth));
    op = await startOp(rp.base);
    auth = makeAuth(rp.base, op, { session: { strategy } });
  });
  afterAll(async () => {
    await rp.close();
    await op.close();
  });

  it('logs in, sets a hardened session cookie, serves /auth/session and a guarded route', async () => {
    const ua = new UserAgent();
    const r = await login(ua, rp.base, '/dashboard?tab=2');
    expect(r.stopped).toBe(true);
    expect(r.url).toBe(`${rp.base}/dashboard?tab=2`);
    const cookies = ua.cookies(rp.base);
    expect(cookies.some((c) => c.startsWith('lk-session='))).toBe(true);
    expect(cookies.some((c) => c.startsWith('lk-tx-'))).toBe(false);
    const s = await sessionOf(ua, rp.base);
    expect(s.status).toBe(200);
    expect((s.body.user as { email: string }).email).toBe('alice@example.test');
    expect(Date.parse(String(s.body.expiresAt))).toBeGreaterThan(Date.now());
    const me = await fetch(`${rp.base}/me`, { headers: { cookie: ua.cookieHeader(rp.base) } });
    expect(me.status).toBe(200);
    expect(((await me.json()) as { user: { email: string } }).user.email).toBe('alice@example.test');
  });

  it('answers the callback with Set-Cookie attributes HttpOnly, SameSite=Lax and no-store headers', async () => {
    const ua = new UserAgent();
    const start = await ua.navigate(`${rp.base}/auth/op/login`, { stop: (u) => u.startsWith(`${rp.base}/auth/op/callback`) });
    const res = await fetch(start.url, { redirect: 'manual', headers: { cookie: ua.cookieHeader(start.url) } });
    expect(res.status).toBe(302);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    const session = res.headers.getSetCookie().find((c) => c.startsWith('lk-session='))!;
    expect(session).toMatch(/HttpOnly/);
    expect(session).toMatch(/SameSite=Lax/);
    expect(session).not.toMatch(/Secure/); // loopback http
    expect(res.headers.getSetCookie().some((c) => c.startsWith('lk-tx-') && c.includes('Max-Age=0'))).toBe(true);
  });

  it('guards: a browser is redirected to login with a safe returnTo; an API client gets 401 JSON', async () => {
    const page = await rawGet(`${rp.base}/me?x=1`, { accept: 'text/html', 'sec-fetch-mode': 'navigate' });
    expect(page.status).toBe(302);
    expect(page.headers.location).toBe('/auth/login?returnTo=%2Fme%3Fx%3D1');
    expect(page.headers['cache-control']).toBe('no-store');
    const api = await fetch(`${rp.base}/me`, { headers: { accept: 'application/json' } });
    expect(api.status).toBe(401);
    expect(api.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
    expect(await api.json()).toMatchObject({ error: 'unauthenticated' });
    const maybe = await fetch(`${rp.base}/maybe`);
    expect(await maybe.json()).toEqual({ user: null });
    const s = await fetch(`${rp.base}/auth/session`);
    expect(s.status).toBe(401);
    expect(await s.json()).toMatchObject({ error: 'unauthenticated' });
  });

  it('completes two and ten parallel logins started in one browser, in any order', async () => {
    for (const n of [2, 10]) {
      const ua = new UserAgent();
      const starts: string[] = [];
      for (let i = 0; i < n; i++) {
        const r = await ua.navigate(`${rp.base}/auth/op/login?returnTo=/tab-${i}`, { stop: (u) => u.startsWith(op.issuer) });
        starts.push(r.url);
      }
      expect(ua.cookies(rp.base).filter((c) => c.startsWith('lk-tx-'))).toHaveLength(n);
      // Finish them newest first, then oldest: every tab lands where it started.
      const order = [...starts.keys()].reverse();
      for (const i of order) {
        const r = await ua.navigate(starts[i]!, { stop: (u) => u.startsWith(`${rp.base}/tab-`) });
        expect(r.url).toBe(`${rp.base}/tab-${i}`);
      }
      expect(ua.cookies(rp.base).filter((c) => c.startsWith('lk-tx-'))).toHaveLength(0);
    }
  });

  it('bounds live transactions: the oldest of eleven is dropped and fails with TRANSACTION_MISSING', async () => {
    const ua = new UserAgent();
    const starts: string[] = [];
    for (let i = 0; i < 11; i++) {
      starts.push((await ua.navigate(`${rp.base}/auth/op/login?returnTo=/t${i}`, { stop: (u) => u.startsWith(op.issuer) })).url);
    }
    expect(ua.cookies(rp.base).filter((c) => c.startsWith('lk-tx-'))).toHaveLength(10);
    const first = await ua.navigate(starts[0]!, { headers: { accept: 'application/json' }, stop: (u) => u.startsWith(`${rp.base}/t`) });
    expect(first.status).toBe(400);
    expect(JSON.parse(first.html!)).toMatchObject({ code: 'TRANSACTION_MISSING' });
    const last = await ua.navigate(starts[10]!, { stop: (u) => u.startsWith(`${rp.base}/t`) });
    expect(last.url).toBe(`${rp.base}/t10`);
  });

  it('refuses a replayed callback, even with the transaction cookie copied back', async () => {
    const ua = new UserAgent();
    const start = await ua.navigate(`${rp.base}/auth/op/login`, { stop: (u) => u.startsWith(`${rp.base}/auth/op/callback`) });
    const txCookie = ua.cookieHeader(start.url);
    const first = await fetch(start.url, { redirect: 'manual', headers: { cookie: txCookie } });
    expect(first.status).toBe(302);
    const again = await fetch(start.url, { redirect: 'manual', headers: { cookie: txCookie, accept: 'application/json' } });
    expect(again.status).toBe(400);
    // The core's one replay memory refuses it (RFC 9700 §4.2.4); the app keeps none of its own.
    expect(await again.json()).toMatchObject({ code: 'STATE_MISMATCH' });
    const noCookie = await fetch(start.url, { redirect: 'manual', headers: { accept: 'text/html' } });
    expect(noCookie.status).toBe(400);
    const html = await noCookie.text();
    expect(html).toContain('TRANSACTION_MISSING');
    expect(html).not.toContain(new URL(start.url).searchParams.get('code')!);
  });

  it('refuses a callback with no transaction cookie or a foreign one', async () => {
    const a = new UserAgent();
    const b = new UserAgent();
    const startA = await a.navigate(`${rp.base}/auth/op/login`, { stop: (u) => u.startsWith(`${rp.base}/auth/op/callback`) });
    const startB = await b.navigate(`${rp.base}/auth/op/login`, { stop: (u) => u.startsWith(`${rp.base}/auth/op/callback`) });
    // B's browser receives A's callback: B's cookie is for another state.
    const cross = await fetch(startA.url, { headers: { cookie: b.cookieHeader(startA.url), accept: 'application/json' } });
    expect(cross.status).toBe(400);
    expect(await cross.json()).toMatchObject({ code: 'TRANSACTION_MISSING' });
    // A cookie renamed to match A's state but carrying B's transaction: the core's state check refuses it.
    const bCookie = b.cookies(rp.base).find((c) => c.startsWith('lk-tx-'))!;
    const aName = a
      .cookies(rp.base)
      .find((c) => c.startsWith('lk-tx-'))!
      .split('=')[0]!;
    const forged = `${aName}=${bCookie.slice(bCookie.indexOf('=') + 1)}`;
    const r = await fetch(startA.url, { headers: { cookie: forged, accept: 'application/json' } });
    expect(r.status).toBe(400);
    expect(await r.json()).toMatchObject({ code: 'STATE_MISMATCH' });
    // The transaction of provider "op" presented on provider "op-post"'s callback.
    const wrongProvider = startB.url.replace('/auth/op/callback', '/auth/op-post/callback');
    const w = await fetch(wrongProvider, { headers: { cookie: b.cookieHeader(startB.url), accept: 'application/json' } });
    expect(w.status).toBe(400);
    expect(await w.json()).toMatchObject({ code: 'TRANSACTION_INVALID' });
  });

  it('handles form_post: a cross-site POST without cookies is re-posted from the same origin', async () => {
    const ua = new UserAgent();
    const stopAtCallback = (u: string): boolean => u.startsWith(`${rp.base}/auth/op-post/callback`);
    const posted = await ua.navigate(`${rp.base}/auth/op-post/login?returnTo=/after`, { autoSubmitForms: true, stop: stopAtCallback });
    expect(posted.method).toBe('POST');
    // The provider's cross-site POST: SameSite=Lax cookies are not sent.
    const crossSite = await fetch(posted.url, { method: 'POST', body: posted.body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(crossSite.status).toBe(200);
    const csp = crossSite.headers.get('content-security-policy')!;
    expect(csp).toMatch(/script-src 'nonce-[A-Za-z0-9_-]+'/);
    expect(csp).toContain("form-action 'self'");
    const html = await crossSite.text();
    // The self-posting page, submitted from our origin, where the cookie is sent.
    const done = await ua.submitForm(html, posted.url, { stop: (u) => u.startsWith(`${rp.base}/after`) });
    expect(done.url).toBe(`${rp.base}/after`);
    expect((await sessionOf(ua, rp.base)).status).toBe(200);
  });

  it('refuses returnTo pointing elsewhere (open redirect)', async () => {
    for (const bad of ['https://evil.example', '//evil.example', '/\\evil.example', 'javascript:alert(1)', '/%0d%0aSet-Cookie:x=1'.replace('%0d%0a', '\r\n')]) {
      const r = await fetch(`${rp.base}/auth/op/login?returnTo=${encodeURIComponent(bad)}`, { redirect: 'manual', headers: { accept: 'application/json' } });
      expect(r.status).toBe(400);
      expect(await r.json()).toMatchObject({ code: 'RETURN_TO_INVALID' });
    }
    const page = await fetch(`${rp.base}/auth/op/login?returnTo=https://evil.example`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(400);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(await page.text()).toContain('RETURN_TO_INVALID');
  });

  it('refuses a tampered session cookie', async () => {
    const ua = new UserAgent();
    await login(ua, rp.base);
    const cookie = ua.cookieHeader(rp.base);
    const value = /lk-session=([^;]+)/.exec(cookie)![1]!;
    const flipped = value.slice(0, -2) + (value.at(-2) === 'A' ? 'B' : 'A') + value.at(-1);
    const r = await fetch(`${rp.base}/auth/session`, { headers: { cookie: `lk-session=${flipped}` } });
    expect(r.status).toBe(401);
    expect(r.headers.getSetCookie().some((c) => c.startsWith('lk-session=;'))).toBe(true);
    const me = await fetch(`${rp.base}/me`, { headers: { cookie: `lk-session=${flipped}`, accept: 'application/json' } });
    expect(me.status).toBe(401);
  });

  it('logs out locally with CSRF protection; the old cookie no longer works', async () => {
    const ua = new UserAgent();
    await login(ua, rp.base);
    const cookie = ua.cookieHeader(rp.base);
    const noToken = await fetch(`${rp.base}/auth/logout`, { method: 'POST', headers: { cookie, accept: 'application/json' } });
    expect(noToken.status).toBe(403);
    expect(await noToken.json()).toMatchObject({ code: 'CSRF_FAILED' });
    const csrf = String((await sessionOf(ua, rp.base)).body.csrfToken);
    const crossOrigin = await fetch(`${rp.base}/auth/logout`, { method: 'POST', headers: { cookie, origin: 'https://evil.example', 'x-csrf-token': csrf } });
    expect(crossOrigin.status).toBe(403);
    const r = await logout(ua, rp.base);
    expect(r.url).toBe(`${rp.base}/`);
    expect((await sessionOf(ua, rp.base)).status).toBe(401);
    const replay = await fetch(`${rp.base}/me`, { headers: { cookie, accept: 'application/json' } });
    expect(replay.status).toBe(401);
  });

  it('logs out at the provider too (RP-initiated) and validates the state on return', async () => {
    const ua = new UserAgent();
    await login(ua, rp.base);
    const opSession = (): string[] => ua.cookies(op.issuer).filter((c) => /^_session=/.test(c));
    expect(opSession()).toHaveLength(1);
    const r = await logout(ua, rp.base, '?federated=1');
    expect(r.url).toBe(`${rp.base}/`);
    expect((await sessionOf(ua, rp.base)).status).toBe(401);
    // The provider ended its own session too.
    expect(opSession()).toHaveLength(0);
    // The provider session is gone: a new login asks the OP again (we see its redirect chain finish).
    const bad = await fetch(`${rp.base}/auth/logout/callback?state=forged`, { headers: { accept: 'application/json' } });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ code: 'LOGOUT_STATE_MISMATCH' });
  });

  it('ends the session when the provider sends a back-channel logout token', async () => {
    const ua = new UserAgent();
    await login(ua, rp.base);
    expect((await sessionOf(ua, rp.base)).status).toBe(200);
    // The user signs out at the provider itself; it notifies the RP on the back channel.
    await ua.navigate(`${op.issuer}/session/end?client_id=rp`, { autoSubmitForms: true });
    const deadline = Date.now() + 5000;
    let status = 200;
    while (status === 200 && Date.now() < deadline) {
      status = (await sessionOf(ua, rp.base)).status;
      if (status === 200) await new Promise((r) => setTimeout(r, 50));
    }
    expect(op.backchannelErrors).toEqual([]);
    expect(status).toBe(401);
  });

  it('answers 400 to an invalid logout token', async () => {
    for (const body of ['logout_token=not-a-jwt', 'nothing=here']) {
      const r = await fetch(`${rp.base}/auth/op/backchannel-logout`, {
        method: 'POST',
        body,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });
      expect(r.status).toBe(400);
      expect(r.headers.get('cache-control')).toBe('no-store');
      expect(await r.json()).toMatchObject({ error: 'invalid_request' });
    }
  });

  it('issues a short-lived access token from the session; logout revokes it', async () => {
    const ua = new UserAgent();
    await login(ua, rp.base);
    const t = await fetch(`${rp.base}/auth/token`, { method: 'POST', headers: { cookie: ua.cookieHeader(rp.base), origin: rp.base } });
    expect(t.status).toBe(200);
    const { access_token, token_type, expires_in } = (await t.json()) as { access_token: string; token_type: string; expires_in: number };
    expect(token_type).toBe('Bearer');
    expect(expires_in).toBe(300);
    const me = await fetch(`${rp.base}/me`, { headers: { authorization: `Bearer ${access_token}` } });
    expect(me.status).toBe(200);
    const evil = await fetch(`${rp.base}/auth/token`, { method: 'POST', headers: { cookie: ua.cookieHeader(rp.base), origin: 'https://evil.example' } });
    expect(evil.status).toBe(403);
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    await logout(ua, rp.base);
    await new Promise((r) => setTimeout(r, 10));
    const after = await fetch(`${rp.base}/me`, { headers: { authorization: `Bearer ${access_token}` } });
    expect(after.status).toBe(401);
    expect(after.headers.get('www-authenticate')).toContain('invalid_token');
  });

  it('logs a user out everywhere', async () => {
    const a = new UserAgent();
    const b = new UserAgent();
    await login(a, rp.base);
    await login(b, rp.base);
    const s = await sessionOf(a, rp.base);
    expect((await sessionOf(b, rp.base)).status).toBe(200);
    await auth.sessions.revokeUser((s.body.user as { id: string }).id);
    expect((await sessionOf(a, rp.base)).status).toBe(401);
    expect((await sessionOf(b, rp.base)).status).toBe(401);
  });

  it('never answers 5xx to malformed input', async () => {
    const cases: [string, RequestInit][] = [
      ['/auth/op/callback', {}],
      ['/auth/op/callback?state=x&code=y', { headers: { cookie: 'lk-tx-x=garbage' } }],
      ['/auth/op/callback', { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } }],
      ['/auth/op/callback', { method: 'POST', body: 'state=abc&code=1&lk_repost=1', headers: { 'content-type': 'application/x-www-form-urlencoded' } }],
      ['/auth/unknown/login', {}],
      ['/auth/op/login?intent=steal', {}],
      ['/auth/session', { method: 'DELETE' }],
      ['/auth/session', { headers: { cookie: `lk-session=${'x'.repeat(9000)}` } }],
      ['/auth/session', { headers: { authorization: 'Bearer a.b.c' } }],
      ['/auth/logout/callback', {}],
      ['/auth/nope/nope/nope', {}],
      ['/auth/logout', { method: 'POST', body: 'x'.repeat(70_000), headers: { 'content-type': 'application/x-www-form-urlencoded' } }],
    ];
    for (const [path, init] of cases) {
      const r = await fetch(`${rp.base}${path}`, { redirect: 'manual', ...init });
      expect(r.status, path).toBeGreaterThanOrEqual(400);
      expect(r.status, path).toBeLessThan(500);
      await r.body?.cancel();
    }
  });
});
