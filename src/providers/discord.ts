/**
 * Sign in with Discord (OAuth 2.0): the user from `/users/@me`.
 *
 * Register: Discord Developer Portal → Applications → New Application → OAuth2; add the redirect
 * `https://<your-app>/auth/discord/callback`; copy the Client ID and reset the Client Secret.
 *
 * @see [Discord Developer Docs - OAuth2](https://discord.com/developers/docs/topics/oauth2)
 * @module
 */
import { oauth2Preset } from './internal/builders.js';
import { endpoint, type OAuth2PresetOptions } from './internal/preset.js';
import { fetchObject, isTrue, makeProfile, str, subjectOf } from './internal/profile.js';
import type { ProviderConfig } from './types.js';

const DISCORD_AUTHORIZE = 'https://discord.com/oauth2/authorize';
const DISCORD_TOKEN = 'https://discord.com/api/oauth2/token';
const DISCORD_REVOKE = 'https://discord.com/api/oauth2/token/revoke';
const DISCORD_ME = 'https://discord.com/api/users/@me';
const DISCORD_CDN = 'https://cdn.discordapp.com';

/**
 * The Discord preset. Credentials default to `DISCORD_CLIENT_ID` / `DISCORD_CLIENT_SECRET`.
 * `emailVerified` is Discord's `verified` flag (the account's email is verified). The avatar hash
 * becomes a CDN URL.
 *
 * @param options Credentials and scopes (default `identify email`).
 * @returns A ProviderConfig (kind `oauth2`, refresh supported).
 * @throws {ConfigurationError} `CONFIG_INVALID` when credentials are missing.
 * @see [Discord Developer Docs - User object](https://discord.com/developers/docs/resources/user#user-object)
 */
export function discord(options: OAuth2PresetOptions = {}): ProviderConfig {
  return oauth2Preset(options, {
    // Where its access tokens are meant to go (Discord API base URL https://discord.com/api.)
    apiOrigins: ['https://discord.com'],
    apiBaseUrl: 'https://discord.com/api',
    prefix: 'DISCORD',
    id: 'discord',
    name: 'Discord',
    issuer: 'https://discord.com',
    authorizationEndpoint: DISCORD_AUTHORIZE,
    tokenEndpoint: DISCORD_TOKEN,
    revocationEndpoint: DISCORD_REVOKE,
    scopes: ['identify', 'email'],
    secret: 'required',
    supportsRefresh: true,
    fetchProfile: (ctx) => fetchObject(ctx, endpoint(DISCORD_ME, options.emulatorUrl)),
    mapProfile: (raw, ctx) => {
      const id = subjectOf(raw.id, 'id', 'Discord');
      const avatar = str(raw.avatar);
      return makeProfile(
        ctx.issuer,
        id,
        {
          email: str(raw.email),
          emailVerified: isTrue(raw.verified),
          name: str(raw.global_name) ?? str(raw.username),
          picture: avatar ? `${DISCORD_CDN}/avatars/${id}/${avatar}.${avatar.startsWith('a_') ? 'gif' : 'png'}` : null,
          locale: str(raw.locale),
        },
        raw,
      );
    },
    docs: { consoleUrl: 'https://discord.com/developers/applications' },
  });
}
