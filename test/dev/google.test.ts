/**
 * The Google flavor's shapes and quirks: no end_session or back-channel in discovery, refresh
 * tokens only with access_type=offline on first consent or prompt=consent, no rotation, scope
 * rewriting, `hd`, `login_hint`, `include_granted_scopes`, the verifier-without-challenge error,
 * and the Calendar-like API behind the access token. openid-client drives the flows.
 */
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningDevIdp, startDevIdp } from '../../src/dev/index.js';
import { Browser, location } from './browser.js';

const SECRET = 'google-secret-0123456789-0123456789';
const REDIRECT = 'http://127.0.0.1:9/auth/google/callback';
const CAL = 'https://www.googleapis.com/auth/calendar.readonly';
let dev: RunningDevIdp;
let config: oidc.Configuration;

beforeAll(async () => {
  dev = await startDevIdp({ port: 0, clients: [{ client_id: 'g-app.apps.googleusercontent.com', client_secret: SECRET, redirect_uris: [REDIRECT] }] });
  config = await oidc.discovery(new URL(dev.issuerFor('google')), 'g-app.apps.googleusercontent.com', SECRET, oidc.ClientSecretPost(SECRET), {
    execute: [oidc.allowInsecureRequests],
  });
});
afterAll(async () => {
  await dev?.close();
});

async function login(browser: Browser, user: string, extra: Record<string, string> = {}) {
  const verifier = oidc.randomPKCECodeVerifier();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(config, {
    redirect_uri: REDIRECT,
    scope: 'openid email profile',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state: 'g-state',
    nonce,
    ...extra,
  });
  const { response, page } = await browser.signIn(url, user);
  const callback = location(response);
  const tokens = await oidc.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: verifier,
    expectedState: 'g-state',
    expectedNonce: nonce,
    idTokenExpected: true,
  });
  return { tokens, callback, page, url };
}

describe('Google flavor', () => {
  it('discovery looks like Google: no end_session_endpoint, no back-channel logout', () => {
    const m = config.serverMetadata();
    expect(m.issuer).toBe(`${dev.url}/google`);
    expect(m.authorization_endpoint).toBe(`${dev.url}/google/o/oauth2/v2/auth`);
    expect(m.end_session_endpoint).toBeUndefined();
    expect(m.backchannel_logout_supported).toBeUndefined();
    expect(m.authorization_response_iss_parameter_supported).toBeUndefined();
  });

  it('rewrites scopes, emits hd for Workspace users, boolean email_verified and azp', async () => {
    const { tokens, callback } = await login(new Browser(), 'bob');
    expect(callback.searchParams.get('iss')).toBe(`${dev.url}/google`);
    expect(tokens.scope).toBe('openid https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/userinfo.profile');
    const claims = tokens.claims()!;
    expect(claims).toMatchObject({
      hd: 'example.com',
      email: 'bob@example.com',
      email_verified: true,
      given_name: 'Bob',
      family_name: 'Builder',
      locale: 'en-GB',
      azp: 'g-app.apps.googleusercontent.com',
    });
    expect(claims.sub).toMatch(/^\d{21}$/);
    expect(typeof claims.picture).toBe('string');
    expect(tokens.access_token.startsWith('ya29.')).toBe(true);
    expect(tokens.refresh_token).toBeUndefined(); // no access_type=offline
    const alice = await login(new Browser(), 'alice');
    expect(alice.tokens.claims()!.hd).toBeUndefined();
    const info = await oidc.fetchUserInfo(config, tokens.access_token, claims.sub);
    expect(info).toMatchObject({ hd: 'example.com', email: 'bob@example.com' });
  });

  it('issues a refresh token for access_type=offline on first consent only, or with prompt=consent', async () => {
    const first = await login(new Browser(), 'carol', { access_type: 'offline' });
    expect(first.tokens.refresh_token?.startsWith('1//')).toBe(true);
    const second = await login(new Browser(), 'carol', { access_type: 'offline' });
    expect(second.tokens.refresh_token).toBeUndefined();
    const forced = await login(new Browser(), 'carol', { access_type: 'offline', prompt: 'consent' });
    expect(forced.tokens.refresh_token).toBeTruthy();
    // Google does not rotate: the refresh response has no refresh_token and the old one keeps working.
    const r1 = await oidc.refreshTokenGrant(config, forced.tokens.refresh_token!);
    expect(r1.refresh_token).toBeUndefined();
    expect(r1.claims()!.sub).toBe(forced.tokens.claims()!.sub);
    await expect(oidc.refreshTokenGrant(config, forced.tokens.refresh_token!)).resolves.toBeTruthy();
  });

  it('login_hint pre-selects the user on the sign-in page', async () => {
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: 'openid',
      login_hint: 'bob@example.com',
      code_challenge: 'x'.repeat(43),
      code_challenge_method: 'S256',
    });
    const html = await (await fetch(url)).text();
    expect(html).toMatch(/class="user selected"[^>]*data-user="bob"/);
    expect(html.match(/class="user selected"/g)).toHaveLength(1);
  });

  it('include_granted_scopes=true adds earlier grants, and the Calendar API needs that scope', async () => {
    const browser = new Browser();
    const plain = await login(browser, 'alice');
    const api = `${dev.url}/google/calendar/v3/users/me/calendarList`;
    const noScope = await fetch(api, { headers: { authorization: `Bearer ${plain.tokens.access_token}` } });
    expect(noScope.status).toBe(403);
    expect(await noScope.json()).toMatchObject({ error: { code: 403, status: 'PERMISSION_DENIED' } });
    expect((await fetch(api)).status).toBe(401);
    const withCal = await login(browser, 'alice', { scope: `openid email ${CAL}` });
    expect(withCal.tokens.scope).toContain(CAL);
    const list = await fetch(api, { headers: { authorization: `Bearer ${withCal.tokens.access_token}` } });
    expect(list.status).toBe(200);
    expect(await list.json()).toMatchObject({ kind: 'calendar#calendarList', items: [{ id: 'alice@example.org', primary: true }, {}] });
    const incremental = await login(browser, 'alice', { scope: 'openid email', include_granted_scopes: 'true' });
    expect(incremental.tokens.scope).toContain(CAL);
    const without = await login(browser, 'alice', { scope: 'openid email' });
    expect(without.tokens.scope).not.toContain(CAL);
  });

  it('refuses a code_verifier when no code_challenge was sent (Google quirk)', async () => {
    const url = new URL(`${dev.url}/google/o/oauth2/v2/auth`);
    url.search = new URLSearchParams({
      client_id: 'g-app.apps.googleusercontent.com',
      redirect_uri: REDIRECT,
      response_type: 'code',
      scope: 'openid',
    }).toString();
    const { response } = await new Browser().signIn(url, 'alice');
    const code = location(response).searchParams.get('code')!;
    const res = await fetch(`${dev.url}/google/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT,
        client_id: 'g-app.apps.googleusercontent.com',
        client_secret: SECRET,
        code_verifier: oidc.randomPKCECodeVerifier(),
      }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ error: 'invalid_request', error_description: 'code_verifier or verifier is not needed.' });
  });

  it('revokes without client authentication, like Google', async () => {
    const { tokens } = await login(new Browser(), 'alice', { access_type: 'offline', prompt: 'consent' });
    const res = await fetch(`${dev.url}/google/revoke`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: tokens.refresh_token! }),
    });
    expect(res.status).toBe(200);
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
  });
});
