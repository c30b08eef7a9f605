import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BACKCHANNEL_LOGOUT_EVENT, type LogoutTokenContext, validateLogoutToken } from '../../src/core/backchannel-logout.js';
import { RemoteJwks } from '../../src/core/jwks.js';
import type { ClientMetadata, ServerMetadata } from '../../src/core/types.js';
import { LatchkeyError, type ValidationError } from '../../src/errors.js';
import { type MisbehavingOp, startMisbehavingOp } from '../support/misbehaving-op.js';

let op: MisbehavingOp;
let metadata: ServerMetadata;
let client: ClientMetadata;

beforeAll(async () => {
  op = await startMisbehavingOp();
  metadata = { issuer: op.issuer, jwks_uri: `${op.issuer}/jwks` };
  client = { client_id: op.clientId, client_secret: op.clientSecret };
});
afterAll(async () => {
  await op.close();
});
beforeEach(() => op.reset());

function ctx(extra: Partial<LogoutTokenContext> = {}): LogoutTokenContext {
  return { metadata, client, jwks: new RemoteJwks(metadata.jwks_uri!), ...extra };
}

async function check(token: Promise<string>, extra: Partial<LogoutTokenContext> = {}): Promise<string> {
  try {
    await validateLogoutToken(await token, ctx(extra));
    return 'accepted';
  } catch (e) {
    expect(e).toBeInstanceOf(LatchkeyError);
    const v = e as ValidationError;
    return v.code === 'LOGOUT_TOKEN_INVALID' ? `${v.code}:${v.claim}` : v.code;
  }
}

describe('validateLogoutToken (Back-Channel Logout 1.0 §2.6)', () => {
  it('accepts a valid token (typ logout+jwt) and returns its claims', async () => {
    const claims = await validateLogoutToken(await op.makeLogoutToken(), ctx());
    expect(claims).toMatchObject({ iss: op.issuer, sub: op.subject, sid: 'sid-1', events: { [BACKCHANNEL_LOGOUT_EVENT]: {} } });
  });

  it('accepts a token with only sub, or only sid, or without typ', async () => {
    expect(await check(op.makeLogoutToken({ sid: undefined }))).toBe('accepted');
    expect(await check(op.makeLogoutToken({ sub: undefined }))).toBe('accepted');
    expect(await check(op.makeLogoutToken({}, { typ: null }))).toBe('accepted');
  });

  it('refuses alg none, even when none is registered for ID tokens', async () => {
    expect(await check(op.makeLogoutToken({}, { alg: 'none' }))).toBe('JWT_ALG_NOT_ALLOWED');
    expect(await check(op.makeLogoutToken({}, { alg: 'none' }), { client: { ...client, id_token_signed_response_alg: 'none' } })).toBe('JWT_ALG_NOT_ALLOWED');
  });

  it('refuses an unexpected alg (HS256 or ES256 when RS256 is registered)', async () => {
    expect(await check(op.makeLogoutToken({}, { alg: 'HS256' }))).toBe('JWT_ALG_NOT_ALLOWED');
    expect(await check(op.makeLogoutToken({}, { alg: 'ES256' }))).toBe('JWT_ALG_NOT_ALLOWED');
  });

  it('refuses a token signed by an unknown key', async () => {
    expect(await check(op.makeLogoutToken({}, { key: 'unpublished' }))).toBe('JWKS_NO_MATCHING_KEY');
  });

  it('refuses a wrong typ', async () => {
    expect(await check(op.makeLogoutToken({}, { typ: 'at+jwt' }))).toBe('LOGOUT_TOKEN_INVALID:typ');
  });

  it('checks iss, aud, iat, exp, jti', async () => {
    expect(await check(op.makeLogoutToken({ iss: 'https://evil.example' }))).toBe('LOGOUT_TOKEN_INVALID:iss');
    expect(await check(op.makeLogoutToken({ aud: 'other-client' }))).toBe('LOGOUT_TOKEN_INVALID:aud');
    expect(await check(op.makeLogoutToken({ aud: [op.clientId, 'untrusted'] }))).toBe('LOGOUT_TOKEN_INVALID:aud');
    expect(await check(op.makeLogoutToken({ iat: undefined }))).toBe('LOGOUT_TOKEN_INVALID:iat');
    expect(await check(op.makeLogoutToken({ iat: Math.floor(Date.now() / 1000) + 3600 }))).toBe('LOGOUT_TOKEN_INVALID:iat');
    expect(await check(op.makeLogoutToken({ exp: undefined }))).toBe('LOGOUT_TOKEN_INVALID:exp');
    expect(await check(op.makeLogoutToken({ exp: Math.floor(Date.now() / 1000) - 3600 }))).toBe('LOGOUT_TOKEN_INVALID:exp');
    expect(await check(op.makeLogoutToken({ jti: undefined }))).toBe('LOGOUT_TOKEN_INVALID:jti');
  });

  it('uses the injected clock for iat and exp', async () => {
    const token = op.makeLogoutToken();
    const later = Date.now() + 10 * 60_000;
    expect(await check(token, { clock: () => later })).toBe('LOGOUT_TOKEN_INVALID:exp');
  });

  it('requires sub or sid', async () => {
    expect(await check(op.makeLogoutToken({ sub: undefined, sid: undefined }))).toBe('LOGOUT_TOKEN_INVALID:sub');
  });

  it('requires the back-channel-logout event as a JSON object', async () => {
    expect(await check(op.makeLogoutToken({ events: undefined }))).toBe('LOGOUT_TOKEN_INVALID:events');
    expect(await check(op.makeLogoutToken({ events: { 'http://schemas.openid.net/event/other': {} } }))).toBe('LOGOUT_TOKEN_INVALID:events');
    expect(await check(op.makeLogoutToken({ events: { [BACKCHANNEL_LOGOUT_EVENT]: 'yes' } }))).toBe('LOGOUT_TOKEN_INVALID:events');
    expect(await check(op.makeLogoutToken({ events: [BACKCHANNEL_LOGOUT_EVENT] }))).toBe('LOGOUT_TOKEN_INVALID:events');
  });

  it('refuses a nonce', async () => {
    expect(await check(op.makeLogoutToken({ nonce: 'n' }))).toBe('LOGOUT_TOKEN_INVALID:nonce');
  });

  it('refuses a replayed jti through the seenJti hook', async () => {
    const seen = new Map<string, number>();
    const seenJti = (jti: string, exp: number): boolean => {
      if (seen.has(jti)) return true;
      seen.set(jti, exp);
      return false;
    };
    const token = op.makeLogoutToken();
    expect(await check(token, { seenJti })).toBe('accepted');
    expect(await check(token, { seenJti })).toBe('LOGOUT_TOKEN_INVALID:jti');
    expect([...seen.values()][0]).toBeGreaterThan(Date.now() / 1000);
  });
});
