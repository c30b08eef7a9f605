/**
 * The Apple flavor: form_post required for name/email, the ES256 client-secret JWT verified
 * against the registered key (team id, client id, audience, six-month limit), the `user` JSON on
 * the first sign-in only, string booleans, private-relay emails, and no userinfo endpoint.
 */
import { createRemoteJWKSet, exportJWK, generateKeyPair, jwtVerify, SignJWT } from 'jose';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningDevIdp, startDevIdp } from '../../src/dev/index.js';
import { Browser, location, parseForm } from './browser.js';

const REDIRECT = 'http://127.0.0.1:9/auth/apple/callback';
const CLIENT = 'com.example.web';
const TEAM = 'TEAM123456';
const KID = 'KEY1234567';
let dev: RunningDevIdp;
let privateKey: CryptoKey;
let otherKey: CryptoKey;

beforeAll(async () => {
  const pair = await generateKeyPair('ES256');
  privateKey = pair.privateKey;
  otherKey = (await generateKeyPair('ES256')).privateKey;
  dev = await startDevIdp({
    port: 0,
    clients: [{ client_id: CLIENT, redirect_uris: [REDIRECT], apple: { teamId: TEAM, keyId: KID, publicKey: await exportJWK(pair.publicKey) } }],
  });
});
afterAll(async () => {
  await dev?.close();
});

async function clientSecret(overrides: { key?: CryptoKey; iss?: string; sub?: string; aud?: string; lifetime?: number; kid?: string } = {}): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({})
    .setProtectedHeader({ alg: 'ES256', kid: overrides.kid ?? KID })
    .setIssuer(overrides.iss ?? TEAM)
    .setSubject(overrides.sub ?? CLIENT)
    .setAudience(overrides.aud ?? dev.issuerFor('apple'))
    .setIssuedAt(now)
    .setExpirationTime(now + (overrides.lifetime ?? 3600))
    .sign(overrides.key ?? privateKey);
}

async function authorize(browser: Browser, user: string, params: Record<string, string> = {}) {
  const verifier = oidc.randomPKCECodeVerifier();
  const url = new URL(`${dev.url}/apple/auth/authorize`);
  url.search = new URLSearchParams({
    client_id: CLIENT,
    redirect_uri: REDIRECT,
    response_type: 'code',
    scope: 'openid name email',
    response_mode: 'form_post',
    state: 'apple-state',
    nonce: 'apple-nonce',
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    ...params,
  }).toString();
  const { response } = await browser.signIn(url, user);
  return { response, verifier };
}

async function exchange(code: string, verifier: string, secret: string): Promise<Response> {
  return fetch(`${dev.url}/apple/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT,
      client_id: CLIENT,
      client_secret: secret,
      code_verifier: verifier,
    }),
  });
}

describe('Apple flavor', () => {
  it('publishes Apple-shaped discovery without userinfo', async () => {
    const meta = (await (await fetch(`${dev.url}/apple/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    expect(meta.issuer).toBe(`${dev.url}/apple`);
    expect(meta).not.toHaveProperty('userinfo_endpoint');
    expect(meta.token_endpoint_auth_methods_supported).toEqual(['client_secret_post']);
  });

  it('requires response_mode=form_post when name or email is requested', async () => {
    const url = new URL(`${dev.url}/apple/auth/authorize`);
    url.search = new URLSearchParams({ client_id: CLIENT, redirect_uri: REDIRECT, response_type: 'code', scope: 'openid name email', state: 's' }).toString();
    const back = location(await fetch(url, { redirect: 'manual' }));
    expect(back.searchParams.get('error')).toBe('invalid_request');
    expect(back.searchParams.get('state')).toBe('s');
  });

  it('posts the user JSON on the first sign-in only, and verifies the ES256 client secret', async () => {
    const browser = new Browser();
    const first = await authorize(browser, 'alice');
    expect(first.response.status).toBe(200);
    const posted = parseForm(await first.response.text());
    expect(posted.action).toBe(REDIRECT);
    expect(posted.params.state).toBe('apple-state');
    expect(JSON.parse(posted.params.user!)).toEqual({ name: { firstName: 'Alice', lastName: 'Example' }, email: 'alice@example.org' });
    const res = await exchange(posted.params.code!, first.verifier, await clientSecret());
    expect(res.status).toBe(200);
    const body = (await res.json()) as Record<string, string>;
    expect(body.refresh_token).toBeTruthy();
    expect(body).not.toHaveProperty('scope');
    const { payload } = await jwtVerify(body.id_token!, createRemoteJWKSet(new URL(`${dev.url}/apple/auth/keys`)), {
      issuer: `${dev.url}/apple`,
      audience: CLIENT,
    });
    expect(payload).toMatchObject({ email: 'alice@example.org', email_verified: 'true', is_private_email: 'false', nonce: 'apple-nonce' });
    expect(payload.sub).toMatch(/^\d{3}[0-9a-f]{3}\.[0-9a-f]{32}\.\d[0-9a-f]{3}$/);

    const second = await authorize(new Browser(), 'alice');
    const again = parseForm(await second.response.text());
    expect(again.params.code).toBeTruthy();
    expect(again.params).not.toHaveProperty('user');
  });

  it('gives users who hide their email a private-relay address', async () => {
    const { response, verifier } = await authorize(new Browser(), 'dana');
    const posted = parseForm(await response.text());
    const relay = (JSON.parse(posted.params.user!) as { email: string }).email;
    expect(relay).toMatch(/@privaterelay\.appleid\.com$/);
    const body = (await (await exchange(posted.params.code!, verifier, await clientSecret())).json()) as Record<string, string>;
    const { payload } = await jwtVerify(body.id_token!, createRemoteJWKSet(new URL(`${dev.url}/apple/auth/keys`)));
    expect(payload).toMatchObject({ email: relay, is_private_email: 'true', email_verified: 'true' });
  });

  it('refuses client secrets signed by another key, with wrong claims, or longer than six months', async () => {
    const bad = [
      await clientSecret({ key: otherKey }),
      await clientSecret({ iss: 'OTHERTEAM1' }),
      await clientSecret({ sub: 'com.example.other' }),
      await clientSecret({ aud: 'https://appleid.apple.com' }),
      await clientSecret({ kid: 'OTHERKEY12' }),
      await clientSecret({ lifetime: 15_777_000 + 60 }),
      'not-a-jwt',
    ];
    for (const secret of bad) {
      const { response, verifier } = await authorize(new Browser(), 'bob');
      const posted = parseForm(await response.text());
      const res = await exchange(posted.params.code!, verifier, secret);
      expect(res.status).toBe(401);
      expect(await res.json()).toMatchObject({ error: 'invalid_client' });
    }
  });

  it('accepts only client_secret_post', async () => {
    const { response, verifier } = await authorize(new Browser(), 'bob');
    const posted = parseForm(await response.text());
    const res = await fetch(`${dev.url}/apple/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Basic ${btoa(`${CLIENT}:${await clientSecret()}`)}` },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: posted.params.code!, redirect_uri: REDIRECT, code_verifier: verifier }),
    });
    expect(res.status).toBe(401);
  });
});
