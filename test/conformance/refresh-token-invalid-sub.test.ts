/**
 * Conformance module `oidcc-client-test-refresh-token-invalid-sub`: the refreshed ID token has a different `sub`. The RP must reject it (OIDC Core 12.2).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { OidcClient } from '../../src/core/client.js';
import { ValidationError } from '../../src/errors.js';
import { callsAfter, type MisbehavingOp, runRpFlow, startMisbehavingOp } from '../support/misbehaving-op.js';

let op: MisbehavingOp;
beforeAll(async () => {
  op = await startMisbehavingOp();
});
afterAll(async () => {
  await op.close();
});

it('rejects a refreshed ID token for another subject', async () => {
  const rp = await OidcClient.create({ issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret, redirectUri: 'http://127.0.0.1:9/cb' });
  const login = await runRpFlow(rp, { scope: ['openid', 'offline_access'] });
  expect(login.error).toBeUndefined();
  const original = login.tokens!.idTokenClaims!;

  // Control: an honest refresh (oidc-provider-like: same iss/sub/aud, the original nonce repeated) is accepted.
  const honest = await rp.refresh(login.tokens!.refreshToken!, { previousIdTokenClaims: original });
  expect(honest.idTokenClaims?.sub).toBe(original.sub);
  expect(honest.idTokenClaims?.nonce).toBe(original.nonce);

  op.faults.refreshedIdTokenClaims = { sub: 'mallory' };
  const error = await rp.refresh(honest.refreshToken!, { previousIdTokenClaims: original }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ValidationError);
  expect(error).toMatchObject({ code: 'REFRESH_ID_TOKEN_MISMATCH', claim: 'sub' });
  // Nothing is called after the rejected refresh (no userinfo with the new access token).
  expect(op.requestsTo('/token')).toHaveLength(3);
  expect(callsAfter(op, '/token').filter((p) => p !== '/jwks')).toEqual([]);
});
