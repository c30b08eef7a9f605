/**
 * Sign in with Facebook (OAuth 2.0, Graph API): the user from `/me`.
 *
 * Register: Meta for Developers → My Apps → Create App → "Authenticate and request data from
 * users with Facebook Login"; Facebook Login → Settings → Valid OAuth Redirect URIs:
 * `https://<your-app>/auth/facebook/callback`.
 *
 * @see [Facebook Login - Manually build a login flow](https://developers.facebook.com/docs/facebook-login/guides/advanced/manual-flow)
 * @module
 */
import { oauth2Preset } from './internal/builders.js';
import { endpoint, type OAuth2PresetOptions } from './internal/preset.js';
import { fetchObject, makeProfile, obj, str, subjectOf } from './internal/profile.js';
import type { ProviderConfig } from './types.js';

/** The Graph API version the endpoints use. */
export const FACEBOOK_GRAPH_VERSION = 'v21.0';
const FACEBOOK_AUTHORIZE = `https://www.facebook.com/${FACEBOOK_GRAPH_VERSION}/dialog/oauth`;
const FACEBOOK_TOKEN = `https://graph.facebook.com/${FACEBOOK_GRAPH_VERSION}/oauth/access_token`;
const FACEBOOK_ME = `https://graph.facebook.com/${FACEBOOK_GRAPH_VERSION}/me?fields=id,name,email,first_name,last_name,picture.type(large)`;

/**
 * The Facebook preset. Credentials default to `FACEBOOK_CLIENT_ID` / `FACEBOOK_CLIENT_SECRET`.
 * Facebook does not say whether the email was verified, so `emailVerified` is always false.
 * No refresh tokens (long-lived tokens are exchanged, not refreshed).
 *
 * @param options Credentials and scopes (default `email public_profile`).
 * @returns A ProviderConfig (kind `oauth2`).
 * @throws {ConfigurationError} `CONFIG_INVALID` when credentials are missing.
 * @see [Graph API - User](https://developers.facebook.com/docs/graph-api/reference/user)
 */
export function facebook(options: OAuth2PresetOptions = {}): ProviderConfig {
  return oauth2Preset(options, {
    // Where its access tokens are meant to go (Meta Graph API.)
    apiOrigins: ['https://graph.facebook.com'],
    apiBaseUrl: 'https://graph.facebook.com',
    prefix: 'FACEBOOK',
    id: 'facebook',
    name: 'Facebook',
    issuer: 'https://www.facebook.com',
    authorizationEndpoint: FACEBOOK_AUTHORIZE,
    tokenEndpoint: FACEBOOK_TOKEN,
    scopes: ['email', 'public_profile'],
    secret: 'required',
    // Facebook's token endpoint takes client_id and client_secret as parameters.
    tokenEndpointAuthMethod: 'client_secret_post',
    supportsRefresh: false,
    hooks: { conformTokenError: conformFacebookTokenError },
    fetchProfile: (ctx) => fetchObject(ctx, endpoint(FACEBOOK_ME, options.emulatorUrl)),
    mapProfile: (raw, ctx) =>
      makeProfile(
        ctx.issuer,
        subjectOf(raw.id, 'id', 'Facebook'),
        {
          email: str(raw.email),
          emailVerified: false,
          name: str(raw.name),
          givenName: str(raw.first_name),
          familyName: str(raw.last_name),
          picture: str(obj(obj(raw.picture)?.data)?.url),
        },
        raw,
      ),
    docs: { consoleUrl: 'https://developers.facebook.com/apps/' },
  });
}

/**
 * Facebook answers token errors as `{ "error": { "message", "type": "OAuthException", "code" } }`.
 * Mapped onto RFC 6749 §5.2: code 100 about the verification code, and 190 (an expired or invalid
 * token), are `invalid_grant`; code 1 and 101 (the app's id or secret) `invalid_client`.
 *
 * @see [Graph API - Handling errors](https://developers.facebook.com/docs/graph-api/guides/error-handling/)
 * @see [RFC 6749, section 5.2](https://www.rfc-editor.org/rfc/rfc6749.html#section-5.2)
 */
export function conformFacebookTokenError(
  _httpStatus: number,
  body: Readonly<Record<string, unknown>>,
): { error: string; error_description?: string } | undefined {
  const inner = body.error;
  if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) return undefined;
  const { message, code } = inner as { message?: unknown; code?: unknown };
  const description = typeof message === 'string' ? message : undefined;
  if (code === 190 || (code === 100 && /code/i.test(description ?? '')))
    return { error: 'invalid_grant', ...(description ? { error_description: description } : {}) };
  if (code === 1 || code === 101) return { error: 'invalid_client', ...(description ? { error_description: description } : {}) };
  return { error: 'invalid_request', ...(description ? { error_description: description } : {}) };
}
