/**
 * Conformance module `oidcc-client-test` (old `rp-response_type-code`), plan B: the normal flow
 * against the real OP (oidc-provider): authorization request (scope openid, exact redirect_uri, no
 * fragment, state, nonce, PKCE S256), token request (repeats redirect_uri, sends code_verifier),
 * ID token validated, userinfo with the access token in the Authorization header.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { OidcClient } from '../../src/core/client.js';
import { type OidcProviderHandle, startOidcProvider } from '../support/oidc-provider.js';
import { UserAgent } from '../support/user-agent.js';

const REDIRECT = 'http://127.0.0.1:1/cb';
const SECRET = 'a-long-client-secret-for-the-normal-flow-0123456789';
let op: OidcProviderHandle;

beforeAll(async () => {
  op = await startOidcProvider({
    clients: [{ client_id: 'rp', client_secret: SECRET, redirect_uris: [REDIRECT], grant_types: ['authorization_code'], response_types: ['code'] }],
  });
});
afterAll(async () => {
  await op?.close();
});

it('completes authorization, token and userinfo with the real OP', async () => {
  const sent: { path: string; method: string; auth: string | null; body: string }[] = [];
  const client = await OidcClient.create({
    issuer: op.issuer,
    clientId: 'rp',
    clientSecret: SECRET,
    redirectUri: REDIRECT,
    http: {
      fetch: (input, init) => {
        const url = new URL(String(input));
        sent.push({
          path: url.pathname + url.search,
          method: init?.method ?? 'GET',
          auth: new Headers(init?.headers).get('authorization'),
          body: String(init?.body ?? ''),
        });
        return globalThis.fetch(input, init);
      },
    },
  });
  const { url, transaction } = await client.authorizationUrl();
  const p = url.searchParams;
  expect(p.get('scope')!.split(' ')).toContain('openid');
  expect(p.get('client_id')).toBe('rp');
  expect(p.get('redirect_uri')).toBe(REDIRECT);
  expect(new URL(p.get('redirect_uri')!).hash).toBe('');
  expect(p.get('response_type')).toBe('code');
  expect(p.get('state')).toBeTruthy();
  expect(p.get('nonce')).toBeTruthy();
  expect(p.get('code_challenge_method')).toBe('S256');

  const back = await new UserAgent().navigate(url, { stop: (u) => u.startsWith(REDIRECT) });
  const tokens = await client.callback(new URL(back.url).searchParams, transaction);
  const tokenRequest = sent.find((s) => s.path === '/token')!;
  const form = new URLSearchParams(tokenRequest.body);
  expect(form.get('grant_type')).toBe('authorization_code');
  expect(form.get('redirect_uri')).toBe(REDIRECT);
  expect(form.get('code_verifier')).toBe(transaction.codeVerifier);
  expect(tokens.idTokenClaims).toMatchObject({ iss: op.issuer, aud: 'rp', sub: 'alice', nonce: transaction.nonce });

  const info = await client.userinfo(tokens);
  expect(info.sub).toBe('alice');
  const userinfoRequest = sent.find((s) => s.path === '/me')!;
  expect(userinfoRequest.auth).toBe(`Bearer ${tokens.accessToken}`);
});
