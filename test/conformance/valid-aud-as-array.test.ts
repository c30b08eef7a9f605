/**
 * Conformance module `valid-aud-as-array` (FAPI `valid-aud-as-array`): the ID token `aud` is the array `[client_id]`. The RP must accept it.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { OidcClient } from '../../src/core/client.js';
import { type MisbehavingOp, runRpFlow, startMisbehavingOp } from '../support/misbehaving-op.js';

let op: MisbehavingOp;
beforeAll(async () => {
  op = await startMisbehavingOp();
});
afterAll(async () => {
  await op.close();
});

it('accepts aud given as a one-element array', async () => {
  const rp = await OidcClient.create({ issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret, redirectUri: 'http://127.0.0.1:9/cb' });
  op.faults.idTokenClaims = { aud: [op.clientId] };
  const { tokens, userinfo, error } = await runRpFlow(rp);
  expect(error).toBeUndefined();
  expect(tokens?.idTokenClaims?.sub).toBe(op.subject);
  expect(userinfo?.sub).toBe(op.subject);
  // userinfo got the access token in the Authorization header.
  expect(op.requestsTo('/userinfo')[0]?.headers.authorization).toBe(`Bearer ${tokens?.accessToken}`);
  expect(tokens?.idTokenClaims?.aud).toEqual([op.clientId]);
});
