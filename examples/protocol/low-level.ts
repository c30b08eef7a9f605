/**
 * The same login with the low-level functions: each takes spec-shaped metadata and one options
 * object, so an app can store and orchestrate the steps itself.
 *
 *   npx latchkey dev-idp --port 4000
 *   npx tsx examples/protocol/low-level.ts
 */
import {
  authorizationCodeGrant,
  type ClientMetadata,
  createAuthorizationRequest,
  discover,
  fetchUserinfo,
  RemoteJwks,
  validateAuthorizationResponse,
} from 'latchkey/core';
import { redirectUri, settings, waitForBrowser } from './_loopback.js';

const metadata = await discover(settings.issuer);
const client: ClientMetadata = { client_id: settings.clientId, client_secret: settings.clientSecret, token_endpoint_auth_method: 'client_secret_basic' };
const jwks = new RemoteJwks(metadata.jwks_uri!);

const { url, transaction } = await createAuthorizationRequest(metadata, client, redirectUri, { scope: ['openid', 'email'] });
console.log(`Open this URL in a browser:\n${url.href}\n`);
const params = await waitForBrowser('/callback');
const { code } = validateAuthorizationResponse(metadata, params, transaction);
const tokens = await authorizationCodeGrant(metadata, client, code, transaction, { jwks });
const userinfo = await fetchUserinfo(metadata, client, tokens.accessToken, { expectedSubject: tokens.idTokenClaims!.sub, jwks });
console.log({ sub: tokens.idTokenClaims!.sub, email: userinfo.email });
