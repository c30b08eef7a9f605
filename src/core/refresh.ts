/**
 * The refresh token grant, with the OpenID Connect Core §12.2 checks on a refreshed ID token and
 * refresh token rotation: the returned token set always carries the refresh token to keep (the new
 * one, or the old one when none came back).
 *
 * @module
 */
import { checkRefreshedIdTokenClaims, validateIdToken } from './id-token.js';
import type { RemoteJwks } from './jwks.js';
import { processTokenResponse, type TokenRequestOptions, tokenEndpointRequest, toTokenSet } from './token-request.js';
import type { ClientMetadata, IdTokenClaims, ServerMetadata, TokenSet } from './types.js';

/** Options of {@link refreshTokenGrant}. */
export interface RefreshTokenGrantOptions extends TokenRequestOptions {
  /** Scopes to ask for (a subset of the original grant); default: the original scopes. */
  readonly scope?: readonly string[];
  /** The claims of the original ID token; a refreshed ID token must match them (OIDC Core 12.2). */
  readonly previousIdTokenClaims?: IdTokenClaims;
  /** The provider key set for a refreshed ID token's signature. */
  readonly jwks?: RemoteJwks;
}

/**
 * Uses a refresh token. A DPoP-bound refresh token must be used with the same DPoP key
 * (`options.dpop`).
 *
 * @param metadata The server metadata.
 * @param client The client metadata.
 * @param refreshToken The refresh token.
 * @param options Scopes, the original ID token claims, client authentication, DPoP, keys, hooks.
 * @returns The new tokens; `refreshToken` is the rotated one, or `refreshToken` itself when the
 *   provider did not return one. Store it.
 * @throws {ProviderError} `TOKEN_ERROR` (`invalid_grant`: the user must sign in again), `DPOP_NONCE_ERROR`.
 * @throws {ValidationError} `TOKEN_RESPONSE_INVALID`, `TOKEN_TYPE_UNSUPPORTED`,
 *   `REFRESH_ID_TOKEN_MISMATCH`, and the ID token codes.
 * @throws {TransportError} `HTTP_*`.
 * @see [RFC 6749 - The OAuth 2.0 Authorization Framework, section 6](https://www.rfc-editor.org/rfc/rfc6749.html#section-6)
 * @see [OpenID Connect Core 1.0, section 12.2](https://openid.net/specs/openid-connect-core-1_0.html#RefreshTokenResponse)
 */
export async function refreshTokenGrant(
  metadata: ServerMetadata,
  client: ClientMetadata,
  refreshToken: string,
  options: RefreshTokenGrantOptions = {},
): Promise<TokenSet> {
  // RFC 6749 §6: grant_type=refresh_token, the token, and optionally a narrower scope.
  const grant = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken });
  if (options.scope && options.scope.length > 0) grant.set('scope', options.scope.join(' '));
  const body = await tokenEndpointRequest(metadata, client, grant, options);
  const parsed = processTokenResponse(body, {
    requestedScope: options.scope ?? [],
    dpop: options.dpop !== undefined,
    hooks: options.hooks,
    clock: options.clock,
  });
  let claims: IdTokenClaims | undefined;
  if (parsed.raw.id_token !== undefined) {
    // OIDC Core 12.2: a refreshed ID token is validated like the original (no nonce expected)…
    claims = await validateIdToken(parsed.raw.id_token, {
      metadata,
      client,
      jwks: options.jwks,
      hooks: options.hooks,
      accessToken: parsed.raw.access_token,
      http: options.http,
      clock: options.clock,
      clockToleranceSeconds: options.clockToleranceSeconds,
    });
    // …and must have the same iss, sub, aud, azp (and auth_time, nonce) as the original.
    if (options.previousIdTokenClaims) checkRefreshedIdTokenClaims(claims, options.previousIdTokenClaims);
  }
  const set = toTokenSet(parsed, claims);
  // RFC 6749 §6 / RFC 9700 §4.14.2: keep the rotated refresh token; without one, the old one stays valid.
  return set.refreshToken !== undefined ? set : { ...set, refreshToken };
}
