/**
 * Conformance module `oidcc-client-test-discovery-issuer-mismatch` (old
 * `rp-discovery-issuer-not-matching-config`): the metadata `issuer` differs from the issuer
 * discovered. The RP must reject the configuration and stop.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { OidcClient } from '../../src/core/client.js';
import { clearDiscoveryCache } from '../../src/core/discovery.js';
import { ValidationError } from '../../src/errors.js';
import { type MisbehavingOp, startMisbehavingOp } from '../support/misbehaving-op.js';

let op: MisbehavingOp;
beforeAll(async () => {
  op = await startMisbehavingOp();
  clearDiscoveryCache();
});
afterAll(async () => {
  await op.close();
});

it('refuses metadata naming another issuer and makes no other request', async () => {
  op.faults.discoveryIssuer = 'https://attacker.example';
  const error = await OidcClient.create({
    issuer: op.issuer,
    clientId: op.clientId,
    clientSecret: op.clientSecret,
    redirectUri: 'http://127.0.0.1:9/cb',
  }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ValidationError);
  expect(error).toMatchObject({ code: 'DISCOVERY_ISSUER_MISMATCH', expected: op.issuer, actual: 'https://attacker.example' });
  expect(op.requests.map((r) => r.path)).toEqual(['/.well-known/openid-configuration']);
});
