/**
 * The Microsoft flavor: templated `{tenantid}` issuer in multi-tenant discovery while ID tokens
 * carry the concrete tenant issuer and `tid`; pairwise `sub` with a stable `oid`; optional
 * `email`. A tenant-specific issuer works end to end with openid-client.
 */
import { createRemoteJWKSet, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONSUMERS_TENANT_ID, DEV_TENANT_ID, type RunningDevIdp, startDevIdp } from '../../src/dev/index.js';
import { Browser, location, startRecorder } from './browser.js';

const REDIRECT = 'http://127.0.0.1:9/auth/microsoft/callback';
const SECRET = 'ms-secret-0123456789-0123456789';
const LOGGED_OUT = 'http://127.0.0.1:9/logged-out';
let dev: RunningDevIdp;
let recorder: Awaited<ReturnType<typeof startRecorder>>;

beforeAll(async () => {
  recorder = await startRecorder();
  dev = await startDevIdp({
    port: 0,
    clients: [
      {
        client_id: 'ms-app-logout',
        client_secret: SECRET,
        redirect_uris: [REDIRECT],
        post_logout_redirect_uris: [LOGGED_OUT],
        backchannel_logout_uri: recorder.url,
      },
      { client_id: 'ms-app-1', client_secret: SECRET, redirect_uris: [REDIRECT] },
      { client_id: 'ms-app-2', client_secret: SECRET, redirect_uris: [REDIRECT] },
    ],
  });
  dev.idp.users.add({ id: 'erin', name: 'Erin Noemail', email: null, emailVerified: false });
});
afterAll(async () => {
  await dev?.close();
  await recorder?.close();
});

/** Signs in through `/microsoft/<tenant>` by hand and returns the raw token response. */
async function signIn(tenant: string, user: string, clientId = 'ms-app-1', scope = 'openid profile email offline_access User.Read', browser = new Browser()) {
  const verifier = oidc.randomPKCECodeVerifier();
  const url = new URL(`${dev.url}/microsoft/${tenant}/oauth2/v2.0/authorize`);
  url.search = new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    redirect_uri: REDIRECT,
    scope,
    state: 'ms',
    nonce: 'n-ms',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
  }).toString();
  const { response } = await browser.signIn(url, user);
  const callback = location(response);
  expect(callback.searchParams.get('iss')).toBeNull(); // Microsoft sends no RFC 9207 iss
  const res = await fetch(`${dev.url}/microsoft/${tenant}/oauth2/v2.0/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code: callback.searchParams.get('code')!,
      redirect_uri: REDIRECT,
      client_id: clientId,
      client_secret: SECRET,
      code_verifier: verifier,
    }),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as Record<string, string>;
}

describe('Microsoft flavor', () => {
  it('multi-tenant discovery names the templated issuer; the ID token names the concrete tenant', async () => {
    const meta = (await (await fetch(`${dev.url}/microsoft/common/v2.0/.well-known/openid-configuration`)).json()) as Record<string, string>;
    expect(meta.issuer).toBe(`${dev.url}/microsoft/{tenantid}/v2.0`);
    expect(meta.jwks_uri).toBe(`${dev.url}/microsoft/common/discovery/v2.0/keys`);
    expect(meta).not.toHaveProperty('code_challenge_methods_supported');
    const body = await signIn('common', 'alice');
    expect(body.refresh_token).toBeTruthy();
    const { payload } = await jwtVerify(body.id_token!, createRemoteJWKSet(new URL(meta.jwks_uri!)), { audience: 'ms-app-1' });
    expect(payload.iss).toBe(`${dev.url}/microsoft/${DEV_TENANT_ID}/v2.0`);
    expect(payload.iss).toBe(meta.issuer!.replace('{tenantid}', String(payload.tid)));
    expect(payload).toMatchObject({
      tid: DEV_TENANT_ID,
      ver: '2.0',
      name: 'Alice Example',
      preferred_username: 'alice@example.org',
      email: 'alice@example.org',
      nonce: 'n-ms',
    });
    expect(payload.oid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('consumers tokens carry the personal-account tenant', async () => {
    const body = await signIn('consumers', 'bob');
    const { payload } = await jwtVerify(body.id_token!, createRemoteJWKSet(new URL(`${dev.url}/microsoft/consumers/discovery/v2.0/keys`)));
    expect(payload.tid).toBe(CONSUMERS_TENANT_ID);
    expect(payload.iss).toBe(`${dev.url}/microsoft/${CONSUMERS_TENANT_ID}/v2.0`);
  });

  it('sub is pairwise per application while oid is stable; email may be absent', async () => {
    const a = await signIn('organizations', 'alice', 'ms-app-1');
    const b = await signIn('organizations', 'alice', 'ms-app-2');
    const jwks = createRemoteJWKSet(new URL(`${dev.url}/microsoft/organizations/discovery/v2.0/keys`));
    const pa = (await jwtVerify(a.id_token!, jwks)).payload;
    const pb = (await jwtVerify(b.id_token!, jwks)).payload;
    expect(pa.sub).not.toBe(pb.sub);
    expect(pa.oid).toBe(pb.oid);
    const erin = await signIn('organizations', 'erin');
    const pe = (await jwtVerify(erin.id_token!, jwks)).payload;
    expect(pe).not.toHaveProperty('email');
    expect(pe.preferred_username).toBe('erin@dev.onmicrosoft.com');
  });

  it('a tenant-specific issuer works end to end with openid-client (discovery, code, userinfo, refresh)', async () => {
    const issuer = dev.issuerFor('microsoft', { tenant: DEV_TENANT_ID });
    expect(issuer).toBe(`${dev.url}/microsoft/${DEV_TENANT_ID}/v2.0`);
    const config = await oidc.discovery(new URL(issuer), 'ms-app-1', SECRET, oidc.ClientSecretPost(SECRET), { execute: [oidc.allowInsecureRequests] });
    expect(config.serverMetadata().issuer).toBe(issuer);
    const verifier = oidc.randomPKCECodeVerifier();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: 'openid profile email offline_access',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      nonce,
      state: 's',
    });
    const { response } = await new Browser().signIn(url, 'carol');
    const tokens = await oidc.authorizationCodeGrant(config, location(response), {
      pkceCodeVerifier: verifier,
      expectedNonce: nonce,
      expectedState: 's',
      idTokenExpected: true,
    });
    const claims = tokens.claims()!;
    expect(claims.tid).toBe(DEV_TENANT_ID);
    const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
    expect(info).toMatchObject({ name: 'Carol Unverified', email: 'carol@example.net' });
    const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token!);
    expect(refreshed.refresh_token).not.toBe(tokens.refresh_token);
    expect(refreshed.claims()!.sub).toBe(claims.sub);
  });

  it('logs out through /oauth2/v2.0/logout with an id_token_hint and delivers the logout token', async () => {
    const browser = new Browser();
    const body = await signIn('common', 'bob', 'ms-app-logout', 'openid profile', browser);
    const jwks = createRemoteJWKSet(new URL(`${dev.url}/microsoft/common/discovery/v2.0/keys`));
    const id = (await jwtVerify(body.id_token!, jwks)).payload;
    const url = new URL(`${dev.url}/microsoft/common/oauth2/v2.0/logout`);
    url.search = new URLSearchParams({ id_token_hint: body.id_token!, post_logout_redirect_uri: LOGGED_OUT, state: 'ms-bye' }).toString();
    const back = location(await browser.fetch(url));
    expect(back.searchParams.get('state')).toBe('ms-bye');
    const token = recorder.bodies.at(-1)!.get('logout_token')!;
    const { payload } = await jwtVerify(token, jwks, { typ: 'logout+jwt', audience: 'ms-app-logout' });
    // The logout token carries the same concrete issuer and pairwise sub as the ID token.
    expect(payload).toMatchObject({ iss: id.iss, sub: id.sub, sid: id.sid });
  });
});
