/**
 * Sign in with LINE (LINE Login v2.1): OpenID Connect with HS256 ID tokens.
 *
 * Register: LINE Developers console → a provider → Create a LINE Login channel (Web app);
 * LINE Login tab → Callback URL `https://<your-app>/auth/line/callback`; apply for email
 * permission to get `email`.
 *
 * @see [LINE - Integrating LINE Login with your web app](https://developers.line.biz/en/docs/line-login/integrate-line-login/)
 * @module
 */
import { oidcPreset } from './internal/builders.js';
import { checkUrl, type OidcPresetOptions } from './internal/preset.js';
import { standardClaimsProfile } from './internal/profile.js';
import type { ProviderConfig } from './types.js';

/** LINE's issuer. */
export const LINE_ISSUER = 'https://access.line.me';

/**
 * The LINE preset. Credentials default to `LINE_CLIENT_ID` (channel id) / `LINE_CLIENT_SECRET`
 * (channel secret). Quirks: web-login ID tokens are signed HS256 with the channel secret; LINE
 * does not say the email is verified, so `emailVerified` is false.
 *
 * @param options Credentials and scopes (default `openid profile email`).
 * @returns A ProviderConfig (kind `oidc`, refresh supported).
 * @throws {ConfigurationError} `CONFIG_INVALID` when credentials are missing.
 * @see [LINE - Verify ID token](https://developers.line.biz/en/docs/line-login/verify-id-token/)
 */
export function line(options: OidcPresetOptions = {}): ProviderConfig {
  return oidcPreset(options, {
    // Where its access tokens are meant to go (LINE Login v2.1 and Messaging APIs.)
    apiOrigins: ['https://api.line.me'],
    apiBaseUrl: 'https://api.line.me',
    prefix: 'LINE',
    id: 'line',
    name: 'LINE',
    issuer: options.issuer ? checkUrl(options.issuer, 'issuer', 'LINE') : LINE_ISSUER,
    scopes: ['openid', 'profile', 'email'],
    secret: 'required',
    tokenEndpointAuthMethod: 'client_secret_post',
    // LINE Login: ID tokens for web apps are HS256 (the channel secret is the key).
    idTokenSignedResponseAlg: 'HS256',
    supportsRefresh: true,
    mapProfile: (raw, ctx) => standardClaimsProfile(raw, ctx, 'LINE', { emailVerified: false }),
    docs: { consoleUrl: 'https://developers.line.biz/console/' },
  });
}
