/**
 * `latchkey/core` (src/core/index.ts) exports the operations, their types and the documented
 * helpers; the transport internals and other plumbing stay internal (docs/protocol.md lists them).
 */
import { describe, expect, it } from 'vitest';
import * as core from '../../src/core/index.js';

describe('latchkey/core exports the operations, not the transport internals', () => {
  it('keeps the operations and the documented helpers', () => {
    for (const name of [
      'OidcClient',
      'discover',
      'checkMetadata',
      'createAuthorizationRequest',
      'validateAuthorizationResponse',
      'authorizationCodeGrant',
      'refreshTokenGrant',
      'clientCredentialsGrant',
      'fetchUserinfo',
      'revokeToken',
      'pushAuthorizationRequest',
      'validateIdToken',
      'validateLogoutToken',
      'buildEndSessionUrl',
      'resourceRequest',
      'DPoPHandle',
      'RemoteJwks',
      'createEndpointPolicy',
      'tokenEndpointRequest',
      'processTokenResponse',
      'isInvalidGrant',
      'fetchStream',
    ]) {
      expect(core, name).toHaveProperty(name);
    }
  });

  it('no longer exports the transport plumbing', () => {
    for (const name of [
      'toHeaderRecord',
      'isPlainObject',
      'nonceLoop',
      'isUseDpopNonce',
      'withAccessToken',
      'httpRequest',
      'fetchJsonObject',
      'assertSecureUrl',
      'parseWwwAuthenticate',
      'isLoopbackHost',
      'HTTP_DEFAULTS',
      'classifyAddress',
      'DEFAULT_ENDPOINT_POLICY',
      'verifyJwt',
      'decodeJwtHeader',
      'toTokenSet',
      'processUserinfoBody',
      'keyTypeForAlg',
    ]) {
      expect(core, name).not.toHaveProperty(name);
    }
  });
});
