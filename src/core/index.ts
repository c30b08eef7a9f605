/**
 * `latchkey/core`: the protocol core. Low level, one function per protocol operation taking
 * spec-shaped objects (`ServerMetadata`, `ClientMetadata`) and one options object; high level,
 * {@link OidcClient}. See docs/protocol.md.
 *
 * @module
 */

// ── authorization request and response ─────────────────────────────────────────────────────────
export { type AuthorizationRequest, type CreateAuthorizationRequestOptions, createAuthorizationRequest, pkceChallenge } from './authorization-request.js';
export { type AuthorizationResponse, UsedStates, type ValidateAuthorizationResponseOptions, validateAuthorizationResponse } from './authorization-response.js';
export { type LogoutTokenContext, validateLogoutToken } from './backchannel-logout.js';
// ── high level ─────────────────────────────────────────────────────────────────────────────────
export { OidcClient, type OidcClientOptions, type ResourceInit } from './client.js';
// ── token endpoint ─────────────────────────────────────────────────────────────────────────────
export { applyClientAuthentication, basicAuthorization, type ClientAuthContext } from './client-auth.js';
// ── discovery and keys ─────────────────────────────────────────────────────────────────────────
export { checkMetadata, clearDiscoveryCache, type DiscoveryOptions, discover } from './discovery.js';
// ── DPoP ───────────────────────────────────────────────────────────────────────────────────────
export { type DPoPAlgorithm, DPoPHandle, type DPoPHandleOptions, type ResourceRequestInit, type ResourceRequestOptions, resourceRequest } from './dpop.js';
// ── logout ─────────────────────────────────────────────────────────────────────────────────────
export { buildEndSessionUrl, type EndSessionParams, validateEndSessionResponse } from './end-session.js';
// ── endpoint policy and transport options (the transport itself is internal) ───────────────────
export { createEndpointPolicy, type EndpointPolicy, type EndpointPolicyOptions, type HostResolver, type IssuerSource } from './endpoint-policy.js';
export { fetchStream, type HttpOptions, type HttpRequest } from './http.js';
// ── ID token, userinfo ─────────────────────────────────────────────────────────────────────────
export { checkRefreshedIdTokenClaims, type IdTokenContext, validateIdToken } from './id-token.js';
export {
  getRemoteJwks,
  JWKS_DEFAULTS,
  type KeySelector,
  type KeySetLimits,
  type RefetchBudget,
  RemoteJwks,
  type RemoteJwksOptions,
} from './jwks.js';
export {
  type PushAuthorizationRequestOptions,
  type PushedAuthorizationResponse,
  parRequired,
  pushAuthorizationRequest,
  pushedAuthorizationUrl,
} from './par.js';
export { type RefreshTokenGrantOptions, refreshTokenGrant } from './refresh.js';
export { type RevokeTokenOptions, revokeToken } from './revocation.js';
export {
  type AuthorizationCodeGrantOptions,
  authorizationCodeGrant,
  clientCredentialsGrant,
  isInvalidGrant,
  MAX_EXPIRES_IN_SECONDS,
  type ParsedTokenResponse,
  processTokenResponse,
  type TokenRequestOptions,
  tokenEndpointRequest,
} from './token-request.js';
// ── data types ─────────────────────────────────────────────────────────────────────────────────
export {
  type AuthorizationRequestOptions,
  type AuthorizationTransaction,
  type ClientAuthMethod,
  type ClientMetadata,
  type CoreOptions,
  DEFAULT_CLOCK_TOLERANCE_SECONDS,
  type IdTokenClaims,
  type LogoutTokenClaims,
  type PrivateKey,
  type ProtocolHooks,
  type ServerMetadata,
  type TokenEndpointResponse,
  type TokenSet,
} from './types.js';
export { fetchUserinfo, type UserinfoOptions } from './userinfo.js';
