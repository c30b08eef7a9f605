/**
 * Google, GitHub, Microsoft and Apple end to end against the development identity provider's
 * emulations (src/dev): the presets pointed at the emulator with their override options, a user
 * picked on the emulator's sign-in page, then the same callback and profile steps as the app layer.
 */
import { exportJWK, exportPKCS8, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEV_TENANT_ID, type RunningDevIdp, startDevIdp } from '../../src/dev/index.js';
import { ValidationError } from '../../src/errors.js';
import { apple, github, google, microsoft } from '../../src/providers/index.js';
import type { ProviderConfig } from '../../src/providers/types.js';
import { buildProfile, clientFor, REDIRECT_URI, rejectionOf, type SignInResult, startLogin } from './sign-in.js';

const APPLE_CLIENT = 'com.example.latchkey';
const TEAM = 'TEAM123456';
const KID = 'KEY1234567';
let dev: RunningDevIdp;
let applePem: string;

beforeAll(async () => {
  const pair = await generateKeyPair('ES256', { extractable: true });
  applePem = await exportPKCS8(pair.privateKey);
  dev = await startDevIdp({
    port: 0,
    host: '127.0.0.1',
    acceptAnyClient: true,
    clients: [{ client_id: APPLE_CLIENT, redirect_uris: [REDIRECT_URI], apple: { teamId: TEAM, keyId: KID, publicKey: await exportJWK(pair.publicKey) } }],
  });
});
afterAll(async () => {
  await dev?.close();
});

/** Picks `user` on the emulator's sign-in page; returns the callback parameters (302 or form_post). */
async function pickUser(url: URL, user: string, cookies: Map<string, string>): Promise<URLSearchParams> {
  const send = async (target: URL, init: RequestInit = {}) => {
    const headers = new Headers(init.headers);
    if (cookies.size > 0) headers.set('cookie', [...cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(target, { ...init, headers, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const pair = c.split(';')[0]!;
      cookies.set(pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1));
    }
    return res;
  };
  const page = await (await send(url)).text();
  const action = /<form method="post" action="([^"]+)"/.exec(page)?.[1];
  if (!action) throw new Error(`no sign-in form: ${page.slice(0, 200)}`);
  const res = await send(new URL(action.replace(/&amp;/g, '&'), url), {
    method: 'POST',
    body: new URLSearchParams({ action: 'login', user }),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  if (res.status === 302 || res.status === 303) return new URL(res.headers.get('location')!).searchParams;
  const html = await res.text();
  const params = new URLSearchParams();
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
    params.append(
      m[1]!,
      m[2]!
        .replace(/&quot;/g, '"')
        .replace(/&#39;/g, "'")
        .replace(/&lt;/g, '<')
        .replace(/&gt;/g, '>')
        .replace(/&amp;/g, '&'),
    );
  }
  if (!params.has('code') && !params.has('error')) throw new Error(`unexpected answer ${res.status}: ${html.slice(0, 200)}`);
  return params;
}

async function signInAs(p: ProviderConfig, user: string, options: { offline?: boolean; cookies?: Map<string, string> } = {}): Promise<SignInResult> {
  const client = await clientFor(p);
  const { url, transaction } = await startLogin(p, client, options.offline ?? false);
  const callbackParams = await pickUser(url, user, options.cookies ?? new Map());
  const tokens = await client.callback(callbackParams, transaction);
  const { raw, profile } = await buildProfile(p, client, tokens, callbackParams);
  return { authorizationUrl: url, transaction, callbackParams, tokens, raw, profile, client };
}

describe('against the dev IdP emulations', () => {
  it('google: rewritten scopes, hd checked, offline refresh token', async () => {
    const p = google({ clientId: 'latchkey-google', clientSecret: 'dev-secret', issuer: dev.issuerFor('google'), hostedDomain: 'example.com', env: {} });
    const bob = await signInAs(p, 'bob', { offline: true });
    expect(bob.profile).toMatchObject({
      issuer: dev.issuerFor('google'),
      email: 'bob@example.com',
      emailVerified: true,
      name: 'Bob Builder',
      givenName: 'Bob',
      familyName: 'Builder',
    });
    expect(bob.tokens.grantedScopes).toContain('https://www.googleapis.com/auth/userinfo.email');
    expect(bob.tokens.refreshToken).toMatch(/^1\/\//);
    // supportsRefresh: the refresh token works with the same client.
    const refreshed = await bob.client.refresh(bob.tokens.refreshToken!, { previousIdTokenClaims: bob.tokens.idTokenClaims! });
    expect(refreshed.accessToken).not.toBe(bob.tokens.accessToken);
    // Alice is not in the Workspace domain: her ID token has no hd and is refused.
    const alice = await rejectionOf(signInAs(p, 'alice'));
    expect(alice).toBeInstanceOf(ValidationError);
    expect(alice).toMatchObject({ code: 'ID_TOKEN_CLAIM_INVALID', claim: 'hd' });
  });

  it('google: an unverified email is reported unverified', async () => {
    const p = google({ clientId: 'latchkey-google', clientSecret: 'dev-secret', issuer: dev.issuerFor('google'), env: {} });
    const carol = await signInAs(p, 'carol');
    expect(carol.profile).toMatchObject({ email: 'carol@example.net', emailVerified: false });
  });

  it('github: form/JSON token quirks, /user and the verified primary email from /user/emails', async () => {
    const p = github({ clientId: 'latchkey-github', clientSecret: 'dev-secret', baseUrl: `${dev.url}/github`, apiBaseUrl: `${dev.url}/github/api`, env: {} });
    const alice = await signInAs(p, 'alice');
    expect(alice.profile).toMatchObject({ issuer: `${dev.url}/github`, email: 'alice@example.org', emailVerified: true, name: 'Alice Example' });
    expect(alice.profile.subject).toMatch(/^\d+$/);
    const carol = await signInAs(p, 'carol');
    expect(carol.profile).toMatchObject({ email: null, emailVerified: false });
  });

  it('microsoft: common endpoint, templated issuer, profile issuer is the user tenant', async () => {
    const p = microsoft({ clientId: 'latchkey-microsoft', clientSecret: 'dev-secret', authority: `${dev.url}/microsoft`, env: {} });
    const r = await signInAs(p, 'alice', { offline: true });
    expect(r.profile).toMatchObject({ issuer: `${dev.url}/microsoft/${DEV_TENANT_ID}/v2.0`, name: 'Alice Example', email: 'alice@example.org' });
    expect(r.tokens.refreshToken).toBeTruthy();
    const refreshed = await r.client.refresh(r.tokens.refreshToken!, { previousIdTokenClaims: r.tokens.idTokenClaims! });
    expect(refreshed.refreshToken).toBeTruthy();
    const outsider = await rejectionOf(
      signInAs(
        microsoft({
          clientId: 'latchkey-microsoft',
          clientSecret: 'dev-secret',
          authority: `${dev.url}/microsoft`,
          tenant: 'organizations',
          allowedTenants: ['00000000-0000-0000-0000-000000000001'],
          env: {},
        }),
        'alice',
      ),
    );
    expect(outsider).toMatchObject({ code: 'ID_TOKEN_CLAIM_INVALID', claim: 'tid' });
  });

  it('apple: form_post, signed client secret verified by the emulator, name on the first sign-in only, private relay', async () => {
    const p = apple({ clientId: APPLE_CLIENT, teamId: TEAM, keyId: KID, privateKey: applePem, issuer: dev.issuerFor('apple'), env: {} });
    const cookies = new Map<string, string>();
    const first = await signInAs(p, 'dana', { cookies });
    expect(first.profile).toMatchObject({ issuer: dev.issuerFor('apple'), name: 'Dana Private', givenName: 'Dana', emailVerified: true });
    expect(first.profile.email).toMatch(/@privaterelay\.appleid\.com$/);
    expect(first.profile.raw.is_private_email).toBe('true');
    const again = await signInAs(p, 'dana', { cookies });
    expect(again.profile).toMatchObject({ subject: first.profile.subject, name: null });
    // A secret signed with another key is refused by the emulator's token endpoint.
    const other = await generateKeyPair('ES256', { extractable: true });
    const wrong = apple({
      clientId: APPLE_CLIENT,
      teamId: TEAM,
      keyId: KID,
      privateKey: await exportPKCS8(other.privateKey),
      issuer: dev.issuerFor('apple'),
      env: {},
    });
    expect(await rejectionOf(signInAs(wrong, 'alice'))).toMatchObject({ code: 'TOKEN_ERROR' });
  });
});
