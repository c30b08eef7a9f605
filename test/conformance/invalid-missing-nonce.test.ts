/**
 * Conformance module `invalid-missing-nonce` (FAPI `invalid-missing-nonce`): the RP sent a nonce but the ID token has none. The RP must reject it.
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

it('rejects an ID token without the nonce that was sent', async () => {
  const rp = await OidcClient.create({ issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret, redirectUri: 'http://127.0.0.1:9/cb' });
  op.faults.idTokenDeleteClaims = ['nonce'];
  const { tokens, error } = await runRpFlow(rp);
  expect(tokens).toBeUndefined();
  expect(error).toBeInstanceOf(ValidationError);
  expect(error).toMatchObject({ code: 'ID_TOKEN_NONCE_MISMATCH', claim: 'nonce' });
  // The ID token came from the token endpoint; after rejecting it the RP makes no further call.
  expect(op.requestsTo('/token')).toHaveLength(1);
  expect(callsAfter(op, '/token').filter((p) => p !== '/jwks')).toEqual([]);
  expect(op.requestsTo('/userinfo')).toHaveLength(0);
});
