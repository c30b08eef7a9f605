/**
 * Conformance module `oidcc-client-test-rp-init-logout-other-state` (L10): the OP redirects back
 * from logout with a *different* `state`. The RP detects it: LOGOUT_STATE_MISMATCH. (oidc-provider
 * echoes the state faithfully, so the misbehaving OP plays this part.)
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

it('rejects the post-logout redirect that carries another state', async () => {
  op.handlers.set('/end_session', (req) => {
    const target = new URL(new URL(req.url).searchParams.get('post_logout_redirect_uri')!);
    target.searchParams.set('state', 'a-different-state');
    return new Response(null, { status: 302, headers: { location: target.href } });
  });
  const client = await OidcClient.create({
    issuer: op.issuer,
    clientId: op.clientId,
    clientSecret: op.clientSecret,
    redirectUri: 'http://127.0.0.1:9/cb',
    postLogoutRedirectUri: LOGGED_OUT,
  });
  const url = client.endSessionUrl({ idTokenHint: 'eyJhbGciOiJSUzI1NiJ9.e30.sig', state: 'the-state-we-sent' });
  const out = await new UserAgent().navigate(url, { stop: (u) => u.startsWith(LOGGED_OUT) });
  expect(out.stopped).toBe(true);
  expect(op.requestsTo('/end_session')[0]!.query).toMatchObject({ state: 'the-state-we-sent', client_id: op.clientId, post_logout_redirect_uri: LOGGED_OUT });
  let error: unknown;
  try {
    client.validateEndSessionCallback(new URL(out.url).searchParams, 'the-state-we-sent');
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(ValidationError);
  expect(error).toMatchObject({ code: 'LOGOUT_STATE_MISMATCH', claim: 'state' });
  expect((error as Error).message).not.toMatch(/a-different-state|the-state-we-sent/);
});
