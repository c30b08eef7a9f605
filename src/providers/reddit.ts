/**
 * Sign in with Reddit (OAuth 2.0): the user from `/api/v1/me`.
 *
 * Register: reddit.com/prefs/apps → "create another app…" → type "web app"; redirect uri
 * `https://<your-app>/auth/reddit/callback`.
 *
 * @see [Reddit - OAuth2](https://github.com/reddit-archive/reddit/wiki/OAuth2)
 * @module
 */
import { oauth2Preset } from './internal/builders.js';
import { throwOnErrorBody } from './internal/conform.js';
import { endpoint, type OAuth2PresetOptions } from './internal/preset.js';
import { fetchObject, makeProfile, str, subjectOf } from './internal/profile.js';
import type { ProviderConfig } from './types.js';

const REDDIT_AUTHORIZE = 'https://www.reddit.com/api/v1/authorize';
const REDDIT_TOKEN = 'https://www.reddit.com/api/v1/access_token';
const REDDIT_REVOKE = 'https://www.reddit.com/api/v1/revoke_token';
const REDDIT_ME = 'https://oauth.reddit.com/api/v1/me';

/** Options of {@link reddit}. */
export interface RedditOptions extends OAuth2PresetOptions {
  /**
   * The User-Agent Reddit requires on every API call, `<platform>:<app id>:<version> (by /u/<user>)`.
   * Reddit throttles or refuses generic agents.
   */
  readonly userAgent?: string;
}

/**
 * The Reddit preset. Credentials default to `REDDIT_CLIENT_ID` / `REDDIT_CLIENT_SECRET`.
 * Quirks: HTTP Basic client authentication; a descriptive User-Agent on every request; a refresh
 * token only with `duration=permanent` (sent when `offline`). Reddit exposes no email.
 *
 * @param options Credentials, scopes (default `identity`) and the User-Agent.
 * @returns A ProviderConfig (kind `oauth2`).
 * @throws {ConfigurationError} `CONFIG_INVALID` when credentials are missing.
 * @see [Reddit API - /api/v1/me](https://www.reddit.com/dev/api/#GET_api_v1_me)
 */
export function reddit(options: RedditOptions = {}): ProviderConfig {
  const userAgent = options.userAgent ?? 'web:latchkey:0.1 (by latchkey)';
  const config = oauth2Preset(options, {
    // Where its access tokens are meant to go (Reddit OAuth API: calls with a token go to oauth.reddit.com.)
    apiOrigins: ['https://oauth.reddit.com'],
    apiBaseUrl: 'https://oauth.reddit.com',
    prefix: 'REDDIT',
    id: 'reddit',
    name: 'Reddit',
    issuer: 'https://www.reddit.com',
    authorizationEndpoint: REDDIT_AUTHORIZE,
    tokenEndpoint: REDDIT_TOKEN,
    revocationEndpoint: REDDIT_REVOKE,
    scopes: ['identity'],
    secret: 'required',
    // Reddit: the token request authenticates with HTTP Basic.
    tokenEndpointAuthMethod: 'client_secret_basic',
    supportsRefresh: true,
    // Reddit issues a refresh token only for duration=permanent.
    offlineAccess: { params: { duration: 'permanent' } },
    // Reddit answers a bad code with HTTP 200 and {"error": "invalid_grant"}.
    hooks: {
      conformTokenResponse: (body) => {
        throwOnErrorBody(body);
        return { ...body };
      },
    },
    fetchProfile: (ctx) => fetchObject(ctx, endpoint(REDDIT_ME, options.emulatorUrl), { 'user-agent': userAgent }),
    mapProfile: (raw, ctx) =>
      makeProfile(
        ctx.issuer,
        subjectOf(raw.id, 'id', 'Reddit'),
        {
          name: str(raw.name),
          // Reddit HTML-escapes the icon URL's query string.
          picture: str(raw.icon_img)?.replace(/&amp;/g, '&') ?? null,
        },
        raw,
      ),
    docs: { consoleUrl: 'https://www.reddit.com/prefs/apps' },
  });
  // The token endpoint wants the User-Agent too.
  return { ...config, http: { ...config.http, headers: { 'user-agent': userAgent, ...config.http?.headers } } };
}
