/**
 * Token endpoint: processTokenResponse strictness, and the low-level grants against the misbehaving
 * OP (ID token required for openid, refresh-token rotation kept, revocation).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAuthorizationRequest } from '../../src/core/authorization-request.js';
import { validateAuthorizationResponse } from '../../src/core/authorization-response.js';
import { discover } from '../../src/core/discovery.js';
import { refreshTokenGrant } from '../../src/core/refresh.js';
import { revokeToken } from '../../src/core/revocation.js';
import { authorizationCodeGrant, clientCredentialsGrant, isInvalidGrant, processTokenResponse } from '../../src/core/token-request.js';
import type { ClientMetadata, ServerMetadata } from '../../src/core/types.js';
import { authorizeAt, callsAfter, type MisbehavingOp, startMisbehavingOp } from '../support/misbehaving-op.js';

const REDIRECT = 'http://127.0.0.1:9/cb';
let op: MisbehavingOp;
let metadata: ServerMetadata;
let client: ClientMetadata;

beforeAll(async () => {
  op = await startMisbehavingOp();
  metadata = await discover(op.issuer);
  client = { client_id: op.clientId, client_secret: op.clientSecret };
});
afterAll(async () => {
  await op.close();
});
beforeEach(() => {
  op.reset();
});

async function codeLogin(scope = ['openid', 'email']) {
  const { url, transaction } = await createAuthorizationRequest(metadata, client, REDIRECT, { scope });
  const { code } = validateAuthorizationResponse(metadata, await authorizeAt(url), transaction);
  return authorizationCodeGrant(metadata, client, code, transaction);
}

describe('processTokenResponse', () => {
  it('requires access_token and token_type', () => {
    expect(() => processTokenResponse({ token_type: 'Bearer' })).toThrow(expect.objectContaining({ code: 'TOKEN_RESPONSE_INVALID', claim: 'access_token' }));
    expect(() => processTokenResponse({ access_token: 'a' })).toThrow(expect.objectContaining({ code: 'TOKEN_RESPONSE_INVALID', claim: 'token_type' }));
  });

  it('refuses malformed optional members, keeps unknown ones', () => {
    expect(() => processTokenResponse({ access_token: 'a', token_type: 'Bearer', expires_in: -1 })).toThrow(expect.objectContaining({ claim: 'expires_in' }));
    expect(() => processTokenResponse({ access_token: 'a', token_type: 'Bearer', refresh_token: 5 })).toThrow(
      expect.objectContaining({ claim: 'refresh_token' }),
    );
    const parsed = processTokenResponse({ access_token: 'a', token_type: 'Bearer', custom: 1, expires_in: 10 }, { clock: () => 1000 });
    expect(parsed.raw.custom).toBe(1);
    expect(parsed.expiresAt).toBe(11_000);
  });

  it('granted scopes: the response scope, or the requested ones', () => {
    expect(processTokenResponse({ access_token: 'a', token_type: 'Bearer', scope: 'openid  email' }).grantedScopes).toEqual(['openid', 'email']);
    expect(processTokenResponse({ access_token: 'a', token_type: 'Bearer' }, { requestedScope: ['x'] }).grantedScopes).toEqual(['x']);
  });
});

describe('grants against the misbehaving OP', () => {
  it('authorization_code: ID_TOKEN_MISSING when openid was requested and none came; no further call', async () => {
    op.faults.tokenResponse = { drop: ['id_token'] };
    await expect(codeLogin()).rejects.toMatchObject({ code: 'ID_TOKEN_MISSING' });
    expect(callsAfter(op, '/token')).toEqual([]);
  });

  it('authorization_code, OAuth 2.0 kind without openid: no nonce sent, no ID token needed', async () => {
    const { url, transaction } = await createAuthorizationRequest(metadata, client, REDIRECT, { kind: 'oauth2', scope: ['email'] });
    expect(url.searchParams.has('nonce')).toBe(false);
    const { code } = validateAuthorizationResponse(metadata, await authorizeAt(url), transaction);
    const tokens = await authorizationCodeGrant(metadata, client, code, transaction, { kind: 'oauth2' });
    expect(tokens.idToken).toBeUndefined();
    expect(tokens.grantedScopes).toEqual(['email']);
  });

  it('refresh: a rotated refresh token is returned; without one the old token is kept', async () => {
    const tokens = await codeLogin();
    const rotated = await refreshTokenGrant(metadata, client, tokens.refreshToken!, { previousIdTokenClaims: tokens.idTokenClaims! });
    expect(rotated.refreshToken).toBeTypeOf('string');
    expect(rotated.refreshToken).not.toBe(tokens.refreshToken);
    expect(op.requestsTo('/token').at(-1)!.form).toMatchObject({ grant_type: 'refresh_token', refresh_token: tokens.refreshToken });

    op.faults.tokenResponse = { drop: ['refresh_token'] };
    const kept = await refreshTokenGrant(metadata, client, rotated.refreshToken!, { previousIdTokenClaims: tokens.idTokenClaims! });
    expect(kept.refreshToken).toBe(rotated.refreshToken);
  });

  it('refresh: a refreshed ID token for another sub is REFRESH_ID_TOKEN_MISMATCH', async () => {
    const tokens = await codeLogin();
    op.faults.refreshedIdTokenClaims = { sub: 'mallory' };
    await expect(refreshTokenGrant(metadata, client, tokens.refreshToken!, { previousIdTokenClaims: tokens.idTokenClaims! })).rejects.toMatchObject({
      code: 'REFRESH_ID_TOKEN_MISMATCH',
      claim: 'sub',
    });
  });

  it('refresh: invalid_grant is a TOKEN_ERROR recognized by isInvalidGrant', async () => {
    const error = await refreshTokenGrant(metadata, client, 'unknown-refresh-token').catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TOKEN_ERROR', error: 'invalid_grant' });
    expect(isInvalidGrant(error)).toBe(true);
  });

  it('client_credentials: scope and resource sent; no ID token', async () => {
    const tokens = await clientCredentialsGrant(metadata, client, { scope: ['api:read'], resource: 'https://api.example' });
    expect(tokens.idToken).toBeUndefined();
    expect(tokens.grantedScopes).toEqual(['api:read']);
    expect(op.requestsTo('/token').at(-1)!.form).toMatchObject({ grant_type: 'client_credentials', scope: 'api:read', resource: 'https://api.example' });
  });

  it('revocation: token and hint with client authentication; then the token no longer works at userinfo', async () => {
    const tokens = await codeLogin();
    await revokeToken(metadata, client, tokens.accessToken, { hint: 'access_token' });
    const [req] = op.requestsTo('/revoke');
    expect(req!.form).toMatchObject({ token: tokens.accessToken, token_type_hint: 'access_token' });
    expect(req!.clientAuth).toBe('client_secret_basic');
    const res = await fetch(metadata.userinfo_endpoint!, { headers: { authorization: `Bearer ${tokens.accessToken}` } });
    expect(res.status).toBe(401);
  });

  it('revocation: an error body is REVOCATION_ERROR; no endpoint is METADATA_MISSING_ENDPOINT', async () => {
    op.handlers.set('/revoke', () => Response.json({ error: 'unsupported_token_type' }, { status: 400 }));
    await expect(revokeToken(metadata, client, 'x')).rejects.toMatchObject({ code: 'REVOCATION_ERROR', error: 'unsupported_token_type' });
    const { revocation_endpoint: _r, ...rest } = metadata;
    await expect(revokeToken(rest, client, 'x')).rejects.toMatchObject({ code: 'METADATA_MISSING_ENDPOINT' });
  });
});
