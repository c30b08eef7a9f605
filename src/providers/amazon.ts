/**
 * Login with Amazon (OAuth 2.0): the user from `/user/profile`.
 *
 * Register: Amazon Developer Console → Login with Amazon → Create a New Security Profile → Web
 * Settings; Allowed Return URLs: `https://<your-app>/auth/amazon/callback`.
 *
 * @see [Login with Amazon - Authorization Code Grant](https://developer.amazon.com/docs/login-with-amazon/authorization-code-grant.html)
 * @module
 */
import { oauth2Preset } from './internal/builders.js';
import { endpoint, type OAuth2PresetOptions } from './internal/preset.js';
import { fetchObject, makeProfile, str, subjectOf } from './internal/profile.js';
import type { ProviderConfig } from './types.js';

const AMAZON_AUTHORIZE = 'https://www.amazon.com/ap/oa';
const AMAZON_TOKEN = 'https://api.amazon.com/auth/o2/token';
const AMAZON_PROFILE = 'https://api.amazon.com/user/profile';

/**
 * The Amazon preset. Credentials default to `AMAZON_CLIENT_ID` / `AMAZON_CLIENT_SECRET`.
 * Amazon does not say whether the email is verified: `emailVerified` is false.
 *
 * @param options Credentials and scopes (default `profile`).
 * @returns A ProviderConfig (kind `oauth2`, refresh supported).
 * @throws {ConfigurationError} `CONFIG_INVALID` when credentials are missing.
 * @see [Login with Amazon - Obtaining customer profile information](https://developer.amazon.com/docs/login-with-amazon/obtain-customer-profile.html)
 */
export function amazon(options: OAuth2PresetOptions = {}): ProviderConfig {
  return oauth2Preset(options, {
    // Where its access tokens are meant to go (Login with Amazon: the customer profile API is on api.amazon.com.)
    apiOrigins: ['https://api.amazon.com'],
    apiBaseUrl: 'https://api.amazon.com',
    prefix: 'AMAZON',
    id: 'amazon',
    name: 'Amazon',
    issuer: 'https://www.amazon.com',
    authorizationEndpoint: AMAZON_AUTHORIZE,
    tokenEndpoint: AMAZON_TOKEN,
    scopes: ['profile'],
    secret: 'required',
    tokenEndpointAuthMethod: 'client_secret_post',
    supportsRefresh: true,
    fetchProfile: (ctx) => fetchObject(ctx, endpoint(AMAZON_PROFILE, options.emulatorUrl)),
    mapProfile: (raw, ctx) =>
      makeProfile(ctx.issuer, subjectOf(raw.user_id, 'user_id', 'Amazon'), { email: str(raw.email), emailVerified: false, name: str(raw.name) }, raw),
    docs: { consoleUrl: 'https://developer.amazon.com/loginwithamazon/console/site/lwa/overview.html' },
  });
}
