/**
 * Conformance module `oidcc-client-test-discovery-openid-config` (old
 * `rp-discovery-openid-configuration`): the RP fetches `.well-known/openid-configuration` and uses
 * the endpoints it names.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { OidcClient } from '../../src/core/client.js';
import { clearDiscoveryCache } from '../../src/core/discovery.js';
import { type MisbehavingOp, runRpFlow, startMisbehavingOp } from '../support/misbehaving-op.js';

let op: MisbehavingOp;
beforeAll(async () => {
  op = await startMisbehavingOp({ issuerPath: '/realm' });
  clearDiscoveryCache();
});
afterAll(async () => {
  await op.close();
});

it('discovers the provider and completes a login through the discovered endpoints', async () => {
  const rp = await OidcClient.create({ issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret, redirectUri: 'http://127.0.0.1:9/cb' });
  expect(op.requests.map((r) => r.path)).toEqual(['/.well-known/openid-configuration']);
  expect(rp.metadata.issuer).toBe(op.issuer);
  const { url } = await rp.authorizationUrl();
  expect(`${url.origin}${url.pathname}`).toBe(`${op.issuer}/authorize`);
  const { userinfo, error } = await runRpFlow(rp);
  expect(error).toBeUndefined();
  expect(userinfo?.sub).toBe(op.subject);
  // Every endpoint came from the discovery document (all under the issuer path).
  expect(op.requests.map((r) => r.path)).toEqual(['/.well-known/openid-configuration', '/authorize', '/token', '/jwks', '/userinfo']);
});
