/**
 * Builders shared by the preset files: an OpenID Connect preset is an issuer plus data; a plain
 * OAuth 2.0 preset is endpoints plus a profile fetch. Internal: not exported from the package.
 *
 * @module
 */
import type { ClientAuthMethod, ProtocolHooks } from '../../core/types.js';
import { ConfigurationError } from '../../errors.js';
import type { Profile, ProfileContext, ProviderConfig } from '../types.js';
import { type Env, envValue, resolveCredentials } from './env.js';
import { basePreset, checkUrl, endpoint, explicitMetadata, type OAuth2PresetOptions, type PresetOptions } from './preset.js';
import { standardClaimsProfile } from './profile.js';

/** The data of one preset besides the shared options. */
export interface PresetData {
  /** Environment prefix: `<PREFIX>_CLIENT_ID`, `<PREFIX>_CLIENT_SECRET`. */
  readonly prefix: string;
  readonly id: string;
  readonly name: string;
  readonly scopes: readonly string[];
  /** `optional` when the provider accepts public clients (PKCE only). */
  readonly secret: 'required' | 'optional';
  readonly authorizationParams?: Readonly<Record<string, string>>;
  /** The provider's API origins (its documentation's API hosts); the issuer and userinfo origins are always allowed. */
  readonly apiOrigins?: readonly string[];
  /** The provider's API base URL (what `auth.api` paths are relative to); default: the issuer. */
  readonly apiBaseUrl?: string;
  /** The `prompt` on every sign-in. */
  readonly prompt?: string;
  /** False when the userinfo endpoint must not be called (OIDC presets). */
  readonly userinfo?: boolean;
  readonly offlineAccess?: ProviderConfig['offlineAccess'];
  readonly supportsRefresh: boolean;
  readonly tokenEndpointAuthMethod?: ClientAuthMethod;
  readonly hooks?: ProtocolHooks;
  readonly fetchProfile?: (ctx: ProfileContext) => Promise<Record<string, unknown>>;
  readonly docs?: ProviderConfig['docs'];
}

/** An OpenID Connect preset: discovery from `issuer`, ID token validated, standard-claims profile by default. */
export function oidcPreset(
  options: PresetOptions,
  data: PresetData & {
    readonly issuer: string;
    readonly idTokenSignedResponseAlg?: string;
    readonly mapProfile?: (raw: Readonly<Record<string, unknown>>, ctx: ProfileContext) => Profile;
  },
): ProviderConfig {
  const credentials = resolveCredentials(data.prefix, data.name, options, data.secret);
  return {
    ...basePreset(options, data),
    kind: 'oidc',
    issuer: data.issuer,
    ...credentials,
    ...(data.tokenEndpointAuthMethod ? { tokenEndpointAuthMethod: data.tokenEndpointAuthMethod } : {}),
    ...(data.idTokenSignedResponseAlg ? { idTokenSignedResponseAlg: data.idTokenSignedResponseAlg } : {}),
    ...(data.offlineAccess ? { offlineAccess: data.offlineAccess } : {}),
    ...(data.prompt !== undefined ? { prompt: data.prompt } : {}),
    ...(data.userinfo !== undefined ? { userinfo: data.userinfo } : {}),
    supportsRefresh: data.supportsRefresh,
    ...(data.hooks ? { hooks: data.hooks } : {}),
    ...(data.fetchProfile ? { fetchProfile: data.fetchProfile } : {}),
    mapProfile: data.mapProfile ?? ((raw, ctx) => standardClaimsProfile(raw, ctx, data.name)),
    ...(data.docs ? { docs: data.docs } : {}),
  };
}

/** A plain OAuth 2.0 preset: explicit endpoints (rewritten to `emulatorUrl` when set), profile from an API. */
export function oauth2Preset(
  options: OAuth2PresetOptions,
  data: PresetData & {
    /** A stable identifier for the provider (its web origin), used as the profile issuer. */
    readonly issuer: string;
    readonly authorizationEndpoint: string;
    readonly tokenEndpoint: string;
    readonly revocationEndpoint?: string;
    readonly fetchProfile: (ctx: ProfileContext) => Promise<Record<string, unknown>>;
    readonly mapProfile: (raw: Readonly<Record<string, unknown>>, ctx: ProfileContext) => Profile;
  },
): ProviderConfig {
  const credentials = resolveCredentials(data.prefix, data.name, options, data.secret);
  const at = (url: string) => endpoint(url, options.emulatorUrl);
  // With an emulator every endpoint, the APIs included, is on the emulator's origin.
  const emulated =
    options.emulatorUrl !== undefined
      ? {
          apiOrigins: [...(data.apiOrigins ?? []), new URL(checkUrl(options.emulatorUrl, 'emulatorUrl', data.name)).origin],
          ...(data.apiBaseUrl !== undefined ? { apiBaseUrl: at(data.apiBaseUrl) } : {}),
        }
      : {};
  return {
    ...basePreset(options, { ...data, ...emulated }),
    kind: 'oauth2',
    issuer: data.issuer,
    metadata: explicitMetadata(data.issuer, {
      authorization: at(data.authorizationEndpoint),
      token: at(data.tokenEndpoint),
      ...(data.revocationEndpoint ? { revocation: at(data.revocationEndpoint) } : {}),
    }),
    ...credentials,
    ...(data.tokenEndpointAuthMethod ? { tokenEndpointAuthMethod: data.tokenEndpointAuthMethod } : {}),
    ...(data.offlineAccess ? { offlineAccess: data.offlineAccess } : {}),
    ...(data.prompt !== undefined ? { prompt: data.prompt } : {}),
    ...(data.userinfo !== undefined ? { userinfo: data.userinfo } : {}),
    supportsRefresh: data.supportsRefresh,
    ...(data.hooks ? { hooks: data.hooks } : {}),
    fetchProfile: data.fetchProfile,
    mapProfile: data.mapProfile,
    ...(data.docs ? { docs: data.docs } : {}),
  };
}

/**
 * The issuer of a tenant-specific provider: the `issuer` option, else `<PREFIX>_ISSUER`, else what
 * `fromParts` builds from other options (a domain, a realm), else a {@link ConfigurationError}.
 */
export function tenantIssuer(
  explicit: string | undefined,
  env: Env | undefined,
  prefix: string,
  provider: string,
  fromParts: () => string | undefined,
  hint: string,
): string {
  const issuer = explicit ?? envValue(env, `${prefix}_ISSUER`) ?? fromParts();
  if (issuer === undefined) {
    throw new ConfigurationError(`The ${provider} provider needs its issuer: pass \`issuer\` or ${hint}, or set ${prefix}_ISSUER.`);
  }
  return checkUrl(issuer, 'issuer', provider);
}

/** `https://` + a bare domain, or the URL as given. */
export function httpsUrl(domainOrUrl: string): string {
  return /^https?:\/\//.test(domainOrUrl) ? domainOrUrl : `https://${domainOrUrl}`;
}

/** The env prefix of a generic preset id: `corp-sso` → `CORP_SSO`. */
export function envPrefixOf(id: string): string {
  return id.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
}
