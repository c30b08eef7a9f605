/**
 * conformance.md §2.3–2.4 items without a certification module, against the misbehaving OP:
 * `token_type` compared case-insensitively (accept `bearer`/`BEARER`, reject an unknown type and
 * make no further call), a missing `expires_in` or `scope` accepted, `conformTokenResponse`
 * applied before strict parsing, and `client_secret_basic` with a secret holding `:`, `+`, `%` and
 * a space (form-encoded before base64, RFC 6749 §2.3.1), one method per request.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OidcClient, type OidcClientOptions } from '../../src/core/client.js';
import { basicAuthorization } from '../../src/core/client-auth.js';
import { ValidationError } from '../../src/errors.js';
import { authorizeAt, callsAfter, type MisbehavingOp, runRpFlow, startMisbehavingOp } from '../support/misbehaving-op.js';

const REDIRECT = 'http://127.0.0.1:9/cb';
const WEIRD_SECRET = 'p:a+s%s w0rd:+%20-with-enough-length-0123456789';
let op: MisbehavingOp;
let weird: MisbehavingOp;

beforeAll(async () => {
  op = await startMisbehavingOp();
  weird = await startMisbehavingOp({ clientId: 'client:id+1', clientSecret: WEIRD_SECRET });
});
afterAll(async () => {
  await op.close();
  await weird.close();
});
beforeEach(() => {
  op.reset();
  weird.reset();
});

function rp(extra: Partial<OidcClientOptions> = {}): Promise<OidcClient> {
  return OidcClient.create({ issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret, redirectUri: REDIRECT, ...extra });
}

describe('token_type', () => {
  for (const variant of ['bearer', 'BEARER', 'BeArEr']) {
    it(`accepts token_type "${variant}" (case-insensitive) and normalizes it to Bearer`, async () => {
      op.faults.tokenResponse = { overrides: { token_type: variant } };
      const { tokens, userinfo, error } = await runRpFlow(await rp());
      expect(error).toBeUndefined();
      expect(tokens?.tokenType).toBe('Bearer');
      expect(userinfo?.sub).toBe(op.subject);
    });
  }

  it('rejects an unknown token_type with TOKEN_TYPE_UNSUPPORTED and makes no further call', async () => {
    op.faults.tokenResponse = { overrides: { token_type: 'mac' } };
    const { tokens, error } = await runRpFlow(await rp());
    expect(tokens).toBeUndefined();
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ code: 'TOKEN_TYPE_UNSUPPORTED', claim: 'token_type', actual: 'mac' });
    expect(callsAfter(op, '/token')).toEqual([]);
  });

  it('rejects a DPoP token when no DPoP key was used', async () => {
    op.faults.tokenResponse = { overrides: { token_type: 'DPoP' } };
    const { error } = await runRpFlow(await rp());
    expect(error).toMatchObject({ code: 'TOKEN_TYPE_UNSUPPORTED' });
    expect(callsAfter(op, '/token')).toEqual([]);
  });
});

describe('token response members', () => {
  it('accepts a response without expires_in (expiresAt absent)', async () => {
    op.faults.tokenResponse = { drop: ['expires_in'] };
    const { tokens, error } = await runRpFlow(await rp());
    expect(error).toBeUndefined();
    expect(tokens?.expiresAt).toBeUndefined();
  });

  it('a missing scope means the requested scopes were granted', async () => {
    op.faults.tokenResponse = { drop: ['scope'] };
    const { tokens, error } = await runRpFlow(await rp(), { scope: ['openid', 'email', 'profile'] });
    expect(error).toBeUndefined();
    expect(tokens?.grantedScopes).toEqual(['openid', 'email', 'profile']);
  });

  it('a non-numeric expires_in is TOKEN_RESPONSE_INVALID; hooks.conformTokenResponse runs before strict parsing and fixes it', async () => {
    op.faults.tokenResponse = { overrides: { expires_in: '3600' } };
    const strict = await runRpFlow(await rp());
    expect(strict.error).toMatchObject({ code: 'TOKEN_RESPONSE_INVALID', claim: 'expires_in' });
    expect(callsAfter(op, '/token')).toEqual([]);

    const conform = (body: Readonly<Record<string, unknown>>) => ({ ...body, expires_in: Number(body.expires_in) });
    const { tokens, error } = await runRpFlow(await rp({ hooks: { conformTokenResponse: conform } }));
    expect(error).toBeUndefined();
    expect(tokens!.expiresAt! - Date.now()).toBeGreaterThan(3_500_000);
  });

  it('a token error surfaces as TOKEN_ERROR with the OAuth error', async () => {
    op.faults.tokenResponse = { status: 400, error: 'invalid_grant' };
    const { error } = await runRpFlow(await rp());
    expect(error).toMatchObject({ code: 'TOKEN_ERROR', error: 'invalid_grant', httpStatus: 400 });
    expect(callsAfter(op, '/token')).toEqual([]);
  });
});

describe('client_secret_basic encoding (RFC 6749 §2.3.1)', () => {
  it('form-encodes client_id and a secret with ":", "+", "%" and a space before base64', () => {
    // Hand-computed: "client%3Aid%2B1:p%3Aa%2Bs%25s+w0rd" → base64.
    expect(basicAuthorization('client:id+1', 'p:a+s%s w0rd')).toBe(`Basic ${btoa('client%3Aid%2B1:p%3Aa%2Bs%25s+w0rd')}`);
  });

  it('authenticates at a provider that decodes per RFC 6749, with one method only', async () => {
    const client = await OidcClient.create({ issuer: weird.issuer, clientId: 'client:id+1', clientSecret: WEIRD_SECRET, redirectUri: REDIRECT });
    const { tokens, error } = await runRpFlow(client);
    expect(error).toBeUndefined();
    expect(tokens?.accessToken).toBeTypeOf('string');
    const [tokenRequest] = weird.requestsTo('/token');
    expect(tokenRequest!.clientAuth).toBe('client_secret_basic');
    // One method per request: no secret and no assertion in the body.
    expect(tokenRequest!.form).not.toHaveProperty('client_secret');
    expect(tokenRequest!.form).not.toHaveProperty('client_assertion');
    // The authorization code request repeats redirect_uri and sends the PKCE verifier.
    expect(tokenRequest!.form).toMatchObject({ grant_type: 'authorization_code', redirect_uri: REDIRECT });
    expect(tokenRequest!.form!.code_verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('a wrong secret is TOKEN_ERROR invalid_client (the OP really checks the decoded secret)', async () => {
    const client = await OidcClient.create({ issuer: weird.issuer, clientId: 'client:id+1', clientSecret: 'p:a+s%s w0rd', redirectUri: REDIRECT });
    const { url, transaction } = await client.authorizationUrl();
    const error = await client.callback(await authorizeAt(url), transaction).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'TOKEN_ERROR', error: 'invalid_client' });
  });
});
