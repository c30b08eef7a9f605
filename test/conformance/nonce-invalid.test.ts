/**
 * Conformance module `oidcc-client-test-nonce-invalid` (old `rp-nonce-invalid`): the ID token `nonce` is altered. The RP must reject it and not call userinfo.
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

it('rejects an ID token whose nonce was altered, without echoing either nonce', async () => {
  const rp = await OidcClient.create({ issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret, redirectUri: 'http://127.0.0.1:9/cb' });
  op.faults.idTokenClaims = { nonce: 'altered-by-the-op' };
  const { tokens, error } = await runRpFlow(rp);
  // The RP must send a nonce (even in the code flow) for this module to mean anything.
  expect(op.requestsTo('/authorize')[0]?.query.nonce).toMatch(/^[A-Za-z0-9_-]{43}$/);
  expect(tokens).toBeUndefined();
  expect(error).toBeInstanceOf(ValidationError);
  expect(error).toMatchObject({ code: 'ID_TOKEN_NONCE_MISMATCH', claim: 'nonce', expected: undefined, actual: undefined });
  // The ID token came from the token endpoint; after rejecting it the RP makes no further call.
  expect(op.requestsTo('/token')).toHaveLength(1);
  expect(callsAfter(op, '/token').filter((p) => p !== '/jwks')).toEqual([]);
  expect(op.requestsTo('/userinfo')).toHaveLength(0);
});

it('rejects it as well when the authorization response comes by form_post (Form Post plan)', async () => {
  op.reset();
  const rp = await OidcClient.create({ issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret, redirectUri: 'http://127.0.0.1:9/cb' });
  op.faults.idTokenClaims = { nonce: 'altered-by-the-op' };
  const { tokens, error } = await runRpFlow(rp, { scope: ['openid'], responseMode: 'form_post' });
  expect(op.requestsTo('/authorize')[0]?.query.response_mode).toBe('form_post');
  expect(tokens).toBeUndefined();
  expect(error).toMatchObject({ code: 'ID_TOKEN_NONCE_MISMATCH' });
  expect(op.requestsTo('/token')).toHaveLength(1);
  expect(op.requestsTo('/userinfo')).toHaveLength(0);
});
