/**
 * The authorization request (the login redirect): `response_type=code`, with a one-time `state`,
 * a `nonce` (OpenID Connect) and PKCE S256 always; optional `prompt`, `max_age`, `login_hint`,
 * `acr_values`, `response_mode=form_post`, and extra parameters that cannot override the protected
 * ones. Pushed (PAR, RFC 9126) when the provider or client requires it, or the app asks.
 *
 * @module
 */
import { ConfigurationError } from '../errors.js';
import { base64url, randomToken, sha256 } from '../internal/encoding.js';
import type { DPoPHandle } from './dpop.js';
import { type PushAuthorizationRequestOptions, parRequired, pushAuthorizationRequest, pushedAuthorizationUrl } from './par.js';
import type { AuthorizationRequestOptions, AuthorizationTransaction, ClientMetadata, ServerMetadata } from './types.js';

/**
 * Parameters the library sets itself; `extraParams` cannot override them.
 *
 * @see [OpenID Connect Core 1.0, section 3.1.2.1](https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest)
 */
export const PROTECTED_AUTHORIZATION_PARAMS: readonly string[] = [
  'response_type',
  'client_id',
  'redirect_uri',
  'scope',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
  'response_mode',
  'prompt',
  'max_age',
  'login_hint',
  'acr_values',
  'request',
  'request_uri',
  'dpop_jkt',
];

/** Options of {@link createAuthorizationRequest}. */
export interface CreateAuthorizationRequestOptions extends AuthorizationRequestOptions {
  /** `oidc` (default): `openid` scope and a `nonce`; `oauth2`: neither. */
  readonly kind?: 'oidc' | 'oauth2';
  /** The current time in milliseconds. Default `Date.now`. */
  readonly clock?: () => number;
  /** Binds the authorization code to this DPoP key (`dpop_jkt`, RFC 9449 §10). */
  readonly dpop?: DPoPHandle;
  /** Client authentication and transport for PAR. */
  readonly par?: PushAuthorizationRequestOptions;
}

/** The result of {@link createAuthorizationRequest}. */
export interface AuthorizationRequest {
  /** Where to send the browser. */
  readonly url: URL;
  /** Keep it for the callback (bound to this browser), then discard it. */
  readonly transaction: AuthorizationTransaction;
}

/**
 * Computes the PKCE S256 `code_challenge` of a verifier: base64url(SHA-256(ASCII(verifier))).
 *
 * @see [RFC 7636 - Proof Key for Code Exchange, section 4.2](https://www.rfc-editor.org/rfc/rfc7636.html#section-4.2)
 */
export async function pkceChallenge(codeVerifier: string): Promise<string> {
  return base64url(await sha256(codeVerifier));
}

/**
 * Builds the authorization request and the transaction to keep for the callback. With PAR, the
 * parameters are pushed first and the URL carries only `client_id` and `request_uri`.
 *
 * @param metadata The server metadata.
 * @param client The client metadata.
 * @param redirectUri The exact redirect URI registered with the provider.
 * @param options Scopes, prompts, response mode, extra parameters, PAR and DPoP.
 * @returns The URL to redirect to, and the transaction; next, on the callback, call
 *   `validateAuthorizationResponse` with it.
 * @throws {ConfigurationError} `CONFIG_INVALID` when `extraParams` names a protected parameter or
 *   `maxAge` is invalid; `METADATA_MISSING_ENDPOINT` without the endpoint needed.
 * @throws {ProviderError} `PAR_ERROR` when the PAR endpoint refuses the request.
 * @see [RFC 6749 - The OAuth 2.0 Authorization Framework, section 4.1.1](https://www.rfc-editor.org/rfc/rfc6749.html#section-4.1.1)
 * @see [OpenID Connect Core 1.0, section 3.1.2.1](https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest)
 * @see [RFC 7636 - Proof Key for Code Exchange](https://www.rfc-editor.org/rfc/rfc7636.html#section-4)
 */
export async function createAuthorizationRequest(
  metadata: ServerMetadata,
  client: ClientMetadata,
  redirectUri: string,
  options: CreateAuthorizationRequestOptions = {},
): Promise<AuthorizationRequest> {
  if (!metadata.authorization_endpoint) {
    throw new ConfigurationError('The provider metadata has no authorization_endpoint.', 'METADATA_MISSING_ENDPOINT');
  }
  const kind = options.kind ?? 'oidc';
  for (const key of Object.keys(options.extraParams ?? {})) {
    if (PROTECTED_AUTHORIZATION_PARAMS.includes(key)) {
      throw new ConfigurationError(`extraParams cannot set "${key}": Latchkey sets it itself (use the dedicated option if there is one).`);
    }
  }
  if (options.maxAge !== undefined && (!Number.isInteger(options.maxAge) || options.maxAge < 0)) {
    throw new ConfigurationError('maxAge must be a non-negative integer number of seconds.');
  }
  let scope = [...(options.scope ?? (kind === 'oidc' ? ['openid'] : []))];
  // OIDC Core 3.1.2.1: an OpenID Connect request must contain the openid scope.
  if (kind === 'oidc' && !scope.includes('openid')) scope = ['openid', ...scope];
  scope = [...new Set(scope)];

  // RFC 6749 §10.12 / RFC 9700 §4.7.1: a one-time, unguessable state bound to this browser.
  const state = randomToken(32);
  // OIDC Core 3.1.2.1: a nonce binds the ID token to this request.
  const nonce = kind === 'oidc' ? randomToken(32) : undefined;
  // RFC 7636 §4.1: 32 random octets, base64url (43 characters).
  const codeVerifier = randomToken(32);
  const params = new URLSearchParams();
  // RFC 9700 §2.1.2: only the authorization code flow.
  params.set('response_type', 'code');
  params.set('client_id', client.client_id);
  params.set('redirect_uri', redirectUri);
  if (scope.length > 0) params.set('scope', scope.join(' '));
  params.set('state', state);
  if (nonce !== undefined) params.set('nonce', nonce);
  // RFC 7636 §4.3 / §7.2: always S256, never downgraded to plain, whatever the metadata says.
  params.set('code_challenge', await pkceChallenge(codeVerifier));
  params.set('code_challenge_method', 'S256');
  // OAuth 2.0 Form Post Response Mode §2: the response comes back as a POSTed form.
  if (options.responseMode === 'form_post') params.set('response_mode', 'form_post');
  if (options.prompt !== undefined) params.set('prompt', options.prompt);
  if (options.maxAge !== undefined) params.set('max_age', String(options.maxAge));
  if (options.loginHint !== undefined) params.set('login_hint', options.loginHint);
  if (options.acrValues !== undefined && options.acrValues.length > 0) params.set('acr_values', options.acrValues.join(' '));
  let dpopJkt: string | undefined;
  if (options.dpop) {
    // RFC 9449 §10: dpop_jkt binds the authorization code to the DPoP key.
    dpopJkt = await options.dpop.thumbprint();
    params.set('dpop_jkt', dpopJkt);
  }
  for (const [key, value] of Object.entries(options.extraParams ?? {})) params.set(key, value);

  const transaction: AuthorizationTransaction = {
    state,
    ...(nonce !== undefined ? { nonce } : {}),
    codeVerifier,
    issuer: metadata.issuer,
    redirectUri,
    scope,
    ...(options.maxAge !== undefined ? { maxAge: options.maxAge } : {}),
    createdAt: (options.clock ?? Date.now)(),
    responseMode: options.responseMode ?? 'query',
    ...(dpopJkt !== undefined ? { dpopJkt } : {}),
  };

  // RFC 9126 §5 / §6: PAR when the provider or the client requires it, or the app asks.
  if (parRequired(metadata, client, options.usePar)) {
    const pushed = await pushAuthorizationRequest(metadata, client, params, options.par);
    return { url: pushedAuthorizationUrl(metadata, client.client_id, pushed.request_uri), transaction };
  }
  const url = new URL(metadata.authorization_endpoint);
  params.forEach((value, key) => {
    url.searchParams.set(key, value);
  });
  return { url, transaction };
}
