/**
 * Conformance module `oidcc-client-test-invalid-sig-es256` (old `rp-id_token-bad-sig-es256`): the client registered ES256 and the ID token signature is corrupted. The RP must reject it.
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

it('rejects an ES256 ID token with a bad signature', async () => {
  const rp = await OidcClient.create({
    issuer: op.issuer,
    clientId: op.clientId,
    clientSecret: op.clientSecret,
    redirectUri: 'http://127.0.0.1:9/cb',
    idTokenSignedResponseAlg: 'ES256',
  });
  op.faults.signing = 'es256';
  op.faults.corruptSignature = true;
  const { tokens, error } = await runRpFlow(rp);
  expect(tokens).toBeUndefined();
  expect(error).toBeInstanceOf(ValidationError);
  expect(error).toMatchObject({ code: 'JWT_SIGNATURE_INVALID' });
  // The ID token came from the token endpoint; after rejecting it the RP makes no further call.
  expect(op.requestsTo('/token')).toHaveLength(1);
  expect(callsAfter(op, '/token').filter((p) => p !== '/jwks')).toEqual([]);
  expect(op.requestsTo('/userinfo')).toHaveLength(0);
});
