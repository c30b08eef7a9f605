/**
 * conformance.md §2.2 items without a certification module, against the misbehaving OP:
 * RFC 9207 `iss` (wrong, missing when advertised, accepted without support, checked on error
 * responses) and the one-time `state` (missing, mismatch, a transaction used twice). Each negative
 * case asserts the typed error and that no token request was made.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OidcClient } from '../../src/core/client.js';
import { ProviderError, ValidationError } from '../../src/errors.js';
import { authorizeAt, type MisbehavingOp, startMisbehavingOp } from '../support/misbehaving-op.js';

const REDIRECT = 'http://127.0.0.1:9/cb';
let op: MisbehavingOp;

beforeAll(async () => {
  op = await startMisbehavingOp();
});
afterAll(async () => {
  await op.close();
});
beforeEach(() => {
  op.reset();
});

async function rp(): Promise<OidcClient> {
  // TTL 0: each test sees the discovery document as its faults make it.
  return OidcClient.create({ issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret, redirectUri: REDIRECT, discoveryTtlSeconds: 0 });
}

async function attempt(client: OidcClient) {
  const { url, transaction } = await client.authorizationUrl();
  const params = await authorizeAt(url);
  const result = await client.callback(params, transaction).then(
    (tokens) => ({ tokens, error: undefined }),
    (error: unknown) => ({ tokens: undefined, error }),
  );
  return { ...result, params, transaction };
}

describe('RFC 9207 iss in the authorization response', () => {
  it('a wrong iss is ISS_MISMATCH; no token request', async () => {
    const client = await rp();
    op.faults.authorizationResponse = { iss: 'https://attacker.example' };
    const { error } = await attempt(client);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ code: 'ISS_MISMATCH', claim: 'iss', expected: op.issuer, actual: 'https://attacker.example' });
    expect(op.requestsTo('/token')).toHaveLength(0);
  });

  it('a missing iss when the provider advertises support is ISS_MISSING; no token request', async () => {
    const client = await rp();
    expect(client.metadata.authorization_response_iss_parameter_supported).toBe(true);
    op.faults.authorizationResponse = { dropIss: true };
    const { error } = await attempt(client);
    expect(error).toMatchObject({ code: 'ISS_MISSING' });
    expect(op.requestsTo('/token')).toHaveLength(0);
  });

  it('no iss from a provider without RFC 9207 support is accepted', async () => {
    op.faults.discoveryOverrides = { authorization_response_iss_parameter_supported: false };
    op.faults.authorizationResponse = { dropIss: true };
    const client = await rp();
    const { tokens, error, params } = await attempt(client);
    expect(params.has('iss')).toBe(false);
    expect(error).toBeUndefined();
    expect(tokens?.idTokenClaims?.sub).toBe(op.subject);
  });

  it('iss is compared even when support is not advertised', async () => {
    op.faults.discoveryOverrides = { authorization_response_iss_parameter_supported: false };
    op.faults.authorizationResponse = { iss: `${op.issuer}/other` };
    const client = await rp();
    const { error } = await attempt(client);
    expect(error).toMatchObject({ code: 'ISS_MISMATCH' });
    expect(op.requestsTo('/token')).toHaveLength(0);
  });

  it('iss is checked on error responses: a wrong iss wins over the error', async () => {
    const client = await rp();
    op.faults.authorizationResponse = { error: 'access_denied', errorDescription: 'no', iss: 'https://attacker.example' };
    const { error } = await attempt(client);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ code: 'ISS_MISMATCH' });
    expect(op.requestsTo('/token')).toHaveLength(0);
  });

  it('a missing iss on an error response from an advertising provider is ISS_MISSING', async () => {
    const client = await rp();
    op.faults.authorizationResponse = { error: 'access_denied', dropIss: true };
    const { error } = await attempt(client);
    expect(error).toMatchObject({ code: 'ISS_MISSING' });
    expect(op.requestsTo('/token')).toHaveLength(0);
  });

  it('an error response with the right state and iss becomes AUTHORIZATION_ERROR with error and error_description', async () => {
    const client = await rp();
    op.faults.authorizationResponse = { error: 'login_required', errorDescription: 'End-User authentication is required' };
    const { error } = await attempt(client);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: 'AUTHORIZATION_ERROR', error: 'login_required', error_description: 'End-User authentication is required' });
    expect(op.requestsTo('/token')).toHaveLength(0);
  });

  it('unknown response parameters are ignored', async () => {
    const client = await rp();
    op.faults.authorizationResponse = { extra: { session_state: 'abc', foo: 'bar' } };
    const { tokens, error } = await attempt(client);
    expect(error).toBeUndefined();
    expect(tokens?.accessToken).toBeTypeOf('string');
  });
});

describe('state', () => {
  it('a missing state is STATE_MISSING; no token request', async () => {
    const client = await rp();
    op.faults.authorizationResponse = { dropState: true };
    const { error } = await attempt(client);
    expect(error).toMatchObject({ code: 'STATE_MISSING', claim: 'state' });
    expect(op.requestsTo('/token')).toHaveLength(0);
  });

  it('a different state is STATE_MISMATCH, checked before an error response is believed', async () => {
    const client = await rp();
    op.faults.authorizationResponse = { state: 'forged-state', error: 'access_denied' };
    const { error } = await attempt(client);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ code: 'STATE_MISMATCH' });
    // The message never carries the state values.
    expect((error as Error).message).not.toContain('forged-state');
    expect(op.requestsTo('/token')).toHaveLength(0);
  });

  it('a transaction is one-time: the same callback a second time is STATE_MISMATCH and makes no token request', async () => {
    const client = await rp();
    const { tokens, params, transaction } = await attempt(client);
    expect(tokens).toBeDefined();
    expect(op.requestsTo('/token')).toHaveLength(1);
    await expect(client.callback(params, transaction)).rejects.toMatchObject({ code: 'STATE_MISMATCH' });
    expect(op.requestsTo('/token')).toHaveLength(1);
  });

  it('repeated response parameters are AUTHORIZATION_RESPONSE_INVALID; no token request', async () => {
    const client = await rp();
    const { url, transaction } = await client.authorizationUrl();
    const params = await authorizeAt(url);
    params.append('code', 'second-code');
    await expect(client.callback(params, transaction)).rejects.toMatchObject({ code: 'AUTHORIZATION_RESPONSE_INVALID', claim: 'code' });
    expect(op.requestsTo('/token')).toHaveLength(0);
  });
});
