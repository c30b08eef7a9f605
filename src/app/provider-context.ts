/**
 * The one mapping from a configured provider (`ProviderConfig`, as presets and apps write it) to the
 * frozen per-provider context of the protocol core: metadata source, client credentials, keys,
 * DPoP, transport with its endpoint policy, clock and hooks. The context's client factory builds it
 * once per provider and hands it to `OidcClient.fromContext`.
 *
 * @module
 */
import { createProviderContext, type ProviderContext, type SharedOneTimeMemory } from '../core/provider-context.js';
import type { ProviderConfig } from '../providers/types.js';
import type { ResolvedConfig } from './config.js';

/**
 * The provider context of one configured provider.
 *
 * @param provider - the provider, as configured (preset or custom).
 * @param config - the validated configuration (redirect URIs, clock).
 * @param sharedStates - the used-`state` memory of every instance (the app's store), if any.
 * @returns the frozen context.
 */
export function providerContext(provider: ProviderConfig, config: ResolvedConfig, sharedStates?: SharedOneTimeMemory): ProviderContext {
  return createProviderContext({
    kind: provider.kind,
    metadata: { issuer: provider.issuer, explicit: provider.metadata },
    credentials: {
      clientId: provider.clientId,
      clientSecret: provider.clientSecret,
      tokenEndpointAuthMethod: provider.tokenEndpointAuthMethod,
      privateKey: provider.clientPrivateKey,
      idTokenSignedResponseAlg: provider.idTokenSignedResponseAlg,
      redirectUri: config.redirectUris[provider.id]!,
      postLogoutRedirectUri: config.postLogoutRedirectUri,
    },
    dpop: provider.dpop,
    usePar: provider.usePar,
    http: provider.http,
    endpoints: { issuerSource: provider.issuerSource, allowPrivateNetwork: provider.allowPrivateNetwork },
    clock: config.clock,
    hooks: provider.hooks,
    // The core's one replay memory keeps a used state as long as the app accepts a transaction.
    transactionTtlMs: config.loginTimeoutMs,
    ...(sharedStates !== undefined ? { sharedStates } : {}),
  });
}
