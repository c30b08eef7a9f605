/**
 * Sign in with Dropbox: OpenID Connect (the `openid` scope); the profile comes from the ID token,
 * since Dropbox's userinfo is an RPC-style POST route.
 *
 * Register: Dropbox App Console → Create app → Scoped access; Settings → OAuth 2 → Redirect URIs:
 * `https://<your-app>/auth/dropbox/callback`; Permissions: `openid`, `email`, `profile`.
 *
 * @see [Dropbox - OAuth Guide](https://developers.dropbox.com/oauth-guide)
 * @module
 */
import { oidcPreset } from './internal/builders.js';
import { checkUrl, type OidcPresetOptions, trimSlash } from './internal/preset.js';
import { idTokenClaimsProfile } from './internal/profile.js';
import type { ProviderConfig } from './types.js';

/** Dropbox's issuer. */
export const DROPBOX_ISSUER = 'https://www.dropbox.com';

/**
 * The Dropbox preset. Credentials default to `DROPBOX_CLIENT_ID` / `DROPBOX_CLIENT_SECRET`
 * (app key and secret). Refresh tokens need `token_access_type=offline` (sent when `offline`).
 * `sub` is the Dropbox account id (`dbid:…`).
 *
 * @param options Credentials and scopes (default `openid email profile`).
 * @returns A ProviderConfig (kind `oidc`).
 * @throws {ConfigurationError} `CONFIG_INVALID` when credentials are missing.
 * @see [Dropbox API - openid/userinfo claims](https://www.dropbox.com/developers/documentation/http/documentation#openid-userinfo)
 */
export function dropbox(options: OidcPresetOptions = {}): ProviderConfig {
  return oidcPreset(options, {
    // Where its access tokens are meant to go (Dropbox HTTP API: RPC, content-upload/download and longpoll hosts.)
    apiOrigins: ['https://api.dropboxapi.com', 'https://content.dropboxapi.com', 'https://notify.dropboxapi.com'],
    apiBaseUrl: 'https://api.dropboxapi.com',
    prefix: 'DROPBOX',
    id: 'dropbox',
    name: 'Dropbox',
    issuer: options.issuer ? trimSlash(checkUrl(options.issuer, 'issuer', 'Dropbox')) : DROPBOX_ISSUER,
    scopes: ['openid', 'email', 'profile'],
    secret: 'required',
    supportsRefresh: true,
    // Dropbox: a refresh token is issued only for token_access_type=offline.
    offlineAccess: { params: { token_access_type: 'offline' } },
    // Dropbox's userinfo is an RPC-style POST route: the ID token claims are the profile.
    userinfo: false,
    fetchProfile: idTokenClaimsProfile,
    docs: { consoleUrl: 'https://www.dropbox.com/developers/apps' },
  });
}
