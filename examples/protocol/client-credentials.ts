/**
 * The client credentials grant (a token for the app itself) and a resource call with it.
 *
 * Against oidc-provider or any OP with the grant enabled for the client:
 *   ISSUER=https://op.example CLIENT_ID=… CLIENT_SECRET=… RESOURCE_URL=https://api.example/items npx tsx examples/protocol/client-credentials.ts
 */
import { OidcClient } from 'latchkey/core';
import { redirectUri, settings } from './_loopback.js';

const client = await OidcClient.create({ issuer: settings.issuer, clientId: settings.clientId, clientSecret: settings.clientSecret, redirectUri });
const tokens = await client.clientCredentials({ scope: ['api:read'] });
console.log('token type', tokens.tokenType, 'granted', tokens.grantedScopes);
if (process.env.RESOURCE_URL) {
  // Bearer or DPoP (with the use_dpop_nonce retry) is chosen from tokens.tokenType.
  const res = await client.fetchResource(process.env.RESOURCE_URL, tokens);
  console.log(res.status, await res.text());
}
