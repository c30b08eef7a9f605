/**
 * The data the protocol core works on. Wire fields keep their spec spelling (`token_endpoint`,
 * `client_id`); Latchkey's own values are camelCase with units in their names.
 *
 * @module
 */
import type { HttpOptions, OAuthErrorMapper } from './http.js';

/**
 * Authorization server metadata: OpenID Connect Discovery 1.0 §3 and RFC 8414 §2. Unknown members
 * are kept.
 *
 * @see [OpenID Connect Discovery 1.0, section 3](https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderMetadata)
 * @see [RFC 8414 - OAuth 2.0 Authorization Server Metadata](https://www.rfc-editor.org/rfc/rfc8414.html#section-2)
 */
export interface ServerMetadata {
  readonly issuer: string;
  readonly authorization_endpoint?: string;
  readonly token_endpoint?: string;
  readonly userinfo_endpoint?: string;
  readonly jwks_uri?: string;
  readonly revocation_endpoint?: string;
  readonly end_session_endpoint?: string;
  readonly pushed_authorization_request_endpoint?: string;
  readonly require_pushed_authorization_requests?: boolean;
  readonly authorization_response_iss_parameter_supported?: boolean;
  readonly code_challenge_methods_supported?: readonly string[];
  readonly response_modes_supported?: readonly string[];
  readonly id_token_signing_alg_values_supported?: readonly string[];
  readonly userinfo_signing_alg_values_supported?: readonly string[];
  readonly token_endpoint_auth_methods_supported?: readonly string[];
  readonly token_endpoint_auth_signing_alg_values_supported?: readonly string[];
  readonly dpop_signing_alg_values_supported?: readonly string[];
  readonly backchannel_logout_supported?: boolean;
  readonly backchannel_logout_session_supported?: boolean;
  readonly scopes_supported?: readonly string[];
  readonly [member: string]: unknown;
}

/** Client authentication at the token, PAR and revocation endpoints (RFC 6749 §2.3, OIDC Core §9). */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'client_secret_jwt' | 'private_key_jwt' | 'none';

/**
 * The registered client. Wire names as in OpenID Connect Dynamic Client Registration §2.
 *
 * @see [OpenID Connect Dynamic Client Registration 1.0, section 2](https://openid.net/specs/openid-connect-registration-1_0.html#ClientMetadata)
 */
export interface ClientMetadata {
  readonly client_id: string;
  /** The client secret, for the `client_secret_*` methods and HS* ID tokens. */
  readonly client_secret?: string;
  /** Default: `client_secret_basic` with a secret, `none` without. */
  readonly token_endpoint_auth_method?: ClientAuthMethod;
  /** The algorithm for `client_secret_jwt`/`private_key_jwt` assertions. Default HS256 / the key's. */
  readonly token_endpoint_auth_signing_alg?: string;
  /** The ID token `alg` expected. Default RS256 (OIDC Core §3.1.3.7 step 7). `none` only if registered. */
  readonly id_token_signed_response_alg?: string;
  /** When set, userinfo is expected as a JWT signed with this `alg` (OIDC Core §5.3.2). */
  readonly userinfo_signed_response_alg?: string;
  /** Ask the authorization server for PAR for this client (RFC 9126 §6). */
  readonly require_pushed_authorization_requests?: boolean;
  /** Audiences, beyond `client_id`, that this client trusts in an ID token `aud`. */
  readonly additional_audiences?: readonly string[];
}

/** A private key for `private_key_jwt` (RFC 7523) or DPoP, with its JWS `alg` and optional `kid`. */
export interface PrivateKey {
  readonly key: CryptoKey;
  readonly alg: string;
  readonly kid?: string;
}

/** Options shared by every core operation. */
export interface CoreOptions {
  /** Transport options (timeout, custom fetch, insecure hosts). */
  readonly http?: HttpOptions;
  /** The current time in milliseconds. Default `Date.now`. Injectable for tests. */
  readonly clock?: () => number;
  /** Seconds of clock skew accepted on `exp`, `iat`, `nbf`, `auth_time`. Default 30. */
  readonly clockToleranceSeconds?: number;
}

/** The default clock tolerance in seconds. */
export const DEFAULT_CLOCK_TOLERANCE_SECONDS = 30;

/**
 * The token endpoint response (RFC 6749 §5.1, OIDC Core §3.1.3.3). Unknown members are kept.
 *
 * @see [RFC 6749, section 5.1](https://www.rfc-editor.org/rfc/rfc6749.html#section-5.1)
 */
export interface TokenEndpointResponse {
  readonly access_token: string;
  /** `Bearer` or `DPoP`, compared case-insensitively (RFC 6749 §7.1). */
  readonly token_type: string;
  readonly expires_in?: number;
  readonly refresh_token?: string;
  readonly id_token?: string;
  readonly scope?: string;
  readonly [member: string]: unknown;
}

/**
 * ID token claims (OIDC Core §2) after validation.
 *
 * @see [OpenID Connect Core 1.0, section 2](https://openid.net/specs/openid-connect-core-1_0.html#IDToken)
 */
export interface IdTokenClaims {
  readonly iss: string;
  readonly sub: string;
  readonly aud: string | readonly string[];
  readonly exp: number;
  readonly iat: number;
  readonly auth_time?: number;
  readonly nonce?: string;
  readonly acr?: string;
  readonly amr?: readonly string[];
  readonly azp?: string;
  readonly sid?: string;
  readonly [claim: string]: unknown;
}

/**
 * The tokens of one grant, validated, in Latchkey's own shape.
 */
export interface TokenSet {
  readonly accessToken: string;
  /** Normalized: `Bearer` or `DPoP`. */
  readonly tokenType: 'Bearer' | 'DPoP';
  /** When the access token expires, in epoch milliseconds; absent when the provider did not say. */
  readonly expiresAt?: number;
  readonly refreshToken?: string;
  readonly idToken?: string;
  /** The validated ID token claims, when an ID token came. */
  readonly idTokenClaims?: IdTokenClaims;
  /** The scopes granted: the response `scope`, or the requested ones when absent (RFC 6749 §5.1). */
  readonly grantedScopes: readonly string[];
  /** The token endpoint response as received (never logged). */
  readonly raw: TokenEndpointResponse;
}

/**
 * Everything the callback needs to finish one login, created with the authorization request and
 * kept by the app layer (in an encrypted cookie) until the callback. One per login attempt.
 */
export interface AuthorizationTransaction {
  /** The one-time `state` (RFC 6749 §10.12), 32 random bytes, base64url. */
  readonly state: string;
  /** The `nonce` (OIDC Core §3.1.2.1), 32 random bytes, base64url; absent for plain OAuth 2.0. */
  readonly nonce?: string;
  /** The PKCE `code_verifier` (RFC 7636 §4.1). */
  readonly codeVerifier: string;
  /** The issuer the request went to (RFC 9700 §4.4.2 mix-up defence). */
  readonly issuer: string;
  /** The exact `redirect_uri` sent (repeated in the token request, RFC 6749 §4.1.3). */
  readonly redirectUri: string;
  /** The scopes requested. */
  readonly scope: readonly string[];
  /** `max_age` sent, in seconds, if any (OIDC Core §3.1.3.7 step 13). */
  readonly maxAge?: number;
  /** When the request was made, in epoch milliseconds. */
  readonly createdAt: number;
  /** `form_post` when the response comes by POST. */
  readonly responseMode?: 'query' | 'form_post';
  /** The DPoP key thumbprint bound to the code (RFC 9449 §10), if any. */
  readonly dpopJkt?: string;
}

/**
 * Authorization request options beyond the always-on `state`, `nonce` and PKCE.
 *
 * @see [OpenID Connect Core 1.0, section 3.1.2.1](https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest)
 */
export interface AuthorizationRequestOptions {
  /** Scopes to request. Default `['openid']` for OIDC. */
  readonly scope?: readonly string[];
  readonly prompt?: string;
  /** Seconds; makes `auth_time` required and checked. */
  readonly maxAge?: number;
  readonly loginHint?: string;
  readonly acrValues?: readonly string[];
  readonly responseMode?: 'query' | 'form_post';
  /** Use PAR (RFC 9126) even if not required. */
  readonly usePar?: boolean;
  /** Extra parameters (`access_type`, `hd`, `include_granted_scopes`, …). Cannot override the protected ones. */
  readonly extraParams?: Readonly<Record<string, string>>;
}

/** Back-channel logout token claims, after validation (Back-Channel Logout 1.0 §2.4). */
export interface LogoutTokenClaims {
  readonly iss: string;
  readonly aud: string | readonly string[];
  readonly iat: number;
  readonly exp: number;
  readonly jti: string;
  readonly sub?: string;
  readonly sid?: string;
  readonly events: Readonly<Record<string, unknown>>;
  readonly [claim: string]: unknown;
}

/**
 * Provider quirks as named hooks on the shared code path. Presets set them; core never branches on
 * a provider id.
 */
export interface ProtocolHooks {
  /**
   * Issuer values accepted besides the configured issuer, in discovery metadata and in ID token
   * `iss` (Google's scheme-less `accounts.google.com`). Only presets declare these.
   */
  readonly issuerAliases?: readonly string[];
  /**
   * Multi-tenant providers (Microsoft Entra `common`): the discovery document names a templated
   * issuer such as `https://login.microsoftonline.com/{tenantid}/v2.0`. When set, discovery accepts
   * exactly this template as the metadata `issuer`, and {@link ProtocolHooks.resolveIdTokenIssuer}
   * must compute the concrete issuer from each ID token.
   */
  readonly templatedIssuer?: string;
  /** The issuer an ID token must carry, computed from its (unverified-then-verified) claims, e.g. from `tid`. */
  readonly resolveIdTokenIssuer?: (claims: Readonly<Record<string, unknown>>) => string;
  /** Rewrites a non-conforming token response into a conforming one before strict parsing. */
  readonly conformTokenResponse?: (body: Readonly<Record<string, unknown>>) => Record<string, unknown>;
  /**
   * Maps the token endpoint's own JSON error shape onto RFC 6749 §5.2 (`error`, `error_description`),
   * so that a dead refresh token is `invalid_grant` (re-consent) rather than a bad status (retry).
   */
  readonly conformTokenError?: OAuthErrorMapper;
  /** Extra ID token checks after the standard ones (Google `hd`); throw a `ValidationError` to refuse. */
  readonly validateIdTokenClaims?: (claims: IdTokenClaims) => void;
}
