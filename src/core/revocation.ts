/**
 * Token revocation (RFC 7009): tell the provider an access or refresh token is no longer needed.
 *
 * @module
 */
import { ConfigurationError } from '../errors.js';
import { applyClientAuthentication, resolveClientAuthMethod } from './client-auth.js';
import { httpRequest } from './http.js';
import type { TokenRequestOptions } from './token-request.js';
import type { ClientMetadata, ServerMetadata } from './types.js';

/** Options of {@link revokeToken}. */
export interface RevokeTokenOptions extends Omit<TokenRequestOptions, 'dpop' | 'hooks'> {
  /** `token_type_hint` (RFC 7009 §2.1). */
  readonly hint?: 'access_token' | 'refresh_token';
}

/**
 * Revokes a token at the provider's `revocation_endpoint`, with client authentication. A 200
 * answer means done, including for tokens the provider did not know (RFC 7009 §2.2).
 *
 * @param metadata The server metadata (`revocation_endpoint`).
 * @param client The client metadata.
 * @param token The access or refresh token.
 * @param options The hint, client authentication and transport.
 * @throws {ConfigurationError} `METADATA_MISSING_ENDPOINT` without a revocation endpoint.
 * @throws {ProviderError} `REVOCATION_ERROR` (e.g. `unsupported_token_type`, `invalid_client`).
 * @throws {TransportError} `HTTP_*`.
 * @see [RFC 7009 - OAuth 2.0 Token Revocation, section 2](https://www.rfc-editor.org/rfc/rfc7009.html#section-2)
 */
export async function revokeToken(metadata: ServerMetadata, client: ClientMetadata, token: string, options: RevokeTokenOptions = {}): Promise<void> {
  const endpoint = metadata.revocation_endpoint;
  if (!endpoint) throw new ConfigurationError('The provider metadata has no revocation_endpoint.', 'METADATA_MISSING_ENDPOINT');
  // RFC 7009 §2.1: token, and optionally token_type_hint, form-encoded, with client authentication.
  const body = new URLSearchParams({ token });
  if (options.hint) body.set('token_type_hint', options.hint);
  const headers = new Headers({ 'content-type': 'application/x-www-form-urlencoded' });
  await applyClientAuthentication(options.authMethod ?? resolveClientAuthMethod(client, options.privateKey), client, metadata, body, headers, options);
  // RFC 7009 §2.2: HTTP 200 on success (the body is ignored); §2.2.1: error bodies as in RFC 6749 §5.2.
  await httpRequest({ url: endpoint, method: 'POST', headers, body, expect: 'any', oauthErrorCode: 'REVOCATION_ERROR' }, options.http);
}
