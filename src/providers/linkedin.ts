/**
 * Sign in with LinkedIn: OpenID Connect ("Sign In with LinkedIn using OpenID Connect" product).
 *
 * Register: LinkedIn Developers → Create app → Products → "Sign In with LinkedIn using OpenID
 * Connect"; Auth → Authorized redirect URLs: `https://<your-app>/auth/linkedin/callback`.
 *
 * @see [LinkedIn - Sign In with LinkedIn using OpenID Connect](https://learn.microsoft.com/en-us/linkedin/consumer/integrations/self-serve/sign-in-with-linkedin-v2)
 * @module
 */
import { oidcPreset } from './internal/builders.js';
import { checkUrl, type OidcPresetOptions } from './internal/preset.js';
import { obj, standardClaimsProfile, str } from './internal/profile.js';
import type { ProviderConfig } from './types.js';

/** LinkedIn's issuer. */
export const LINKEDIN_ISSUER = 'https://www.linkedin.com/oauth';

/**
 * The LinkedIn preset. Credentials default to `LINKEDIN_CLIENT_ID` / `LINKEDIN_CLIENT_SECRET`.
 * Quirks: the token request takes the credentials in the body; `locale` is an object
 * `{ country, language }`, normalized to `language-COUNTRY`. Refresh tokens are for approved
 * partners only.
 *
 * @param options Credentials and scopes (default `openid profile email`).
 * @returns A ProviderConfig (kind `oidc`).
 * @throws {ConfigurationError} `CONFIG_INVALID` when credentials are missing.
 * @see [LinkedIn - ID token and userinfo claims](https://learn.microsoft.com/en-us/linkedin/consumer/integrations/self-serve/sign-in-with-linkedin-v2#response-body-schema)
 */
export function linkedin(options: OidcPresetOptions = {}): ProviderConfig {
  return oidcPreset(options, {
    // Where its access tokens are meant to go (LinkedIn REST APIs (api.linkedin.com/v2, /rest).)
    apiOrigins: ['https://api.linkedin.com'],
    apiBaseUrl: 'https://api.linkedin.com',
    prefix: 'LINKEDIN',
    id: 'linkedin',
    name: 'LinkedIn',
    issuer: options.issuer ? checkUrl(options.issuer, 'issuer', 'LinkedIn') : LINKEDIN_ISSUER,
    scopes: ['openid', 'profile', 'email'],
    secret: 'required',
    tokenEndpointAuthMethod: 'client_secret_post',
    supportsRefresh: false,
    mapProfile: (raw, ctx) => {
      const locale = obj(raw.locale);
      const language = str(locale?.language);
      const country = str(locale?.country);
      return standardClaimsProfile(raw, ctx, 'LinkedIn', {
        locale: language ? (country ? `${language}-${country}` : language) : str(raw.locale),
      });
    },
    docs: { consoleUrl: 'https://www.linkedin.com/developers/apps' },
  });
}
