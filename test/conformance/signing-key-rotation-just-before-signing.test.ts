/**
 * Conformance module `oidcc-client-test-signing-key-rotation-just-before-signing` (old
 * `rp-key-rotation-op-sign-key-native`): the OP rotates its signing key just before it signs the ID
 * token, while the RP holds the old key set in its cache. The RP must refetch the JWKS on the
 * unknown `kid` at once, then accept.
 */
import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { OidcClient } from '../../src/core/client.js';
import { authorizeAt, type MisbehavingOp, startMisbehavingOp } from '../support/misbehaving-op.js';

let op: MisbehavingOp;
beforeAll(async () => {
  op = await startMisbehavingOp();
});
afterAll(async () => {
  await op.close();
});

it('refetches the JWKS on the new kid and accepts the ID token, without waiting', async () => {
  const rp = await OidcClient.create({ issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret, redirectUri: 'http://127.0.0.1:9/cb' });
  await rp.jwks!.reload(); // the RP has the current key set cached
  const oldKid = op.kid;
  const { url, transaction } = await rp.authorizationUrl({ scope: ['openid'] });
  const params = await authorizeAt(url);
  const newKid = await op.rotateKeys(); // rotated between the authorization and the token request
  const started = Date.now();
  const tokens = await rp.callback(params, transaction);
  expect(Date.now() - started).toBeLessThan(5_000);
  expect(decodeProtectedHeader(tokens.idToken!).kid).toBe(newKid);
  expect(newKid).not.toBe(oldKid);
  expect(op.requestsTo('/jwks')).toHaveLength(2);
  expect((await rp.userinfo(tokens)).sub).toBe(op.subject);
});
