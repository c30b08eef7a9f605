/**
 * Any plain OAuth 2.0 provider: its endpoints, a function fetching the user, and a mapping to the
 * normalized profile.
 *
 * Register at the provider a web client with the redirect URI `https://<your-app>/auth/<id>/callback`.
 *
 * @see [RFC 6749 - The OAuth 2.0 Authorization Framework, section 4.1](https://www.rfc-editor.org/rfc/rfc6749.html#section-4.1)
 * @module
 */
import type { ClientAuthMethod, ProtocolHooks } from '../core/types.js';
import { envPrefixOf, oauth2Preset } from './internal/builders.js';
import { checkUrl, type PresetOptions } from './internal/preset.js';
import type { Profile, ProfileContext, ProviderConfig } from './types.js';

/** Options of {@link oauth2}. */
export interface OAuth2Options extends PresetOptions {
  /** The route id; also names the env variables (`<PREFIX>_CLIENT_ID`). */
  readonly id: string;
  /** A stable identifier of the provider (its web origin); the profile issuer. Default: the authorization endpoint's origin. */
  readonly issuer?: string;
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  readonly revocationEndpoint?: string;
  /** The environment prefix. Default: `id` upper-cased, dashes as underscores. */
  readonly envPrefix?: string;
  readonly tokenEndpointAuthMethod?: ClientAuthMethod;
  /** Whether the provider refreshes tokens. Default false. */
  readonly supportsRefresh?: boolean;
  /** Token response fixes and other quirks. */
  readonly hooks?: ProtocolHooks;
  /** Fetches the raw user (use `ctx.fetchJson(url)` for an authenticated GET). */
  readonly profile: (ctx: ProfileContext) => Promise<Record<string, unknown>>;
  /** Maps the raw user to the normalized profile; `emailVerified` only when the provider says so. */
  readonly mapProfile: (raw: Readonly<Record<string, unknown>>, ctx: ProfileContext) => Profile;
}

/**
 * A generic OAuth 2.0 provider (no ID token; the profile comes from an API).
 *
 * @param options Endpoints, credentials, the profile fetch and mapping.
 * @returns A ProviderConfig (kind `oauth2`).
 * @throws {ConfigurationError} `CONFIG_INVALID` when an endpoint is not a URL or the client id is missing.
 * @example oauth2({ id: 'acme', authorizationEndpoint, tokenEndpoint, profile: (ctx) => ctx.fetchJson(meUrl), mapProfile })
 * @see [RFC 6749, section 4.1](https://www.rfc-editor.org/rfc/rfc6749.html#section-4.1)
 */
export function oauth2(options: OAuth2Options): ProviderConfig {
  const name = options.name ?? options.id;
  const authorization = checkUrl(options.authorizationEndpoint, 'authorizationEndpoint', name);
  return oauth2Preset(options, {
    prefix: options.envPrefix ?? envPrefixOf(options.id),
    id: options.id,
    name,
    issuer: options.issuer ? checkUrl(options.issuer, 'issuer', name) : new URL(authorization).origin,
    authorizationEndpoint: authorization,
    tokenEndpoint: checkUrl(options.tokenEndpoint, 'tokenEndpoint', name),
    ...(options.revocationEndpoint ? { revocationEndpoint: checkUrl(options.revocationEndpoint, 'revocationEndpoint', name) } : {}),
    scopes: [],
    secret: 'optional',
    supportsRefresh: options.supportsRefresh ?? false,
    ...(options.tokenEndpointAuthMethod ? { tokenEndpointAuthMethod: options.tokenEndpointAuthMethod } : {}),
    ...(options.hooks ? { hooks: options.hooks } : {}),
    fetchProfile: options.profile,
    mapProfile: options.mapProfile,
  });
}
