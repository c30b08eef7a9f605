/**
 * The dev IdP refuses malformed and malicious requests with proper OAuth errors: wrong
 * redirect_uri, missing PKCE, wrong verifier, code reuse, client authentication failures, and
 * unknown clients (with and without acceptAnyClient).
 */
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningDevIdp, startDevIdp } from '../../src/dev/index.js';
import { Browser, location } from './browser.js';

const SECRET = 'validation-secret-0123456789-0123456789';
const REDIRECT = 'http://127.0.0.1:9/cb';

let dev: RunningDevIdp;
let loose: RunningDevIdp;

beforeAll(async () => {
  dev = await startDevIdp({ port: 0, clients: [{ client_id: 'app', client_secret: SECRET, redirect_uris: [REDIRECT, 'http://127.0.0.1:9/other'] }] });
  loose = await startDevIdp({ port: 0, acceptAnyClient: true });
});
afterAll(async () => {
  await dev?.close();
  await loose?.close();
});

async function authUrl(base: string, params: Record<string, string | undefined>): Promise<{ url: URL; verifier: string }> {
  const verifier = oidc.randomPKCECodeVerifier();
  const url = new URL(`${base}/oidc/authorize`);
  const all: Record<string, string | undefined> = {
    client_id: 'app',
    response_type: 'code',
    scope: 'openid email',
    redirect_uri: REDIRECT,
    state: 'st',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    ...params,
  };
  for (const [k, v] of Object.entries(all)) if (v !== undefined) url.searchParams.set(k, v);
  return { url, verifier };
}

function basic(id: string, secret: string): string {
  return `Basic ${btoa(`${encodeURIComponent(id)}:${encodeURIComponent(secret)}`)}`;
}

async function tokenRequest(
  base: string,
  fields: Record<string, string>,
  auth = basic('app', SECRET),
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${base}/oidc/token`, {
    method: 'POST',
    headers: { authorization: auth, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function getCode(params: Record<string, string | undefined> = {}): Promise<{ code: string; verifier: string }> {
  const { url, verifier } = await authUrl(dev.url, params);
  const { response } = await new Browser().signIn(url, 'alice');
  return { code: location(response).searchParams.get('code')!, verifier };
}

describe('authorization endpoint validation', () => {
  it('shows an error page (never redirects) for an unregistered redirect_uri or unknown client', async () => {
    const { url } = await authUrl(dev.url, { redirect_uri: 'http://127.0.0.1:9/evil' });
    const res = await fetch(url, { redirect: 'manual' });
    expect(res.status).toBe(400);
    expect(res.headers.get('location')).toBeNull();
    expect(await res.text()).toContain('redirect_uri is not registered');
    const unknown = await fetch((await authUrl(dev.url, { client_id: 'nobody' })).url, { redirect: 'manual' });
    expect(unknown.status).toBe(400);
    expect(await unknown.text()).toContain('invalid_client');
    // Exact match: a trailing slash is another URI.
    const slash = await fetch((await authUrl(dev.url, { redirect_uri: `${REDIRECT}/` })).url, { redirect: 'manual' });
    expect(slash.status).toBe(400);
  });

  it('redirects invalid_request with state and iss when PKCE is missing or plain', async () => {
    for (const params of [{ code_challenge: undefined, code_challenge_method: undefined }, { code_challenge_method: 'plain' }]) {
      const { url } = await authUrl(dev.url, params);
      const back = location(await fetch(url, { redirect: 'manual' }));
      expect(back.searchParams.get('error')).toBe('invalid_request');
      expect(back.searchParams.get('state')).toBe('st');
      expect(back.searchParams.get('iss')).toBe(`${dev.url}/oidc`);
    }
  });

  it('refuses response_type other than code, a scope without openid, and repeated parameters', async () => {
    const token = location(await fetch((await authUrl(dev.url, { response_type: 'token' })).url, { redirect: 'manual' }));
    expect(token.searchParams.get('error')).toBe('unsupported_response_type');
    const scope = location(await fetch((await authUrl(dev.url, { scope: 'email' })).url, { redirect: 'manual' }));
    expect(scope.searchParams.get('error')).toBe('invalid_scope');
    const { url } = await authUrl(dev.url, {});
    url.searchParams.append('state', 'again');
    expect((await fetch(url, { redirect: 'manual' })).status).toBe(400);
  });

  it('acceptAnyClient takes any client_id with a loopback redirect URI, and nothing else', async () => {
    const { url } = await authUrl(loose.url, { client_id: 'anything', redirect_uri: 'http://localhost:3000/auth/callback' });
    expect((await fetch(url, { redirect: 'manual' })).status).toBe(200);
    const remote = await fetch((await authUrl(loose.url, { client_id: 'anything', redirect_uri: 'https://evil.example/cb' })).url, { redirect: 'manual' });
    expect(remote.status).toBe(400);
  });
});

describe('token endpoint validation', () => {
  it('exchanges a code once; reuse is invalid_grant and revokes the tokens it produced', async () => {
    const { code, verifier } = await getCode();
    const ok = await tokenRequest(dev.url, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier });
    expect(ok.status).toBe(200);
    expect(ok.body.token_type).toBe('Bearer');
    const again = await tokenRequest(dev.url, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier });
    expect(again).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    const info = await fetch(`${dev.url}/oidc/userinfo`, { headers: { authorization: `Bearer ${ok.body.access_token}` } });
    expect(info.status).toBe(401);
    const refreshed = await tokenRequest(dev.url, { grant_type: 'refresh_token', refresh_token: String(ok.body.refresh_token) });
    expect(refreshed.body.error).toBe('invalid_grant');
  });

  it('refuses a wrong or missing code_verifier', async () => {
    const { code } = await getCode();
    const wrong = await tokenRequest(dev.url, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: oidc.randomPKCECodeVerifier() });
    expect(wrong).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
    const { code: code2 } = await getCode();
    const missing = await tokenRequest(dev.url, { grant_type: 'authorization_code', code: code2, redirect_uri: REDIRECT });
    expect(missing).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('refuses a redirect_uri different from the authorization request', async () => {
    const { code, verifier } = await getCode();
    const res = await tokenRequest(dev.url, { grant_type: 'authorization_code', code, redirect_uri: 'http://127.0.0.1:9/other', code_verifier: verifier });
    expect(res).toMatchObject({ status: 400, body: { error: 'invalid_grant' } });
  });

  it('authenticates clients: wrong secret, no authentication, two methods at once', async () => {
    const { code, verifier } = await getCode();
    const fields = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier };
    const wrong = await fetch(`${dev.url}/oidc/token`, {
      method: 'POST',
      headers: { authorization: basic('app', 'nope'), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields),
    });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('www-authenticate')).toMatch(/^Basic/);
    expect(await wrong.json()).toMatchObject({ error: 'invalid_client' });
    const none = await fetch(`${dev.url}/oidc/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ ...fields, client_id: 'app' }),
    });
    expect(none.status).toBe(401);
    const both = await tokenRequest(dev.url, { ...fields, client_secret: SECRET });
    expect(both).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
    // The code survived the failed attempts (they never reached it) and still works once.
    const ok = await tokenRequest(dev.url, fields);
    expect(ok.status).toBe(200);
  });

  it('decodes Basic credentials as form-urlencoded (RFC 6749 §2.3.1)', async () => {
    const special = 'sp ec:ial%+/secret-0123456789';
    const d = await startDevIdp({ port: 0, clients: [{ client_id: 'a:b c', client_secret: special, redirect_uris: [REDIRECT] }] });
    try {
      const verifier = oidc.randomPKCECodeVerifier();
      const url = new URL(`${d.url}/oidc/authorize`);
      url.search = new URLSearchParams({
        client_id: 'a:b c',
        response_type: 'code',
        scope: 'openid',
        redirect_uri: REDIRECT,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
        code_challenge_method: 'S256',
      }).toString();
      const { response } = await new Browser().signIn(url, 'bob');
      const code = location(response).searchParams.get('code')!;
      const auth = `Basic ${btoa(`${new URLSearchParams({ x: 'a:b c' }).toString().slice(2)}:${new URLSearchParams({ x: special }).toString().slice(2)}`)}`;
      const res = await tokenRequest(d.url, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier }, auth);
      expect(res.status).toBe(200);
    } finally {
      await d.close();
    }
  });

  it('answers unsupported_grant_type and refuses a widened scope on refresh', async () => {
    const { code, verifier } = await getCode();
    const ok = await tokenRequest(dev.url, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier });
    const wider = await tokenRequest(dev.url, { grant_type: 'refresh_token', refresh_token: String(ok.body.refresh_token), scope: 'openid email profile' });
    expect(wider).toMatchObject({ status: 400, body: { error: 'invalid_scope' } });
    const pw = await tokenRequest(dev.url, { grant_type: 'password', username: 'a', password: 'b' });
    expect(pw).toMatchObject({ status: 400, body: { error: 'unsupported_grant_type' } });
  });
});
