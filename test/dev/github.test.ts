/**
 * The GitHub flavor: OAuth 2.0 only, form-encoded token responses unless JSON is asked for,
 * errors as HTTP 200 with an `error` field, lower-case `bearer`, comma-separated scopes, and the
 * `/api/user` and `/api/user/emails` profile endpoints.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningDevIdp, startDevIdp } from '../../src/dev/index.js';
import { Browser, location } from './browser.js';

const REDIRECT = 'http://127.0.0.1:9/auth/github/callback';
const SECRET = 'github-secret-0123456789abcdef';
let dev: RunningDevIdp;

beforeAll(async () => {
  dev = await startDevIdp({ port: 0, clients: [{ client_id: 'Iv1.devclient', client_secret: SECRET, redirect_uris: [REDIRECT] }] });
});
afterAll(async () => {
  await dev?.close();
});

async function code(user: string, scope = 'read:user user:email'): Promise<string> {
  const url = new URL(`${dev.url}/github/login/oauth/authorize`);
  url.search = new URLSearchParams({ client_id: 'Iv1.devclient', redirect_uri: REDIRECT, scope, state: 'gh' }).toString();
  const { response } = await new Browser().signIn(url, user);
  const back = location(response);
  expect(back.searchParams.get('state')).toBe('gh');
  expect(back.searchParams.get('iss')).toBeNull();
  return back.searchParams.get('code')!;
}

function exchange(c: string, accept?: string, secret = SECRET): Promise<Response> {
  return fetch(`${dev.url}/github/login/oauth/access_token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...(accept ? { accept } : {}) },
    body: new URLSearchParams({ client_id: 'Iv1.devclient', client_secret: secret, code: c, redirect_uri: REDIRECT }),
  });
}

describe('GitHub flavor', () => {
  it('answers form-encoded by default, with lower-case bearer and comma-separated scopes', async () => {
    const res = await exchange(await code('alice'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/x-www-form-urlencoded/);
    const body = new URLSearchParams(await res.text());
    expect(body.get('access_token')).toMatch(/^gho_/);
    expect(body.get('token_type')).toBe('bearer');
    expect(body.get('scope')).toBe('read:user,user:email');
    expect(body.has('id_token')).toBe(false);
    expect(body.has('refresh_token')).toBe(false);
  });

  it('answers JSON when asked, and reports errors with HTTP 200', async () => {
    const c = await code('bob');
    const ok = await exchange(c, 'application/json');
    expect(ok.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await ok.json()).toMatchObject({ token_type: 'bearer', scope: 'read:user,user:email' });
    const reused = await exchange(c, 'application/json');
    expect(reused.status).toBe(200);
    expect(await reused.json()).toMatchObject({ error: 'bad_verification_code' });
    const wrongSecret = await exchange(await code('bob'), undefined, 'wrong-secret');
    expect(wrongSecret.status).toBe(200);
    expect(new URLSearchParams(await wrongSecret.text()).get('error')).toBe('incorrect_client_credentials');
  });

  it('serves /api/user and /api/user/emails behind the token', async () => {
    const body = new URLSearchParams(await (await exchange(await code('alice'))).text());
    const token = body.get('access_token')!;
    const user = (await (await fetch(`${dev.url}/github/api/user`, { headers: { authorization: `Bearer ${token}` } })).json()) as Record<string, unknown>;
    expect(user).toMatchObject({ login: 'alice', name: 'Alice Example', email: 'alice@example.org' });
    expect(typeof user.id).toBe('number');
    expect(String(user.avatar_url)).toContain('/avatars/alice.svg');
    // GitHub's legacy `token` scheme works too.
    const emails = (await (await fetch(`${dev.url}/github/api/user/emails`, { headers: { authorization: `token ${token}` } })).json()) as Record<
      string,
      unknown
    >[];
    expect(emails).toContainEqual({ email: 'alice@example.org', primary: true, verified: true, visibility: 'public' });
    expect(emails.some((e) => String(e.email).endsWith('@users.noreply.github.com'))).toBe(true);
    expect((await fetch(`${dev.url}/github/api/user`, { headers: { authorization: 'Bearer gho_wrong' } })).status).toBe(401);
  });

  it('hides private emails from /user, flags unverified ones, and needs user:email for /user/emails', async () => {
    const dana = new URLSearchParams(await (await exchange(await code('dana'))).text()).get('access_token')!;
    const user = (await (await fetch(`${dev.url}/github/api/user`, { headers: { authorization: `Bearer ${dana}` } })).json()) as Record<string, unknown>;
    expect(user.email).toBeNull();
    const carol = new URLSearchParams(await (await exchange(await code('carol'))).text()).get('access_token')!;
    const emails = (await (await fetch(`${dev.url}/github/api/user/emails`, { headers: { authorization: `Bearer ${carol}` } })).json()) as Record<
      string,
      unknown
    >[];
    expect(emails[0]).toMatchObject({ email: 'carol@example.net', primary: true, verified: false });
    const narrow = new URLSearchParams(await (await exchange(await code('alice', 'read:user'))).text()).get('access_token')!;
    expect((await fetch(`${dev.url}/github/api/user/emails`, { headers: { authorization: `Bearer ${narrow}` } })).status).toBe(404);
  });

  it('publishes RFC 8414 metadata for convenience and refuses refresh grants', async () => {
    const meta = (await (await fetch(`${dev.url}/github/.well-known/oauth-authorization-server`)).json()) as Record<string, unknown>;
    expect(meta).toMatchObject({ issuer: `${dev.url}/github`, token_endpoint: `${dev.url}/github/login/oauth/access_token` });
    expect(dev.idp.metadataFor('github')).toEqual(meta);
    expect(dev.idp.metadataFor('microsoft', { tenant: 'organizations' }).issuer).toBe(`${dev.url}/microsoft/{tenantid}/v2.0`);
    const res = await fetch(`${dev.url}/github/login/oauth/access_token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: new URLSearchParams({ client_id: 'Iv1.devclient', client_secret: SECRET, grant_type: 'refresh_token', refresh_token: 'x' }),
    });
    expect(await res.json()).toMatchObject({ error: 'unsupported_grant_type' });
  });
});
