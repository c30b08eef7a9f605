/**
 * The authorization code flow with OidcClient: login (state, nonce, PKCE S256), callback, userinfo,
 * refresh, revocation and the RP-initiated logout URL.
 *
 * Run against the development IdP:
 *   npx latchkey dev-idp --port 4000          # in one terminal
 *   npx tsx examples/protocol/code-flow.ts    # in another; open the printed URL
 */
import { OidcClient } from 'latchkey/core';
import { redirectUri, settings, waitForBrowser } from './_loopback.js';

const client = await OidcClient.create({
  issuer: settings.issuer,
  clientId: settings.clientId,
  clientSecret: settings.clientSecret,
  redirectUri,
  postLogoutRedirectUri: `http://127.0.0.1:${settings.port}/logged-out`,
});

// 1. Send the browser to the provider; keep the transaction bound to this browser (an encrypted cookie in an app).
const { url, transaction } = await client.authorizationUrl({ scope: ['openid', 'email', 'profile'] });
console.log(`Open this URL in a browser:\n${url.href}\n`);

// 2. The callback: state (once), RFC 9207 iss, code exchange, ID token validation.
const tokens = await client.callback(await waitForBrowser('/callback'), transaction);
console.log('ID token claims:', tokens.idTokenClaims);

// 3. Userinfo (its sub must equal the ID token's).
console.log('userinfo:', await client.userinfo(tokens));

// 4. Refresh: store the returned refresh token (rotated, or the same one).
if (tokens.refreshToken) {
  const refreshed = await client.refresh(tokens.refreshToken, { previousIdTokenClaims: tokens.idTokenClaims! });
  console.log('refreshed; access token expires at', refreshed.expiresAt && new Date(refreshed.expiresAt).toISOString());
  // 5. Revoke it when the user disconnects the app.
  await client.revoke(refreshed.refreshToken!, 'refresh_token');
}

// 6. Provider logout (END_SESSION_UNSUPPORTED for Google, which has no end_session_endpoint).
const logoutState = crypto.randomUUID();
console.log(`To log out at the provider, open:\n${client.endSessionUrl({ idTokenHint: tokens.idToken!, state: logoutState }).href}`);
client.validateEndSessionCallback(await waitForBrowser('/logged-out', 'Logged out.'), logoutState);
console.log('logged out; state checked');
