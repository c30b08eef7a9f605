/**
 * Happy paths against oidc-provider: authorization code + PKCE with client_secret_basic, userinfo,
 * refresh (OIDC Core 12.2), revocation, client credentials, and provider errors surfaced as typed
 * errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OidcClient } from '../../src/core/client.js';
import { isLatchkeyError, ProviderError } from '../../src/errors.js';
import { type OidcProviderHandle, startOidcProvider } from '../support/oidc-provider.js';
import { UserAgent } from '../support/user-agent.js';

const REDIRECT = 'http://127.0.0.1:1/cb';
const SECRET = 'a-long-client-secret-for-the-basic-client-0123456789';

let op: OidcProviderHandle;

beforeAll(async () => {
  op = await startOidcProvider({
    clients: [
      {
        client_id: 'rp-basic',
        client_secret: SECRET,
        redirect_uris: [REDIRECT],
        grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
  });
});

afterAll(async () => {
  await op?.close();
});

async function login(client: OidcClient, ua = new UserAgent(), options: Parameters<OidcClient['authorizationUrl']>[0] = {}) {
  const { url, transaction } = await client.authorizationUrl(options);
  const result = await ua.navigate(url, { stop: (u) => u.startsWith(REDIRECT) });
  expect(result.stopped).toBe(true);
  return { params: new URL(result.url).searchParams, transaction, url };
}

describe('authorization code flow with oidc-provider (client_secret_basic)', () => {
  it('logs in: state, nonce, PKCE S256, iss; validated ID token; userinfo', async () => {
    const client = await OidcClient.create({ issuer: op.issuer, clientId: 'rp-basic', clientSecret: SECRET, redirectUri: REDIRECT });
    expect(client.client.token_endpoint_auth_method).toBe('client_secret_basic');
    const { params, transaction, url } = await login(client, new UserAgent(), { scope: ['openid', 'email', 'profile'] });
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('nonce')).toBe(transaction.nonce);
    expect(params.get('iss')).toBe(op.issuer);
    const tokens = await client.callback(params, transaction);
    expect(tokens.tokenType).toBe('Bearer');
    expect(tokens.idTokenClaims?.sub).toBe('alice');
    expect(tokens.idTokenClaims?.nonce).toBe(transaction.nonce);
    expect(tokens.idTokenClaims?.aud).toBe('rp-basic');
    expect(tokens.expiresAt).toBeGreaterThan(Date.now());
    expect(tokens.grantedScopes).toEqual(expect.arrayContaining(['openid', 'email', 'profile']));
    const info = await client.userinfo(tokens);
    expect(info).toMatchObject({ sub: 'alice', email: 'alice@example.test', email_verified: true, name: 'User alice' });
  });

  it('refreshes: same sub, rotated-or-kept refresh token, new access token usable at userinfo', async () => {
    const client = await OidcClient.create({ issuer: op.issuer, clientId: 'rp-basic', clientSecret: SECRET, redirectUri: REDIRECT });
    const { params, transaction } = await login(client);
    const tokens = await client.callback(params, transaction);
    expect(tokens.refreshToken).toBeTypeOf('string');
    const refreshed = await client.refresh(tokens.refreshToken!, { previousIdTokenClaims: tokens.idTokenClaims! });
    expect(refreshed.accessToken).not.toBe(tokens.accessToken);
    expect(refreshed.refreshToken).toBeTypeOf('string');
    expect(refreshed.idTokenClaims?.sub).toBe('alice');
    expect((await client.userinfo(refreshed)).sub).toBe('alice');
  });

  it('a replayed code fails with TOKEN_ERROR invalid_grant', async () => {
    const client = await OidcClient.create({ issuer: op.issuer, clientId: 'rp-basic', clientSecret: SECRET, redirectUri: REDIRECT });
    const { params, transaction } = await login(client);
    await client.callback(params, transaction);
    // A second client (fresh state memory) replays the same code at the provider.
    const other = await OidcClient.create({ issuer: op.issuer, clientId: 'rp-basic', clientSecret: SECRET, redirectUri: REDIRECT });
    const error = await other.callback(params, transaction).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).code).toBe('TOKEN_ERROR');
    expect((error as ProviderError).error).toBe('invalid_grant');
  });

  it('the same client refuses to finish a transaction twice (one-time state), without a token call', async () => {
    const client = await OidcClient.create({ issuer: op.issuer, clientId: 'rp-basic', clientSecret: SECRET, redirectUri: REDIRECT });
    const { params, transaction } = await login(client);
    await client.callback(params, transaction);
    const error = await client.callback(params, transaction).catch((e: unknown) => e);
    expect(isLatchkeyError(error, 'STATE_MISMATCH')).toBe(true);
  });

  it('an interaction error comes back as AUTHORIZATION_ERROR with error and error_description', async () => {
    const client = await OidcClient.create({ issuer: op.issuer, clientId: 'rp-basic', clientSecret: SECRET, redirectUri: REDIRECT });
    op.knobs.error = 'access_denied';
    try {
      const { params, transaction } = await login(client);
      const error = await client.callback(params, transaction).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ProviderError);
      expect((error as ProviderError).code).toBe('AUTHORIZATION_ERROR');
      expect((error as ProviderError).error).toBe('access_denied');
      expect((error as ProviderError).error_description).toBe('forced by test');
    } finally {
      op.knobs.error = undefined;
    }
  });

  it('revokes the refresh token (RFC 7009); using it afterwards fails with invalid_grant', async () => {
    const client = await OidcClient.create({ issuer: op.issuer, clientId: 'rp-basic', clientSecret: SECRET, redirectUri: REDIRECT });
    const { params, transaction } = await login(client);
    const tokens = await client.callback(params, transaction);
    await client.revoke(tokens.refreshToken!, 'refresh_token');
    const error = await client.refresh(tokens.refreshToken!).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).error).toBe('invalid_grant');
  });

  it('client credentials grant returns a Bearer token', async () => {
    const client = await OidcClient.create({ issuer: op.issuer, clientId: 'rp-basic', clientSecret: SECRET, redirectUri: REDIRECT });
    const tokens = await client.clientCredentials();
    expect(tokens.tokenType).toBe('Bearer');
    expect(tokens.accessToken.length).toBeGreaterThan(10);
    expect(tokens.idToken).toBeUndefined();
  });

  it('max_age and prompt=login: auth_time is present and checked', async () => {
    const client = await OidcClient.create({ issuer: op.issuer, clientId: 'rp-basic', clientSecret: SECRET, redirectUri: REDIRECT });
    const { params, transaction, url } = await login(client, new UserAgent(), { maxAge: 300, prompt: 'login', loginHint: 'alice' });
    expect(url.searchParams.get('max_age')).toBe('300');
    expect(url.searchParams.get('login_hint')).toBe('alice');
    const tokens = await client.callback(params, transaction);
    expect(tokens.idTokenClaims?.auth_time).toBeTypeOf('number');
  });

  it('the OP reported no server_error during these flows', () => {
    expect(op.serverErrors).toEqual([]);
  });
});
