/**
 * The options every preset shares, and the small builders the preset files use so that each of
 * them stays data: endpoints, scopes, parameters and a profile mapping. Internal: not exported
 * from the package (the option types are re-exported from `providers/index.ts`).
 *
 * @module
 */
import type { HttpOptions } from '../../core/http.js';
import type { ServerMetadata } from '../../core/types.js';
import { ConfigurationError } from '../../errors.js';
import { normalizeApiOrigin } from '../../internal/api-origins.js';
import type { ProviderConfig } from '../types.js';
import type { CredentialOptions } from './env.js';

/** Options accepted by every preset. Explicit options win over the environment. */
export interface PresetOptions extends CredentialOptions {
  /** The route id (`/auth/:id/login`). Default: the preset's name, e.g. `google`. */
  readonly id?: string;
  /** The display name. */
  readonly name?: string;
  /** Scopes to request, replacing the preset's defaults. */
  readonly scopes?: readonly string[];
  /** Ask for a refresh token at every sign-in (the preset knows the provider's way). */
  readonly offline?: boolean;
  /** Extra authorization parameters, merged over the preset's. */
  readonly authorizationParams?: Readonly<Record<string, string>>;
  /** Link accounts by verified email for this provider. Default false. */
  readonly allowEmailLinking?: boolean;
  /** Transport options (custom `fetch`, timeouts, extra headers). */
  readonly http?: HttpOptions;
  /**
   * More origins `auth.fetch` may send this provider's access token to, added to the preset's own
   * API origins (e.g. `['https://api.example-partner.com']` for an API that accepts the
   * provider's tokens). `https://*.example.com` for every host under a domain.
   */
  readonly apiOrigins?: readonly string[];
  /**
   * The base URL `auth.api(user, id)` paths are relative to, replacing the preset's (a proxy, a
   * regional host). Its origin is added to `apiOrigins`.
   */
  readonly apiBaseUrl?: string;
  /** Scopes the app may ask for later with `reauthUrl({ scopes })` (see `ProviderConfig.optionalScopes`). */
  readonly optionalScopes?: readonly string[];
  /** Accept private-network and loopback endpoints for this provider (see `ProviderConfig.allowPrivateNetwork`). Default false. */
  readonly allowPrivateNetwork?: boolean;
  /** The callback path, under `basePath` (e.g. `/auth/callback/google`). Default `<basePath>/<id>/callback`. */
  readonly callbackPath?: string;
}

/** Options of presets whose endpoints are fixed URLs (plain OAuth 2.0 providers). */
export interface OAuth2PresetOptions extends PresetOptions {
  /**
   * Sends every request to an emulator or a recording proxy instead of the provider: an endpoint
   * `https://host/path` becomes `<emulatorUrl>/host/path`. For tests and offline development only.
   */
  readonly emulatorUrl?: string;
}

/** Options of OpenID Connect presets whose issuer is fixed (Google, Slack, LinkedIn, …). */
export interface OidcPresetOptions extends PresetOptions {
  /** Another issuer URL (an emulator, a regional or sandbox issuer). Default: the provider's. */
  readonly issuer?: string;
}

/** The preset's own data that {@link basePreset} merges with the shared options. */
export interface PresetDefaults {
  readonly id: string;
  readonly name: string;
  readonly scopes: readonly string[];
  readonly authorizationParams?: Readonly<Record<string, string>>;
  /** The provider's API origins (where its access tokens are meant to go), from its documentation. */
  readonly apiOrigins?: readonly string[];
  /** The provider's API base URL, from its documentation. */
  readonly apiBaseUrl?: string;
}

/** The ProviderConfig members every preset derives the same way from {@link PresetOptions}. */
export type BasePreset = Pick<
  ProviderConfig,
  | 'id'
  | 'name'
  | 'scopes'
  | 'authorizationParams'
  | 'offline'
  | 'allowEmailLinking'
  | 'http'
  | 'apiOrigins'
  | 'apiBaseUrl'
  | 'optionalScopes'
  | 'allowPrivateNetwork'
  | 'callbackPath'
>;

/** Merges a preset's defaults with the caller's options. */
export function basePreset(options: PresetOptions, defaults: PresetDefaults): BasePreset {
  const id = options.id ?? defaults.id;
  if (!/^[a-z0-9-]+$/.test(id)) throw new ConfigurationError(`Provider id "${id}" must be lower-case letters, digits and dashes.`);
  const params = { ...defaults.authorizationParams, ...options.authorizationParams };
  // Checked now, so a mistyped origin fails at start-up rather than at the first API call.
  // An API base set in code names that provider's API: its origin may receive the token.
  const ownBase = options.apiBaseUrl !== undefined ? [new URL(checkUrl(options.apiBaseUrl, 'apiBaseUrl', id)).origin] : [];
  const apiOrigins = [
    ...new Set([...(defaults.apiOrigins ?? []), ...(options.apiOrigins ?? []), ...ownBase].map((o) => normalizeApiOrigin(o, `the ${id} provider`))),
  ];
  const apiBaseUrl = options.apiBaseUrl ?? defaults.apiBaseUrl;
  return {
    id,
    name: options.name ?? defaults.name,
    scopes: options.scopes ?? defaults.scopes,
    ...(Object.keys(params).length > 0 ? { authorizationParams: params } : {}),
    ...(options.offline !== undefined ? { offline: options.offline } : {}),
    ...(options.allowEmailLinking !== undefined ? { allowEmailLinking: options.allowEmailLinking } : {}),
    ...(options.http !== undefined ? { http: options.http } : {}),
    ...(apiOrigins.length > 0 ? { apiOrigins } : {}),
    ...(apiBaseUrl !== undefined ? { apiBaseUrl: trimSlash(apiBaseUrl) } : {}),
    ...(options.optionalScopes !== undefined ? { optionalScopes: options.optionalScopes } : {}),
    ...(options.allowPrivateNetwork !== undefined ? { allowPrivateNetwork: options.allowPrivateNetwork } : {}),
    ...(options.callbackPath !== undefined ? { callbackPath: options.callbackPath } : {}),
  };
}

/** Rewrites `https://host/path` to `<emulatorUrl>/host/path` when an emulator is configured. */
export function endpoint(url: string, emulatorUrl: string | undefined): string {
  if (emulatorUrl === undefined) return url;
  const u = new URL(url);
  return `${emulatorUrl.replace(/\/+$/, '')}/${u.host}${u.pathname}${u.search}`;
}

/**
 * Explicit metadata for a provider without discovery (RFC 8414 §2 member names). The issuer is a
 * stable identifier for the provider (its web origin) used in the `(issuer, subject)` identity key.
 */
export function explicitMetadata(issuer: string, endpoints: { authorization: string; token: string; revocation?: string; userinfo?: string }): ServerMetadata {
  return {
    issuer,
    authorization_endpoint: endpoints.authorization,
    token_endpoint: endpoints.token,
    ...(endpoints.revocation ? { revocation_endpoint: endpoints.revocation } : {}),
    ...(endpoints.userinfo ? { userinfo_endpoint: endpoints.userinfo } : {}),
  };
}

/** Removes trailing slashes from a base URL. */
export function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** Checks that a configured base URL or issuer is an absolute URL, naming the option when not. */
export function checkUrl(value: string, option: string, provider: string): string {
  try {
    new URL(value);
  } catch {
    throw new ConfigurationError(`The ${provider} option \`${option}\` must be an absolute URL (got "${value.slice(0, 100)}").`);
  }
  return value;
}
