/**
 * A route module is addressable alone: build one `AuthContext` (`createAuthContext`) for the real
 * oidc-provider and call the route functions of `src/app/routes/` directly, with no handler, no
 * edge and no adapter in between. A whole login runs through them: the login route's redirect is
 * followed at the OP by a headless user agent, and its answer is handed to the callback route.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthContext, createAuthContext } from '../../src/app/context.js';
import { backchannelLogoutRoute } from '../../src/app/routes/backchannel-logout.js';
import { callbackRoute } from '../../src/app/routes/callback.js';
import { loginRoute } from '../../src/app/routes/login.js';
import { loginChooserRoute } from '../../src/app/routes/login-chooser.js';
import { sessionRoute } from '../../src/app/routes/session.js';
import { tokenRoute } from '../../src/app/routes/token.js';
import type { OidcProviderHandle } from '../support/oidc-provider.js';
import { listenIdle, opProvider, type RpServer, SECRET_A, startOp, UserAgent } from './support.js';

/** The `name=value` part of each `Set-Cookie`. */
function cookiePairs(res: Response): string[] {
  return res.headers.getSetCookie().map((c) => c.split(';')[0]!);
}

describe('route modules, called directly over one AuthContext', () => {
  let rp: RpServer;
  let op: OidcProviderHandle;
  let ctx: AuthContext;

  beforeAll(async () => {
    // A real loopback address for the RP (the routes are called directly; nothing should reach it).
    rp = await listenIdle();
    op = await startOp(rp.base);
    ctx = createAuthContext({
      baseUrl: rp.base,
      secret: SECRET_A,
      providers: [opProvider(op.issuer), opProvider(op.issuer, { id: 'op-post', responseMode: 'form_post' })],
    });
  });
  afterAll(async () => {
    await rp?.close();
    await op?.close();
  });

  it('the context is built once and frozen', () => {
    expect(Object.isFrozen(ctx)).toBe(true);
    expect(ctx.routePrefix).toBe('/auth');
    expect(ctx.loginPath).toBe('/auth/login');
    expect(() => ctx.provider('nope')).toThrow(expect.objectContaining({ code: 'PROVIDER_UNKNOWN' }));
  });

  it('the logout-token replay memory: a jti is seen once, kept a minute past its expiry, bounded', () => {
    let now = 1_000_000_000_000;
    const clocked = createAuthContext({ baseUrl: rp.base, secret: SECRET_A, providers: [opProvider(op.issuer)], clock: () => now });
    const exp = Math.floor(now / 1000) + 120;
    expect(clocked.jtiSeen('jti-1', exp)).toBe(false);
    expect(clocked.jtiSeen('jti-1', exp)).toBe(true);
    expect(clocked.jtiSeen('jti-2', exp)).toBe(false);
    // Back-Channel Logout 1.0 §2.6: a replay is refused for as long as the token itself could be accepted.
    now += 120_000 + 59_000;
    expect(clocked.jtiSeen('jti-1', exp)).toBe(true);
    // 50,000 other tokens later the memory stays bounded and the newest are still remembered.
    for (let i = 0; i < 50_010; i++) clocked.jtiSeen(`spray-${i}`, exp + 600);
    expect(clocked.jtiSeen('spray-50009', exp + 600)).toBe(true);
  });

  it('session route: 401 JSON with WWW-Authenticate without a cookie, and clears a cookie that names no session', async () => {
    const res = await sessionRoute(ctx, new Request(`${rp.base}/auth/session`));
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('www-authenticate')).toBe(`Bearer realm="${new URL(rp.base).host}"`);
    expect(await res.json()).toMatchObject({ error: 'unauthenticated', code: 'UNAUTHENTICATED' });
    expect(res.headers.getSetCookie()).toEqual([]);

    const stale = await sessionRoute(ctx, new Request(`${rp.base}/auth/session`, { headers: { cookie: `${ctx.config.cookies.session}=not-a-session` } }));
    expect(stale.status).toBe(401);
    expect(stale.headers.getSetCookie()).toEqual([ctx.sessions.clearCookie()]);
  });

  it('login route: 302 to the provider with state, nonce and PKCE, and the transaction cookie for that state', async () => {
    const res = await loginRoute(ctx, new Request(`${rp.base}/auth/op/login?returnTo=%2Fdash`), new URL(`${rp.base}/auth/op/login?returnTo=%2Fdash`), 'op');
    expect(res.status).toBe(302);
    const location = new URL(res.headers.get('location')!);
    expect(location.origin).toBe(new URL(op.issuer).origin);
    expect(location.searchParams.get('client_id')).toBe('rp');
    expect(location.searchParams.get('redirect_uri')).toBe(`${rp.base}/auth/op/callback`);
    expect(location.searchParams.get('code_challenge_method')).toBe('S256');
    expect(location.searchParams.get('nonce')).toBeTruthy();
    const state = location.searchParams.get('state')!;
    expect(state).toBeTruthy();
    const pairs = cookiePairs(res);
    expect(pairs).toHaveLength(1);
    expect(pairs[0]!.startsWith(`${ctx.transactions.cookieName(state)}=`)).toBe(true);
  });

  it('login route: an unknown provider or a bad intent is a typed error, not an answer', async () => {
    const url = new URL(`${rp.base}/auth/nope/login`);
    await expect(loginRoute(ctx, new Request(url), url, 'nope')).rejects.toMatchObject({ code: 'PROVIDER_UNKNOWN' });
    const bad = new URL(`${rp.base}/auth/op/login?intent=steal`);
    await expect(loginRoute(ctx, new Request(bad), bad, 'op')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('login, the OP, then the callback route: a session cookie and a 302 to returnTo; the session and token routes see it', async () => {
    const loginUrl = new URL(`${rp.base}/auth/op/login?returnTo=%2Fdash%3Fx%3D1`);
    const started = await loginRoute(ctx, new Request(loginUrl), loginUrl, 'op');
    const ua = new UserAgent();
    for (const c of started.headers.getSetCookie()) ua.setCookie(c, rp.base);
    const atOp = await ua.navigate(started.headers.get('location')!, { stop: (u) => u.startsWith(rp.base) });
    expect(atOp.stopped).toBe(true);
    expect(atOp.url.startsWith(`${rp.base}/auth/op/callback?`)).toBe(true);

    const callbackUrl = new URL(atOp.url);
    const done = await callbackRoute(ctx, new Request(callbackUrl, { headers: { cookie: ua.cookieHeader(callbackUrl) } }), callbackUrl, 'op', '');
    expect(done.status).toBe(302);
    expect(done.headers.get('location')).toBe('/dash?x=1');
    for (const c of done.headers.getSetCookie()) ua.setCookie(c, rp.base);
    const sessionCookie = ua.cookieHeader(`${rp.base}/auth/session`);
    expect(sessionCookie).toContain(`${ctx.config.cookies.session}=`);

    const session = await sessionRoute(ctx, new Request(`${rp.base}/auth/session`, { headers: { cookie: sessionCookie } }));
    expect(session.status).toBe(200);
    const body = (await session.json()) as { user: { email: string }; provider: string; csrfToken: string };
    expect(body.user.email).toBe('alice@example.test');
    expect(body.provider).toBe('op');
    expect(body.csrfToken.length).toBeGreaterThan(10);

    // The token route mints a Bearer token that the session layer (ctx.authenticate) accepts alone.
    const minted = await tokenRoute(
      ctx,
      new Request(`${rp.base}/auth/token`, { method: 'POST', headers: { cookie: sessionCookie, 'sec-fetch-site': 'same-origin' } }),
    );
    expect(minted.status).toBe(200);
    const { access_token: accessToken } = (await minted.json()) as { access_token: string };
    const viaBearer = await ctx.authenticate(null, `Bearer ${accessToken}`);
    expect(viaBearer?.user.email).toBe('alice@example.test');
    // Its cache answers synchronously now; ending the user's sessions purges it, and the token no longer works.
    expect(ctx.bearer.resolve(`Bearer ${accessToken}`)).toMatchObject({ user: { email: 'alice@example.test' } });
    expect(await ctx.revoke({ userId: viaBearer!.user.id })).toHaveLength(1);
    expect(await ctx.authenticate(null, `Bearer ${accessToken}`)).toBeNull();
    expect((await sessionRoute(ctx, new Request(`${rp.base}/auth/session`, { headers: { cookie: sessionCookie } }))).status).toBe(401);
  });

  it('callback route: a replayed or foreign callback (no transaction cookie) is an error answer, no session', async () => {
    const url = new URL(`${rp.base}/auth/op/callback?code=abc&state=${'s'.repeat(43)}`);
    const res = await callbackRoute(ctx, new Request(url, { headers: { accept: 'application/json' } }), url, 'op', '');
    expect(res.status).toBe(400);
    expect(cookiePairs(res).some((c) => c.startsWith(`${ctx.config.cookies.session}=`) && c.length > ctx.config.cookies.session.length + 1)).toBe(false);
  });

  it('back-channel logout route: a missing logout_token, or a body that is not a form, is a 400 with an RFC 6749 error body', async () => {
    const url = `${rp.base}/auth/op/backchannel-logout`;
    const missing = await backchannelLogoutRoute(
      ctx,
      new Request(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' }),
      'op',
      '',
    );
    expect(missing.status).toBe(400);
    expect(await missing.json()).toMatchObject({ error: 'invalid_request', code: 'LOGOUT_TOKEN_INVALID' });

    const json = await backchannelLogoutRoute(
      ctx,
      new Request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }),
      'op',
      '{}',
    );
    expect(json.status).toBe(400);
    expect(await json.json()).toMatchObject({ error: 'invalid_request', code: 'BAD_REQUEST' });

    const forged = await backchannelLogoutRoute(
      ctx,
      new Request(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
      'op',
      'logout_token=a.b.c',
    );
    expect(forged.status).toBe(400);
    expect(await forged.json()).toMatchObject({ error: 'invalid_request' });
  });

  it('login chooser route: JSON for an API client, the escaped page for a browser', async () => {
    const url = new URL(`${rp.base}/auth/login?returnTo=%2Fdash`);
    const list = loginChooserRoute(ctx, new Request(url, { headers: { accept: 'application/json' } }), url);
    expect(list.status).toBe(200);
    expect(await list.json()).toEqual({
      providers: [
        { id: 'op', name: 'Test OP', loginUrl: '/auth/op/login?returnTo=%2Fdash' },
        { id: 'op-post', name: 'Test OP', loginUrl: '/auth/op-post/login?returnTo=%2Fdash' },
      ],
    });
    const page = loginChooserRoute(ctx, new Request(url, { headers: { accept: 'text/html' } }), url);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toMatch(/^default-src 'none'; style-src 'nonce-/);
    expect(await page.text()).toContain('<a href="/auth/op/login?returnTo=%2Fdash">Sign in with Test OP</a>');
  });
});
