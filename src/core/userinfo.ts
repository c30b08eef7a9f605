/**
 * The UserInfo endpoint (OIDC Core §5.3): the access token goes in the `Authorization` header only
 * (never in the query), the response `sub` must equal the ID token's, and a signed (JWT) response
 * is verified like an ID token with its `iss`/`aud` checked when present.
 *
 * @module
 */
import { ConfigurationError, ValidationError } from '../errors.js';
import { type DPoPHandle, resourceRequest } from './dpop.js';
import { isPlainObject } from './http.js';
import { checkAudience, checkIssuer } from './id-token.js';
import { getRemoteJwks, type RemoteJwks } from './jwks.js';
import { verifyJwt } from './jwt.js';
import type { ClientMetadata, CoreOptions, ProtocolHooks, ServerMetadata } from './types.js';

/** Options of {@link fetchUserinfo}. */
export interface UserinfoOptions extends CoreOptions {
  /** The ID token `sub`; the response `sub` must equal it (OIDC Core 5.3.2). */
  readonly expectedSubject?: string;
  /** The provider key set, for a signed response; default: the shared one for `metadata.jwks_uri`. */
  readonly jwks?: RemoteJwks;
  /** The access token type. Default `Bearer`. */
  readonly tokenType?: 'Bearer' | 'DPoP';
  /** The DPoP key that obtained a DPoP-bound access token (RFC 9449). */
  readonly dpop?: DPoPHandle;
  /** Provider quirks (issuer aliases, templated issuer) for a signed response's `iss`. */
  readonly hooks?: ProtocolHooks;
}

/**
 * Calls the UserInfo endpoint and returns its claims, checked.
 *
 * @param metadata The provider metadata (`userinfo_endpoint`, `issuer`, `jwks_uri`).
 * @param client The client (`client_id`, `userinfo_signed_response_alg`, `client_secret` for HS*).
 * @param accessToken The access token; sent only in the `Authorization` header.
 * @param options The expected subject, keys, token type, transport and hooks.
 * @returns The userinfo claims (at least `sub`).
 * @throws {ConfigurationError} `METADATA_MISSING_ENDPOINT` without a `userinfo_endpoint`;
 *   `CONFIG_INVALID` for a DPoP token without a DPoP handle.
 * @throws {ProviderError} `USERINFO_ERROR` when the endpoint refuses the token.
 * @throws {ValidationError} `USERINFO_SUB_MISMATCH`, `USERINFO_INVALID`, and the JWT codes for a signed response.
 * @throws {TransportError} `HTTP_*`.
 * @see [OpenID Connect Core 1.0, section 5.3](https://openid.net/specs/openid-connect-core-1_0.html#UserInfo)
 */
export async function fetchUserinfo(
  metadata: ServerMetadata,
  client: ClientMetadata,
  accessToken: string,
  options: UserinfoOptions = {},
): Promise<Record<string, unknown>> {
  const endpoint = metadata.userinfo_endpoint;
  if (!endpoint) throw new ConfigurationError('The provider publishes no userinfo_endpoint.', 'METADATA_MISSING_ENDPOINT');
  // RFC 6750 §2.1 / RFC 9700 §4.3.2: the token goes in the Authorization header, never in the query.
  // RFC 9449 §7.1: a DPoP-bound token goes with the DPoP scheme and a proof (use_dpop_nonce retried once).
  const result = await resourceRequest(
    endpoint,
    accessToken,
    options.tokenType ?? 'Bearer',
    { method: 'GET', expect: 'json-or-jwt', oauthErrorCode: 'USERINFO_ERROR' },
    { dpop: options.dpop, http: options.http },
  );
  return processUserinfoBody(result.contentType, result.text, result.json, metadata, client, options);
}

/**
 * Checks a UserInfo response body (used by {@link fetchUserinfo} and by callers that sent the
 * request themselves, e.g. with DPoP).
 *
 * @param contentType The response content type, lower-cased, without parameters.
 * @param text The raw body.
 * @param json The parsed body, when it was JSON.
 * @throws {ValidationError} `USERINFO_SUB_MISMATCH`, `USERINFO_INVALID`, and the JWT codes.
 * @see [OpenID Connect Core 1.0, section 5.3.2](https://openid.net/specs/openid-connect-core-1_0.html#UserInfoResponse)
 */
export async function processUserinfoBody(
  contentType: string,
  text: string,
  json: unknown,
  metadata: ServerMetadata,
  client: ClientMetadata,
  options: UserinfoOptions = {},
): Promise<Record<string, unknown>> {
  let claims: Record<string, unknown>;
  const signedAlg = client.userinfo_signed_response_alg;
  if (contentType === 'application/jwt') {
    // OIDC Core 5.3.2: a JWT response is only expected when the client registered a signing alg.
    if (!signedAlg)
      throw new ValidationError('USERINFO_INVALID', 'The userinfo endpoint answered with a JWT but no userinfo_signed_response_alg is configured.', {
        claim: 'content-type',
      });
    const jwks = options.jwks ?? (metadata.jwks_uri ? getRemoteJwks(metadata.jwks_uri, { http: options.http, clock: options.clock }) : undefined);
    const { payload } = await verifyJwt(text.trim(), { jwks, clientSecret: client.client_secret, allowedAlgs: [signedAlg] });
    // OIDC Core 5.3.2: a signed response SHOULD contain iss and aud; when present they must be right.
    if (payload.iss !== undefined) checkIssuer(payload, metadata, options.hooks, 'USERINFO_INVALID');
    if (payload.aud !== undefined) checkAudience(payload.aud, client, 'USERINFO_INVALID');
    claims = payload;
  } else {
    // OIDC Core 5.3.2: the client registered a signed response; an unsigned one is refused.
    if (signedAlg)
      throw new ValidationError('USERINFO_INVALID', 'The userinfo response is not signed although userinfo_signed_response_alg is configured.', {
        claim: 'content-type',
      });
    if (!isPlainObject(json)) throw new ValidationError('USERINFO_INVALID', 'The userinfo response is not a JSON object.');
    claims = json;
  }
  // OIDC Core 5.3.2: sub is always returned.
  if (typeof claims.sub !== 'string' || claims.sub.length === 0)
    throw new ValidationError('USERINFO_INVALID', 'The userinfo response has no "sub".', { claim: 'sub' });
  // OIDC Core 5.3.2: the sub MUST exactly match the ID token's; otherwise the values MUST NOT be used.
  if (options.expectedSubject !== undefined && claims.sub !== options.expectedSubject) {
    throw new ValidationError('USERINFO_SUB_MISMATCH', 'The userinfo "sub" differs from the ID token "sub"; the response was discarded.', { claim: 'sub' });
  }
  return claims;
}
