/**
 * Conformance module `oidcc-client-test-rp-backchannel-rpinitlogout` (L1): after an RP-initiated
 * logout the OP POSTs a valid logout token to the RP's back-channel endpoint. Here (core layer) the
 * token from a real logout at oidc-provider validates with `OidcClient.validateLogoutToken`, and the
 * endpoint answers 200 with `Cache-Control: no-store` (the app layer will own that endpoint).
 */
import { once } from 'node:events';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { OidcClient } from '../../src/core/client.js';
import type { LogoutTokenClaims } from '../../src/core/types.js';
import { type OidcProviderHandle, startOidcProvider } from '../support/oidc-provider.js';
import { UserAgent } from '../support/user-agent.js';

const SECRET = 'a-long-client-secret-for-backchannel-0123456789';
let op: OidcProviderHandle;
let rp: http.Server;
let rpBase: string;
let client: OidcClient;
let delivered: (value: { claims?: LogoutTokenClaims; error?: unknown }) => void = () => {};

beforeAll(async () => {
  rp = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const token = new URLSearchParams(Buffer.concat(chunks).toString('utf8')).get('logout_token') ?? '';
      client.validateLogoutToken(token).then(
        (claims) => {
          res.writeHead(200, { 'cache-control': 'no-store' }).end();
          delivered({ claims });
        },
        (error: unknown) => {
          res.writeHead(400, { 'cache-control': 'no-store' }).end();
          delivered({ error });
        },
      );
    });
  });
  rp.listen(0, '127.0.0.1');
  await once(rp, 'listening');
  rpBase = `http://127.0.0.1:${(rp.address() as AddressInfo).port}`;
  op = await startOidcProvider({
    clients: [
      {
        client_id: 'rp',
        client_secret: SECRET,
        redirect_uris: [`${rpBase}/cb`],
        post_logout_redirect_uris: [`${rpBase}/logged-out`],
        backchannel_logout_uri: `${rpBase}/backchannel-logout`,
        backchannel_logout_session_required: true,
        grant_types: ['authorization_code'],
        response_types: ['code'],
      },
    ],
  });
  client = await OidcClient.create({
    issuer: op.issuer,
    clientId: 'rp',
    clientSecret: SECRET,
    redirectUri: `${rpBase}/cb`,
    postLogoutRedirectUri: `${rpBase}/logged-out`,
  });
});
afterAll(async () => {
  await op?.close();
  await new Promise<void>((r) => {
    rp.closeAllConnections();
    rp.close(() => r());
  });
});

it('validates the logout token the OP posts during a real RP-initiated logout, then handles the redirect', async () => {
  const ua = new UserAgent();
  const { url, transaction } = await client.authorizationUrl();
  const back = await ua.navigate(url, { stop: (u) => u.startsWith(`${rpBase}/cb`) });
  const tokens = await client.callback(new URL(back.url).searchParams, transaction);

  const received = new Promise<{ claims?: LogoutTokenClaims; error?: unknown }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no logout token within 5 s')), 5000);
    delivered = (v) => {
      clearTimeout(timer);
      resolve(v);
    };
  });
  const out = await ua.navigate(client.endSessionUrl({ idTokenHint: tokens.idToken!, state: 'st-1' }), {
    stop: (u) => u.startsWith(`${rpBase}/logged-out`),
    autoSubmitForms: true,
  });
  const { claims, error } = await received;
  expect(error).toBeUndefined();
  expect(claims).toMatchObject({ iss: op.issuer, aud: 'rp', sub: 'alice', sid: tokens.idTokenClaims!.sid });
  expect(claims!.events).toHaveProperty(['http://schemas.openid.net/event/backchannel-logout']);
  expect(claims).not.toHaveProperty('nonce');
  // The OP saw the 200: no delivery error was reported.
  expect(op.backchannelErrors).toEqual([]);
  expect(() => client.validateEndSessionCallback(new URL(out.url).searchParams, 'st-1')).not.toThrow();
});
