/**
 * Conformance module `oidcc-client-test-invalid-iss` (old `rp-id_token-issuer-mismatch`): the ID
 * token `iss` differs from the issuer. The RP must reject it and make no further call.
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

it('rejects an ID token whose iss is not the issuer, and calls nothing after the token request', async () => {
  const rp = await OidcClient.create({ issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret, redirectUri: 'http://127.0.0.1:9/cb' });
  op.faults.idTokenClaims = { iss: `${op.issuer}1` };
  const { tokens, error } = await runRpFlow(rp);
  expect(tokens).toBeUndefined();
  expect(error).toBeInstanceOf(ValidationError);
  expect(error).toMatchObject({ code: 'ID_TOKEN_ISS_MISMATCH', claim: 'iss', expected: op.issuer, actual: `${op.issuer}1` });
  expect(op.requestsTo('/token')).toHaveLength(1);
  expect(callsAfter(op, '/token').filter((p) => p !== '/jwks')).toEqual([]);
  expect(op.requestsTo('/userinfo')).toHaveLength(0);
});
