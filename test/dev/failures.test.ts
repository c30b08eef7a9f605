/**
 * Failure simulation: from the sign-in page (deny, server error, slow) and programmatically with
 * `idp.simulate()` (authorization error, token endpoint 500, delays).
 */
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningDevIdp, startDevIdp } from '../../src/dev/index.js';
import { Browser, location } from './browser.js';

const SECRET = 'failures-secret-0123456789-0123456789';
const REDIRECT = 'http://127.0.0.1:9/cb';
let dev: RunningDevIdp;
let config: oidc.Configuration;

beforeAll(async () => {
  dev = await startDevIdp({ port: 0, slowMs: 400, clients: [{ client_id: 'app', client_secret: SECRET, redirect_uris: [REDIRECT] }] });
  config = await oidc.discovery(new URL(dev.issuerFor('generic')), 'app', SECRET, oidc.ClientSecretBasic(SECRET), { execute: [oidc.allowInsecureRequests] });
});
afterAll(async () => {
  await dev?.close();
});

async function start(extra: Record<string, string> = {}) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT,
    scope: 'openid',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    ...extra,
  });
  return { url, verifier, state };
}

describe('failure simulation', () => {
  it('"Deny access" on the sign-in page returns access_denied with iss and state', async () => {
    const { url, state, verifier } = await start();
    const { response } = await new Browser().signIn(url, undefined, { action: 'deny' });
    const back = location(response);
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('state')).toBe(state);
    expect(back.searchParams.get('iss')).toBe(`${dev.url}/oidc`);
    // openid-client sees the error after checking iss and state.
    await expect(oidc.authorizationCodeGrant(config, back, { pkceCodeVerifier: verifier, expectedState: state })).rejects.toMatchObject({
      error: 'access_denied',
    });
  });

  it('"Server error" on the sign-in page returns server_error', async () => {
    const { url } = await start();
    const { response } = await new Browser().signIn(url, undefined, { action: 'server-error' });
    expect(location(response).searchParams.get('error')).toBe('server_error');
  });

  it('the "answer slowly" box delays the answer by slowMs', async () => {
    const { url } = await start();
    const t0 = performance.now();
    const { response } = await new Browser().signIn(url, 'alice', { slow: '1' });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(380);
    expect(location(response).searchParams.get('code')).toBeTruthy();
  });

  it('simulate({ error: "access_denied" }) fails the next authorization request, once', async () => {
    dev.idp.simulate({ error: 'access_denied' });
    const { url, state } = await start();
    const back = location(await fetch(url, { redirect: 'manual' }));
    expect(back.searchParams.get('error')).toBe('access_denied');
    expect(back.searchParams.get('state')).toBe(state);
    expect(back.searchParams.get('iss')).toBe(`${dev.url}/oidc`);
    // Consumed: the next request shows the sign-in page.
    expect((await fetch(url, { redirect: 'manual' })).status).toBe(200);
  });

  it('simulate({ error: "server_error", endpoint: "token" }) makes the token endpoint answer 500', async () => {
    const { url, verifier, state } = await start();
    const { response } = await new Browser().signIn(url, 'bob');
    const back = location(response);
    dev.idp.simulate({ error: 'server_error', endpoint: 'token' });
    const failed = await fetch(`${dev.url}/oidc/token`, {
      method: 'POST',
      headers: { authorization: `Basic ${btoa(`app:${SECRET}`)}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: back.searchParams.get('code')!, redirect_uri: REDIRECT, code_verifier: verifier }),
    });
    expect(failed.status).toBe(500);
    expect(await failed.json()).toMatchObject({ error: 'server_error' });
    // The code was not consumed by the failed request.
    await expect(oidc.authorizationCodeGrant(config, back, { pkceCodeVerifier: verifier, expectedState: state })).resolves.toBeTruthy();
  });

  it('simulate({ delayMs }) slows the next token request', async () => {
    const { url, verifier, state } = await start();
    const { response } = await new Browser().signIn(url, 'carol');
    dev.idp.simulate({ delayMs: 300, endpoint: 'token' });
    const t0 = performance.now();
    await oidc.authorizationCodeGrant(config, location(response), { pkceCodeVerifier: verifier, expectedState: state });
    expect(performance.now() - t0).toBeGreaterThanOrEqual(280);
  });

  it('errors come back by form_post when that response mode was asked for', async () => {
    const { url, state } = await start({ response_mode: 'form_post' });
    const { response } = await new Browser().signIn(url, undefined, { action: 'deny' });
    expect(response.status).toBe(200);
    const html = await response.text();
    expect(html).toContain(`action="${REDIRECT}"`);
    expect(html).toContain('name="error" value="access_denied"');
    expect(html).toContain(`name="state" value="${state}"`);
    expect(html).toContain(`name="iss" value="${dev.url}/oidc"`);
  });
});
