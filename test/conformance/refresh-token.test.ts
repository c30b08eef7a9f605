/**
 * Conformance module `oidcc-client-test-refresh-token` (plan R): refresh, then call userinfo with
 * the new access token. The refreshed ID token passes the OIDC Core 12.2 checks (oidc-provider
 * repeats the original nonce, which is allowed).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { OidcClient } from '../../src/core/client.js';
import { type OidcProviderHandle, startOidcProvider } from '../support/oidc-provider.js';
import { UserAgent } from '../support/user-agent.js';

const REDIRECT = 'http://127.0.0.1:1/cb';
const SECRET = 'a-long-client-secret-for-refresh-0123456789abcdef';
let op: OidcProviderHandle;

beforeAll(async () => {
  op = await startOidcProvider({
    clients: [
      { client_id: 'rp', client_secret: SECRET, redirect_uris: [REDIRECT], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] },
    ],
    // The certification OP's behaviour: refresh tokens only for offline_access, granted with consent.
    config: {
      issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(t: string): boolean }, code: { scopes: Set<string> }) =>
        client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
    },
  });
});
afterAll(async () => {
  await op?.close();
});

it('refreshes (offline_access, prompt=consent) and uses the new access token at userinfo', async () => {
  const client = await OidcClient.create({ issuer: op.issuer, clientId: 'rp', clientSecret: SECRET, redirectUri: REDIRECT });
  const { url, transaction } = await client.authorizationUrl({ scope: ['openid', 'email', 'offline_access'], prompt: 'consent' });
  const back = await new UserAgent().navigate(url, { stop: (u) => u.startsWith(REDIRECT) });
  const tokens = await client.callback(new URL(back.url).searchParams, transaction);
  expect(tokens.refreshToken).toBeTypeOf('string');

  const refreshed = await client.refresh(tokens.refreshToken!, { previousIdTokenClaims: tokens.idTokenClaims! });
  expect(refreshed.accessToken).not.toBe(tokens.accessToken);
  expect(refreshed.idTokenClaims).toMatchObject({ iss: tokens.idTokenClaims!.iss, sub: tokens.idTokenClaims!.sub, aud: tokens.idTokenClaims!.aud });
  expect(refreshed.refreshToken).toBeTypeOf('string');
  const info = await client.userinfo(refreshed);
  expect(info).toMatchObject({ sub: 'alice', email: 'alice@example.test' });
});
