/**
 * Sign in with X (Twitter), OAuth 2.0 with PKCE: the user from `/2/users/me`.
 *
 * Register: X Developer Portal → Projects & Apps → your app → User authentication settings → Type
 * "Web App" (confidential client); Callback URI `https://<your-app>/auth/twitter/callback`.
 *
 * @see [X API - OAuth 2.0 Authorization Code Flow with PKCE](https://docs.x.com/resources/fundamentals/authentication/oauth-2-0/authorization-code)
 * @module
 */
import { oauth2Preset } from './internal/builders.js';
import { endpoint, type OAuth2PresetOptions } from './internal/preset.js';
import { fetchObject, makeProfile, obj, str, subjectOf } from './internal/profile.js';
import type { ProviderConfig } from './types.js';

const X_AUTHORIZE = 'https://x.com/i/oauth2/authorize';
const X_TOKEN = 'https://api.x.com/2/oauth2/token';
const X_REVOKE = 'https://api.x.com/2/oauth2/revoke';
const X_ME = 'https://api.x.com/2/users/me?user.fields=profile_image_url';

/**
 * The X (Twitter) preset. Credentials default to `TWITTER_CLIENT_ID` / `TWITTER_CLIENT_SECRET`
 * (the OAuth 2.0 client, not the API key). PKCE is required by X and always sent; a confidential
 * client authenticates with HTTP Basic, a public one (no secret) with its id only. X returns no
 * email by default, so `email` is null. Refresh tokens need the `offline.access` scope.
 *
 * @param options Credentials and scopes (default `users.read tweet.read`).
 * @returns A ProviderConfig (kind `oauth2`).
 * @throws {ConfigurationError} `CONFIG_INVALID` when the client id is missing.
 * @see [X API - Users lookup: /2/users/me](https://docs.x.com/x-api/users/user-lookup-me)
 */
export function twitter(options: OAuth2PresetOptions = {}): ProviderConfig {
  return oauth2Preset(options, {
    // Where its access tokens are meant to go (X API v2 (api.x.com; api.twitter.com is the older name).)
    apiOrigins: ['https://api.x.com', 'https://api.twitter.com'],
    apiBaseUrl: 'https://api.x.com',
    prefix: 'TWITTER',
    id: 'twitter',
    name: 'X',
    issuer: 'https://x.com',
    authorizationEndpoint: X_AUTHORIZE,
    tokenEndpoint: X_TOKEN,
    revocationEndpoint: X_REVOKE,
    // X requires tweet.read alongside users.read for /2/users/me.
    scopes: ['users.read', 'tweet.read'],
    secret: 'optional',
    supportsRefresh: true,
    offlineAccess: { scopes: ['offline.access'] },
    fetchProfile: (ctx) => fetchObject(ctx, endpoint(X_ME, options.emulatorUrl)),
    mapProfile: (raw, ctx) => {
      // X wraps the user in { data: … }.
      const user = obj(raw.data) ?? {};
      return makeProfile(
        ctx.issuer,
        subjectOf(user.id, 'data.id', 'X'),
        {
          name: str(user.name) ?? str(user.username),
          picture: str(user.profile_image_url),
        },
        raw,
      );
    },
    docs: { consoleUrl: 'https://developer.x.com/en/portal/projects-and-apps' },
  });
}

/** Alias of {@link twitter}. */
export const x = twitter;
