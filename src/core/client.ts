/**
 * `OidcClient`: the high-level relying party the app layer uses. It discovers (or checks) the
 * provider metadata once, keeps the provider's key set, and ties the low-level operations together:
 * authorization URL, callback (response validation, code exchange, ID token validation), userinfo,
 * refresh, client credentials, revocation, RP-initiated and back-channel logout, and resource calls
 * with Bearer or DPoP tokens.
 *
 * @module
 */
import { ConfigurationError, TransportError, ValidationError } from '../errors.js';
import { base64url, sha256 } from '../internal/encoding.js';
import { createAuthorizationRequest } from './authorization-request.js';
import { UsedStates, validateAuthorizationResponse } from './authorization-response.js';
import { validateLogoutToken as validateLogoutTokenJwt } from './backchannel-logout.js';
import { resolveClientAuthMethod } from './client-auth.js';
import { checkMetadata, discover } from './discovery.js';
import { DPoPHandle, type ResourceRequestOptions, resourceRequest, withAccessToken } from './dpop.js';
import { buildEndSessionUrl, validateEndSessionResponse } from './end-session.js';
import { type IssuerSource, labelEndpoints } from './endpoint-policy.js';
import { fetchStream, HTTP_DEFAULTS, type HttpMethod, type HttpOptions, type HttpResult, unfollowedRedirect } from './http.js';
import { checkVerificationOptions } from './id-token.js';
import { type KeySetLimits, RemoteJwks } from './jwks.js';
import { parRequired } from './par.js';
import { createProviderContext, type ProviderClientCredentials, type ProviderContext } from './provider-context.js';
import { refreshTokenGrant } from './refresh.js';
import { revokeToken } from './revocation.js';
import { type AuthorizationCodeGrantOptions, authorizationCodeGrant, clientCredentialsGrant, type TokenRequestOptions } from './token-request.js';
import type {
  AuthorizationRequestOptions,
  AuthorizationTransaction,
  ClientAuthMethod,
  ClientMetadata,
  CoreOptions,
  IdTokenClaims,
  LogoutTokenClaims,
  PrivateKey,
  ProtocolHooks,
  ServerMetadata,
  TokenSet,
} from './types.js';
import { fetchUserinfo } from './userinfo.js';

/**
 * Options of {@link OidcClient.create}.
 */
export interface OidcClientOptions extends CoreOptions {
  /** The issuer identifier, exactly as the provider spells it. */
  readonly issuer: string;
  /** `oidc` (default): ID token, nonce, `openid` scope. `oauth2`: plain OAuth 2.0 (no ID token). */
  readonly kind?: 'oidc' | 'oauth2';
  /** Explicit metadata: discovery is skipped, and the document is checked with `checkMetadata`. */
  readonly metadata?: ServerMetadata;
  readonly clientId: string;
  /** The client secret, or a function returning it (awaited per request; Apple's JWT secret). */
  readonly clientSecret?: string | (() => Promise<string>);
  /** Default: `private_key_jwt` with `privateKey`, `client_secret_basic` with a secret, `none` otherwise. */
  readonly tokenEndpointAuthMethod?: ClientAuthMethod;
  /** The private key for `private_key_jwt`. */
  readonly privateKey?: PrivateKey;
  /** The registered ID token `alg`. Default RS256. */
  readonly idTokenSignedResponseAlg?: string;
  /** The registered userinfo `alg`, when userinfo comes as a signed JWT. */
  readonly userinfoSignedResponseAlg?: string;
  /** Limits on the provider's key set (keys per set, candidates per token, RSA modulus); defaults in `JWKS_DEFAULTS`. */
  readonly keySetLimits?: KeySetLimits;
  /** The exact redirect URI registered with the provider. */
  readonly redirectUri: string;
  /** The default registered post-logout redirect URI. */
  readonly postLogoutRedirectUri?: string;
  /** Provider quirks (presets set these). */
  readonly hooks?: ProtocolHooks;
  /** Always use PAR (RFC 9126); it is used anyway when the provider requires it. */
  readonly usePar?: boolean;
  /** DPoP-bind the tokens: `true` generates an ES256 key; or pass a handle. */
  readonly dpop?: boolean | DPoPHandle;
  /** Discovery cache lifetime in seconds. Default 3600. */
  readonly discoveryTtlSeconds?: number;
  /**
   * Accept private-network, link-local and loopback endpoints for this provider (a provider on
   * your own network: `https://sso.corp.internal` resolving to 10.x). Default false: such
   * endpoints are refused with `ENDPOINT_REFUSED`, as literals and after DNS resolution.
   */
  readonly allowPrivateNetwork?: boolean;
  /**
   * Who chose the issuer. `configured` (default): written in code; a loopback issuer is then a
   * local provider whose endpoints may use that loopback host. `runtime`: chosen by a tenant or a
   * request (strict mode); a loopback issuer then needs `allowPrivateNetwork` too.
   */
  readonly issuerSource?: IssuerSource;
}

/** A request to a resource server through {@link OidcClient.fetchResource}. */
export interface ResourceInit {
  readonly method?: HttpMethod;
  readonly headers?: HeadersInit;
  readonly body?: string | URLSearchParams;
}

/** Every status except redirects (which the transport refuses; `fetchResource` returns them unfollowed). */
const ANY_NON_REDIRECT_STATUS: readonly number[] = Array.from({ length: 400 }, (_, i) => 200 + i).filter((s) => s < 300 || s >= 400);

/** The resource response is handed over as received: its body is the caller's to read. */
function responseOf(result: HttpResult): Response {
  return result.response;
}

/**
 * Most used `state` values a client remembers (a few MB at capacity); expired ones are dropped
 * first, then the oldest.
 */
const USED_STATES_MAX = 100_000;

/** RFC 9700 §4.11: the token is never replayed to a redirect target; the redirect itself is returned, unfollowed. */
function redirectAsResponse(error: unknown): Response {
  if (error instanceof TransportError && error.code === 'HTTP_REDIRECT_REFUSED' && error.response && error.response.status >= 300)
    return unfollowedRedirect(error.response);
  throw error;
}

/**
 * A relying party for one provider and one registered client.
 *
 * @example
 * ```ts
 * const client = await OidcClient.create({ issuer, clientId, clientSecret, redirectUri });
 * const { url, transaction } = await client.authorizationUrl({ scope: ['openid', 'email'] });
 * // … redirect to url, keep transaction bound to the browser; on the callback:
 * const tokens = await client.callback(new URL(request.url).searchParams, transaction);
 * ```
 * @see [OpenID Connect Core 1.0, section 3.1](https://openid.net/specs/openid-connect-core-1_0.html#CodeFlowAuth)
 */
export class OidcClient {
  /** The validated provider metadata. */
  readonly metadata: ServerMetadata;
  /** The client metadata, without the secret (added per request, so logging this object leaks nothing). */
  readonly client: ClientMetadata;
  /** The DPoP key, when tokens are DPoP-bound. */
  readonly dpop?: DPoPHandle;
  /** The provider key set. */
  readonly jwks?: RemoteJwks;
  readonly #context: ProviderContext;
  /** The transport of every request, its endpoint policy labelled with the metadata members. */
  readonly #http: HttpOptions;
  /** The one memory of used `state` values (RFC 9700 §4.2.4): the app layer keeps none. */
  readonly #usedStates: UsedStates;
  readonly #stateMemoryMs: number;
  /** Client authentication and transport (revocation, PAR); built once. */
  readonly #authContext: TokenRequestOptions;
  /** {@link #authContext} plus DPoP, hooks and the key set (token requests); built once. */
  readonly #tokenOptions: AuthorizationCodeGrantOptions;
  /** The DPoP key and transport of every resource request (built once: `fetchResource` is a hot path). */
  readonly #resourceOptions: ResourceRequestOptions;

  private constructor(context: ProviderContext, metadata: ServerMetadata, dpop: DPoPHandle | undefined) {
    const { credentials, clock } = context;
    this.#context = context;
    this.#usedStates = new UsedStates({ max: USED_STATES_MAX, ttlMs: context.transactionTtlMs });
    this.#stateMemoryMs = context.transactionTtlMs ?? 3_600_000;
    this.metadata = metadata;
    this.dpop = dpop;
    // A refusal after DNS resolution names the metadata member it concerns.
    const http = Object.freeze({ ...context.http, endpointPolicy: labelEndpoints(context.http.endpointPolicy, metadata) });
    this.#http = http;
    this.#resourceOptions = { dpop, http };
    const method = credentials.tokenEndpointAuthMethod ?? defaultAuthMethod(metadata, credentials);
    // The secret stays out of this public, loggable object; it is added per request.
    this.client = Object.freeze({
      client_id: credentials.clientId,
      token_endpoint_auth_method: method,
      ...(credentials.idTokenSignedResponseAlg !== undefined ? { id_token_signed_response_alg: credentials.idTokenSignedResponseAlg } : {}),
      ...(credentials.userinfoSignedResponseAlg !== undefined ? { userinfo_signed_response_alg: credentials.userinfoSignedResponseAlg } : {}),
    });
    if (metadata.jwks_uri) this.jwks = new RemoteJwks(metadata.jwks_uri, { ...context.keySetLimits, http, clock });
    this.#authContext = Object.freeze({ authMethod: method, privateKey: credentials.privateKey, clock, http });
    this.#tokenOptions = Object.freeze({
      ...this.#authContext,
      kind: context.kind,
      dpop,
      hooks: context.hooks,
      clockToleranceSeconds: context.clockToleranceSeconds,
      jwks: this.jwks,
    });
  }

  /**
   * The timeout of each request this client sends (discovery, JWKS, token, …), in milliseconds:
   * the `http.timeoutMs` option, default 10 000. The token vault derives its refresh lease from it.
   */
  get requestTimeoutMs(): number {
    return this.#http.timeoutMs ?? HTTP_DEFAULTS.timeoutMs;
  }

  /**
   * Creates a client: discovers the provider metadata (or checks the explicit `metadata`) and
   * prepares its key set and DPoP key.
   *
   * @param options The provider, the registered client and the transport.
   * @returns The client.
   * @throws {ConfigurationError} `CONFIG_INVALID` for inconsistent options.
   * @throws {ValidationError} `DISCOVERY_ISSUER_MISMATCH`, `METADATA_INVALID`.
   * @throws {TransportError} `HTTP_*`, `INSECURE_TRANSPORT`, `ENDPOINT_REFUSED` (a URL the endpoint policy refuses; nothing is sent to it).
   * @see [OpenID Connect Discovery 1.0, section 4](https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig)
   */
  static create(options: OidcClientOptions): Promise<OidcClient> {
    return OidcClient.fromContext(providerContextFromOptions(options));
  }

  /**
   * Creates a client from a frozen provider context (the app layer builds one per configured
   * provider; {@link create} builds one from its options).
   *
   * @param context - the provider context, from `createProviderContext`.
   * @returns The client.
   * @throws {ConfigurationError} `CONFIG_INVALID` for inconsistent options.
   * @throws {ValidationError} `DISCOVERY_ISSUER_MISMATCH`, `METADATA_INVALID`.
   * @throws {TransportError} `HTTP_*`, `INSECURE_TRANSPORT`, `ENDPOINT_REFUSED`.
   */
  static async fromContext(context: ProviderContext): Promise<OidcClient> {
    const { credentials, metadata: source, http, hooks, clock } = context;
    if (!credentials.clientId) throw new ConfigurationError('clientId is required.');
    if (!credentials.redirectUri) throw new ConfigurationError('redirectUri is required.');
    const method = credentials.tokenEndpointAuthMethod;
    if (method === 'private_key_jwt' && !credentials.privateKey) throw new ConfigurationError('private_key_jwt needs `privateKey`.');
    if ((method === 'client_secret_basic' || method === 'client_secret_post' || method === 'client_secret_jwt') && credentials.clientSecret === undefined) {
      throw new ConfigurationError(`${method} needs \`clientSecret\`.`);
    }
    checkVerificationOptions({ ...credentials, clockToleranceSeconds: context.clockToleranceSeconds });
    const metadata = source.explicit
      ? checkMetadata(source.explicit, source.issuer, hooks, http)
      : await discover(source.issuer, { hooks, ttlSeconds: source.discoveryTtlSeconds, http, clock });
    const dpop = context.dpop === true ? await DPoPHandle.generate('ES256', { clock }) : context.dpop || undefined;
    return new OidcClient(context, metadata, dpop);
  }

  /**
   * Builds the authorization URL (state, nonce, PKCE S256 always; PAR when required or asked).
   *
   * @param options Scopes, prompt, max_age, login_hint, acr_values, response mode, extra parameters.
   * @returns The URL to redirect to and the transaction to keep, bound to this browser, for {@link callback}.
   * @throws {ConfigurationError} `CONFIG_INVALID`, `METADATA_MISSING_ENDPOINT`.
   * @throws {ProviderError} `PAR_ERROR`.
   * @see [OpenID Connect Core 1.0, section 3.1.2.1](https://openid.net/specs/openid-connect-core-1_0.html#AuthRequest)
   */
  async authorizationUrl(options: AuthorizationRequestOptions = {}): Promise<{ url: URL; transaction: AuthorizationTransaction }> {
    const usePar = options.usePar ?? this.#context.usePar;
    // The secret is only needed to authenticate a pushed request (a secret function may be costly).
    const client = parRequired(this.metadata, this.client, usePar) ? await this.#resolvedClient() : this.client;
    return createAuthorizationRequest(this.metadata, client, this.#context.credentials.redirectUri, {
      ...options,
      kind: this.#context.kind,
      usePar,
      clock: this.#context.clock,
      dpop: this.dpop,
      par: this.#authContext,
    });
  }

  /**
   * Finishes a login: validates the callback parameters (state once, RFC 9207 `iss`, errors),
   * exchanges the code (PKCE, redirect_uri) and validates the ID token (nonce, max_age). No token
   * request is made when the callback is rejected.
   *
   * @param params The callback parameters (query string, or the POSTed form for `form_post`).
   * @param transaction The transaction from {@link authorizationUrl}.
   * @returns The validated tokens.
   * @throws {ValidationError} `STATE_MISSING`, `STATE_MISMATCH`, `ISS_MISMATCH`, `ISS_MISSING`,
   *   `CODE_MISSING`, `AUTHORIZATION_RESPONSE_INVALID`, `TOKEN_RESPONSE_INVALID`,
   *   `TOKEN_TYPE_UNSUPPORTED`, `ID_TOKEN_MISSING`, the ID token codes.
   * @throws {ProviderError} `AUTHORIZATION_ERROR`, `TOKEN_ERROR`, `DPOP_NONCE_ERROR`.
   * @throws {TransportError} `HTTP_*`.
   * @see [RFC 6749, section 4.1.2](https://www.rfc-editor.org/rfc/rfc6749.html#section-4.1.2)
   */
  async callback(params: URLSearchParams, transaction: AuthorizationTransaction): Promise<TokenSet> {
    const clock = this.#context.clock ?? Date.now;
    const { code } = validateAuthorizationResponse(this.metadata, params, transaction, { usedStates: this.#usedStates, clock });
    // RFC 9700 §4.2.4: the state is one-time across every instance, before any token request.
    const shared = this.#context.sharedStates;
    if (shared !== undefined && !(await shared.remember(base64url(await sha256(transaction.state)), clock() + this.#stateMemoryMs))) {
      throw new ValidationError('STATE_MISMATCH', 'This login transaction was already used; start the login again.', { claim: 'state' });
    }
    const client = await this.#resolvedClient();
    return authorizationCodeGrant(this.metadata, client, code, transaction, this.#tokenOptions);
  }

  /**
   * Calls the userinfo endpoint with the access token (Bearer or DPoP); the `sub` must equal the ID
   * token's.
   *
   * @param tokens The tokens from {@link callback} or {@link refresh}.
   * @returns The userinfo claims.
   * @throws {ProviderError} `USERINFO_ERROR`.
   * @throws {ValidationError} `USERINFO_SUB_MISMATCH`, `USERINFO_INVALID`.
   * @throws {ConfigurationError} `METADATA_MISSING_ENDPOINT`.
   * @see [OpenID Connect Core 1.0, section 5.3](https://openid.net/specs/openid-connect-core-1_0.html#UserInfo)
   */
  async userinfo(tokens: Pick<TokenSet, 'accessToken' | 'tokenType' | 'idTokenClaims'>): Promise<Record<string, unknown>> {
    const client = await this.#resolvedClient();
    const { jwks, dpop, hooks, http, clock, clockToleranceSeconds } = this.#tokenOptions;
    return fetchUserinfo(this.metadata, client, tokens.accessToken, {
      expectedSubject: tokens.idTokenClaims?.sub,
      jwks,
      tokenType: tokens.tokenType,
      dpop,
      hooks,
      http,
      clock,
      clockToleranceSeconds,
    });
  }

  /**
   * Uses a refresh token (with the same DPoP key). A refreshed ID token is checked against
   * `previousIdTokenClaims` (OIDC Core 12.2).
   *
   * @param refreshToken The refresh token.
   * @param options The original ID token claims and a narrower scope.
   * @returns The new tokens, carrying the refresh token to store (rotated or the same).
   * @throws {ProviderError} `TOKEN_ERROR` (`invalid_grant`: sign in again).
   * @throws {ValidationError} `REFRESH_ID_TOKEN_MISMATCH`, token response and ID token codes.
   * @see [OpenID Connect Core 1.0, section 12](https://openid.net/specs/openid-connect-core-1_0.html#RefreshTokens)
   */
  async refresh(refreshToken: string, options: { readonly previousIdTokenClaims?: IdTokenClaims; readonly scope?: readonly string[] } = {}): Promise<TokenSet> {
    const client = await this.#resolvedClient();
    return refreshTokenGrant(this.metadata, client, refreshToken, {
      ...this.#tokenOptions,
      previousIdTokenClaims: options.previousIdTokenClaims,
      scope: options.scope,
    });
  }

  /**
   * The client credentials grant (a token for the client itself).
   *
   * @throws {ProviderError} `TOKEN_ERROR`.
   * @throws {ValidationError} `TOKEN_RESPONSE_INVALID`, `TOKEN_TYPE_UNSUPPORTED`.
   * @see [RFC 6749, section 4.4](https://www.rfc-editor.org/rfc/rfc6749.html#section-4.4)
   */
  async clientCredentials(options: { readonly scope?: readonly string[]; readonly resource?: string } = {}): Promise<TokenSet> {
    const client = await this.#resolvedClient();
    return clientCredentialsGrant(this.metadata, client, options, this.#tokenOptions);
  }

  /**
   * Revokes a token (RFC 7009).
   *
   * @throws {ConfigurationError} `METADATA_MISSING_ENDPOINT`.
   * @throws {ProviderError} `REVOCATION_ERROR`.
   * @see [RFC 7009, section 2](https://www.rfc-editor.org/rfc/rfc7009.html#section-2)
   */
  async revoke(token: string, hint?: 'access_token' | 'refresh_token'): Promise<void> {
    const client = await this.#resolvedClient();
    await revokeToken(this.metadata, client, token, { ...this.#authContext, hint });
  }

  /**
   * The provider logout URL (RP-Initiated Logout).
   *
   * @param options `id_token_hint`, `state` (check it on return with {@link validateEndSessionCallback}),
   *   `post_logout_redirect_uri` (default: the configured one).
   * @throws {ConfigurationError} `END_SESSION_UNSUPPORTED` when the provider has no end-session endpoint.
   * @see [OpenID Connect RP-Initiated Logout 1.0, section 2](https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout)
   */
  endSessionUrl(options: { readonly idTokenHint?: string; readonly state?: string; readonly postLogoutRedirectUri?: string } = {}): URL {
    return buildEndSessionUrl(this.metadata, {
      clientId: this.client.client_id,
      idTokenHint: options.idTokenHint,
      postLogoutRedirectUri: options.postLogoutRedirectUri ?? this.#context.credentials.postLogoutRedirectUri,
      state: options.state,
    });
  }

  /**
   * Checks the `state` on the post-logout redirect.
   *
   * @throws {ValidationError} `LOGOUT_STATE_MISMATCH` when it is missing or different.
   * @see [OpenID Connect RP-Initiated Logout 1.0, section 3](https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RedirectionAfterLogout)
   */
  validateEndSessionCallback(params: URLSearchParams, expectedState: string): void {
    validateEndSessionResponse(params, expectedState);
  }

  /**
   * Validates a back-channel logout token POSTed by the provider.
   *
   * @param logoutToken The `logout_token` form parameter.
   * @param options `seenJti` replay detection.
   * @returns The claims; end the sessions matching `sid` and/or `sub`.
   * @throws {ValidationError} `LOGOUT_TOKEN_INVALID` and the JWT codes.
   * @see [OpenID Connect Back-Channel Logout 1.0, section 2.6](https://openid.net/specs/openid-connect-backchannel-1_0.html#Validation)
   */
  async validateLogoutToken(
    logoutToken: string,
    options: { readonly seenJti?: (jti: string, exp: number) => boolean | Promise<boolean> } = {},
  ): Promise<LogoutTokenClaims> {
    const client = await this.#resolvedClient();
    const { jwks, hooks, http, clock, clockToleranceSeconds } = this.#tokenOptions;
    return validateLogoutTokenJwt(logoutToken, { metadata: this.metadata, client, jwks, hooks, seenJti: options.seenJti, http, clock, clockToleranceSeconds });
  }

  /**
   * Calls a resource server with the access token: `Authorization: Bearer`, or `DPoP` with a proof
   * (one retry on `use_dpop_nonce`). Redirects are not followed: a 3xx is returned as is (without
   * its body), like every other status.
   *
   * @param url The resource URL (https, or http to loopback).
   * @param tokens The access token and its type.
   * @param init Method, headers, body.
   * @param next Runs on the response in the same step that receives it (a caller's status check
   *   costs no extra promise step on this hot path); its result is what the promise settles with.
   * @returns The resource server's response (body bounded by the transport's size limit).
   * @throws {ProviderError} `DPOP_NONCE_ERROR` when the server keeps asking for a new nonce.
   * @throws {TransportError} `HTTP_*`.
   * @see [RFC 9449, section 7](https://www.rfc-editor.org/rfc/rfc9449.html#section-7)
   */
  fetchResource(
    url: string | URL,
    tokens: Pick<TokenSet, 'accessToken' | 'tokenType'>,
    init: ResourceInit = {},
    next?: (response: Response) => Response | Promise<Response>,
  ): Promise<Response> {
    if (tokens.tokenType !== 'DPoP') {
      // Bearer: one exchange, handed over as received (the hot path of every provider API call).
      const headers = withAccessToken(init.headers, 'Bearer', tokens.accessToken);
      return fetchStream({ url, method: init.method, headers, body: init.body }, this.#http, next);
    }
    return resourceRequest(
      url,
      tokens.accessToken,
      tokens.tokenType,
      { method: init.method, headers: init.headers, body: init.body, expect: 'stream', okStatuses: ANY_NON_REDIRECT_STATUS },
      this.#resourceOptions,
    )
      .then(responseOf, redirectAsResponse)
      .then(next);
  }

  /** The client metadata with the secret resolved (a secret function is awaited per request). */
  async #resolvedClient(): Promise<ClientMetadata> {
    const secret = this.#context.credentials.clientSecret;
    if (secret === undefined) return this.client;
    if (typeof secret === 'string') return { ...this.client, client_secret: secret };
    const value = await secret();
    if (typeof value !== 'string' || value.length === 0) throw new ConfigurationError('The clientSecret function returned no secret.');
    return { ...this.client, client_secret: value };
  }
}

/**
 * The provider context of the public options (the one mapping of `OidcClientOptions`).
 *
 * @param options - the options of {@link OidcClient.create}.
 * @returns the frozen context.
 */
export function providerContextFromOptions(options: OidcClientOptions): ProviderContext {
  return createProviderContext({
    kind: options.kind,
    metadata: { issuer: options.issuer, explicit: options.metadata, discoveryTtlSeconds: options.discoveryTtlSeconds },
    credentials: {
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      tokenEndpointAuthMethod: options.tokenEndpointAuthMethod,
      privateKey: options.privateKey,
      idTokenSignedResponseAlg: options.idTokenSignedResponseAlg,
      userinfoSignedResponseAlg: options.userinfoSignedResponseAlg,
      redirectUri: options.redirectUri,
      postLogoutRedirectUri: options.postLogoutRedirectUri,
    },
    keySetLimits: options.keySetLimits,
    dpop: options.dpop,
    usePar: options.usePar,
    http: options.http,
    endpoints: { issuerSource: options.issuerSource, allowPrivateNetwork: options.allowPrivateNetwork },
    clock: options.clock,
    clockToleranceSeconds: options.clockToleranceSeconds,
    hooks: options.hooks,
  });
}

function defaultAuthMethod(metadata: ServerMetadata, credentials: ProviderClientCredentials): ClientAuthMethod {
  const base = resolveClientAuthMethod(
    { client_id: credentials.clientId, ...(credentials.clientSecret !== undefined ? { client_secret: 'set' } : {}) },
    credentials.privateKey,
  );
  const supported = metadata.token_endpoint_auth_methods_supported;
  // RFC 8414 §2: when the server lists its methods and lacks client_secret_basic, prefer client_secret_post.
  if (base === 'client_secret_basic' && supported && !supported.includes('client_secret_basic') && supported.includes('client_secret_post'))
    return 'client_secret_post';
  return base;
}
