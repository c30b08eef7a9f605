/**
 * Issue 18 item 4: `expires_in: 1e308` made `expiresAt` Infinity (an access token used forever,
 * and an expiry no store can write). RFC 6749 §5.1: expires_in is the lifetime in seconds; Latchkey
 * caps it at one year (`MAX_EXPIRES_IN_SECONDS`) and still refuses negative or non-numeric values.
 */
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { OidcClient } from '../../src/core/client.js';
import { MAX_EXPIRES_IN_SECONDS } from '../../src/core/token-request.js';
import { ValidationError } from '../../src/errors.js';
import { type MisbehavingOp, runRpFlow, startMisbehavingOp } from '../support/misbehaving-op.js';

let op: MisbehavingOp;
let client: OidcClient;
beforeAll(async () => {
  op = await startMisbehavingOp();
  client = await OidcClient.create({ issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret, redirectUri: 'http://127.0.0.1:9/cb' });
});
afterAll(async () => {
  await op.close();
});
beforeEach(() => op.reset());

it('caps expires_in 1e308 at one year: expiresAt is finite', async () => {
  op.faults.tokenResponse = { overrides: { expires_in: 1e308 } };
  const before = Date.now();
  const { tokens, error } = await runRpFlow(client);
  expect(error).toBeUndefined();
  expect(Number.isFinite(tokens!.expiresAt)).toBe(true);
  expect(MAX_EXPIRES_IN_SECONDS).toBe(365 * 24 * 3600);
  expect(tokens!.expiresAt).toBeGreaterThanOrEqual(before + MAX_EXPIRES_IN_SECONDS * 1000);
  expect(tokens!.expiresAt).toBeLessThanOrEqual(Date.now() + MAX_EXPIRES_IN_SECONDS * 1000);
});

it('keeps an ordinary expires_in as it is', async () => {
  op.faults.tokenResponse = { overrides: { expires_in: 3600 } };
  const before = Date.now();
  const { tokens } = await runRpFlow(client);
  expect(tokens!.expiresAt).toBeGreaterThanOrEqual(before + 3_600_000);
  expect(tokens!.expiresAt).toBeLessThanOrEqual(Date.now() + 3_600_000);
});

it('still refuses a negative expires_in (TOKEN_RESPONSE_INVALID)', async () => {
  op.faults.tokenResponse = { overrides: { expires_in: -1 } };
  const { error } = await runRpFlow(client);
  expect(error).toBeInstanceOf(ValidationError);
  expect(error).toMatchObject({ code: 'TOKEN_RESPONSE_INVALID', claim: 'expires_in' });
});
