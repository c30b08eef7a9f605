/**
 * `latchkey/core`: the protocol core. Low level, one function per protocol operation taking
 * spec-shaped objects (`ServerMetadata`, `ClientMetadata`) and one options object; high level,
 * {@link OidcClient}. See docs/protocol.md.
 *
 * @module
 */

// ── authorization request and response ─────────────────────────────────────────────────────────
export {
  type AuthorizationRequest,
  type CreateAuthorizationRequestOptions,
  createAuthorizationRequest,
  PROTECTED_AUTHORIZATION_PARAMS,
  pkceChallenge,
} from './authorization-request.js';
export { type AuthorizationResponse, UsedStates, type ValidateAuthorizationResponseOptions, validateAuthorizationResponse } from './authorization-response.js';
export { BACKCHANNEL_LOGOUT_EVENT, type LogoutTokenContext, validateLogoutToken } from './backchannel-logout.js';
// ── high level ─────────────────────────────────────────────────────────────────────────────────
export { OidcClient, type OidcClientOptions, type ResourceInit } from './client.js';
// ── token endpoint ─────────────────────────────────────────────────────────────────────────────
export { applyClientAuthentication, basicAuthorization, type ClientAuthContext, JWT_BEARER_ASSERTION_TYPE, resolveClientAuthMethod } from './client-auth.js';
// ── discovery and keys ─────────────────────────────────────────────────────────────────────────
export { checkMetadata, clearDiscoveryCache, DISCOVERY_DEFAULT_TTL_SECONDS, type DiscoveryOptions, discover } from './discovery.js';
// ── DPoP ───────────────────────────────────────────────────────────────────────────────────────
export {
  type DPoPAlgorithm,
  DPoPHandle,
  type DPoPHandleOptions,
  isUseDpopNonce,
  nonceLoop,
  type ResourceRequestInit,
  type ResourceRequestOptions,
  resourceRequest,
  withAccessToken,
} from './dpop.js';
// ── logout ─────────────────────────────────────────────────────────────────────────────────────
export { buildEndSessionUrl, type EndSessionParams, validateEndSessionResponse } from './end-session.js';
export {
  type AddressClass,
  classifyAddress,
  createEndpointPolicy,
  DEFAULT_ENDPOINT_POLICY,
  type EndpointPolicy,
  type EndpointPolicyOptions,
  type HostResolver,
  type IssuerSource,
} from './endpoint-policy.js';
// ── transport ──────────────────────────────────────────────────────────────────────────────────
export {
  assertSecureUrl,
  type ExpectedBody,
  fetchJsonObject,
  fetchStream,
  HTTP_DEFAULTS,
  type HttpOptions,
  type HttpRequest,
  type HttpResult,
  httpRequest,
  isLoopbackHost,
  isPlainObject,
  parseWwwAuthenticate,
  toHeaderRecord,
  type WwwAuthenticateChallenge,
} from './http.js';
// ── ID token, userinfo ─────────────────────────────────────────────────────────────────────────
export {
  checkAudience,
  checkIssuer,
  checkRefreshedIdTokenClaims,
  clockTolerance,
  type IdTokenContext,
  isNumericDate,
  MAX_CLOCK_TOLERANCE_SECONDS,
  validateIdToken,
} from './id-token.js';
export {
  getRemoteJwks,
  JWKS_DEFAULTS,
  type KeySelector,
  type KeySetLimits,
  keyTypeForAlg,
  MAX_RSA_EXPONENT,
  MIN_RSA_MODULUS_BITS,
  type RefetchBudget,
  RemoteJwks,
  type RemoteJwksOptions,
} from './jwks.js';
export { decodeJwtHeader, type VerifiedJwt, type VerifyJwtOptions, verifyJwt } from './jwt.js';
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
  toTokenSet,
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
export { fetchUserinfo, processUserinfoBody, type UserinfoOptions } from './userinfo.js';
