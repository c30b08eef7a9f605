/**
 * The provider context: everything {@link OidcClient} needs about one provider and one registered
 * client, gathered once into a frozen object (metadata source, client credentials, keys, DPoP,
 * transport with its endpoint policy, clock, hooks). The public `OidcClient.create(options)` builds
 * it with {@link providerContextFromOptions}; the app layer builds it from a `ProviderConfig` in
 * `src/app/provider-context.ts`. Core operations then read it instead of re-spreading options.
 *
 * @module
 */

import type { DPoPHandle } from './dpop.js';
import { createEndpointPolicy, type EndpointPolicy, type EndpointPolicyOptions } from './endpoint-policy.js';
import type { HttpOptions } from './http.js';
import type { KeySetLimits } from './jwks.js';
import type { ClientAuthMethod, PrivateKey, ProtocolHooks, ServerMetadata } from './types.js';

/** Where the provider metadata comes from: explicit (checked, no discovery) or discovered. */
export interface ProviderMetadataSource {
  /** The issuer identifier, exactly as the provider spells it. */
  readonly issuer: string;
  /** Explicit metadata: discovery is skipped, and the document is checked with `checkMetadata`. */
  readonly explicit?: ServerMetadata;
  /** Discovery cache lifetime in seconds. Default 3600. */
  readonly discoveryTtlSeconds?: number;
}

/** The registered client and how it authenticates (the secret stays here, out of `OidcClient.client`). */
export interface ProviderClientCredentials {
  readonly clientId: string;
  /** The client secret, or a function returning it (awaited per request). */
  readonly clientSecret?: string | (() => Promise<string>);
  /** Default: from the credentials and the provider's supported methods. */
  readonly tokenEndpointAuthMethod?: ClientAuthMethod;
  /** The private key for `private_key_jwt`. */
  readonly privateKey?: PrivateKey;
  /** The registered ID token `alg`. Default RS256. */
  readonly idTokenSignedResponseAlg?: string;
  /** The registered userinfo `alg`, when userinfo comes as a signed JWT. */
  readonly userinfoSignedResponseAlg?: string;
  /** The exact redirect URI registered with the provider. */
  readonly redirectUri: string;
  /** The default registered post-logout redirect URI. */
  readonly postLogoutRedirectUri?: string;
}

/** The frozen per-provider object an {@link OidcClient} is built from. */
export interface ProviderContext {
  /** `oidc`: ID token, nonce, `openid` scope. `oauth2`: plain OAuth 2.0 (no ID token). */
  readonly kind: 'oidc' | 'oauth2';
  readonly metadata: ProviderMetadataSource;
  readonly credentials: ProviderClientCredentials;
  /** Limits on the provider's key set; defaults in `JWKS_DEFAULTS`. */
  readonly keySetLimits?: KeySetLimits;
  /** DPoP-bind the tokens: `true` generates an ES256 key; or a handle. */
  readonly dpop?: boolean | DPoPHandle;
  /** Always use PAR (RFC 9126). */
  readonly usePar: boolean;
  /** The transport of every request to this provider; `endpointPolicy` is always set. */
  readonly http: HttpOptions & { readonly endpointPolicy: EndpointPolicy };
  /** The current time in milliseconds. Default `Date.now`. */
  readonly clock?: () => number;
  /** Seconds of clock skew accepted on `exp`, `iat`, `nbf`, `auth_time`. Default 30. */
  readonly clockToleranceSeconds?: number;
  /** Provider quirks (presets set these). */
  readonly hooks?: ProtocolHooks;
  /**
   * How long a login transaction may be finished, in milliseconds: a used `state` is remembered at
   * least this long, so a replayed callback is refused for as long as its transaction could be
   * accepted (RFC 9700 §4.2.4). Default 1 hour.
   */
  readonly transactionTtlMs?: number;
  /**
   * The used-`state` memory shared by every instance of the app (a store), consulted after this
   * process's own: a callback replayed on another instance is refused too (RFC 9700 §4.2.4).
   */
  readonly sharedStates?: SharedOneTimeMemory;
}

/** A one-time memory kept outside the process (the app's store): the first to record a key wins. */
export interface SharedOneTimeMemory {
  /**
   * Records `key` (a hash) until `expiresAt` (epoch ms).
   *
   * @returns true when this call recorded it first, false when it was recorded already.
   */
  remember(key: string, expiresAt: number): Promise<boolean>;
}

/** The fields of a provider context before it is frozen; `http` without its endpoint policy. */
export interface ProviderContextInit extends Omit<ProviderContext, 'http' | 'usePar' | 'kind'> {
  readonly kind?: 'oidc' | 'oauth2';
  readonly usePar?: boolean;
  readonly http?: HttpOptions;
  /** Who chose the issuer, and the private-network opt-in, for the endpoint policy. */
  readonly endpoints?: Pick<EndpointPolicyOptions, 'issuerSource' | 'allowPrivateNetwork'>;
}

/**
 * Freezes a provider context, compiling its endpoint policy once (one policy for discovery, token,
 * JWKS, userinfo and resource requests). A caller's own `http.endpointPolicy` is replaced: the
 * policy always follows the issuer and metadata of this context.
 *
 * @param init - the provider, the registered client and the transport.
 * @returns the frozen context.
 */
export function createProviderContext(init: ProviderContextInit): ProviderContext {
  const endpointPolicy = createEndpointPolicy({
    issuer: init.metadata.issuer,
    issuerSource: init.endpoints?.issuerSource,
    allowPrivateNetwork: init.endpoints?.allowPrivateNetwork,
    configuredMetadata: init.metadata.explicit,
  });
  return Object.freeze({
    kind: init.kind ?? 'oidc',
    metadata: Object.freeze({ ...init.metadata }),
    credentials: Object.freeze({ ...init.credentials }),
    keySetLimits: init.keySetLimits,
    dpop: init.dpop,
    usePar: init.usePar ?? false,
    http: Object.freeze({ ...init.http, endpointPolicy }),
    clock: init.clock,
    clockToleranceSeconds: init.clockToleranceSeconds,
    hooks: init.hooks,
    transactionTtlMs: init.transactionTtlMs,
    sharedStates: init.sharedStates,
  });
}
