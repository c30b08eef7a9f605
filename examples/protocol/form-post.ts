/**
 * response_mode=form_post: the provider POSTs code, state and iss to the redirect URI; the same
 * `callback` takes the form body instead of the query string.
 *
 *   npx latchkey dev-idp --port 4000
 *   npx tsx examples/protocol/form-post.ts
 */
import { OidcClient } from 'latchkey/core';
import { redirectUri, settings, waitForBrowser } from './_loopback.js';

const client = await OidcClient.create({ issuer: settings.issuer, clientId: settings.clientId, clientSecret: settings.clientSecret, redirectUri });
const { url, transaction } = await client.authorizationUrl({ responseMode: 'form_post' });
console.log(`Open this URL in a browser:\n${url.href}\n`);
// A form_post callback is a cross-site POST: in an app, the transaction cookie needs SameSite=None; Secure.
const tokens = await client.callback(await waitForBrowser('/callback'), transaction);
console.log('signed in as', tokens.idTokenClaims?.sub);
