/**
 * Conformance module `oidcc-client-test-rp-backchannel-rpinitlogout-lt-wrong-event` (old
 * `rp-backchannel-rpinitlogout-lt-wrong-event`): the `events` claim lacks the back-channel-logout member (it names another event). The RP must answer 400: the token is refused
 * with a typed error whose status is 400, and nothing is fetched after the rejection.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { OidcClient } from '../../src/core/client.js';
import { ValidationError } from '../../src/errors.js';
import { LOGOUT_EVENT, type MisbehavingOp, startMisbehavingOp } from '../support/misbehaving-op.js';

let op: MisbehavingOp;
beforeAll(async () => {
  op = await startMisbehavingOp();
});
afterAll(async () => {
  await op.close();
});

it('refuses a logout token with the wrong event', async () => {
  const rp = await OidcClient.create({ issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret, redirectUri: 'http://127.0.0.1:9/cb' });
  // Control: a valid logout token from the same OP is accepted.
  const valid = await rp.validateLogoutToken(await op.makeLogoutToken());
  expect(valid.events).toEqual({ [LOGOUT_EVENT]: {} });
  const before = op.requests.length;

  const error = await rp
    .validateLogoutToken(await op.makeLogoutToken({ events: { 'http://schemas.openid.net/event/backchannel-logout-wrong': {} } }))
    .catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ValidationError);
  expect(error).toMatchObject({ code: 'LOGOUT_TOKEN_INVALID', claim: 'events' });
  expect((error as ValidationError).status).toBe(400);
  expect(op.requests.slice(before).map((r) => r.path)).toEqual([]);
});
