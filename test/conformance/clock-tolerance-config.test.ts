/**
 * Issue 18 item 4: `clockToleranceSeconds: NaN` made every time comparison false, so expired ID
 * and logout tokens passed; `1e9` was accepted too. RFC 7519 §4.1.4 allows "some small leeway,
 * usually no more than a few minutes": the option must be a finite number from 0 to 300, refused
 * with CONFIG_INVALID when the client is configured (and by the validators when passed directly).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { validateLogoutToken } from '../../src/core/backchannel-logout.js';
import { OidcClient } from '../../src/core/client.js';
import { validateIdToken } from '../../src/core/id-token.js';
import { RemoteJwks } from '../../src/core/jwks.js';
import { ConfigurationError } from '../../src/errors.js';
import { type MisbehavingOp, runRpFlow, startMisbehavingOp } from '../support/misbehaving-op.js';

let op: MisbehavingOp;
beforeAll(async () => {
  op = await startMisbehavingOp();
});
afterAll(async () => {
  await op.close();
});
beforeEach(() => op.reset());

const create = (clockToleranceSeconds: number) =>
  OidcClient.create({ issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret, redirectUri: 'http://127.0.0.1:9/cb', clockToleranceSeconds });

describe('OidcClient.create refuses a clock tolerance that is not a few minutes at most', () => {
  for (const bad of [Number.NaN, 1e9, -1, Number.POSITIVE_INFINITY, 301]) {
    it(`clockToleranceSeconds ${bad}: CONFIG_INVALID, before any request`, async () => {
      const error = await create(bad).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigurationError);
      expect(error).toMatchObject({ code: 'CONFIG_INVALID' });
      expect((error as Error).message).toMatch(/clockToleranceSeconds/);
      expect(op.requests).toHaveLength(0);
    });
  }

  it('0, 30 and 300 are accepted; with 0 an expired ID token is still refused', async () => {
    for (const ok of [0, 30, 300]) await expect(create(ok)).resolves.toBeInstanceOf(OidcClient);
    op.faults.idTokenClaims = { exp: Math.floor(Date.now() / 1000) - 5 };
    const { error } = await runRpFlow(await create(0));
    expect(error).toMatchObject({ code: 'ID_TOKEN_EXPIRED' });
  });
});

describe('the validators refuse NaN too, so no caller disables the time checks', () => {
  const metadata = () => ({ issuer: op.issuer, jwks_uri: `${op.issuer}/jwks` });
  const client = () => ({ client_id: op.clientId, client_secret: op.clientSecret });

  it('an expired ID token with clockToleranceSeconds NaN: CONFIG_INVALID, not accepted', async () => {
    const now = Math.floor(Date.now() / 1000);
    const jwt = await op.signIdToken({ iss: op.issuer, aud: op.clientId, sub: 'alice', iat: now - 7200, exp: now - 3600 });
    const jwks = new RemoteJwks(`${op.issuer}/jwks`);
    await expect(validateIdToken(jwt, { metadata: metadata(), client: client(), jwks, clockToleranceSeconds: Number.NaN })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
    });
    await expect(validateIdToken(jwt, { metadata: metadata(), client: client(), jwks })).rejects.toMatchObject({ code: 'ID_TOKEN_EXPIRED' });
  });

  it('an expired logout token with clockToleranceSeconds NaN: CONFIG_INVALID, not accepted', async () => {
    const now = Math.floor(Date.now() / 1000);
    const jwt = await op.makeLogoutToken({ iat: now - 7200, exp: now - 3600 });
    const jwks = new RemoteJwks(`${op.issuer}/jwks`);
    await expect(validateLogoutToken(jwt, { metadata: metadata(), client: client(), jwks, clockToleranceSeconds: Number.NaN })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
    });
    await expect(validateLogoutToken(jwt, { metadata: metadata(), client: client(), jwks })).rejects.toMatchObject({
      code: 'LOGOUT_TOKEN_INVALID',
      claim: 'exp',
    });
  });
});
