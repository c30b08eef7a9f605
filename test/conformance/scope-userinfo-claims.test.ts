/**
 * Conformance module `oidcc-client-test-scope-userinfo-claims` (old `rp-scope-userinfo-claims`):
 * request claims through the scope values profile, email, phone and address, and use them from
 * userinfo. With the OP's default `conformIdTokenClaims: true` the claims come only from userinfo,
 * as at the certification OP.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { OidcClient } from '../../src/core/client.js';
import { type OidcProviderHandle, startOidcProvider } from '../support/oidc-provider.js';
import { UserAgent } from '../support/user-agent.js';

const REDIRECT = 'http://127.0.0.1:1/cb';
const SECRET = 'a-long-client-secret-for-scope-claims-0123456789';
let op: OidcProviderHandle;

beforeAll(async () => {
  op = await startOidcProvider({
    clients: [{ client_id: 'rp', client_secret: SECRET, redirect_uris: [REDIRECT], grant_types: ['authorization_code'], response_types: ['code'] }],
    config: { conformIdTokenClaims: true },
  });
});
afterAll(async () => {
  await op?.close();
});

it('requests profile, email, phone and address scopes and gets the claims from userinfo', async () => {
  const client = await OidcClient.create({ issuer: op.issuer, clientId: 'rp', clientSecret: SECRET, redirectUri: REDIRECT });
  const { url, transaction } = await client.authorizationUrl({ scope: ['openid', 'profile', 'email', 'phone', 'address'] });
  expect(url.searchParams.get('scope')).toBe('openid profile email phone address');
  const back = await new UserAgent().navigate(url, { stop: (u) => u.startsWith(REDIRECT) });
  const tokens = await client.callback(new URL(back.url).searchParams, transaction);
  expect(tokens.grantedScopes).toEqual(expect.arrayContaining(['openid', 'profile', 'email', 'phone', 'address']));
  // The ID token carries no scope claims here: they must come from userinfo.
  expect(tokens.idTokenClaims).not.toHaveProperty('email');
  const info = await client.userinfo(tokens);
  expect(info).toMatchObject({
    sub: 'alice',
    name: 'User alice',
    family_name: 'alice',
    email: 'alice@example.test',
    email_verified: true,
    phone_number: '+1 555 0100',
    address: { country: 'Testland' },
  });
});
