/**
 * Conformance module `oidcc-client-test-userinfo-bearer-header` (old `rp-userinfo-bearer-header`):
 * the access token goes to userinfo in the `Authorization: Bearer` header, never in the query or
 * the body.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { OidcClient } from '../../src/core/client.js';
import { type OidcProviderHandle, startOidcProvider } from '../support/oidc-provider.js';
import { UserAgent } from '../support/user-agent.js';

const REDIRECT = 'http://127.0.0.1:1/cb';
const SECRET = 'a-long-client-secret-for-bearer-header-0123456789';
let op: OidcProviderHandle;

beforeAll(async () => {
  op = await startOidcProvider({
    clients: [{ client_id: 'rp', client_secret: SECRET, redirect_uris: [REDIRECT], grant_types: ['authorization_code'], response_types: ['code'] }],
  });
});
afterAll(async () => {
  await op?.close();
});

it('calls userinfo with Authorization: Bearer <access token>, a GET with no token in the URL', async () => {
  const calls: { url: string; method: string; auth: string | null; body: unknown }[] = [];
  const client = await OidcClient.create({
    issuer: op.issuer,
    clientId: 'rp',
    clientSecret: SECRET,
    redirectUri: REDIRECT,
    http: {
      fetch: (input, init) => {
        calls.push({ url: String(input), method: init?.method ?? 'GET', auth: new Headers(init?.headers).get('authorization'), body: init?.body });
        return globalThis.fetch(input, init);
      },
    },
  });
  const { url, transaction } = await client.authorizationUrl({ scope: ['openid', 'email'] });
  const back = await new UserAgent().navigate(url, { stop: (u) => u.startsWith(REDIRECT) });
  const tokens = await client.callback(new URL(back.url).searchParams, transaction);
  const info = await client.userinfo(tokens);
  expect(info).toMatchObject({ sub: 'alice', email: 'alice@example.test' });
  const userinfoCall = calls.find((c) => c.url.startsWith(client.metadata.userinfo_endpoint!))!;
  expect(userinfoCall.method).toBe('GET');
  expect(userinfoCall.auth).toBe(`Bearer ${tokens.accessToken}`);
  expect(userinfoCall.url).not.toContain(tokens.accessToken);
  expect(userinfoCall.body).toBeUndefined();
});
