import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checkRefreshedIdTokenClaims, type IdTokenContext, validateIdToken } from '../../src/core/id-token.js';
import { RemoteJwks } from '../../src/core/jwks.js';
import type { ClientMetadata, IdTokenClaims, ServerMetadata } from '../../src/core/types.js';
import { LatchkeyError, ValidationError } from '../../src/errors.js';
import { type MisbehavingOp, startMisbehavingOp } from '../support/misbehaving-op.js';

let op: MisbehavingOp;
let metadata: ServerMetadata;
let client: ClientMetadata;
const T = 1_900_000_000; // the injected "now", in seconds
const clock = (): number => T * 1000;

beforeAll(async () => {
  op = await startMisbehavingOp();
  metadata = { issuer: op.issuer, jwks_uri: `${op.issuer}/jwks` };
  client = { client_id: op.clientId, client_secret: op.clientSecret };
});
afterAll(async () => {
  await op.close();
});
beforeEach(() => op.reset());

const base = (): Record<string, unknown> => ({
  iss: op.issuer,
  sub: 'alice',
  aud: op.clientId,
  exp: T + 300,
  iat: T,
  nonce: 'n-0123456789',
  auth_time: T - 10,
});

function ctx(extra: Partial<IdTokenContext> = {}): IdTokenContext {
  return { metadata, client, jwks: new RemoteJwks(metadata.jwks_uri!), clock, expectedNonce: 'n-0123456789', ...extra };
}

async function check(claims: Record<string, unknown>, extra: Partial<IdTokenContext> = {}): Promise<string> {
  try {
    await validateIdToken(await op.signIdToken(claims), ctx(extra));
    return 'accepted';
  } catch (e) {
    expect(e).toBeInstanceOf(LatchkeyError);
    return (e as LatchkeyError).code;
  }
}

describe('validateIdToken (OIDC Core 3.1.3.7)', () => {
  it('accepts a valid RS256 ID token and returns its claims', async () => {
    const claims = await validateIdToken(await op.signIdToken(base()), ctx());
    expect(claims).toMatchObject({ sub: 'alice', iss: op.issuer, aud: op.clientId });
  });

  it('step 2: iss must exactly equal the issuer', async () => {
    expect(await check({ ...base(), iss: `${op.issuer}/` })).toBe('ID_TOKEN_ISS_MISMATCH');
    expect(await check({ ...base(), iss: undefined })).toBe('ID_TOKEN_ISS_MISMATCH');
  });

  it('step 2: an alias counts only when a preset declares it', async () => {
    expect(await check({ ...base(), iss: 'accounts.example.com' })).toBe('ID_TOKEN_ISS_MISMATCH');
    expect(await check({ ...base(), iss: 'accounts.example.com' }, { hooks: { issuerAliases: ['accounts.example.com'] } })).toBe('accepted');
  });

  it('step 2: a templated issuer is resolved from the token', async () => {
    const hooks = {
      templatedIssuer: `${op.issuer}/{tenantid}`,
      resolveIdTokenIssuer: (c: Readonly<Record<string, unknown>>) => `${op.issuer}/${String(c.tid)}`,
    };
    const templated = { ...metadata, issuer: `${op.issuer}/{tenantid}` };
    expect(await check({ ...base(), iss: `${op.issuer}/t1`, tid: 't1' }, { hooks, metadata: templated })).toBe('accepted');
    expect(await check({ ...base(), iss: `${op.issuer}/t1`, tid: 't2' }, { hooks, metadata: templated })).toBe('ID_TOKEN_ISS_MISMATCH');
  });

  it('step 3: aud must contain the client id; extra audiences must be trusted', async () => {
    expect(await check({ ...base(), aud: `${op.clientId}1` })).toBe('ID_TOKEN_AUD_MISMATCH');
    expect(await check({ ...base(), aud: undefined })).toBe('ID_TOKEN_AUD_MISMATCH');
    expect(await check({ ...base(), aud: [op.clientId] })).toBe('accepted');
    expect(await check({ ...base(), aud: [op.clientId, 'other-client'] })).toBe('ID_TOKEN_AUD_MISMATCH');
    expect(await check({ ...base(), aud: [op.clientId, 'api'] }, { client: { ...client, additional_audiences: ['api'] } })).toBe('accepted');
    expect(await check({ ...base(), aud: [op.clientId, 7] })).toBe('ID_TOKEN_AUD_MISMATCH');
  });

  it('steps 4-5: azp, when present, must be the client id', async () => {
    expect(await check({ ...base(), azp: op.clientId })).toBe('accepted');
    expect(await check({ ...base(), azp: 'someone-else' })).toBe('ID_TOKEN_AZP_MISMATCH');
  });

  it('step 7: only the registered alg (default RS256); none only when registered', async () => {
    op.faults.signing = 'es256';
    expect(await check(base())).toBe('JWT_ALG_NOT_ALLOWED');
    expect(await check(base(), { client: { ...client, id_token_signed_response_alg: 'ES256' } })).toBe('accepted');
    op.faults.signing = 'none';
    expect(await check(base())).toBe('JWT_ALG_NOT_ALLOWED');
    expect(await check(base(), { client: { ...client, id_token_signed_response_alg: 'none' } })).toBe('accepted');
    op.faults.signing = 'hs256';
    expect(await check(base(), { client: { ...client, id_token_signed_response_alg: 'HS256' } })).toBe('accepted');
  });

  it('step 9: exp must be in the future, with the clock tolerance', async () => {
    expect(await check({ ...base(), exp: T - 31 })).toBe('ID_TOKEN_EXPIRED');
    expect(await check({ ...base(), exp: T - 10 })).toBe('accepted');
    expect(await check({ ...base(), exp: T - 10 }, { clockToleranceSeconds: 0 })).toBe('ID_TOKEN_EXPIRED');
    expect(await check({ ...base(), exp: undefined })).toBe('ID_TOKEN_CLAIM_INVALID');
    expect(await check({ ...base(), exp: T - 5 * 60 - 1 })).toBe('ID_TOKEN_EXPIRED');
  });

  it('step 10: iat must be present and not in the future', async () => {
    expect(await check({ ...base(), iat: undefined })).toBe('ID_TOKEN_IAT_INVALID');
    expect(await check({ ...base(), iat: T + 31 })).toBe('ID_TOKEN_IAT_INVALID');
    expect(await check({ ...base(), iat: T + 20 })).toBe('accepted');
    expect(await check({ ...base(), iat: '1' })).toBe('ID_TOKEN_IAT_INVALID');
  });

  it('refuses a token not yet valid (nbf)', async () => {
    expect(await check({ ...base(), nbf: T + 100 })).toBe('ID_TOKEN_CLAIM_INVALID');
    expect(await check({ ...base(), nbf: T })).toBe('accepted');
  });

  it('step 11: the nonce sent must come back; missing or altered is refused, never echoed', async () => {
    expect(await check({ ...base(), nonce: 'n-0123456789x' })).toBe('ID_TOKEN_NONCE_MISMATCH');
    expect(await check({ ...base(), nonce: undefined })).toBe('ID_TOKEN_NONCE_MISMATCH');
    expect(await check({ ...base(), nonce: undefined }, { expectedNonce: undefined })).toBe('accepted');
    const error = (await validateIdToken(await op.signIdToken({ ...base(), nonce: 'secret-nonce-value' }), ctx()).catch((e: unknown) => e)) as ValidationError;
    expect(error.claim).toBe('nonce');
    expect(error.expected).toBeUndefined();
    expect(error.actual).toBeUndefined();
    expect(JSON.stringify([error.message, error.toJSON()])).not.toMatch(/secret-nonce-value|n-0123456789/);
  });

  it('refuses a logout token presented as an ID token (typ logout+jwt)', async () => {
    const jwt = await op.signIdToken(base(), { typ: 'logout+jwt' });
    await expect(validateIdToken(jwt, ctx())).rejects.toMatchObject({ code: 'JWT_TYPE_INVALID', claim: 'typ' });
  });

  it('sub is required', async () => {
    expect(await check({ ...base(), sub: undefined })).toBe('ID_TOKEN_SUB_MISSING');
    expect(await check({ ...base(), sub: '' })).toBe('ID_TOKEN_SUB_MISSING');
  });

  it('step 13: with max_age, auth_time is required and must be recent enough', async () => {
    expect(await check({ ...base(), auth_time: undefined }, { maxAge: 60 })).toBe('ID_TOKEN_AUTH_TIME_INVALID');
    expect(await check({ ...base(), auth_time: T - 100 }, { maxAge: 60 })).toBe('ID_TOKEN_AUTH_TIME_INVALID');
    expect(await check({ ...base(), auth_time: T - 80 }, { maxAge: 60 })).toBe('accepted');
    expect(await check({ ...base(), auth_time: undefined })).toBe('accepted');
  });

  it('checks at_hash against the access token when both are present', async () => {
    const at = 'access-token-value';
    const good = createHash('sha256').update(at).digest().subarray(0, 16).toString('base64url');
    expect(await check({ ...base(), at_hash: good }, { accessToken: at })).toBe('accepted');
    expect(await check({ ...base(), at_hash: good }, { accessToken: `${at}x` })).toBe('ID_TOKEN_CLAIM_INVALID');
  });

  it('runs the preset claim hook after the standard checks', async () => {
    const hooks = {
      validateIdTokenClaims: (c: IdTokenClaims) => {
        if (c.hd !== 'example.com') throw new ValidationError('ID_TOKEN_CLAIM_INVALID', 'wrong hosted domain', { claim: 'hd' });
      },
    };
    expect(await check({ ...base(), hd: 'example.com' }, { hooks })).toBe('accepted');
    expect(await check({ ...base(), hd: 'evil.com' }, { hooks })).toBe('ID_TOKEN_CLAIM_INVALID');
  });

  it('uses the shared JWKS for metadata.jwks_uri when none is passed', async () => {
    const claims = await validateIdToken(await op.signIdToken(base()), { metadata, client, clock, expectedNonce: 'n-0123456789' });
    expect(claims.sub).toBe('alice');
  });
});

describe('checkRefreshedIdTokenClaims (OIDC Core 12.2)', () => {
  const original = { iss: 'https://op', sub: 'alice', aud: 'c', exp: T + 60, iat: T, auth_time: T - 5, nonce: 'n1' } as IdTokenClaims;
  const codeOf = (refreshed: Record<string, unknown>): string => {
    try {
      checkRefreshedIdTokenClaims({ ...original, ...refreshed } as IdTokenClaims, original);
      return 'accepted';
    } catch (e) {
      return (e as ValidationError).code + ':' + String((e as ValidationError).claim);
    }
  };
  it('accepts the same iss/sub/aud, the original auth_time and the repeated nonce', () => {
    expect(codeOf({ iat: T + 100, exp: T + 400 })).toBe('accepted');
    expect(codeOf({ nonce: undefined, auth_time: undefined })).toBe('accepted');
    expect(codeOf({ aud: ['c'] })).toBe('accepted');
  });
  it('refuses another iss, sub, aud, azp, auth_time or nonce', () => {
    expect(codeOf({ iss: 'https://evil' })).toBe('REFRESH_ID_TOKEN_MISMATCH:iss');
    expect(codeOf({ sub: 'mallory' })).toBe('REFRESH_ID_TOKEN_MISMATCH:sub');
    expect(codeOf({ aud: ['c', 'd'] })).toBe('REFRESH_ID_TOKEN_MISMATCH:aud');
    expect(codeOf({ azp: 'c' })).toBe('REFRESH_ID_TOKEN_MISMATCH:azp');
    expect(codeOf({ auth_time: T })).toBe('REFRESH_ID_TOKEN_MISMATCH:auth_time');
    expect(codeOf({ nonce: 'n2' })).toBe('REFRESH_ID_TOKEN_MISMATCH:nonce');
  });
});
