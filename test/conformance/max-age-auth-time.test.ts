/**
 * Checklist item 2.1 #11 / OIDC Core 3.1.3.7 step 13 (old profile `rp-id_token-max_age`-style
 * check): when the RP sent `max_age`, the ID token must carry `auth_time`, and an authentication
 * older than `max_age` is refused. No further call is made after the rejection.
 */
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
beforeEach(() => op.reset());

const client = (): Promise<OidcClient> =>
  OidcClient.create({ issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret, redirectUri: 'http://127.0.0.1:9/cb' });

it('accepts a fresh authentication when max_age was sent', async () => {
  const { userinfo, error } = await runRpFlow(await client(), { scope: ['openid'], maxAge: 300 });
  expect(error).toBeUndefined();
  expect(op.requestsTo('/authorize')[0]?.query.max_age).toBe('300');
  expect(userinfo?.sub).toBe(op.subject);
});

it('refuses an authentication older than max_age', async () => {
  op.faults.idTokenClaims = { auth_time: Math.floor(Date.now() / 1000) - 3600 };
  const { tokens, error } = await runRpFlow(await client(), { scope: ['openid'], maxAge: 300 });
  expect(tokens).toBeUndefined();
  expect(error).toBeInstanceOf(ValidationError);
  expect(error).toMatchObject({ code: 'ID_TOKEN_AUTH_TIME_INVALID', claim: 'auth_time' });
  expect(callsAfter(op, '/token').filter((p) => p !== '/jwks')).toEqual([]);
});

it('refuses a missing auth_time when max_age was sent', async () => {
  op.faults.idTokenDeleteClaims = ['auth_time'];
  const { tokens, error } = await runRpFlow(await client(), { scope: ['openid'], maxAge: 300 });
  expect(tokens).toBeUndefined();
  expect(error).toMatchObject({ code: 'ID_TOKEN_AUTH_TIME_INVALID', claim: 'auth_time' });
  expect(op.requestsTo('/userinfo')).toHaveLength(0);
});
