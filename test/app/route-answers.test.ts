/**
 * Routes answer; errors are plain. A route that must send a cookie with a refusal (the logout
 * callback clears the logout cookie whatever happens) returns that answer itself instead of
 * throwing an error mutated to carry `setCookies` back to the router; the router maps plain typed
 * errors to answers. Checked on the route module alone and through the Web handler.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuthContext, createAuthContext } from '../../src/app/context.js';
import { createAuth } from '../../src/app/create-auth.js';
import { webShape } from '../../src/app/http-shapes.js';
import { serveLogoutCallback } from '../../src/app/routes/logout-callback.js';
import type { OidcProviderHandle } from '../support/oidc-provider.js';
import { listen, opProvider, type RpServer, SECRET_A, startOp } from './support.js';

describe('the logout callback answers its refusals itself, the logout cookie cleared', () => {
  let rp: RpServer;
  let op: OidcProviderHandle;
  let ctx: AuthContext;

  beforeAll(async () => {
    rp = await listen(() => (_req, res) => {
      res.statusCode = 418;
      res.end();
    });
    op = await startOp(rp.base);
    ctx = createAuthContext({ baseUrl: rp.base, secret: SECRET_A, providers: [opProvider(op.issuer)] });
  });
  afterAll(async () => {
    await rp?.close();
    await op?.close();
  });

  const call = (cookie: string | null) => {
    const url = new URL(`${rp.base}/auth/logout/callback?state=whatever`);
    const headers: Record<string, string> = { accept: 'application/json' };
    if (cookie !== null) headers.cookie = cookie;
    return serveLogoutCallback(ctx, webShape(new Request(url, { headers }), url));
  };
  const clearsLogoutCookie = (setCookies: readonly string[]): boolean => setCookies.some((c) => c.startsWith(`${ctx.config.cookies.logout}=;`));

  it('no logout started from this browser: an answer (not a throw), 400 LOGOUT_STATE_MISMATCH, cookie cleared', async () => {
    const answer = await call(null);
    expect(answer.status).toBe(400);
    expect(JSON.parse(String(answer.body))).toMatchObject({ code: 'LOGOUT_STATE_MISMATCH' });
    expect(clearsLogoutCookie(answer.setCookies)).toBe(true);
  });

  it('a sealed logout naming a provider that is no longer configured: the same answer, cookie cleared', async () => {
    const sealed = await (await ctx.keyring()).seal('logout', { state: 'whatever', returnTo: '/', providerId: 'gone', exp: ctx.clock() + 60_000 });
    const answer = await call(`${ctx.config.cookies.logout}=${sealed}`);
    expect(answer.status).toBe(400);
    expect(JSON.parse(String(answer.body))).toMatchObject({ code: 'LOGOUT_STATE_MISMATCH' });
    expect(clearsLogoutCookie(answer.setCookies)).toBe(true);
  });

  it('through the Web handler: the same refusal, the cookie cleared', async () => {
    const auth = createAuth({ baseUrl: rp.base, secret: SECRET_A, providers: [opProvider(op.issuer)] });
    const res = await auth.handler(new Request(`${rp.base}/auth/logout/callback?state=forged`, { headers: { accept: 'application/json' } }));
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: 'LOGOUT_STATE_MISMATCH' });
    expect(clearsLogoutCookie(res.headers.getSetCookie())).toBe(true);
  });
});
