/**
 * Sign in with Salesforce: OpenID Connect (production, sandbox or a My Domain).
 *
 * Register: Salesforce Setup → App Manager → New Connected App (or External Client App) → Enable
 * OAuth Settings; Callback URL `https://<your-app>/auth/salesforce/callback`; scopes `openid`,
 * `email`, `profile` (and `refresh_token` for refresh).
 *
 * @see [Salesforce - OpenID Connect](https://help.salesforce.com/s/articleView?id=sf.sso_provider_openid_connect.htm)
 * @module
 */
import { oidcPreset } from './internal/builders.js';
import { envValue } from './internal/env.js';
import { checkUrl, type OidcPresetOptions, trimSlash } from './internal/preset.js';
import type { ProviderConfig } from './types.js';

/** The production login issuer; sandboxes use `https://test.salesforce.com`. */
export const SALESFORCE_ISSUER = 'https://login.salesforce.com';

/**
 * The Salesforce preset. Credentials default to `SALESFORCE_CLIENT_ID` (consumer key) /
 * `SALESFORCE_CLIENT_SECRET`; the issuer to `SALESFORCE_ISSUER` or login.salesforce.com.
 * Refresh tokens need the `refresh_token` scope.
 *
 * @param options Credentials, scopes and the issuer (sandbox or My Domain).
 * @returns A ProviderConfig (kind `oidc`).
 * @throws {ConfigurationError} `CONFIG_INVALID` when credentials are missing.
 * @see [Salesforce - OAuth endpoints](https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_endpoints.htm)
 */
export function salesforce(options: OidcPresetOptions = {}): ProviderConfig {
  const issuer = options.issuer ?? envValue(options.env, 'SALESFORCE_ISSUER') ?? SALESFORCE_ISSUER;
  return oidcPreset(options, {
    // Where its access tokens are meant to go (Salesforce REST API: the org's My Domain instance (`instance_url`), `<name>.my.salesforce.com`.)
    apiOrigins: ['https://*.my.salesforce.com'],
    prefix: 'SALESFORCE',
    id: 'salesforce',
    name: 'Salesforce',
    issuer: trimSlash(checkUrl(issuer, 'issuer', 'Salesforce')),
    scopes: ['openid', 'email', 'profile'],
    secret: 'optional',
    supportsRefresh: true,
    offlineAccess: { scopes: ['refresh_token'] },
    docs: { consoleUrl: 'https://login.salesforce.com/' },
  });
}
