/**
 * Conformance module `oidcc-client-test-kid-absent-single-jwks` (old `rp-id_token-kid-absent-single-jwks`): the ID token has no `kid` and the JWKS holds one key. The RP must accept it, using that key.
 */
import { decodeProtectedHeader } from 'jose';
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

it('accepts a kid-less ID token verified with the only key in the JWKS', async () => {
  const rp = await OidcClient.create({ issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret, redirectUri: 'http://127.0.0.1:9/cb' });
  op.faults.signing = 'no-kid';
  const { tokens, userinfo, error } = await runRpFlow(rp);
  expect(error).toBeUndefined();
  expect(tokens?.idTokenClaims?.sub).toBe(op.subject);
  expect(userinfo?.sub).toBe(op.subject);
  // userinfo got the access token in the Authorization header.
  expect(op.requestsTo('/userinfo')[0]?.headers.authorization).toBe(`Bearer ${tokens?.accessToken}`);
  expect(decodeProtectedHeader(tokens!.idToken!).kid).toBeUndefined();
});
