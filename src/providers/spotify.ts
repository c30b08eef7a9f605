/**
 * Sign in with Spotify (OAuth 2.0): the user from `/v1/me`.
 *
 * Register: Spotify for Developers → Dashboard → Create app; Redirect URI
 * `https://<your-app>/auth/spotify/callback` (Spotify accepts http only for loopback IPs).
 *
 * @see [Spotify - Authorization Code Flow](https://developer.spotify.com/documentation/web-api/tutorials/code-flow)
 * @module
 */
import { oauth2Preset } from './internal/builders.js';
import { endpoint, type OAuth2PresetOptions } from './internal/preset.js';
import { fetchObject, makeProfile, obj, str, subjectOf } from './internal/profile.js';
import type { ProviderConfig } from './types.js';

const SPOTIFY_AUTHORIZE = 'https://accounts.spotify.com/authorize';
const SPOTIFY_TOKEN = 'https://accounts.spotify.com/api/token';
const SPOTIFY_ME = 'https://api.spotify.com/v1/me';

/**
 * The Spotify preset. Credentials default to `SPOTIFY_CLIENT_ID` / `SPOTIFY_CLIENT_SECRET`.
 * Spotify does not say whether the email is verified: `emailVerified` is false.
 *
 * @param options Credentials and scopes (default `user-read-email user-read-private`).
 * @returns A ProviderConfig (kind `oauth2`, refresh supported).
 * @throws {ConfigurationError} `CONFIG_INVALID` when credentials are missing.
 * @see [Spotify Web API - Get Current User's Profile](https://developer.spotify.com/documentation/web-api/reference/get-current-users-profile)
 */
export function spotify(options: OAuth2PresetOptions = {}): ProviderConfig {
  return oauth2Preset(options, {
    // Where its access tokens are meant to go (Spotify Web API.)
    apiOrigins: ['https://api.spotify.com'],
    apiBaseUrl: 'https://api.spotify.com',
    prefix: 'SPOTIFY',
    id: 'spotify',
    name: 'Spotify',
    issuer: 'https://accounts.spotify.com',
    authorizationEndpoint: SPOTIFY_AUTHORIZE,
    tokenEndpoint: SPOTIFY_TOKEN,
    scopes: ['user-read-email', 'user-read-private'],
    secret: 'optional',
    supportsRefresh: true,
    fetchProfile: (ctx) => fetchObject(ctx, endpoint(SPOTIFY_ME, options.emulatorUrl)),
    mapProfile: (raw, ctx) => {
      const images = Array.isArray(raw.images) ? raw.images : [];
      return makeProfile(
        ctx.issuer,
        subjectOf(raw.id, 'id', 'Spotify'),
        {
          email: str(raw.email),
          emailVerified: false,
          name: str(raw.display_name),
          picture: str(obj(images[0])?.url),
        },
        raw,
      );
    },
    docs: { consoleUrl: 'https://developer.spotify.com/dashboard' },
  });
}
