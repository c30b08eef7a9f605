import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RemoteJwks } from '../../src/core/jwks.js';
import { decodeJwtHeader, verifyJwt } from '../../src/core/jwt.js';
import { ConfigurationError, ValidationError } from '../../src/errors.js';
import { type MisbehavingOp, startMisbehavingOp } from '../support/misbehaving-op.js';

let op: MisbehavingOp;
beforeAll(async () => {
  op = await startMisbehavingOp();
});
afterAll(async () => {
  await op.close();
});
beforeEach(() => op.reset());

const claims = { iss: 'x', sub: 'alice' };

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(e instanceof ConfigurationError ? ConfigurationError : ValidationError);
    return (e as ValidationError).code;
  }
  return 'accepted';
}

describe('verifyJwt', () => {
  it('verifies an RS256 JWS by kid and returns header and payload', async () => {
    const jwks = new RemoteJwks(`${op.issuer}/jwks`);
    const jwt = await op.signIdToken(claims);
    const { header, payload } = await verifyJwt(jwt, { jwks, allowedAlgs: ['RS256'] });
    expect(header).toMatchObject({ alg: 'RS256', kid: op.kid });
    expect(payload).toEqual(claims);
  });

  it('refuses an alg outside the allow-list before touching keys', async () => {
    const jwks = new RemoteJwks(`${op.issuer}/jwks`);
    op.faults.signing = 'es256';
    const jwt = await op.signIdToken(claims);
    expect(await codeOf(verifyJwt(jwt, { jwks, allowedAlgs: ['RS256'] }))).toBe('JWT_ALG_NOT_ALLOWED');
    expect(op.requestsTo('/jwks')).toHaveLength(0);
  });

  it('refuses alg none unless it is allowed, and then accepts only an empty signature', async () => {
    op.faults.signing = 'none';
    const jwt = await op.signIdToken(claims);
    expect(await codeOf(verifyJwt(jwt, { allowedAlgs: ['RS256'] }))).toBe('JWT_ALG_NOT_ALLOWED');
    expect((await verifyJwt(jwt, { allowedAlgs: ['none'] })).payload).toEqual(claims);
    expect(await codeOf(verifyJwt(`${jwt}AAAA`, { allowedAlgs: ['none'] }))).toBe('JWT_MALFORMED');
  });

  it('verifies HS256 with the UTF-8 client secret and refuses a wrong secret or MAC', async () => {
    op.faults.signing = 'hs256';
    const jwt = await op.signIdToken(claims);
    expect((await verifyJwt(jwt, { allowedAlgs: ['HS256'], clientSecret: op.clientSecret })).payload).toEqual(claims);
    expect(await codeOf(verifyJwt(jwt, { allowedAlgs: ['HS256'], clientSecret: `${op.clientSecret}x` }))).toBe('JWT_SIGNATURE_INVALID');
    expect(await codeOf(verifyJwt(jwt, { allowedAlgs: ['HS256'] }))).toBe('CONFIG_INVALID');
    op.faults.corruptSignature = true;
    expect(await codeOf(verifyJwt(await op.signIdToken(claims), { allowedAlgs: ['HS256'], clientSecret: op.clientSecret }))).toBe('JWT_SIGNATURE_INVALID');
  });

  it('verifies ES256 and refuses a corrupted ES256 signature', async () => {
    op.faults.signing = 'es256';
    const jwks = new RemoteJwks(`${op.issuer}/jwks`);
    expect((await verifyJwt(await op.signIdToken(claims), { jwks, allowedAlgs: ['ES256'] })).payload).toEqual(claims);
    op.faults.corruptSignature = true;
    expect(await codeOf(verifyJwt(await op.signIdToken(claims), { jwks, allowedAlgs: ['ES256'] }))).toBe('JWT_SIGNATURE_INVALID');
  });

  it('refuses a corrupted RS256 signature', async () => {
    op.faults.signing = 'bad-signature';
    const jwks = new RemoteJwks(`${op.issuer}/jwks`);
    expect(await codeOf(verifyJwt(await op.signIdToken(claims), { jwks, allowedAlgs: ['RS256'] }))).toBe('JWT_SIGNATURE_INVALID');
  });

  it('kid absent: one key is used; several are each tried', async () => {
    op.faults.signing = 'no-kid';
    const jwks = new RemoteJwks(`${op.issuer}/jwks`);
    expect((await verifyJwt(await op.signIdToken(claims), { jwks, allowedAlgs: ['RS256'] })).payload).toEqual(claims);
    op.faults.extraJwksKeys = 3;
    const multi = new RemoteJwks(`${op.issuer}/jwks`);
    expect((await verifyJwt(await op.signIdToken(claims), { jwks: multi, allowedAlgs: ['RS256'] })).payload).toEqual(claims);
    op.faults.corruptSignature = true;
    expect(await codeOf(verifyJwt(await op.signIdToken(claims), { jwks: multi, allowedAlgs: ['RS256'] }))).toBe('JWKS_MULTIPLE_MATCHING_KEYS');
  });

  it('refuses a kid the JWKS does not hold, even after a refetch', async () => {
    const jwks = new RemoteJwks(`${op.issuer}/jwks`);
    const jwt = await op.makeLogoutToken({}, { key: 'unpublished' });
    // A set fetched for this very token is not fetched again at once.
    expect(await codeOf(verifyJwt(jwt, { jwks, allowedAlgs: ['RS256'] }))).toBe('JWKS_NO_MATCHING_KEY');
    expect(op.requestsTo('/jwks')).toHaveLength(1);
    // A warm cache refetches once for the unknown kid (then the cooldown applies).
    const warm = new RemoteJwks(`${op.issuer}/jwks`);
    await warm.reload();
    expect(await codeOf(verifyJwt(jwt, { jwks: warm, allowedAlgs: ['RS256'] }))).toBe('JWKS_NO_MATCHING_KEY');
    expect(await codeOf(verifyJwt(jwt, { jwks: warm, allowedAlgs: ['RS256'] }))).toBe('JWKS_NO_MATCHING_KEY');
    expect(op.requestsTo('/jwks')).toHaveLength(3);
  });

  it('checks typ when asked: explicit type or JWT accepted, anything else refused', async () => {
    const jwks = new RemoteJwks(`${op.issuer}/jwks`);
    const ok = await op.makeLogoutToken({}, { typ: 'application/logout+jwt' });
    expect((await verifyJwt(ok, { jwks, allowedAlgs: ['RS256'], typ: 'logout+jwt' })).header.typ).toBe('application/logout+jwt');
    const untyped = await op.makeLogoutToken({}, { typ: null });
    expect(await codeOf(verifyJwt(untyped, { jwks, allowedAlgs: ['RS256'], typ: 'logout+jwt' }))).toBe('accepted');
    const wrong = await op.makeLogoutToken({}, { typ: 'at+jwt' });
    expect(await codeOf(verifyJwt(wrong, { jwks, allowedAlgs: ['RS256'], typ: 'logout+jwt' }))).toBe('JWT_TYPE_INVALID');
    expect(await codeOf(verifyJwt(wrong, { jwks, allowedAlgs: ['RS256'], typ: 'logout+jwt', errorCode: 'LOGOUT_TOKEN_INVALID' }))).toBe('LOGOUT_TOKEN_INVALID');
  });

  it('refuses malformed tokens, JWE and crit headers', async () => {
    const jwks = new RemoteJwks(`${op.issuer}/jwks`);
    expect(await codeOf(verifyJwt('abc', { jwks, allowedAlgs: ['RS256'] }))).toBe('JWT_MALFORMED');
    expect(await codeOf(verifyJwt('a.b.c.d.e', { jwks, allowedAlgs: ['RS256'] }))).toBe('JWT_MALFORMED');
    expect(await codeOf(verifyJwt('!!.e30.', { jwks, allowedAlgs: ['RS256'] }))).toBe('JWT_MALFORMED');
    op.faults.signing = 'none';
    const crit = await op.signIdToken(claims, { crit: ['exp'], exp: 1 });
    expect(await codeOf(verifyJwt(crit, { allowedAlgs: ['none'] }))).toBe('JWT_MALFORMED');
    const arrayPayload = `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from('[1]').toString('base64url')}.`;
    expect(await codeOf(verifyJwt(arrayPayload, { allowedAlgs: ['none'] }))).toBe('JWT_MALFORMED');
  });

  it('never puts the token in an error message', async () => {
    op.faults.signing = 'bad-signature';
    const jwks = new RemoteJwks(`${op.issuer}/jwks`);
    const jwt = await op.signIdToken(claims);
    const error = (await verifyJwt(jwt, { jwks, allowedAlgs: ['RS256'] }).catch((e: unknown) => e)) as ValidationError;
    for (const part of jwt.split('.')) expect(JSON.stringify({ m: error.message, j: error.toJSON() })).not.toContain(part);
  });

  it('decodeJwtHeader reads the header without verifying', async () => {
    expect(decodeJwtHeader(await op.signIdToken(claims))).toMatchObject({ alg: 'RS256' });
  });
});
