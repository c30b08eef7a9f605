/**
 * The token endpoint: the `authorization_code` and `client_credentials` grants (the refresh grant is
 * in `refresh.ts`), client authentication, DPoP with one `use_dpop_nonce` retry, and strict parsing
 * of the response (after the provider's `conformTokenResponse` hook).
 *
 * @module
 */
import { ConfigurationError, ProviderError, TransportError, ValidationError } from '../errors.js';
import { applyClientAuthentication, type ClientAuthContext, resolveClientAuthMethod } from './client-auth.js';
import { type DPoPHandle, isUseDpopNonce, nonceLoop } from './dpop.js';
import { type HttpResult, httpRequest, isPlainObject } from './http.js';
import { validateIdToken } from './id-token.js';
import type { RemoteJwks } from './jwks.js';
import type {
  AuthorizationTransaction,
  ClientAuthMethod,
  ClientMetadata,
  CoreOptions,
  IdTokenClaims,
  ProtocolHooks,
  ServerMetadata,
  TokenEndpointResponse,
  TokenSet,
} from './types.js';

/** Options of every token endpoint request. */
export interface TokenRequestOptions extends CoreOptions, ClientAuthContext {
  /** The client authentication method. Default from the client metadata (`resolveClientAuthMethod`). */
  readonly authMethod?: ClientAuthMethod;
  /** Sends a DPoP proof and expects a DPoP-bound token (RFC 9449). */
  readonly dpop?: DPoPHandle;
  /** Provider quirks: `conformTokenResponse`, issuer aliases, extra ID token checks. */
  readonly hooks?: ProtocolHooks;
}

/** Options of {@link authorizationCodeGrant}. */
export interface AuthorizationCodeGrantOptions extends TokenRequestOptions {
  /** `oidc` (default): an ID token is required when `openid` was requested, and validated. */
  readonly kind?: 'oidc' | 'oauth2';
  /** The provider key set for the ID token signature. */
  readonly jwks?: RemoteJwks;
}

/** The token response after strict parsing, before ID token validation. */
export interface ParsedTokenResponse {
  readonly raw: TokenEndpointResponse;
  readonly tokenType: 'Bearer' | 'DPoP';
  readonly expiresAt?: number;
  readonly grantedScopes: readonly string[];
}

/**
 * POSTs a grant to the token endpoint with client authentication (and a DPoP proof, retried once on
 * `use_dpop_nonce`), and returns the JSON object it answered.
 *
 * @param metadata The server metadata (`token_endpoint`).
 * @param client The client metadata.
 * @param grant The grant parameters (`grant_type`, …).
 * @param options Client authentication, DPoP and transport.
 * @returns The raw JSON body; pass it to {@link processTokenResponse}.
 * @throws {ConfigurationError} `METADATA_MISSING_ENDPOINT`, `CONFIG_INVALID`.
 * @throws {ProviderError} `TOKEN_ERROR` (with `error`, e.g. `invalid_grant`), `DPOP_NONCE_ERROR`.
 * @throws {TransportError} `HTTP_*`.
 * @see [RFC 6749 - The OAuth 2.0 Authorization Framework, section 3.2](https://www.rfc-editor.org/rfc/rfc6749.html#section-3.2)
 * @see [RFC 9449 - DPoP, section 8](https://www.rfc-editor.org/rfc/rfc9449.html#section-8)
 */
export async function tokenEndpointRequest(
  metadata: ServerMetadata,
  client: ClientMetadata,
  grant: URLSearchParams,
  options: TokenRequestOptions = {},
): Promise<Record<string, unknown>> {
  const endpoint = metadata.token_endpoint;
  if (!endpoint) throw new ConfigurationError('The provider metadata has no token_endpoint.', 'METADATA_MISSING_ENDPOINT');
  const method = options.authMethod ?? resolveClientAuthMethod(client, options.privateKey);
  const send = async (): Promise<HttpResult> => {
    const body = new URLSearchParams(grant);
    const headers = new Headers({ 'content-type': 'application/x-www-form-urlencoded' });
    await applyClientAuthentication(method, client, metadata, body, headers, options);
    // RFC 9449 §5: a DPoP proof for the token request (no ath).
    if (options.dpop) headers.set('dpop', await options.dpop.proof('POST', endpoint));
    const result = await httpRequest(
      { url: endpoint, method: 'POST', headers, body, expect: 'json', oauthErrorCode: 'TOKEN_ERROR', conformErrorBody: options.hooks?.conformTokenError },
      options.http,
    );
    options.dpop?.rememberNonce(endpoint, result.headers);
    return result;
  };
  let result: HttpResult;
  try {
    result = await send();
  } catch (error) {
    // RFC 9449 §8: the AS asks for a nonce with use_dpop_nonce and a DPoP-Nonce header; retry once.
    if (!options.dpop || !isUseDpopNonce(error)) throw error;
    options.dpop.rememberNonce(endpoint, error.response!.headers);
    try {
      result = await send();
    } catch (again) {
      if (isUseDpopNonce(again)) throw nonceLoop(again.httpStatus);
      throw again;
    }
  }
  if (!isPlainObject(result.json)) {
    throw new TransportError('HTTP_INVALID_JSON', 'The token endpoint did not answer with a JSON object.', { url: endpoint, response: result.response });
  }
  return result.json;
}

/**
 * Parses a token endpoint response strictly, after the provider's `conformTokenResponse` hook:
 * `access_token` required; it and `refresh_token` only of VSCHAR (%x20-7E); `token_type`
 * compared case-insensitively, only `Bearer` and `DPoP` usable; `expires_in` optional, capped at
 * {@link MAX_EXPIRES_IN_SECONDS} (one year); an empty (or blank) `refresh_token` is dropped (no
 * refresh token came); a missing `scope` means the requested scopes; unknown members kept.
 *
 * @param body The JSON body from the token endpoint.
 * @param options The scopes requested, whether DPoP was used, hooks and clock.
 * @returns The parsed response (ID token not validated yet).
 * @throws {ValidationError} `TOKEN_RESPONSE_INVALID`, `TOKEN_TYPE_UNSUPPORTED`.
 * @see [RFC 6749, section 5.1](https://www.rfc-editor.org/rfc/rfc6749.html#section-5.1)
 */
export function processTokenResponse(
  body: Readonly<Record<string, unknown>>,
  options: { readonly requestedScope?: readonly string[]; readonly dpop?: boolean; readonly hooks?: ProtocolHooks; readonly clock?: () => number } = {},
): ParsedTokenResponse {
  const conformed: Readonly<Record<string, unknown>> = options.hooks?.conformTokenResponse ? options.hooks.conformTokenResponse(body) : body;
  // RFC 6749 §5.1: access_token and token_type are required strings.
  if (typeof conformed.access_token !== 'string' || conformed.access_token.trim().length === 0) throw invalid('access_token', 'has no "access_token"');
  if (typeof conformed.token_type !== 'string' || conformed.token_type.length === 0) throw invalid('token_type', 'has no "token_type"');
  // RFC 6749 §7.1 / RFC 9449 §5: token types are case-insensitive; only Bearer and DPoP are understood.
  const lowered = conformed.token_type.toLowerCase();
  let tokenType: 'Bearer' | 'DPoP';
  if (lowered === 'bearer') tokenType = 'Bearer';
  else if (lowered === 'dpop' && options.dpop) tokenType = 'DPoP';
  else {
    throw new ValidationError(
      'TOKEN_TYPE_UNSUPPORTED',
      lowered === 'dpop'
        ? 'The provider issued a DPoP-bound token but no DPoP key was used.'
        : `The provider issued a "${conformed.token_type.slice(0, 40)}" access token; only Bearer and DPoP are usable.`,
      { claim: 'token_type', expected: ['Bearer', 'DPoP'], actual: conformed.token_type.slice(0, 40) },
    );
  }
  // RFC 6749 §5.1: expires_in is optional; when present it is a number of seconds.
  const expiresIn = conformed.expires_in;
  if (expiresIn !== undefined && (typeof expiresIn !== 'number' || !Number.isFinite(expiresIn) || expiresIn < 0))
    throw invalid('expires_in', 'has a non-numeric "expires_in"');
  for (const member of ['refresh_token', 'id_token', 'scope'] as const) {
    if (conformed[member] !== undefined && typeof conformed[member] !== 'string') throw invalid(member, `has a non-string "${member}"`);
  }
  // RFC 6749 Appendix A.12 / A.17: access-token and refresh-token = 1*VSCHAR (%x20-7E). A CR, LF,
  // NUL or non-ASCII character would make the Authorization header invalid, and fetch's error
  // message quotes the header value: the token would end up in the error and the logs.
  if (!VSCHARS.test(conformed.access_token)) throw invalid('access_token', 'has an "access_token" with characters outside %x20-7E (RFC 6749 Appendix A.12)');
  // RFC 6749 §5.1 / §6: an empty (or blank) refresh_token is no refresh token; it must not replace a stored one.
  const noRefreshToken = typeof conformed.refresh_token === 'string' && conformed.refresh_token.trim() === '';
  if (typeof conformed.refresh_token === 'string' && !noRefreshToken && !VSCHARS.test(conformed.refresh_token)) {
    throw invalid('refresh_token', 'has a "refresh_token" with characters outside %x20-7E (RFC 6749 Appendix A.17)');
  }
  const scope = conformed.scope as string | undefined;
  // RFC 6749 §5.1: a missing scope means the requested scopes were granted.
  const grantedScopes = scope !== undefined ? scope.split(' ').filter((s) => s.length > 0) : [...(options.requestedScope ?? [])];
  const raw = (noRefreshToken ? withoutMember(conformed, 'refresh_token') : conformed) as TokenEndpointResponse;
  const now = (options.clock ?? Date.now)();
  // A lifetime beyond MAX_EXPIRES_IN_SECONDS (e.g. 1e308, which would make expiresAt Infinity) is capped.
  return { raw, tokenType, ...(typeof expiresIn === 'number' ? { expiresAt: now + Math.min(expiresIn, MAX_EXPIRES_IN_SECONDS) * 1000 } : {}), grantedScopes };
}

/** RFC 6749 Appendix A: VSCHAR = %x20-7E. */
const VSCHARS = /^[\x20-\x7e]+$/;

/** The longest access token lifetime taken from `expires_in`: one year, in seconds. Longer ones are capped. */
export const MAX_EXPIRES_IN_SECONDS = 365 * 24 * 3600;

function withoutMember(body: Readonly<Record<string, unknown>>, member: string): Record<string, unknown> {
  const { [member]: _dropped, ...rest } = body;
  return rest;
}

/**
 * Builds a {@link TokenSet} from a parsed response and, when an ID token came, its validated claims.
 *
 * @see [RFC 6749, section 5.1](https://www.rfc-editor.org/rfc/rfc6749.html#section-5.1)
 */
export function toTokenSet(parsed: ParsedTokenResponse, idTokenClaims?: IdTokenClaims): TokenSet {
  const { raw } = parsed;
  return {
    accessToken: raw.access_token,
    tokenType: parsed.tokenType,
    ...(parsed.expiresAt !== undefined ? { expiresAt: parsed.expiresAt } : {}),
    ...(raw.refresh_token !== undefined ? { refreshToken: raw.refresh_token } : {}),
    ...(raw.id_token !== undefined ? { idToken: raw.id_token } : {}),
    ...(idTokenClaims !== undefined ? { idTokenClaims } : {}),
    grantedScopes: parsed.grantedScopes,
    raw,
  };
}

/**
 * Exchanges an authorization code for tokens: repeats `redirect_uri`, sends the PKCE
 * `code_verifier`, then validates the ID token (nonce, `max_age`) when `openid` was requested.
 *
 * @param metadata The server metadata.
 * @param client The client metadata.
 * @param code The code from `validateAuthorizationResponse`.
 * @param transaction The transaction of this login.
 * @param options Client authentication, DPoP, keys, hooks, clock.
 * @returns The validated tokens.
 * @throws {ProviderError} `TOKEN_ERROR` (e.g. `invalid_grant`), `DPOP_NONCE_ERROR`.
 * @throws {ValidationError} `TOKEN_RESPONSE_INVALID`, `TOKEN_TYPE_UNSUPPORTED`, `ID_TOKEN_MISSING`,
 *   and every ID token code of `validateIdToken`.
 * @throws {TransportError} `HTTP_*`.
 * @see [RFC 6749, section 4.1.3](https://www.rfc-editor.org/rfc/rfc6749.html#section-4.1.3)
 * @see [RFC 7636, section 4.5](https://www.rfc-editor.org/rfc/rfc7636.html#section-4.5)
 * @see [OpenID Connect Core 1.0, section 3.1.3](https://openid.net/specs/openid-connect-core-1_0.html#TokenEndpoint)
 */
export async function authorizationCodeGrant(
  metadata: ServerMetadata,
  client: ClientMetadata,
  code: string,
  transaction: AuthorizationTransaction,
  options: AuthorizationCodeGrantOptions = {},
): Promise<TokenSet> {
  const grant = new URLSearchParams({
    grant_type: 'authorization_code',
    code,
    // RFC 6749 §4.1.3: redirect_uri repeated exactly as sent in the authorization request.
    redirect_uri: transaction.redirectUri,
    // RFC 7636 §4.5: the PKCE verifier.
    code_verifier: transaction.codeVerifier,
  });
  const body = await tokenEndpointRequest(metadata, client, grant, options);
  const parsed = processTokenResponse(body, {
    requestedScope: transaction.scope,
    dpop: options.dpop !== undefined,
    hooks: options.hooks,
    clock: options.clock,
  });
  const wantsIdToken = (options.kind ?? 'oidc') === 'oidc' && transaction.scope.includes('openid');
  const idToken = parsed.raw.id_token;
  if (idToken === undefined) {
    // OIDC Core 3.1.3.3: an OpenID Connect token response contains an ID token.
    if (wantsIdToken)
      throw new ValidationError('ID_TOKEN_MISSING', 'The token response has no "id_token" although "openid" was requested.', { claim: 'id_token' });
    return toTokenSet(parsed);
  }
  // OIDC Core 3.1.3.7: validate the ID token (nonce and max_age from this login's transaction).
  const claims = await validateIdToken(idToken, {
    metadata,
    client,
    jwks: options.jwks,
    hooks: options.hooks,
    expectedNonce: transaction.nonce,
    maxAge: transaction.maxAge,
    accessToken: parsed.raw.access_token,
    http: options.http,
    clock: options.clock,
    clockToleranceSeconds: options.clockToleranceSeconds,
  });
  return toTokenSet(parsed, claims);
}

/**
 * The client credentials grant: a token for the client itself (no user, no ID token).
 *
 * @param metadata The server metadata.
 * @param client The client metadata (a confidential client).
 * @param params The scopes and the resource indicator (RFC 8707) requested.
 * @param options Client authentication, DPoP, hooks, transport.
 * @returns The tokens.
 * @throws {ProviderError} `TOKEN_ERROR`, `DPOP_NONCE_ERROR`.
 * @throws {ValidationError} `TOKEN_RESPONSE_INVALID`, `TOKEN_TYPE_UNSUPPORTED`.
 * @throws {TransportError} `HTTP_*`.
 * @see [RFC 6749, section 4.4](https://www.rfc-editor.org/rfc/rfc6749.html#section-4.4)
 */
export async function clientCredentialsGrant(
  metadata: ServerMetadata,
  client: ClientMetadata,
  params: { readonly scope?: readonly string[]; readonly resource?: string } = {},
  options: TokenRequestOptions = {},
): Promise<TokenSet> {
  // RFC 6749 §4.4.2: grant_type=client_credentials, optional scope.
  const grant = new URLSearchParams({ grant_type: 'client_credentials' });
  if (params.scope && params.scope.length > 0) grant.set('scope', params.scope.join(' '));
  // RFC 8707 §2: the resource indicator names the target resource server.
  if (params.resource !== undefined) grant.set('resource', params.resource);
  const body = await tokenEndpointRequest(metadata, client, grant, options);
  return toTokenSet(
    processTokenResponse(body, { requestedScope: params.scope ?? [], dpop: options.dpop !== undefined, hooks: options.hooks, clock: options.clock }),
  );
}

function invalid(claim: string, what: string): ValidationError {
  return new ValidationError('TOKEN_RESPONSE_INVALID', `The token response ${what}.`, { claim });
}

/**
 * True for a `TOKEN_ERROR` whose `error` is `invalid_grant` (the grant is gone: the user must sign in again).
 *
 * @see [RFC 6749, section 5.2](https://www.rfc-editor.org/rfc/rfc6749.html#section-5.2)
 */
export function isInvalidGrant(error: unknown): boolean {
  return error instanceof ProviderError && error.code === 'TOKEN_ERROR' && error.error === 'invalid_grant';
}
