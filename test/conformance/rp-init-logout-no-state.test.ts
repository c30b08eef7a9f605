/**
 * Conformance module `oidcc-client-test-rp-init-logout-no-state` (L11): the OP redirects back from
 * logout *without* `state`. The RP detects it: LOGOUT_STATE_MISMATCH. (oidc-provider echoes the
 * state faithfully, so the misbehaving OP plays this part.)
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { OidcClient } from '../../src/core/client.js';
import { ValidationError } from '../../src/errors.js';
import { type MisbehavingOp, startMisbehavingOp } from '../support/misbehaving-op.js';
import { UserAgent } from '../support/user-agent.js';

const LOGGED_OUT = 'http://127.0.0.1:9/logged-out';
let op: MisbehavingOp;

beforeAll(async () => {
  op = await startMisbehavingOp();
});
afterAll(async () => {
  await op.close();
});

it('rejects the post-logout redirect that carries no state', async () => {
  op.handlers.set('/end_session', (req) => {
    const target = new URL(new URL(req.url).searchParams.get('post_logout_redirect_uri')!);
    return new Response(null, { status: 302, headers: { location: target.href } });
  });
  const client = await OidcClient.create({
    issuer: op.issuer,
    clientId: op.clientId,
    clientSecret: op.clientSecret,
    redirectUri: 'http://127.0.0.1:9/cb',
    postLogoutRedirectUri: LOGGED_OUT,
  });
  const out = await new UserAgent().navigate(client.endSessionUrl({ state: 'sent-state' }), { stop: (u) => u.startsWith(LOGGED_OUT) });
  expect(out.stopped).toBe(true);
  expect(new URL(out.url).searchParams.has('state')).toBe(false);
  let error: unknown;
  try {
    client.validateEndSessionCallback(new URL(out.url).searchParams, 'sent-state');
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ValidationError);
  expect(error).toMatchObject({ code: 'LOGOUT_STATE_MISMATCH' });
});
