/**
 * Happy paths against oidc-provider for every client authentication method at the token endpoint:
 * client_secret_basic (with a secret that needs form-encoding), client_secret_post,
 * client_secret_jwt, private_key_jwt (RFC 7523) and none (public client, PKCE only).
 */
import { exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OidcClient, type OidcClientOptions } from '../../src/core/client.js';
import type { PrivateKey } from '../../src/core/types.js';
import { type OidcProviderHandle, startOidcProvider } from '../support/oidc-provider.js';
import { UserAgent } from '../support/user-agent.js';

const REDIRECT = 'http://127.0.0.1:1/cb';
const WEIRD_SECRET = 'secret with:colon+plus%percent and space-0123456789abcdef';
const JWT_SECRET = 'a-client-secret-long-enough-for-hs256-0123456789abcdefghijkl';

let op: OidcProviderHandle;
let privateKey: PrivateKey;

beforeAll(async () => {
  const pair = await generateKeyPair('ES256');
  privateKey = { key: pair.privateKey, alg: 'ES256', kid: 'rp-key-1' };
  const publicJwk = { ...(await exportJWK(pair.publicKey)), kid: 'rp-key-1', alg: 'ES256', use: 'sig' };
  const base = { redirect_uris: [REDIRECT], grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] };
  op = await startOidcProvider({
    clients: [
      { ...base, client_id: 'rp-basic', client_secret: WEIRD_SECRET, token_endpoint_auth_method: 'client_secret_basic' },
      { ...base, client_id: 'rp-post', client_secret: WEIRD_SECRET, token_endpoint_auth_method: 'client_secret_post' },
      { ...base, client_id: 'rp-jwt', client_secret: JWT_SECRET, token_endpoint_auth_method: 'client_secret_jwt' },
      { ...base, client_id: 'rp-pkjwt', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [publicJwk] } },
      { ...base, client_id: 'rp-public', token_endpoint_auth_method: 'none' },
    ],
  });
});

afterAll(async () => {
  await op?.close();
});

async function fullLogin(options: Omit<OidcClientOptions, 'issuer' | 'redirectUri'>) {
  const client = await OidcClient.create({ issuer: op.issuer, redirectUri: REDIRECT, ...options });
  const { url, transaction } = await client.authorizationUrl({ scope: ['openid', 'email'] });
  const result = await new UserAgent().navigate(url, { stop: (u) => u.startsWith(REDIRECT) });
  const tokens = await client.callback(new URL(result.url).searchParams, transaction);
  expect(tokens.idTokenClaims?.sub).toBe('alice');
  expect(tokens.idTokenClaims?.aud).toBe(options.clientId);
  const info = await client.userinfo(tokens);
  expect(info.email).toBe('alice@example.test');
  // The refresh grant authenticates the same way.
  const refreshed = await client.refresh(tokens.refreshToken!, { previousIdTokenClaims: tokens.idTokenClaims! });
  expect(refreshed.idTokenClaims?.sub).toBe('alice');
  return client;
}

describe('client authentication methods against oidc-provider', () => {
  it('client_secret_basic, secret with ":", "+", "%" and a space (form-encoded before base64)', async () => {
    const client = await fullLogin({ clientId: 'rp-basic', clientSecret: WEIRD_SECRET });
    expect(client.client.token_endpoint_auth_method).toBe('client_secret_basic');
  });

  it('client_secret_post', async () => {
    await fullLogin({ clientId: 'rp-post', clientSecret: WEIRD_SECRET, tokenEndpointAuthMethod: 'client_secret_post' });
  });

  it('client_secret_jwt', async () => {
    await fullLogin({ clientId: 'rp-jwt', clientSecret: JWT_SECRET, tokenEndpointAuthMethod: 'client_secret_jwt' });
  });

  it('private_key_jwt (chosen by default when a private key is given)', async () => {
    const client = await fullLogin({ clientId: 'rp-pkjwt', privateKey });
    expect(client.client.token_endpoint_auth_method).toBe('private_key_jwt');
  });

  it('none (public client: PKCE only), chosen by default without secret or key', async () => {
    const client = await fullLogin({ clientId: 'rp-public' });
    expect(client.client.token_endpoint_auth_method).toBe('none');
  });

  it('JWT assertions (aud = token endpoint) are accepted at the PAR and revocation endpoints too', async () => {
    for (const options of [
      { clientId: 'rp-pkjwt', privateKey },
      { clientId: 'rp-jwt', clientSecret: JWT_SECRET, tokenEndpointAuthMethod: 'client_secret_jwt' as const },
    ]) {
      const client = await OidcClient.create({ issuer: op.issuer, redirectUri: REDIRECT, usePar: true, ...options });
      const { url, transaction } = await client.authorizationUrl();
      expect([...url.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
      const result = await new UserAgent().navigate(url, { stop: (u) => u.startsWith(REDIRECT) });
      const tokens = await client.callback(new URL(result.url).searchParams, transaction);
      await client.revoke(tokens.refreshToken!, 'refresh_token');
      await expect(client.refresh(tokens.refreshToken!)).rejects.toMatchObject({ code: 'TOKEN_ERROR', error: 'invalid_grant' });
    }
  });

  it('a client secret function is awaited for each request', async () => {
    let calls = 0;
    const secret = async () => {
      calls++;
      return WEIRD_SECRET;
    };
    await fullLogin({ clientId: 'rp-post', clientSecret: secret, tokenEndpointAuthMethod: 'client_secret_post' });
    // authorizationUrl, callback, userinfo, refresh: one call each.
    expect(calls).toBeGreaterThanOrEqual(3);
  });

  it('a wrong secret surfaces as TOKEN_ERROR invalid_client', async () => {
    const client = await OidcClient.create({ issuer: op.issuer, redirectUri: REDIRECT, clientId: 'rp-basic', clientSecret: 'wrong' });
    const { url, transaction } = await client.authorizationUrl();
    const result = await new UserAgent().navigate(url, { stop: (u) => u.startsWith(REDIRECT) });
    await expect(client.callback(new URL(result.url).searchParams, transaction)).rejects.toMatchObject({ code: 'TOKEN_ERROR', error: 'invalid_client' });
  });
});
