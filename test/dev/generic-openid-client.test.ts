/**
 * The generic flavor checked by an independent client: openid-client 6 (from npm) completes code +
 * PKCE, validates the ID token, refreshes (with rotation and reuse detection), calls userinfo,
 * revokes, and logs out with a back-channel logout token verified by jose against the JWKS.
 */
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningDevIdp, startDevIdp } from '../../src/dev/index.js';
import { Browser, listedUsers, location, startRecorder } from './browser.js';

const SECRET = 'a-very-long-client-secret-for-dev-idp-tests-0123456789';
const REDIRECT = 'http://127.0.0.1:9/callback';
const LOGGED_OUT = 'http://127.0.0.1:9/logged-out';

let dev: RunningDevIdp;
let recorder: Awaited<ReturnType<typeof startRecorder>>;
let config: oidc.Configuration;

beforeAll(async () => {
  recorder = await startRecorder();
  dev = await startDevIdp({
    port: 0,
    clients: [
      {
        client_id: 'rp-basic',
        client_secret: SECRET,
        redirect_uris: [REDIRECT],
        post_logout_redirect_uris: [LOGGED_OUT],
        backchannel_logout_uri: recorder.url,
      },
      { client_id: 'rp-post', client_secret: SECRET, redirect_uris: [REDIRECT], token_endpoint_auth_method: 'client_secret_post' },
      { client_id: 'rp-public', redirect_uris: [REDIRECT] },
    ],
  });
  config = await oidc.discovery(new URL(dev.issuerFor('generic')), 'rp-basic', SECRET, oidc.ClientSecretBasic(SECRET), {
    execute: [oidc.allowInsecureRequests],
  });
});

afterAll(async () => {
  await dev?.close();
  await recorder?.close();
});

/** Runs a full code + PKCE login with openid-client and the given browser. */
async function login(browser: Browser, conf: oidc.Configuration, user = 'alice', extra: Record<string, string> = {}) {
  const verifier = oidc.randomPKCECodeVerifier();
  const state = oidc.randomState();
  const nonce = oidc.randomNonce();
  const url = oidc.buildAuthorizationUrl(conf, {
    redirect_uri: REDIRECT,
    scope: 'openid email profile offline_access',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    state,
    nonce,
    ...extra,
  });
  const { page, response } = await browser.signIn(url, user);
  const callback = location(response);
  const tokens = await oidc.authorizationCodeGrant(conf, callback, {
    pkceCodeVerifier: verifier,
    expectedState: state,
    expectedNonce: nonce,
    idTokenExpected: true,
  });
  return { tokens, callback, page, nonce };
}

describe('generic flavor with openid-client', () => {
  it('publishes discovery with the required capabilities', () => {
    const m = config.serverMetadata();
    expect(m.issuer).toBe(`${dev.url}/oidc`);
    expect(m.authorization_response_iss_parameter_supported).toBe(true);
    expect(m.code_challenge_methods_supported).toEqual(['S256']);
    expect(m.end_session_endpoint).toBe(`${dev.url}/oidc/end_session`);
    expect(m.revocation_endpoint).toBe(`${dev.url}/oidc/revoke`);
    expect(m.backchannel_logout_supported).toBe(true);
  });

  it('completes code + PKCE; the callback carries iss and the ID token validates', async () => {
    const browser = new Browser();
    const { tokens, callback, page, nonce } = await login(browser, config, 'alice');
    expect(listedUsers(page)).toEqual(expect.arrayContaining(['alice', 'bob', 'carol']));
    expect(callback.origin + callback.pathname).toBe(REDIRECT);
    expect(callback.searchParams.get('iss')).toBe(`${dev.url}/oidc`);
    const claims = tokens.claims()!;
    expect(claims).toMatchObject({
      iss: `${dev.url}/oidc`,
      sub: 'alice',
      aud: 'rp-basic',
      nonce,
      email: 'alice@example.org',
      email_verified: true,
      name: 'Alice Example',
    });
    expect(typeof claims.auth_time).toBe('number');
    expect(typeof claims.sid).toBe('string');
    expect(String(claims.picture)).toContain('/avatars/alice.svg');
    expect(tokens.token_type).toBe('bearer'); // openid-client lower-cases it
    expect(tokens.refresh_token).toBeTruthy();
    expect(decodeProtectedHeader(tokens.id_token!)).toMatchObject({ alg: 'RS256', typ: 'JWT' });
  });

  it('userinfo answers for the access token (Bearer header only)', async () => {
    const { tokens } = await login(new Browser(), config, 'bob');
    const info = await oidc.fetchUserInfo(config, tokens.access_token, 'bob');
    expect(info).toMatchObject({ sub: 'bob', email: 'bob@example.com', email_verified: true, name: 'Bob Builder' });
    // The token in the query string or body is not accepted.
    const q = await fetch(`${dev.url}/oidc/userinfo?access_token=${tokens.access_token}`);
    expect(q.status).toBe(401);
    const bad = await fetch(`${dev.url}/oidc/userinfo`, { headers: { authorization: 'Bearer not-a-token' } });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toContain('error="invalid_token"');
  });

  it('rotates refresh tokens; the old one is refused and its reuse revokes the family', async () => {
    const { tokens } = await login(new Browser(), config, 'alice');
    const first = tokens.refresh_token!;
    const second = await oidc.refreshTokenGrant(config, first);
    expect(second.refresh_token).toBeTruthy();
    expect(second.refresh_token).not.toBe(first);
    const refreshedClaims = second.claims()!;
    expect(refreshedClaims.sub).toBe('alice');
    expect(refreshedClaims.auth_time).toBe(tokens.claims()!.auth_time);
    // The new access token works.
    await expect(oidc.fetchUserInfo(config, second.access_token, 'alice')).resolves.toMatchObject({ sub: 'alice' });
    // Reusing the first one fails with invalid_grant...
    await expect(oidc.refreshTokenGrant(config, first)).rejects.toMatchObject({ error: 'invalid_grant' });
    // ...and revoked the family: the current refresh token and access token are dead too.
    await expect(oidc.refreshTokenGrant(config, second.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(oidc.fetchUserInfo(config, second.access_token, 'alice')).rejects.toThrow();
  });

  it('revokes a refresh token (RFC 7009) and answers 200 for unknown tokens', async () => {
    const { tokens } = await login(new Browser(), config, 'carol');
    await oidc.tokenRevocation(config, tokens.refresh_token!, { token_type_hint: 'refresh_token' });
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).rejects.toMatchObject({ error: 'invalid_grant' });
    await expect(oidc.fetchUserInfo(config, tokens.access_token, 'carol')).rejects.toThrow();
    await expect(oidc.tokenRevocation(config, 'never-issued')).resolves.toBeUndefined();
  });

  it('revokes an access token alone', async () => {
    const { tokens } = await login(new Browser(), config, 'carol');
    await oidc.tokenRevocation(config, tokens.access_token, { token_type_hint: 'access_token' });
    await expect(oidc.fetchUserInfo(config, tokens.access_token, 'carol')).rejects.toThrow();
    await expect(oidc.refreshTokenGrant(config, tokens.refresh_token!)).resolves.toBeTruthy();
  });

  it('works with client_secret_post and with a public client', async () => {
    const post = await oidc.discovery(new URL(dev.issuerFor('generic')), 'rp-post', SECRET, oidc.ClientSecretPost(SECRET), {
      execute: [oidc.allowInsecureRequests],
    });
    await expect(login(new Browser(), post, 'alice')).resolves.toBeTruthy();
    const pub = await oidc.discovery(new URL(dev.issuerFor('generic')), 'rp-public', undefined, oidc.None(), { execute: [oidc.allowInsecureRequests] });
    await expect(login(new Browser(), pub, 'bob')).resolves.toBeTruthy();
    // rp-post is registered for client_secret_post: Basic is refused with 401 and a Basic challenge (RFC 6749 §5.2).
    const basic = await oidc.discovery(new URL(dev.issuerFor('generic')), 'rp-post', SECRET, oidc.ClientSecretBasic(SECRET), {
      execute: [oidc.allowInsecureRequests],
    });
    await expect(login(new Browser(), basic, 'alice')).rejects.toMatchObject({ status: 401, cause: [{ scheme: 'basic' }] });
  });

  it('remembers the browser session: prompt=none succeeds, a second login offers one click', async () => {
    const browser = new Browser();
    const { tokens } = await login(browser, config, 'alice');
    const verifier = oidc.randomPKCECodeVerifier();
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      prompt: 'none',
      state: 's1',
    });
    const silent = location(await browser.fetch(url));
    expect(silent.searchParams.get('code')).toBeTruthy();
    const again = await oidc.authorizationCodeGrant(config, silent, { pkceCodeVerifier: verifier, expectedState: 's1' });
    expect(again.claims()!.sid).toBe(tokens.claims()!.sid);
    // Without a session cookie, prompt=none gives login_required with iss and state.
    const none = location(await new Browser().fetch(url));
    expect(none.searchParams.get('error')).toBe('login_required');
    expect(none.searchParams.get('state')).toBe('s1');
    expect(none.searchParams.get('iss')).toBe(`${dev.url}/oidc`);
    // The sign-in page offers "Continue as Alice".
    const page = await (await browser.fetch(url.href.replace('prompt=none', 'prompt=select_account'))).text();
    expect(page).toContain('Continue as Alice Example');
  });

  it('max_age=0 forces a fresh sign-in and auth_time moves', async () => {
    const browser = new Browser();
    const { tokens } = await login(browser, config, 'alice');
    const firstAuthTime = tokens.claims()!.auth_time as number;
    await new Promise((r) => setTimeout(r, 1100));
    const { tokens: t2, page } = await login(browser, config, 'alice', { max_age: '0' });
    expect(page).not.toContain('Continue as');
    expect(t2.claims()!.auth_time as number).toBeGreaterThan(firstAuthTime);
  });

  it('RP-initiated logout redirects with state and delivers a valid back-channel logout token', async () => {
    const browser = new Browser();
    const { tokens } = await login(browser, config, 'bob');
    const before = recorder.bodies.length;
    const endUrl = oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: LOGGED_OUT, state: 'bye-1' });
    const res = await browser.fetch(endUrl);
    const back = location(res);
    expect(back.origin + back.pathname).toBe(LOGGED_OUT);
    expect(back.searchParams.get('state')).toBe('bye-1');
    expect(recorder.bodies.length).toBe(before + 1);
    const logoutToken = recorder.bodies.at(-1)!.get('logout_token')!;
    const jwks = createRemoteJWKSet(new URL(config.serverMetadata().jwks_uri!));
    const { payload, protectedHeader } = await jwtVerify(logoutToken, jwks, {
      issuer: `${dev.url}/oidc`,
      audience: 'rp-basic',
      typ: 'logout+jwt',
      algorithms: ['RS256'],
    });
    expect(protectedHeader.typ).toBe('logout+jwt');
    expect(payload.events).toEqual({ 'http://schemas.openid.net/event/backchannel-logout': {} });
    expect(payload.sid).toBe(tokens.claims()!.sid);
    expect(payload.sub).toBe('bob');
    expect(typeof payload.jti).toBe('string');
    expect(payload).not.toHaveProperty('nonce');
    expect(dev.idp.logoutDeliveries.at(-1)).toMatchObject({ clientId: 'rp-basic', ok: true, status: 200 });
    // The session is gone: prompt=none now says login_required.
    const verifier = oidc.randomPKCECodeVerifier();
    const silent = oidc.buildAuthorizationUrl(config, {
      redirect_uri: REDIRECT,
      scope: 'openid',
      code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      prompt: 'none',
    });
    expect(location(await browser.fetch(silent)).searchParams.get('error')).toBe('login_required');
  });

  it('refuses an unregistered post_logout_redirect_uri and a forged id_token_hint', async () => {
    const { tokens } = await login(new Browser(), config, 'alice');
    const bad = await fetch(oidc.buildEndSessionUrl(config, { id_token_hint: tokens.id_token!, post_logout_redirect_uri: 'http://127.0.0.1:9/elsewhere' }), {
      redirect: 'manual',
    });
    expect(bad.status).toBe(400);
    const [h, p] = tokens.id_token!.split('.');
    const forged = await fetch(oidc.buildEndSessionUrl(config, { id_token_hint: `${h}.${p}.AAAA`, post_logout_redirect_uri: LOGGED_OUT }), {
      redirect: 'manual',
    });
    expect(forged.status).toBe(400);
  });

  it('logout without id_token_hint asks for confirmation first', async () => {
    const browser = new Browser();
    await login(browser, config, 'carol');
    const res = await browser.fetch(oidc.buildEndSessionUrl(config, { client_id: 'rp-basic', post_logout_redirect_uri: LOGGED_OUT, state: 'x' }));
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Sign out?');
    const confirm = await browser.post(`${dev.url}/oidc/end_session`, {
      client_id: 'rp-basic',
      post_logout_redirect_uri: LOGGED_OUT,
      state: 'x',
      confirm: 'yes',
    });
    expect(location(confirm).searchParams.get('state')).toBe('x');
  });

  it('rotateKeys() signs with a new key while the old one stays published', async () => {
    const { tokens: before } = await login(new Browser(), config, 'alice');
    const oldKid = decodeProtectedHeader(before.id_token!).kid;
    const newKid = await dev.idp.rotateKeys();
    expect(newKid).not.toBe(oldKid);
    const jwks = (await (await fetch(config.serverMetadata().jwks_uri!)).json()) as { keys: { kid: string }[] };
    expect(jwks.keys.map((k) => k.kid)).toEqual([newKid, oldKid]);
    // openid-client refetches the JWKS on the unknown kid and accepts the new token.
    const { tokens: after } = await login(new Browser(), config, 'alice');
    expect(decodeProtectedHeader(after.id_token!).kid).toBe(newKid);
  });
});
