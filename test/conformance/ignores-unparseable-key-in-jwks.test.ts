/**
 * Conformance module `oidcc-client-test-ignores-unparseable-key-in-jwks` (upcoming): the JWKS also holds an AKP (ML-DSA) key, a key of unknown `kty`, a broken RSA key and an encryption key. The RP must ignore them (RFC 7517 §5) and verify with the real key.
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

it('ignores unusable JWKS entries and accepts the ID token', async () => {
  const rp = await OidcClient.create({ issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret, redirectUri: 'http://127.0.0.1:9/cb' });
  op.faults.unparseableJwksKeys = true;
  const { tokens, userinfo, error } = await runRpFlow(rp);
  expect(error).toBeUndefined();
  expect(tokens?.idTokenClaims?.sub).toBe(op.subject);
  expect(userinfo?.sub).toBe(op.subject);
  // userinfo got the access token in the Authorization header.
  expect(op.requestsTo('/userinfo')[0]?.headers.authorization).toBe(`Bearer ${tokens?.accessToken}`);
  expect(op.requestsTo('/jwks')).toHaveLength(1);
});
