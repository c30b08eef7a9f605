/**
 * Sign in with Notion (OAuth 2.0 public integration): the user comes in the token response itself
 * (`owner.user`), so no API call is made.
 *
 * Register: Notion → Settings → Connections → Develop or manage integrations → New integration →
 * type Public; Redirect URI `https://<your-app>/auth/notion/callback`.
 *
 * @see [Notion - Authorization](https://developers.notion.com/docs/authorization)
 * @module
 */
import { ValidationError } from '../errors.js';
import { oauth2Preset } from './internal/builders.js';
import type { OAuth2PresetOptions } from './internal/preset.js';
import { makeProfile, obj, str, subjectOf } from './internal/profile.js';
import type { ProviderConfig } from './types.js';

const NOTION_AUTHORIZE = 'https://api.notion.com/v1/oauth/authorize';
const NOTION_TOKEN = 'https://api.notion.com/v1/oauth/token';

/**
 * The Notion preset. Credentials default to `NOTION_CLIENT_ID` / `NOTION_CLIENT_SECRET`.
 * Quirks: HTTP Basic client authentication; `owner=user` on the authorization request; the
 * profile from `owner.user` in the token response (email under `person.email`, never marked
 * verified). Notion tokens do not expire.
 *
 * @param options Credentials.
 * @returns A ProviderConfig (kind `oauth2`).
 * @throws {ConfigurationError} `CONFIG_INVALID` when credentials are missing.
 * @throws {ValidationError} `USERINFO_INVALID` at sign-in when the token response has no user owner.
 * @see [Notion API - Create a token](https://developers.notion.com/reference/create-a-token)
 */
export function notion(options: OAuth2PresetOptions = {}): ProviderConfig {
  return oauth2Preset(options, {
    // Where its access tokens are meant to go (Notion API.)
    apiOrigins: ['https://api.notion.com'],
    apiBaseUrl: 'https://api.notion.com',
    prefix: 'NOTION',
    id: 'notion',
    name: 'Notion',
    issuer: 'https://www.notion.so',
    authorizationEndpoint: NOTION_AUTHORIZE,
    tokenEndpoint: NOTION_TOKEN,
    scopes: [],
    authorizationParams: { owner: 'user' },
    secret: 'required',
    tokenEndpointAuthMethod: 'client_secret_basic',
    supportsRefresh: false,
    fetchProfile: async (ctx) => {
      const user = obj(obj(ctx.tokens.raw.owner)?.user);
      if (!user)
        throw new ValidationError(
          'USERINFO_INVALID',
          'The Notion token response has no owner.user (the integration was installed by a workspace, not a user).',
          { claim: 'owner' },
        );
      return { ...user, workspace_id: ctx.tokens.raw.workspace_id, workspace_name: ctx.tokens.raw.workspace_name };
    },
    mapProfile: (raw, ctx) =>
      makeProfile(
        ctx.issuer,
        subjectOf(raw.id, 'id', 'Notion'),
        {
          email: str(obj(raw.person)?.email),
          emailVerified: false,
          name: str(raw.name),
          picture: str(raw.avatar_url),
        },
        raw,
      ),
    docs: { consoleUrl: 'https://www.notion.so/profile/integrations' },
  });
}
