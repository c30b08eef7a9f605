/**
 * Sign in with Yahoo: OpenID Connect.
 *
 * Register: Yahoo Developer Network → My Apps → Create an App; Redirect URI(s)
 * `https://<your-app>/auth/yahoo/callback`; API Permissions: OpenID Connect (Email, Profile).
 *
 * @see [Yahoo - OpenID Connect](https://developer.yahoo.com/sign-in-with-yahoo/)
 * @module
 */
import { oidcPreset } from './internal/builders.js';
import { checkUrl, type OidcPresetOptions } from './internal/preset.js';
import type { ProviderConfig } from './types.js';

/** Yahoo's issuer. */
export const YAHOO_ISSUER = 'https://api.login.yahoo.com';

/**
 * The Yahoo preset. Credentials default to `YAHOO_CLIENT_ID` / `YAHOO_CLIENT_SECRET`. Refresh
 * tokens are always issued.
 *
 * @param options Credentials and scopes (default `openid email profile`).
 * @returns A ProviderConfig (kind `oidc`).
 * @throws {ConfigurationError} `CONFIG_INVALID` when credentials are missing.
 * @see [Yahoo - OpenID Connect claims](https://developer.yahoo.com/sign-in-with-yahoo/#openid-connect-claims)
 */
export function yahoo(options: OidcPresetOptions = {}): ProviderConfig {
  return oidcPreset(options, {
    prefix: 'YAHOO',
    id: 'yahoo',
    name: 'Yahoo',
    issuer: options.issuer ? checkUrl(options.issuer, 'issuer', 'Yahoo') : YAHOO_ISSUER,
    scopes: ['openid', 'email', 'profile'],
    secret: 'required',
    supportsRefresh: true,
    docs: { consoleUrl: 'https://developer.yahoo.com/apps/' },
  });
}
