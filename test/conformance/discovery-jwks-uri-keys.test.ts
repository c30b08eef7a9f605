/**
 * Conformance module `oidcc-client-test-discovery-jwks-uri-keys` (old `rp-discovery-jwks_uri-keys`):
 * the `jwks_uri` changes on every run. The RP must take the keys from the `jwks_uri` found in the
 * metadata.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { OidcClient } from '../../src/core/client.js';
import { clearDiscoveryCache } from '../../src/core/discovery.js';
import { type MisbehavingOp, runRpFlow, startMisbehavingOp } from '../support/misbehaving-op.js';

let op: MisbehavingOp;
beforeAll(async () => {
  op = await startMisbehavingOp();
  clearDiscoveryCache();
});
afterAll(async () => {
  await op.close();
});

it('fetches the keys from the jwks_uri the discovery document names', async () => {
  op.faults.jwksUriChangesOnDiscovery = true;
  const rp = await OidcClient.create({ issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret, redirectUri: 'http://127.0.0.1:9/cb' });
  expect(rp.metadata.jwks_uri).toBe(`${op.issuer}/jwks/1`);
  const { userinfo, error } = await runRpFlow(rp);
  expect(error).toBeUndefined();
  expect(userinfo?.sub).toBe(op.subject);
  const keyFetches = op.requests.filter((r) => r.path.startsWith('/jwks')).map((r) => r.path);
  expect(keyFetches).toEqual(['/jwks/1']);
});
