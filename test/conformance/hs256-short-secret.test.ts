/**
 * Issue 18 item 4: HS256 ID tokens verified with a one-character client secret. RFC 7518 §3.2:
 * "A key of the same size as the hash output (for instance, 256 bits for "HS256") or larger MUST
 * be used": 32 bytes for HS256, 48 for HS384, 64 for HS512. A shorter secret is refused when the
 * client is configured with an HS* algorithm, and whenever a token would be verified with it.
 */
import { SignJWT } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAuth } from '../../src/app/create-auth.js';
import { OidcClient } from '../../src/core/client.js';
import { verifyJwt } from '../../src/core/jwt.js';
import { ConfigurationError } from '../../src/errors.js';
import { line } from '../../src/providers/line.js';
import { type MisbehavingOp, runRpFlow, startMisbehavingOp } from '../support/misbehaving-op.js';

const claims = { iss: 'x', sub: 'alice' };
const sign = (alg: string, secret: string) => new SignJWT(claims).setProtectedHeader({ alg }).sign(new TextEncoder().encode(secret));

describe('verifyJwt', () => {
  for (const [alg, min] of [
    ['HS256', 32],
    ['HS384', 48],
    ['HS512', 64],
  ] as const) {
    it(`${alg}: a ${min - 1}-byte secret is refused (CONFIG_INVALID), a ${min}-byte one verifies`, async () => {
      const short = 's'.repeat(min - 1);
      const error = await verifyJwt(await sign(alg, short), { allowedAlgs: [alg], clientSecret: short }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(error).toMatchObject({ code: 'CONFIG_INVALID' });
      expect((error as Error).message).toMatch(/RFC 7518 §3\.2/);
      expect((error as Error).message).not.toContain(short);
      const enough = 's'.repeat(min);
      expect((await verifyJwt(await sign(alg, enough), { allowedAlgs: [alg], clientSecret: enough })).payload).toEqual(claims);
    });
  }

  it('a one-character secret (the issue) is refused', async () => {
    await expect(verifyJwt(await sign('HS256', 'k'), { allowedAlgs: ['HS256'], clientSecret: 'k' })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
  });

  it('counts UTF-8 octets, not characters: 11 three-byte characters (33 bytes) are enough for HS256', async () => {
    const secret = '€'.repeat(11);
    expect((await verifyJwt(await sign('HS256', secret), { allowedAlgs: ['HS256'], clientSecret: secret })).payload).toEqual(claims);
  });
});

describe('createAuth', () => {
  it('refuses the LINE preset (HS256 ID tokens) with a channel secret shorter than 32 bytes, naming the provider', () => {
    const make = (clientSecret: string) => () =>
      createAuth({ baseUrl: 'http://127.0.0.1:3000', secret: 'x'.repeat(32), providers: [line({ clientId: 'c', clientSecret, env: {} })] });
    expect(make('k')).toThrow(ConfigurationError);
    expect(make('k')).toThrow(/Provider "line".*RFC 7518 §3\.2/);
    expect(make('0123456789abcdef0123456789abcdef')).not.toThrow();
  });
});

describe('through the misbehaving OP', () => {
  let op: MisbehavingOp;
  beforeAll(async () => {
    op = await startMisbehavingOp({ clientSecret: 'k' });
  });
  afterAll(async () => {
    await op.close();
  });
  beforeEach(() => {
    op.reset();
    op.faults.signing = 'hs256';
  });

  it('OidcClient.create refuses idTokenSignedResponseAlg HS256 with a one-character secret', async () => {
    const error = await OidcClient.create({
      issuer: op.issuer,
      clientId: op.clientId,
      clientSecret: op.clientSecret,
      redirectUri: 'http://127.0.0.1:9/cb',
      idTokenSignedResponseAlg: 'HS256',
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error).toMatchObject({ code: 'CONFIG_INVALID' });
    expect(op.requests).toHaveLength(0);
  });

  it('a secret given as a function is checked when the ID token is verified: the login fails, typed', async () => {
    const rp = await OidcClient.create({
      issuer: op.issuer,
      clientId: op.clientId,
      clientSecret: async () => op.clientSecret,
      redirectUri: 'http://127.0.0.1:9/cb',
      idTokenSignedResponseAlg: 'HS256',
    });
    const { tokens, error } = await runRpFlow(rp);
    expect(tokens).toBeUndefined();
    expect(error).toMatchObject({ code: 'CONFIG_INVALID' });
    expect(op.requestsTo('/userinfo')).toHaveLength(0);
  });
});
