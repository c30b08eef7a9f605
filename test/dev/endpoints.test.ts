/**
 * The dev IdP's endpoints are modules that a test can import and call alone: each takes the context
 * that `createDevIdp` builds (`createDevIdpContext`), the request, and the flavor instance the path
 * resolves to. No handler, router or server is involved here; the answers are the real ones.
 */

import { createLocalJWKSet, jwtVerify } from 'jose';
import { calculatePKCECodeChallenge, randomPKCECodeVerifier } from 'openid-client';
import { describe, expect, it } from 'vitest';
import { createDevIdpContext, type DevIdpContext } from '../../src/dev/context.js';
import { authorizeEndpoint } from '../../src/dev/endpoints/authorize.js';
import { discoveryEndpoint } from '../../src/dev/endpoints/discovery.js';
import { interactionEndpoint } from '../../src/dev/endpoints/interaction.js';
import { jwksEndpoint } from '../../src/dev/endpoints/jwks.js';
import { tokenEndpoint } from '../../src/dev/endpoints/token.js';
import { userinfoEndpoint } from '../../src/dev/endpoints/userinfo.js';
import { createDevIdp } from '../../src/dev/index.js';
import { type ResolvedInstance, resolveInstance } from '../../src/dev/instances.js';

const BASE = 'http://127.0.0.1:4999';
const SECRET = 'endpoints-secret-0123456789-0123456789';
const REDIRECT = 'http://127.0.0.1:9/cb';
const OPTIONS = { baseUrl: BASE, clients: [{ client_id: 'app', client_secret: SECRET, redirect_uris: [REDIRECT] }] };

function at(ctx: DevIdpContext, path: string): { request: (init?: RequestInit & { query?: Record<string, string> }) => Request; resolved: ResolvedInstance } {
  const resolved = resolveInstance(ctx, BASE, path);
  if (!resolved) throw new Error(`no flavor instance owns ${path}`);
  return {
    resolved,
    request: ({ query, ...init } = {}) => {
      const url = new URL(path, BASE);
      for (const [k, v] of Object.entries(query ?? {})) url.searchParams.set(k, v);
      return new Request(url, init);
    },
  };
}

function tokenPost(fields: Record<string, string>, authorization = `Basic ${btoa(`app:${SECRET}`)}`): RequestInit {
  return { method: 'POST', headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields) };
}

describe('dev IdP endpoint modules, called alone', () => {
  it('builds one frozen context', () => {
    const ctx = createDevIdpContext(OPTIONS);
    expect(Object.isFrozen(ctx)).toBe(true);
    expect(ctx.baseUrl).toBe(BASE);
    expect(ctx.clients.get('app')?.redirect_uris).toEqual([REDIRECT]);
  });

  it('discovery answers the generic and the Microsoft multi-tenant document', async () => {
    const ctx = createDevIdpContext(OPTIONS);
    const generic = at(ctx, '/oidc/.well-known/openid-configuration');
    const res = await discoveryEndpoint(ctx, generic.request(), generic.resolved);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=60');
    const doc = (await res.json()) as Record<string, unknown>;
    expect(doc.issuer).toBe(`${BASE}/oidc`);
    expect(doc.token_endpoint).toBe(`${BASE}/oidc/token`);
    expect(doc.code_challenge_methods_supported).toEqual(['S256']);
    expect(doc.authorization_response_iss_parameter_supported).toBe(true);

    const microsoft = at(ctx, '/microsoft/common/v2.0/.well-known/openid-configuration');
    const ms = (await (await discoveryEndpoint(ctx, microsoft.request(), microsoft.resolved)).json()) as Record<string, unknown>;
    // The Microsoft quirk: multi-tenant discovery names the templated issuer.
    expect(ms.issuer).toBe(`${BASE}/microsoft/{tenantid}/v2.0`);
  });

  it('the token endpoint refuses an unknown code with invalid_grant, and no client authentication with invalid_client', async () => {
    const ctx = createDevIdpContext(OPTIONS);
    const token = at(ctx, '/oidc/token');
    const bad = await tokenEndpoint(
      ctx,
      token.request(tokenPost({ grant_type: 'authorization_code', code: 'not-a-code', redirect_uri: REDIRECT })),
      token.resolved,
    );
    expect(bad.status).toBe(400);
    expect(bad.headers.get('cache-control')).toBe('no-store');
    expect(await bad.json()).toEqual({ error: 'invalid_grant', error_description: 'The authorization code is invalid or expired.' });

    const anonymous = await tokenEndpoint(
      ctx,
      token.request({ ...tokenPost({ grant_type: 'authorization_code', code: 'x' }), headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
      token.resolved,
    );
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: string }).error).toBe('invalid_client');

    const get = await tokenEndpoint(ctx, token.request(), token.resolved);
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
  });

  it('answers exactly as the assembled handler does', async () => {
    const ctx = createDevIdpContext(OPTIONS);
    const handler = createDevIdp(OPTIONS).handler;
    const token = at(ctx, '/oidc/token');
    const init = () => tokenPost({ grant_type: 'refresh_token', refresh_token: 'unknown' });
    const alone = await tokenEndpoint(ctx, token.request(init()), token.resolved);
    const whole = await handler(token.request(init()));
    expect(alone.status).toBe(whole.status);
    expect([...alone.headers]).toEqual([...whole.headers]);
    expect(await alone.text()).toBe(await whole.text());
  });

  it('authorize, the sign-in form post, token, jwks and userinfo complete a sign-in', async () => {
    const ctx = createDevIdpContext(OPTIONS);
    const verifier = randomPKCECodeVerifier();
    const authorize = at(ctx, '/oidc/authorize');
    const query = {
      client_id: 'app',
      response_type: 'code',
      scope: 'openid email',
      redirect_uri: REDIRECT,
      state: 'st',
      nonce: 'n-1',
      code_challenge: await calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
    };
    const page = await authorizeEndpoint(ctx, authorize.request({ query }), authorize.resolved);
    expect(page.status).toBe(200);
    const action = /action="(\/oidc\/interaction\/[A-Za-z0-9_-]+)"/.exec(await page.text())?.[1];
    expect(action).toBeDefined();

    const interaction = at(ctx, action!);
    const form = {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ action: 'login', user: 'alice' }),
    };
    const back = await interactionEndpoint(ctx, interaction.request(form), interaction.resolved);
    expect(back.status).toBe(302);
    expect(back.headers.get('set-cookie')).toMatch(/^lkdev_oidc=[^;]+; Path=\/oidc; HttpOnly; SameSite=Lax$/);
    const location = new URL(back.headers.get('location')!);
    expect(location.searchParams.get('state')).toBe('st');
    // RFC 9207 §2: iss on the authorization response.
    expect(location.searchParams.get('iss')).toBe(`${BASE}/oidc`);
    const code = location.searchParams.get('code')!;

    const token = at(ctx, '/oidc/token');
    const tokens = await tokenEndpoint(
      ctx,
      token.request(tokenPost({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier })),
      token.resolved,
    );
    expect(tokens.status).toBe(200);
    const body = (await tokens.json()) as { access_token: string; id_token: string; token_type: string };
    expect(body.token_type).toBe('Bearer');

    const jwks = at(ctx, '/oidc/jwks');
    const keySet = createLocalJWKSet(await (await jwksEndpoint(ctx, jwks.request(), jwks.resolved)).json());
    const { payload } = await jwtVerify(body.id_token, keySet, { issuer: `${BASE}/oidc`, audience: 'app' });
    expect(payload.nonce).toBe('n-1');

    const userinfo = at(ctx, '/oidc/userinfo');
    const claims = await userinfoEndpoint(ctx, userinfo.request({ headers: { authorization: `Bearer ${body.access_token}` } }), userinfo.resolved);
    expect(claims.status).toBe(200);
    expect(await claims.json()).toMatchObject({ sub: payload.sub, email: 'alice@example.org', email_verified: true });

    // The code was one-time: the same module refuses it the second time.
    const again = await tokenEndpoint(
      ctx,
      token.request(tokenPost({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier })),
      token.resolved,
    );
    expect(((await again.json()) as { error: string }).error).toBe('invalid_grant');
  });
});
