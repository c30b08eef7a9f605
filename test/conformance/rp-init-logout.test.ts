/**
 * Conformance module `oidcc-client-test-rp-init-logout` (L9): call the end_session_endpoint with a
 * valid `id_token_hint` and a registered `post_logout_redirect_uri` (both checked by the real OP),
 * and handle the redirect back (its `state` checked).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { OidcClient } from '../../src/core/client.js';
import { type OidcProviderHandle, startOidcProvider } from '../support/oidc-provider.js';
import { UserAgent } from '../support/user-agent.js';

const RP = 'http://127.0.0.1:1';
const SECRET = 'a-long-client-secret-for-rp-init-logout-0123456789';
let op: OidcProviderHandle;

beforeAll(async () => {
  op = await startOidcProvider({
    clients: [
      {
        client_id: 'rp',
        client_secret: SECRET,
        redirect_uris: [`${RP}/cb`],
        post_logout_redirect_uris: [`${RP}/logged-out`],
        // The module requires a front- or back-channel logout URI on the client.
        backchannel_logout_uri: `${RP}/backchannel`,
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
  });
});
afterAll(async () => {
  await op?.close();
});

it('logs out at the OP with id_token_hint and a registered post_logout_redirect_uri; the state comes back and is checked', async () => {
  const client = await OidcClient.create({
    issuer: op.issuer,
    clientId: 'rp',
    clientSecret: SECRET,
    redirectUri: `${RP}/cb`,
    postLogoutRedirectUri: `${RP}/logged-out`,
  });
  const ua = new UserAgent();
  const { url, transaction } = await client.authorizationUrl();
  const back = await ua.navigate(url, { stop: (u) => u.startsWith(`${RP}/cb`) });
  const tokens = await client.callback(new URL(back.url).searchParams, transaction);

  const logout = client.endSessionUrl({ idTokenHint: tokens.idToken!, state: 'logout-state-1' });
  expect(logout.searchParams.get('id_token_hint')).toBe(tokens.idToken);
  expect(logout.searchParams.get('post_logout_redirect_uri')).toBe(`${RP}/logged-out`);
  const out = await ua.navigate(logout, { stop: (u) => u.startsWith(`${RP}/logged-out`), autoSubmitForms: true });
  expect(out.stopped).toBe(true);
  expect(() => client.validateEndSessionCallback(new URL(out.url).searchParams, 'logout-state-1')).not.toThrow();

  // The OP checked the hint and the URI: an unregistered post_logout_redirect_uri is refused (an error page, no redirect).
  const bad = client.endSessionUrl({ idTokenHint: tokens.idToken!, state: 's', postLogoutRedirectUri: `${RP}/not-registered` });
  const refused = await new UserAgent().navigate(bad, { stop: (u) => u.startsWith(`${RP}/not-registered`) });
  expect(refused.stopped).toBe(false);
  expect(refused.status).toBe(400);
});
