/**
 * Conformance module `oidcc-client-test-refresh-token-invalid-issuer`: the refreshed ID token has a different `iss`. The RP must reject it (OIDC Core 12.2; the issuer check of 3.1.3.7 already fails).
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

it('rejects a refreshed ID token from another issuer', async () => {
  const rp = await OidcClient.create({ issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret, redirectUri: 'http://127.0.0.1:9/cb' });
  const login = await runRpFlow(rp, { scope: ['openid', 'offline_access'] });
  expect(login.error).toBeUndefined();
  const original = login.tokens!.idTokenClaims!;

  // Control: an honest refresh (oidc-provider-like: same iss/sub/aud, the original nonce repeated) is accepted.
  const honest = await rp.refresh(login.tokens!.refreshToken!, { previousIdTokenClaims: original });
  expect(honest.idTokenClaims?.sub).toBe(original.sub);
  expect(honest.idTokenClaims?.nonce).toBe(original.nonce);

  op.faults.refreshedIdTokenClaims = { iss: `${op.issuer}/other` };
  const error = await rp.refresh(honest.refreshToken!, { previousIdTokenClaims: original }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ValidationError);
  expect(error).toMatchObject({ code: 'ID_TOKEN_ISS_MISMATCH', claim: 'iss' });
  // Nothing is called after the rejected refresh (no userinfo with the new access token).
  expect(op.requestsTo('/token')).toHaveLength(3);
  expect(callsAfter(op, '/token').filter((p) => p !== '/jwks')).toEqual([]);
});
