/**
 * Sign in with Bitbucket Cloud (OAuth 2.0): the user from `/2.0/user`, the confirmed primary email
 * from `/2.0/user/emails`.
 *
 * Register: Bitbucket → Workspace settings → OAuth consumers → Add consumer; Callback URL
 * `https://<your-app>/auth/bitbucket/callback`; permissions Account: Email, Read.
 *
 * @see [Bitbucket Cloud - OAuth 2.0](https://developer.atlassian.com/cloud/bitbucket/oauth-2/)
 * @module
 */
import { oauth2Preset } from './internal/builders.js';
import { endpoint, type OAuth2PresetOptions } from './internal/preset.js';
import { fetchObject, isTrue, makeProfile, obj, str, subjectOf } from './internal/profile.js';
import type { ProviderConfig } from './types.js';

const BITBUCKET_AUTHORIZE = 'https://bitbucket.org/site/oauth2/authorize';
const BITBUCKET_TOKEN = 'https://bitbucket.org/site/oauth2/access_token';
const BITBUCKET_USER = 'https://api.bitbucket.org/2.0/user';
const BITBUCKET_EMAILS = 'https://api.bitbucket.org/2.0/user/emails';

/**
 * The Bitbucket preset. Credentials default to `BITBUCKET_CLIENT_ID` / `BITBUCKET_CLIENT_SECRET`
 * (the consumer key and secret). `email` is the primary address with `is_confirmed: true`.
 *
 * @param options Credentials and scopes (default `account email`).
 * @returns A ProviderConfig (kind `oauth2`, refresh supported).
 * @throws {ConfigurationError} `CONFIG_INVALID` when credentials are missing.
 * @see [Bitbucket Cloud REST API - Users](https://developer.atlassian.com/cloud/bitbucket/rest/api-group-users/)
 */
export function bitbucket(options: OAuth2PresetOptions = {}): ProviderConfig {
  return oauth2Preset(options, {
    // Where its access tokens are meant to go (Bitbucket Cloud REST API 2.0.)
    apiOrigins: ['https://api.bitbucket.org'],
    apiBaseUrl: 'https://api.bitbucket.org',
    prefix: 'BITBUCKET',
    id: 'bitbucket',
    name: 'Bitbucket',
    issuer: 'https://bitbucket.org',
    authorizationEndpoint: BITBUCKET_AUTHORIZE,
    tokenEndpoint: BITBUCKET_TOKEN,
    scopes: ['account', 'email'],
    secret: 'required',
    tokenEndpointAuthMethod: 'client_secret_basic',
    supportsRefresh: true,
    fetchProfile: async (ctx) => {
      const user = await fetchObject(ctx, endpoint(BITBUCKET_USER, options.emulatorUrl));
      const emails = await fetchObject(ctx, endpoint(BITBUCKET_EMAILS, options.emulatorUrl));
      return { ...user, emails: Array.isArray(emails.values) ? emails.values : [] };
    },
    mapProfile: (raw, ctx) => {
      const emails = Array.isArray(raw.emails) ? raw.emails.map(obj).filter((e) => e !== undefined) : [];
      const primary = emails.find((e) => e.is_primary === true && e.is_confirmed === true);
      return makeProfile(
        ctx.issuer,
        subjectOf(raw.uuid, 'uuid', 'Bitbucket'),
        {
          email: primary ? str(primary.email) : null,
          emailVerified: primary !== undefined && isTrue(primary.is_confirmed),
          name: str(raw.display_name) ?? str(raw.username),
          picture: str(obj(obj(raw.links)?.avatar)?.href),
        },
        raw,
      );
    },
    docs: { consoleUrl: 'https://bitbucket.org/account/settings/' },
  });
}
