/**
 * Conformance module `oidcc-client-test-idtoken-sig-none` (old `rp-id_token-sig-none`): the client registered `id_token_signed_response_alg=none`; the token-endpoint ID token is unsigned. Latchkey accepts it (code flow only) and calls userinfo.
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

it('accepts an unsigned token-endpoint ID token when none is registered', async () => {
  const rp = await OidcClient.create({
    issuer: op.issuer,
    clientId: op.clientId,
    clientSecret: op.clientSecret,
    redirectUri: 'http://127.0.0.1:9/cb',
    idTokenSignedResponseAlg: 'none',
  });
  op.faults.signing = 'none';
  const { tokens, userinfo, error } = await runRpFlow(rp);
  expect(error).toBeUndefined();
  expect(tokens?.idTokenClaims?.sub).toBe(op.subject);
  expect(userinfo?.sub).toBe(op.subject);
  // userinfo got the access token in the Authorization header.
  expect(op.requestsTo('/userinfo')[0]?.headers.authorization).toBe(`Bearer ${tokens?.accessToken}`);
  expect(decodeProtectedHeader(tokens!.idToken!).alg).toBe('none');
  // No key was needed.
  expect(op.requestsTo('/jwks')).toHaveLength(0);
});
