/**
 * Conformance module `oidcc-client-test-kid-absent-multiple-jwks` (old
 * `rp-id_token-kid-absent-multiple-jwks`): the ID token has no `kid` and the JWKS holds several RS256
 * keys. The suite allows "reject, or try every key"; Latchkey tries every key of the right type.
 */
import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
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
beforeEach(() => {
  op.reset();
  op.faults.signing = 'no-kid';
  op.faults.extraJwksKeys = 3;
});

const client = (): Promise<OidcClient> =>
  OidcClient.create({ issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret, redirectUri: 'http://127.0.0.1:9/cb' });

it('tries each RS256 key and accepts the ID token signed by one of them', async () => {
  const { tokens, userinfo, error } = await runRpFlow(await client());
  expect(error).toBeUndefined();
  expect(decodeProtectedHeader(tokens!.idToken!).kid).toBeUndefined();
  expect(userinfo?.sub).toBe(op.subject);
});

it('rejects the kid-less token when no key verifies it, and calls nothing more', async () => {
  op.faults.corruptSignature = true;
  const { tokens, error } = await runRpFlow(await client());
  expect(tokens).toBeUndefined();
  expect(error).toBeInstanceOf(ValidationError);
  expect(error).toMatchObject({ code: 'JWKS_MULTIPLE_MATCHING_KEYS' });
  expect(callsAfter(op, '/token').filter((p) => p !== '/jwks')).toEqual([]);
  expect(op.requestsTo('/userinfo')).toHaveLength(0);
});
