/**
 * Sign in with Twitch: OpenID Connect, with the email and picture requested through the `claims`
 * parameter.
 *
 * Register: Twitch Developer Console → Applications → Register Your Application; OAuth Redirect
 * URLs: `https://<your-app>/auth/twitch/callback`; Client Type Confidential.
 *
 * @see [Twitch - Getting OAuth access tokens (OIDC authorization code flow)](https://dev.twitch.tv/docs/authentication/getting-tokens-oidc/)
 * @module
 */
import { oidcPreset } from './internal/builders.js';
import { checkUrl, type OidcPresetOptions } from './internal/preset.js';
import { standardClaimsProfile, str } from './internal/profile.js';
import type { ProviderConfig } from './types.js';

/** Twitch's issuer. */
export const TWITCH_ISSUER = 'https://id.twitch.tv/oauth2';
/** OIDC Core §5.5: ask for these claims in the ID token and userinfo (Twitch sends none by default). */
const TWITCH_CLAIMS = JSON.stringify({
  id_token: { email: null, email_verified: null, picture: null, preferred_username: null },
  userinfo: { email: null, email_verified: null, picture: null, preferred_username: null },
});

/**
 * The Twitch preset. Credentials default to `TWITCH_CLIENT_ID` / `TWITCH_CLIENT_SECRET`.
 * Quirks: the `claims` request parameter; `client_secret_post`; `scope` in the token response is
 * a JSON array (conformed to a string); `token_type` is lower-case; token errors come as
 * `{ status, message }` (mapped onto RFC 6749 §5.2).
 *
 * @param options Credentials and scopes (default `openid user:read:email`).
 * @returns A ProviderConfig (kind `oidc`, refresh supported).
 * @throws {ConfigurationError} `CONFIG_INVALID` when credentials are missing.
 * @see [Twitch - Requesting claims](https://dev.twitch.tv/docs/authentication/getting-tokens-oidc/#requesting-claims)
 */
export function twitch(options: OidcPresetOptions = {}): ProviderConfig {
  return oidcPreset(options, {
    // Where its access tokens are meant to go (Twitch Helix API.)
    apiOrigins: ['https://api.twitch.tv'],
    apiBaseUrl: 'https://api.twitch.tv',
    prefix: 'TWITCH',
    id: 'twitch',
    name: 'Twitch',
    issuer: options.issuer ? checkUrl(options.issuer, 'issuer', 'Twitch') : TWITCH_ISSUER,
    scopes: ['openid', 'user:read:email'],
    authorizationParams: { claims: TWITCH_CLAIMS },
    secret: 'required',
    tokenEndpointAuthMethod: 'client_secret_post',
    supportsRefresh: true,
    hooks: { conformTokenResponse: conformScopeArray, conformTokenError: conformTwitchTokenError },
    mapProfile: (raw, ctx) => standardClaimsProfile(raw, ctx, 'Twitch', { name: str(raw.preferred_username) }),
    docs: { consoleUrl: 'https://dev.twitch.tv/console/apps' },
  });
}

/**
 * Twitch returns `scope` as a JSON array; RFC 6749 §3.3 makes it a space-delimited string.
 *
 * @see [RFC 6749, section 3.3](https://www.rfc-editor.org/rfc/rfc6749.html#section-3.3)
 */
export function conformScopeArray(body: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...body };
  if (Array.isArray(body.scope)) out.scope = body.scope.filter((s): s is string => typeof s === 'string').join(' ');
  return out;
}

/**
 * Twitch answers token errors as `{ "status": 400, "message": "Invalid refresh token" }`. Mapped
 * onto RFC 6749 §5.2: a refused code or refresh token is `invalid_grant` (the vault then asks the
 * user to sign in again instead of retrying), a refused client `invalid_client`.
 *
 * @see [Twitch - Refreshing access tokens](https://dev.twitch.tv/docs/authentication/refresh-tokens/)
 * @see [RFC 6749, section 5.2](https://www.rfc-editor.org/rfc/rfc6749.html#section-5.2)
 */
export function conformTwitchTokenError(
  httpStatus: number,
  body: Readonly<Record<string, unknown>>,
): { error: string; error_description?: string } | undefined {
  const message = typeof body.message === 'string' ? body.message : undefined;
  if (message === undefined) return undefined;
  if (/invalid (refresh token|authorization code|code)/i.test(message)) return { error: 'invalid_grant', error_description: message };
  if (/invalid client|client secret/i.test(message) || httpStatus === 401 || httpStatus === 403) return { error: 'invalid_client', error_description: message };
  return { error: 'invalid_request', error_description: message };
}
