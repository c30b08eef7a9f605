/**
 * Conformance module `oidcc-client-test-idtoken-sig-rs256` (old `rp-id_token-sig-rs256`): a valid RS256 ID token. The RP must accept it.
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

it('accepts a valid RS256 ID token and completes the login with userinfo', async () => {
  const rp = await OidcClient.create({ issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret, redirectUri: 'http://127.0.0.1:9/cb' });
  const { tokens, userinfo, error } = await runRpFlow(rp);
  expect(error).toBeUndefined();
  expect(tokens?.idTokenClaims?.sub).toBe(op.subject);
  expect(userinfo?.sub).toBe(op.subject);
  // userinfo got the access token in the Authorization header.
  expect(op.requestsTo('/userinfo')[0]?.headers.authorization).toBe(`Bearer ${tokens?.accessToken}`);
  expect(decodeProtectedHeader(tokens!.idToken!)).toMatchObject({ alg: 'RS256', kid: op.kid });
});

it('accepts it as well when the authorization response comes by form_post (Form Post plan)', async () => {
  op.reset();
  const rp = await OidcClient.create({ issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret, redirectUri: 'http://127.0.0.1:9/cb' });
  const { userinfo, error } = await runRpFlow(rp, { scope: ['openid'], responseMode: 'form_post' });
  expect(error).toBeUndefined();
  expect(op.requestsTo('/authorize')[0]?.query.response_mode).toBe('form_post');
  expect(userinfo?.sub).toBe(op.subject);
});
