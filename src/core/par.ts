/**
 * Pushed Authorization Requests (RFC 9126): the authorization parameters are POSTed, with client
 * authentication, to the provider, and the browser is then sent with only `client_id` and the
 * returned `request_uri`.
 *
 * @module
 */
import { ConfigurationError, TransportError, ValidationError } from '../errors.js';
import { applyClientAuthentication, type ClientAuthContext, resolveClientAuthMethod } from './client-auth.js';
import { type HttpOptions, httpRequest, isPlainObject } from './http.js';
import type { ClientAuthMethod, ClientMetadata, ServerMetadata } from './types.js';

/** Options of {@link pushAuthorizationRequest}. */
export interface PushAuthorizationRequestOptions extends ClientAuthContext {
  /** The client authentication method. Default from the client metadata (see `resolveClientAuthMethod`). */
  readonly authMethod?: ClientAuthMethod;
  readonly http?: HttpOptions;
}

/** The PAR endpoint's answer (RFC 9126 §2.2). */
export interface PushedAuthorizationResponse {
  /** The one-time reference to the pushed request. */
  readonly request_uri: string;
  /** Its lifetime in seconds. */
  readonly expires_in: number;
}

/**
 * True when PAR must be used: the provider requires it (`require_pushed_authorization_requests` in
 * its metadata), the client was registered to require it, or the app asked for it.
 *
 * @see [RFC 9126, sections 5 and 6](https://www.rfc-editor.org/rfc/rfc9126.html#section-5)
 */
export function parRequired(metadata: ServerMetadata, client: ClientMetadata, appAsks?: boolean): boolean {
  // RFC 9126 §5 / §6: the server or client metadata flag makes PAR mandatory.
  return appAsks === true || metadata.require_pushed_authorization_requests === true || client.require_pushed_authorization_requests === true;
}

/**
 * POSTs the authorization parameters to the provider's `pushed_authorization_request_endpoint`.
 *
 * @param metadata The server metadata.
 * @param client The client metadata.
 * @param params Every authorization request parameter (never `request_uri`, RFC 9126 §2.1).
 * @param options Client authentication and transport.
 * @returns `request_uri` and `expires_in`; build the redirect with {@link pushedAuthorizationUrl}.
 * @throws {ConfigurationError} `METADATA_MISSING_ENDPOINT` when the provider has no PAR endpoint.
 * @throws {ProviderError} `PAR_ERROR` when the endpoint refuses the request.
 * @throws {ValidationError} `AUTHORIZATION_RESPONSE_INVALID` when the answer lacks `request_uri`.
 * @throws {TransportError} `HTTP_*` for transport failures (405, 413, 429 give `HTTP_BAD_STATUS`).
 * @see [RFC 9126 - OAuth 2.0 Pushed Authorization Requests, section 2](https://www.rfc-editor.org/rfc/rfc9126.html#section-2)
 */
export async function pushAuthorizationRequest(
  metadata: ServerMetadata,
  client: ClientMetadata,
  params: URLSearchParams,
  options: PushAuthorizationRequestOptions = {},
): Promise<PushedAuthorizationResponse> {
  const endpoint = metadata.pushed_authorization_request_endpoint;
  if (!endpoint) {
    throw new ConfigurationError(
      'The provider metadata has no pushed_authorization_request_endpoint, but PAR is required or was asked for.',
      'METADATA_MISSING_ENDPOINT',
    );
  }
  const body = new URLSearchParams(params);
  // RFC 9126 §2.1: request_uri must not be part of a pushed request.
  body.delete('request_uri');
  const headers = new Headers({ 'content-type': 'application/x-www-form-urlencoded' });
  await applyClientAuthentication(options.authMethod ?? resolveClientAuthMethod(client, options.privateKey), client, metadata, body, headers, options);
  // RFC 9126 §2.1: client_id is part of the authorization parameters; keep it for every method.
  if (!body.has('client_id')) body.set('client_id', client.client_id);
  const result = await httpRequest(
    // RFC 9126 §2.2: a successful push answers 201 Created with a JSON body.
    { url: endpoint, method: 'POST', headers, body, expect: 'json', okStatuses: [200, 201], oauthErrorCode: 'PAR_ERROR' },
    options.http,
  );
  const json = result.json;
  if (!isPlainObject(json)) {
    throw new TransportError('HTTP_INVALID_JSON', 'The PAR endpoint did not answer with a JSON object.', { url: endpoint, response: result.response });
  }
  // RFC 9126 §2.2: request_uri (string) and expires_in (positive integer) are required.
  if (typeof json.request_uri !== 'string' || json.request_uri.length === 0) {
    throw new ValidationError('AUTHORIZATION_RESPONSE_INVALID', 'The PAR response has no "request_uri".', { claim: 'request_uri' });
  }
  const expiresIn = typeof json.expires_in === 'number' && json.expires_in > 0 ? json.expires_in : 60;
  return { request_uri: json.request_uri, expires_in: expiresIn };
}

/**
 * The authorization URL for a pushed request: only `client_id` and `request_uri` (RFC 9126 §4).
 *
 * @throws {ConfigurationError} `METADATA_MISSING_ENDPOINT` without an `authorization_endpoint`.
 * @see [RFC 9126, section 4](https://www.rfc-editor.org/rfc/rfc9126.html#section-4)
 */
export function pushedAuthorizationUrl(metadata: ServerMetadata, clientId: string, requestUri: string): URL {
  if (!metadata.authorization_endpoint) {
    throw new ConfigurationError('The provider metadata has no authorization_endpoint.', 'METADATA_MISSING_ENDPOINT');
  }
  const url = new URL(metadata.authorization_endpoint);
  // RFC 9126 §4: the authorization request carries client_id and request_uri only.
  url.searchParams.set('client_id', clientId);
  url.searchParams.set('request_uri', requestUri);
  return url;
}
