/**
 * Conformance module `oidcc-client-test-missing-aud` (old `rp-id_token-aud`): the ID token has no `aud`. The RP must reject it.
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

it('rejects an ID token without aud', async () => {
  const rp = await OidcClient.create({ issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret, redirectUri: 'http://127.0.0.1:9/cb' });
  op.faults.idTokenDeleteClaims = ['aud'];
  const { tokens, error } = await runRpFlow(rp);
  expect(tokens).toBeUndefined();
  expect(error).toBeInstanceOf(ValidationError);
  expect(error).toMatchObject({ code: 'ID_TOKEN_AUD_MISMATCH', claim: 'aud' });
  // The ID token came from the token endpoint; after rejecting it the RP makes no further call.
  expect(op.requestsTo('/token')).toHaveLength(1);
  expect(callsAfter(op, '/token').filter((p) => p !== '/jwks')).toEqual([]);
  expect(op.requestsTo('/userinfo')).toHaveLength(0);
});
