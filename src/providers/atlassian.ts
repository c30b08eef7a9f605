/**
 * Sign in with Atlassian (OAuth 2.0 "3LO", Jira and Confluence accounts): the user from
 * `api.atlassian.com/me`.
 *
 * Register: developer.atlassian.com → Console → Create → OAuth 2.0 integration → Authorization →
 * Callback URL `https://<your-app>/auth/atlassian/callback`; Permissions → User identity API
 * (`read:me`).
 *
 * @see [Atlassian - OAuth 2.0 (3LO) apps](https://developer.atlassian.com/cloud/jira/platform/oauth-2-3lo-apps/)
 * @module
 */
import { oauth2Preset } from './internal/builders.js';
import { endpoint, type OAuth2PresetOptions } from './internal/preset.js';
import { fetchObject, isTrue, makeProfile, str, subjectOf } from './internal/profile.js';
import type { ProviderConfig } from './types.js';

const ATLASSIAN_AUTHORIZE = 'https://auth.atlassian.com/authorize';
const ATLASSIAN_TOKEN = 'https://auth.atlassian.com/oauth/token';
const ATLASSIAN_ME = 'https://api.atlassian.com/me';

/**
 * The Atlassian preset. Credentials default to `ATLASSIAN_CLIENT_ID` / `ATLASSIAN_CLIENT_SECRET`.
 * Quirks: `audience=api.atlassian.com` and `prompt=consent` are required on the authorization
 * request; refresh tokens need the `offline_access` scope; `email_verified` comes from `/me`.
 *
 * @param options Credentials and scopes (default `read:me`).
 * @returns A ProviderConfig (kind `oauth2`).
 * @throws {ConfigurationError} `CONFIG_INVALID` when credentials are missing.
 * @see [Atlassian - User identity API: /me](https://developer.atlassian.com/cloud/confluence/oauth-2-3lo-apps/#how-do-i-retrieve-the-public-profile-of-the-authenticated-user-)
 */
export function atlassian(options: OAuth2PresetOptions = {}): ProviderConfig {
  return oauth2Preset(options, {
    // Where its access tokens are meant to go (Atlassian OAuth 2.0 (3LO): every product API is called through api.atlassian.com/ex/….)
    apiOrigins: ['https://api.atlassian.com'],
    apiBaseUrl: 'https://api.atlassian.com',
    prefix: 'ATLASSIAN',
    id: 'atlassian',
    name: 'Atlassian',
    issuer: 'https://auth.atlassian.com',
    authorizationEndpoint: ATLASSIAN_AUTHORIZE,
    tokenEndpoint: ATLASSIAN_TOKEN,
    scopes: ['read:me'],
    // Atlassian 3LO: audience and prompt=consent are required on every authorization request.
    authorizationParams: { audience: 'api.atlassian.com' },
    prompt: 'consent',
    secret: 'required',
    tokenEndpointAuthMethod: 'client_secret_post',
    supportsRefresh: true,
    offlineAccess: { scopes: ['offline_access'] },
    fetchProfile: (ctx) => fetchObject(ctx, endpoint(ATLASSIAN_ME, options.emulatorUrl)),
    mapProfile: (raw, ctx) =>
      makeProfile(
        ctx.issuer,
        subjectOf(raw.account_id, 'account_id', 'Atlassian'),
        {
          email: str(raw.email),
          emailVerified: isTrue(raw.email_verified),
          name: str(raw.name) ?? str(raw.nickname),
          picture: str(raw.picture),
          locale: str(raw.locale),
        },
        raw,
      ),
    docs: { consoleUrl: 'https://developer.atlassian.com/console/myapps/' },
  });
}
