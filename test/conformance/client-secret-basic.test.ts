/**
 * Conformance module `oidcc-client-test-client-secret-basic` (old
 * `rp-token_endpoint-client_secret_basic`): authenticate at the token endpoint with
 * client_secret_basic. The real OP is registered to accept only that method.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { OidcClient } from '../../src/core/client.js';
import { type OidcProviderHandle, startOidcProvider } from '../support/oidc-provider.js';
import { UserAgent } from '../support/user-agent.js';

const REDIRECT = 'http://127.0.0.1:1/cb';
const SECRET = 'basic secret: with+reserved%chars-0123456789abcdef';
let op: OidcProviderHandle;

beforeAll(async () => {
  op = await startOidcProvider({
    clients: [
      {
        client_id: 'rp',
        client_secret: SECRET,
        redirect_uris: [REDIRECT],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
  });
});
afterAll(async () => {
  await op?.close();
});

it('sends HTTP Basic credentials (and no secret in the body) and the OP accepts them', async () => {
  const tokenRequests: { auth: string | null; body: URLSearchParams }[] = [];
  const client = await OidcClient.create({
    issuer: op.issuer,
    clientId: 'rp',
    clientSecret: SECRET,
    redirectUri: REDIRECT,
    tokenEndpointAuthMethod: 'client_secret_basic',
    http: {
      fetch: (input, init) => {
        if (new URL(String(input)).pathname === '/token')
          tokenRequests.push({ auth: new Headers(init?.headers).get('authorization'), body: new URLSearchParams(String(init?.body)) });
        return globalThis.fetch(input, init);
      },
    },
  });
  const { url, transaction } = await client.authorizationUrl();
  const back = await new UserAgent().navigate(url, { stop: (u) => u.startsWith(REDIRECT) });
  const tokens = await client.callback(new URL(back.url).searchParams, transaction);
  expect(tokens.idTokenClaims?.sub).toBe('alice');
  expect(tokenRequests).toHaveLength(1);
  expect(tokenRequests[0]!.auth).toMatch(/^Basic [A-Za-z0-9+/]+=*$/);
  expect(tokenRequests[0]!.body.has('client_secret')).toBe(false);
  expect(tokenRequests[0]!.body.has('client_assertion')).toBe(false);
});
