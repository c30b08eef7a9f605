/**
 * Sign in with Zoom (OAuth 2.0): the user from `/v2/users/me`.
 *
 * Register: Zoom App Marketplace → Develop → Build App → General App (user-managed); OAuth
 * Redirect URL and allow list: `https://<your-app>/auth/zoom/callback`; scope `user:read:user`.
 *
 * @see [Zoom - Using OAuth 2.0](https://developers.zoom.us/docs/integrations/oauth/)
 * @module
 */
import { oauth2Preset } from './internal/builders.js';
import { endpoint, type OAuth2PresetOptions } from './internal/preset.js';
import { fetchObject, joinName, makeProfile, str, subjectOf } from './internal/profile.js';
import type { ProviderConfig } from './types.js';

const ZOOM_AUTHORIZE = 'https://zoom.us/oauth/authorize';
const ZOOM_TOKEN = 'https://zoom.us/oauth/token';
const ZOOM_REVOKE = 'https://zoom.us/oauth/revoke';
const ZOOM_ME = 'https://api.zoom.us/v2/users/me';

/**
 * The Zoom preset. Credentials default to `ZOOM_CLIENT_ID` / `ZOOM_CLIENT_SECRET`.
 * `emailVerified` is Zoom's `verified` field equal to 1. HTTP Basic client authentication.
 *
 * @param options Credentials and scopes (default: the app's configured scopes, none sent).
 * @returns A ProviderConfig (kind `oauth2`, refresh supported).
 * @throws {ConfigurationError} `CONFIG_INVALID` when credentials are missing.
 * @see [Zoom API - Get a user](https://developers.zoom.us/docs/api/users/#tag/users/GET/users/{userId})
 */
export function zoom(options: OAuth2PresetOptions = {}): ProviderConfig {
  return oauth2Preset(options, {
    // Where its access tokens are meant to go (Zoom REST API.)
    apiOrigins: ['https://api.zoom.us'],
    apiBaseUrl: 'https://api.zoom.us',
    prefix: 'ZOOM',
    id: 'zoom',
    name: 'Zoom',
    issuer: 'https://zoom.us',
    authorizationEndpoint: ZOOM_AUTHORIZE,
    tokenEndpoint: ZOOM_TOKEN,
    revocationEndpoint: ZOOM_REVOKE,
    // Zoom grants the scopes configured on the app; none need to be sent.
    scopes: [],
    secret: 'required',
    tokenEndpointAuthMethod: 'client_secret_basic',
    supportsRefresh: true,
    fetchProfile: (ctx) => fetchObject(ctx, endpoint(ZOOM_ME, options.emulatorUrl)),
    mapProfile: (raw, ctx) => {
      const given = str(raw.first_name);
      const family = str(raw.last_name);
      return makeProfile(
        ctx.issuer,
        subjectOf(raw.id, 'id', 'Zoom'),
        {
          email: str(raw.email),
          // Zoom: verified is 1 when the user's email address is verified.
          emailVerified: raw.verified === 1,
          name: str(raw.display_name) ?? joinName(given, family),
          givenName: given,
          familyName: family,
          picture: str(raw.pic_url),
          locale: str(raw.language),
        },
        raw,
      );
    },
    docs: { consoleUrl: 'https://marketplace.zoom.us/develop/create' },
  });
}
