/**
 * Conformance module `oidcc-client-test-signing-key-rotation` (old `rp-key-rotation-op-sign-key`):
 * the OP rotates its keys after the first ID token; a second login follows. The RP must refetch and
 * accept both, at once (no cooldown wait: the new kid never triggered a refetch before).
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

it('accepts an ID token from before and one from after a key rotation', async () => {
  const rp = await OidcClient.create({ issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret, redirectUri: 'http://127.0.0.1:9/cb' });
  const first = await runRpFlow(rp);
  expect(first.error).toBeUndefined();
  const firstKid = decodeProtectedHeader(first.tokens!.idToken!).kid;
  expect(op.requestsTo('/jwks')).toHaveLength(1);

  const newKid = await op.rotateKeys();
  const second = await runRpFlow(rp);
  expect(second.error).toBeUndefined();
  expect(decodeProtectedHeader(second.tokens!.idToken!).kid).toBe(newKid);
  expect(newKid).not.toBe(firstKid);
  expect(second.userinfo?.sub).toBe(op.subject);
  expect(op.requestsTo('/jwks')).toHaveLength(2);
});
