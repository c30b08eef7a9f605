/**
 * Conformance module `oidcc-client-test-userinfo-invalid-sub` (old `rp-userinfo-bad-sub-claim`): the
 * userinfo `sub` differs from the ID token `sub`. The RP must reject the userinfo response and not
 * use its values (OIDC Core 5.3.2).
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

it('rejects a userinfo response whose sub is not the ID token sub', async () => {
  const rp = await OidcClient.create({ issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret, redirectUri: 'http://127.0.0.1:9/cb' });
  op.faults.userinfo.sub = 'mallory';
  const { tokens, userinfo, error } = await runRpFlow(rp);
  expect(tokens?.idTokenClaims?.sub).toBe(op.subject);
  expect(userinfo).toBeUndefined();
  expect(error).toBeInstanceOf(ValidationError);
  expect(error).toMatchObject({ code: 'USERINFO_SUB_MISMATCH', claim: 'sub' });
  expect(op.requestsTo('/userinfo')).toHaveLength(1);
  expect(callsAfter(op, '/userinfo')).toEqual([]);
});
