/**
 * Checklist item 2.4 #27 (scenario `unknown-kid`): the ID token names a `kid` the provider's JWKS
 * does not hold. The RP refetches the JWKS once, then rejects the token, and makes no further call.
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

it('refetches the JWKS once for the unknown kid, then rejects the ID token', async () => {
  const rp = await OidcClient.create({ issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret, redirectUri: 'http://127.0.0.1:9/cb' });
  await rp.jwks!.reload(); // keys already cached, as in a running app
  op.faults.signing = 'unknown-kid';
  const { tokens, error } = await runRpFlow(rp);
  expect(tokens).toBeUndefined();
  expect(error).toBeInstanceOf(ValidationError);
  expect(error).toMatchObject({ code: 'JWKS_NO_MATCHING_KEY', claim: 'kid' });
  // One refetch for the unknown kid, no more.
  expect(callsAfter(op, '/token')).toEqual(['/jwks']);
  expect(op.requestsTo('/jwks')).toHaveLength(2);

  // A second token with the same unknown kid within the cooldown does not hammer the provider.
  const again = await runRpFlow(rp);
  expect(again.error).toMatchObject({ code: 'JWKS_NO_MATCHING_KEY' });
  expect(op.requestsTo('/jwks')).toHaveLength(2);
  expect(op.requestsTo('/userinfo')).toHaveLength(0);
});
