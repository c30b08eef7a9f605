/**
 * validateAuthorizationResponse in isolation: check order (repeated parameters, state, iss, error,
 * code), one-time state, and that messages never echo the state or code.
 */
import { describe, expect, it } from 'vitest';
import { UsedStates, validateAuthorizationResponse } from '../../src/core/authorization-response.js';
import type { AuthorizationTransaction, ServerMetadata } from '../../src/core/types.js';
import { ProviderError, ValidationError } from '../../src/errors.js';

const ISSUER = 'https://op.example';
const metadata: ServerMetadata = { issuer: ISSUER, authorization_response_iss_parameter_supported: true };
const tx: AuthorizationTransaction = {
  state: 'the-state',
  nonce: 'n',
  codeVerifier: 'v',
  issuer: ISSUER,
  redirectUri: 'https://rp.example/cb',
  scope: ['openid'],
  createdAt: 0,
};

function run(query: string, md: ServerMetadata = metadata, options = {}) {
  try {
    return { result: validateAuthorizationResponse(md, new URLSearchParams(query), tx, options) };
  } catch (error) {
    return { error: error as Error & { code?: string } };
  }
}

describe('validateAuthorizationResponse', () => {
  it('returns the code when state and iss match; unknown parameters are ignored', () => {
    expect(run(`code=abc&state=the-state&iss=${encodeURIComponent(ISSUER)}&session_state=x`).result).toEqual({ code: 'abc', iss: ISSUER });
  });

  it('refuses repeated parameters first', () => {
    expect(run('code=a&code=b&state=the-state').error).toMatchObject({ code: 'AUTHORIZATION_RESPONSE_INVALID', claim: 'code' });
    expect(run('code=a&state=x&state=the-state').error).toMatchObject({ code: 'AUTHORIZATION_RESPONSE_INVALID', claim: 'state' });
  });

  it('STATE_MISSING, STATE_MISMATCH (message without the values)', () => {
    expect(run(`code=a&iss=${ISSUER}`).error).toMatchObject({ code: 'STATE_MISSING' });
    expect(run(`code=a&state=&iss=${ISSUER}`).error).toMatchObject({ code: 'STATE_MISSING' });
    const { error } = run(`code=secret-code&state=other-state&iss=${ISSUER}`);
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ code: 'STATE_MISMATCH' });
    expect(error!.message).not.toMatch(/other-state|the-state|secret-code/);
    expect(JSON.stringify(error)).not.toMatch(/other-state|the-state|secret-code/);
  });

  it('state is checked before an error response is believed', () => {
    expect(run(`error=access_denied&state=wrong&iss=${ISSUER}`).error).toMatchObject({ code: 'STATE_MISMATCH' });
  });

  it('RFC 9207: mismatch, missing when advertised, absent without support, compared when present without support', () => {
    expect(run('code=a&state=the-state&iss=https://evil.example').error).toMatchObject({ code: 'ISS_MISMATCH' });
    expect(run('code=a&state=the-state').error).toMatchObject({ code: 'ISS_MISSING' });
    expect(run('code=a&state=the-state', { issuer: ISSUER }).result).toEqual({ code: 'a' });
    expect(run('code=a&state=the-state&iss=https://evil.example', { issuer: ISSUER }).error).toMatchObject({ code: 'ISS_MISMATCH' });
    // Simple string comparison: a trailing slash is another issuer.
    expect(run(`code=a&state=the-state&iss=${ISSUER}/`).error).toMatchObject({ code: 'ISS_MISMATCH' });
  });

  it('a transaction started at another provider is ISS_MISMATCH', () => {
    expect(run('code=a&state=the-state&iss=https://other.example', { issuer: 'https://other.example' }).error).toMatchObject({ code: 'ISS_MISMATCH' });
  });

  it('error responses become AUTHORIZATION_ERROR with error, error_description, error_uri', () => {
    const { error } = run(`error=consent_required&error_description=Consent+needed&error_uri=https://op.example/e&state=the-state&iss=${ISSUER}`);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({
      code: 'AUTHORIZATION_ERROR',
      error: 'consent_required',
      error_description: 'Consent needed',
      error_uri: 'https://op.example/e',
    });
  });

  it('CODE_MISSING', () => {
    expect(run(`state=the-state&iss=${ISSUER}`).error).toMatchObject({ code: 'CODE_MISSING' });
  });

  it('one-time state with UsedStates', () => {
    const usedStates = new UsedStates();
    const q = `code=a&state=the-state&iss=${ISSUER}`;
    expect(run(q, metadata, { usedStates, clock: () => 0 }).result?.code).toBe('a');
    expect(run(q, metadata, { usedStates, clock: () => 1 }).error).toMatchObject({ code: 'STATE_MISMATCH' });
  });

  it('UsedStates is bounded and forgets after its TTL', () => {
    const used = new UsedStates({ max: 2, ttlMs: 10 });
    expect(used.consume('a', 0)).toBe(true);
    expect(used.consume('a', 5)).toBe(false);
    expect(used.consume('a', 11)).toBe(true);
    expect(used.consume('b', 11)).toBe(true);
    expect(used.consume('c', 11)).toBe(true);
    // 'a' was evicted to stay within max 2.
    expect(used.consume('a', 12)).toBe(true);
  });
});
