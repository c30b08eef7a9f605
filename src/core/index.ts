/**
 * `latchkey/core`: the protocol core. Low level, one function per protocol operation taking
 * spec-shaped objects (`ServerMetadata`, `ClientMetadata`) and one options object; high level,
 * {@link OidcClient}. See docs/protocol.md.
 *
 * @module
 */

// ── high level ─────────────────────────────────────────────────────────────────────────────────
export { OidcClient, type OidcClientOptions, type ResourceInit } from './client.js';

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

// ── transport ──────────────────────────────────────────────────────────────────────────────────
export {
  assertSecureUrl,
  type ExpectedBody,
  fetchJsonObject,
  HTTP_DEFAULTS,
  type HttpOptions,
  type HttpRequest,
  type HttpResult,
  fetchStream,
  httpRequest,
  isLoopbackHost,
  isPlainObject,
  parseWwwAuthenticate,
  toHeaderRecord,
  type WwwAuthenticateChallenge,
} from './http.js';

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

// ── discovery and keys ─────────────────────────────────────────────────────────────────────────
export { checkMetadata, clearDiscoveryCache, DISCOVERY_DEFAULT_TTL_SECONDS, type DiscoveryOptions, discover } from './discovery.js';
export { getRemoteJwks, JWKS_DEFAULTS, type KeySelector, keyTypeForAlg, type RefetchBudget, RemoteJwks, type RemoteJwksOptions } from './jwks.js';
export { type KeySetLimits, MAX_RSA_EXPONENT, MIN_RSA_MODULUS_BITS } from './jwks.js';
export { decodeJwtHeader, type VerifiedJwt, type VerifyJwtOptions, verifyJwt } from './jwt.js';

// ── authorization request and response ─────────────────────────────────────────────────────────
export {
  type AuthorizationRequest,
  type CreateAuthorizationRequestOptions,
  createAuthorizationRequest,
  PROTECTED_AUTHORIZATION_PARAMS,
  pkceChallenge,
} from './authorization-request.js';
export { type PushAuthorizationRequestOptions, type PushedAuthorizationResponse, parRequired, pushAuthorizationRequest, pushedAuthorizationUrl } from './par.js';
export { type AuthorizationResponse, UsedStates, type ValidateAuthorizationResponseOptions, validateAuthorizationResponse } from './authorization-response.js';

// ── token endpoint ─────────────────────────────────────────────────────────────────────────────
export { applyClientAuthentication, basicAuthorization, type ClientAuthContext, JWT_BEARER_ASSERTION_TYPE, resolveClientAuthMethod } from './client-auth.js';
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
export { type RefreshTokenGrantOptions, refreshTokenGrant } from './refresh.js';
export { type RevokeTokenOptions, revokeToken } from './revocation.js';

// ── ID token, userinfo ─────────────────────────────────────────────────────────────────────────
export { checkAudience, checkIssuer, checkRefreshedIdTokenClaims, type IdTokenContext, isNumericDate, validateIdToken } from './id-token.js';
export { clockTolerance, MAX_CLOCK_TOLERANCE_SECONDS } from './id-token.js';
export { fetchUserinfo, processUserinfoBody, type UserinfoOptions } from './userinfo.js';

// ── logout ─────────────────────────────────────────────────────────────────────────────────────
export { buildEndSessionUrl, type EndSessionParams, validateEndSessionResponse } from './end-session.js';
export { BACKCHANNEL_LOGOUT_EVENT, type LogoutTokenContext, validateLogoutToken } from './backchannel-logout.js';

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
