/**
 * Key rotation with the real OP: the Provider behind the same server is swapped for one signing
 * with a new key (conformance.md §3.2); the same OidcClient accepts the next login's ID token
 * after refetching the JWKS on the unknown `kid`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OidcClient } from '../../src/core/client.js';
import { decodeJwtHeader } from '../../src/core/jwt.js';
import { generateSigningKey, type OidcProviderHandle, startOidcProvider } from '../support/oidc-provider.js';
import { UserAgent } from '../support/user-agent.js';

const REDIRECT = 'http://127.0.0.1:1/cb';
const SECRET = 'a-long-client-secret-for-rotation-tests-0123456789';

let op: OidcProviderHandle;

beforeAll(async () => {
  op = await startOidcProvider({
    clients: [{ client_id: 'rp', client_secret: SECRET, redirect_uris: [REDIRECT], grant_types: ['authorization_code'], response_types: ['code'] }],
    keys: [await generateSigningKey('k1')],
  });
});

afterAll(async () => {
  await op?.close();
});

async function login(client: OidcClient) {
  const { url, transaction } = await client.authorizationUrl();
  const result = await new UserAgent().navigate(url, { stop: (u) => u.startsWith(REDIRECT) });
  return client.callback(new URL(result.url).searchParams, transaction);
}

describe('signing key rotation (oidc-provider swapped behind the same issuer)', () => {
  it('accepts ID tokens signed with k1, then, after rotation, with k2 (JWKS refetched on the unknown kid)', async () => {
    const fetched: string[] = [];
    const client = await OidcClient.create({
      issuer: op.issuer,
      clientId: 'rp',
      clientSecret: SECRET,
      redirectUri: REDIRECT,
      http: {
        fetch: (input, init) => {
          fetched.push(new URL(String(input)).pathname);
          return globalThis.fetch(input, init);
        },
      },
    });
    const first = await login(client);
    expect(decodeJwtHeader(first.idToken!).kid).toBe('k1');
    expect(fetched.filter((p) => p === '/jwks')).toHaveLength(1);

    await op.mount([await generateSigningKey('k2')]);
    const second = await login(client);
    expect(decodeJwtHeader(second.idToken!).kid).toBe('k2');
    expect(second.idTokenClaims?.sub).toBe('alice');
    expect(fetched.filter((p) => p === '/jwks')).toHaveLength(2);
  });
});
