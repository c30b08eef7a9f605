/**
 * Any OpenID Connect provider in one line: its issuer URL. Endpoints, keys and capabilities come
 * from discovery.
 *
 * Register at the provider a confidential web client with the redirect URI
 * `https://<your-app>/auth/<id>/callback`.
 *
 * @see [OpenID Connect Discovery 1.0](https://openid.net/specs/openid-connect-discovery-1_0.html)
 * @module
 */
import type { ClientAuthMethod, ProtocolHooks } from '../core/types.js';
import { envPrefixOf, oidcPreset, tenantIssuer } from './internal/builders.js';
import type { PresetOptions } from './internal/preset.js';
import type { Profile, ProfileContext, ProviderConfig } from './types.js';

/** Options of {@link oidc}. */
export interface OidcOptions extends PresetOptions {
  /** The route id, e.g. `corp-sso`; also names the env variables (`CORP_SSO_CLIENT_ID`, `CORP_SSO_ISSUER`). */
  readonly id: string;
  /** The issuer URL (env `<PREFIX>_ISSUER`). */
  readonly issuer?: string;
  /** The environment prefix. Default: `id` upper-cased, dashes as underscores. */
  readonly envPrefix?: string;
  readonly tokenEndpointAuthMethod?: ClientAuthMethod;
  /** The ID token `alg` registered for this client, when not RS256. */
  readonly idTokenSignedResponseAlg?: string;
  /** Whether the provider refreshes tokens. Default true (with `offline_access`). */
  readonly supportsRefresh?: boolean;
  /** Protocol quirks of this provider. */
  readonly hooks?: ProtocolHooks;
  /** A custom mapping; default: OIDC standard claims. */
  readonly mapProfile?: (raw: Readonly<Record<string, unknown>>, ctx: ProfileContext) => Profile;
}

/**
 * A generic OpenID Connect provider. Credentials default to `<PREFIX>_CLIENT_ID` /
 * `<PREFIX>_CLIENT_SECRET` (a public client needs no secret).
 *
 * @param options The id, the issuer and credentials.
 * @returns A ProviderConfig (kind `oidc`).
 * @throws {ConfigurationError} `CONFIG_INVALID` when the issuer or the client id is missing.
 * @example oidc({ id: 'corp', name: 'Corp SSO', issuer: 'https://sso.corp.example' })
 * @see [OpenID Connect Core 1.0, section 3.1](https://openid.net/specs/openid-connect-core-1_0.html#CodeFlowAuth)
 */
export function oidc(options: OidcOptions): ProviderConfig {
  const prefix = options.envPrefix ?? envPrefixOf(options.id);
  const name = options.name ?? options.id;
  return oidcPreset(options, {
    prefix,
    id: options.id,
    name,
    issuer: tenantIssuer(options.issuer, options.env, prefix, name, () => undefined, '`issuer`'),
    scopes: ['openid', 'profile', 'email'],
    secret: 'optional',
    supportsRefresh: options.supportsRefresh ?? true,
    // OIDC Core §11: offline_access requires prompt=consent unless the provider has other grounds.
    offlineAccess: { scopes: ['offline_access'], prompt: 'consent' },
    ...(options.tokenEndpointAuthMethod ? { tokenEndpointAuthMethod: options.tokenEndpointAuthMethod } : {}),
    ...(options.idTokenSignedResponseAlg ? { idTokenSignedResponseAlg: options.idTokenSignedResponseAlg } : {}),
    ...(options.hooks ? { hooks: options.hooks } : {}),
    ...(options.mapProfile ? { mapProfile: options.mapProfile } : {}),
  });
}
