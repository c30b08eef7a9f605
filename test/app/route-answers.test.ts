/**
 * Routes answer; errors are plain. A route that must send a cookie with a refusal (the logout
 * callback clears the logout cookie whatever happens) returns that answer itself instead of
 * throwing an error mutated to carry `setCookies` back to the router; the router maps plain typed
 * errors to answers. Checked on the route module alone and through the Web handler.
 */
import { describe, expect, it } from 'vitest';
import { createAuth } from '../../src/app/create-auth.js';
import { webShape } from '../../src/app/http-shapes.js';
import { serveLogoutCallback } from '../../src/app/routes/logout-callback.js';
import { routeFixture } from './route-fixture.js';
import { opProvider, SECRET_A } from './support.js';

describe('the logout callback answers its refusals itself, the logout cookie cleared', () => {
  const fx = routeFixture();

  const call = (cookie: string | null) => {
    const url = new URL(`${fx.rp.base}/auth/logout/callback?state=whatever`);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (cookie !== null) headers.cookie = cookie;
    return serveLogoutCallback(fx.ctx, webShape(new Request(url, { headers }), url));
  };
  const clearsLogoutCookie = (setCookies: readonly string[]): boolean => setCookies.some((c) => c.startsWith(`${fx.ctx.config.cookies.logout}=;`));

  it('no logout started from this browser: an answer (not a throw), 400 LOGOUT_STATE_MISMATCH, cookie cleared', async () => {
    const answer = await call(null);
    expect(answer.status).toBe(400);
    expect(JSON.parse(String(answer.body))).toMatchObject({ code: 'LOGOUT_STATE_MISMATCH' });
    expect(clearsLogoutCookie(answer.setCookies)).toBe(true);
  });

  it('a sealed logout naming a provider that is no longer configured: the same answer, cookie cleared', async () => {
    const sealed = await (await fx.ctx.keyring()).seal('logout', { state: 'whatever', returnTo: '/', providerId: 'gone', exp: fx.ctx.clock() + 60_000 });
    const answer = await call(`${fx.ctx.config.cookies.logout}=${sealed}`);
    expect(answer.status).toBe(400);
    expect(JSON.parse(String(answer.body))).toMatchObject({ code: 'LOGOUT_STATE_MISMATCH' });
    expect(clearsLogoutCookie(answer.setCookies)).toBe(true);
  });

  it('through the Web handler: the same refusal, the cookie cleared', async () => {
    const auth = createAuth({ baseUrl: fx.rp.base, secret: SECRET_A, providers: [opProvider(fx.op.issuer)] });
    const res = await auth.handler(new Request(`${fx.rp.base}/auth/logout/callback?state=forged`, { headers: { accept: 'application/json' } }));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'LOGOUT_STATE_MISMATCH' });
    expect(clearsLogoutCookie(res.headers.getSetCookie())).toBe(true);
  });
});
