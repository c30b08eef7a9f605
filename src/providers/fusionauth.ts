/**
 * Sign in with FusionAuth: OpenID Connect with discovery.
 *
 * Register: FusionAuth admin → Applications → Add → OAuth tab: Authorized redirect URLs
 * `https://<your-app>/auth/fusionauth/callback`, Enabled grants "Authorization Code" (and
 * "Refresh Token").
 *
 * @see [FusionAuth - OAuth endpoints](https://fusionauth.io/docs/lifecycle/authenticate-users/oauth/endpoints)
 * @module
 */
import { oidcPreset, tenantIssuer } from './internal/builders.js';
import { envValue } from './internal/env.js';
import { type PresetOptions, trimSlash } from './internal/preset.js';
import type { ProviderConfig } from './types.js';

/** Options of {@link fusionauth}. */
export interface FusionAuthOptions extends PresetOptions {
  /** The tenant's issuer as configured in FusionAuth (env `FUSIONAUTH_ISSUER`), or … */
  readonly issuer?: string;
  /** … the server URL when the issuer is the server URL (env `FUSIONAUTH_BASE_URL`). */
  readonly baseUrl?: string;
}

/**
 * The FusionAuth preset. Credentials default to `FUSIONAUTH_CLIENT_ID` /
 * `FUSIONAUTH_CLIENT_SECRET`. Refresh tokens need `offline_access`.
 *
 * @param options Credentials and the issuer.
 * @returns A ProviderConfig (kind `oidc`).
 * @throws {ConfigurationError} `CONFIG_INVALID` when credentials or the issuer are missing.
 * @see [FusionAuth - Tenant issuer](https://fusionauth.io/docs/get-started/core-concepts/tenants#general)
 */
export function fusionauth(options: FusionAuthOptions = {}): ProviderConfig {
  const issuer = tenantIssuer(
    options.issuer,
    options.env,
    'FUSIONAUTH',
    'FusionAuth',
    () => {
      const base = options.baseUrl ?? envValue(options.env, 'FUSIONAUTH_BASE_URL');
      return base ? trimSlash(base) : undefined;
    },
    '`baseUrl` (FUSIONAUTH_BASE_URL)',
  );
  return oidcPreset(options, {
    prefix: 'FUSIONAUTH',
    id: 'fusionauth',
    name: 'FusionAuth',
    issuer,
    scopes: ['openid', 'profile', 'email'],
    secret: 'optional',
    supportsRefresh: true,
    offlineAccess: { scopes: ['offline_access'] },
    docs: { consoleUrl: `${issuer}/admin/` },
  });
}
