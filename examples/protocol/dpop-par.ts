/**
 * DPoP-bound tokens (RFC 9449) with a pushed authorization request (RFC 9126), as a public client:
 * the code is bound with dpop_jkt, the token endpoint's use_dpop_nonce is retried once, and the same
 * key is used for userinfo, resource calls and refresh.
 *
 * Needs an OP with PAR and DPoP (oidc-provider, Keycloak, Okta…):
 *   ISSUER=https://op.example CLIENT_ID=spa npx tsx examples/protocol/dpop-par.ts
 */
import { DPoPHandle, OidcClient } from 'latchkey/core';
import { redirectUri, settings, waitForBrowser } from './_loopback.js';

// Keep the key for as long as the tokens: a DPoP-bound refresh token only works with it.
const dpop = await DPoPHandle.generate('ES256');
const client = await OidcClient.create({ issuer: settings.issuer, clientId: settings.clientId, redirectUri, dpop, usePar: true });
const { url, transaction } = await client.authorizationUrl({ scope: ['openid', 'email'] });
console.log(`Open this URL in a browser (it carries only client_id and request_uri):\n${url.href}\n`);
const tokens = await client.callback(await waitForBrowser('/callback'), transaction);
console.log('token type', tokens.tokenType); // 'DPoP'
console.log('userinfo', await client.userinfo(tokens));
if (tokens.refreshToken) console.log('refreshed', (await client.refresh(tokens.refreshToken)).tokenType);
