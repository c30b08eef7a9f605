/**
 * Provider presets: `google()`, `github()`, `microsoft()`, `apple()` and 25 more, the generic
 * `oidc()` and `oauth2()`, and {@link providersFromEnv}. Each returns a {@link ProviderConfig} for
 * `createAuth({ providers })`.
 *
 * @module
 */

import { amazon } from './amazon.js';
import { apple } from './apple.js';
import { atlassian } from './atlassian.js';
import { auth0 } from './auth0.js';
import { authentik } from './authentik.js';
import { bitbucket } from './bitbucket.js';
import { cognito } from './cognito.js';
import { discord } from './discord.js';
import { dropbox } from './dropbox.js';
import { facebook } from './facebook.js';
import { fusionauth } from './fusionauth.js';
import { github } from './github.js';
import { gitlab } from './gitlab.js';
import { google } from './google.js';
import { defaultEnv, type Env, envValue } from './internal/env.js';
import { keycloak } from './keycloak.js';
import { line } from './line.js';
import { linkedin } from './linkedin.js';
import { microsoft } from './microsoft.js';
import { notion } from './notion.js';
import { okta } from './okta.js';
import { reddit } from './reddit.js';
import { salesforce } from './salesforce.js';
import { slack } from './slack.js';
import { spotify } from './spotify.js';
import { twitch } from './twitch.js';
import { twitter } from './twitter.js';
import type { ProviderConfig } from './types.js';
import { yahoo } from './yahoo.js';
import { zitadel } from './zitadel.js';
import { zoom } from './zoom.js';

export { amazon } from './amazon.js';
export { APPLE_ISSUER, type AppleOptions, apple } from './apple.js';
export { atlassian } from './atlassian.js';
export { type Auth0Options, auth0 } from './auth0.js';
export { type AuthentikOptions, authentik } from './authentik.js';
export { bitbucket } from './bitbucket.js';
export { type CognitoOptions, cognito } from './cognito.js';
export { discord } from './discord.js';
export { DROPBOX_ISSUER, dropbox } from './dropbox.js';
export { FACEBOOK_GRAPH_VERSION, facebook } from './facebook.js';
export { type FusionAuthOptions, fusionauth } from './fusionauth.js';
export { conformGitHubTokenResponse, GITHUB_API_BASE_URL, GITHUB_BASE_URL, type GitHubOptions, github } from './github.js';
export { GITLAB_ISSUER, type GitLabOptions, gitlab } from './gitlab.js';
export { checkHostedDomain, GOOGLE_ISSUER, GOOGLE_ISSUER_ALIAS, type GoogleOptions, google } from './google.js';
export type { Env } from './internal/env.js';
export type { OAuth2PresetOptions, OidcPresetOptions, PresetOptions } from './internal/preset.js';
export { type KeycloakOptions, keycloak } from './keycloak.js';
export { LINE_ISSUER, line } from './line.js';
export { LINKEDIN_ISSUER, linkedin } from './linkedin.js';
export { checkTenant, MICROSOFT_AUTHORITY, MICROSOFT_CONSUMERS_TENANT_ID, type MicrosoftOptions, microsoft } from './microsoft.js';
export { notion } from './notion.js';
export { type OAuth2Options, oauth2 } from './oauth2.js';
export { type OidcOptions, oidc } from './oidc.js';
export { type OktaOptions, okta } from './okta.js';
export { type RedditOptions, reddit } from './reddit.js';
export { SALESFORCE_ISSUER, salesforce } from './salesforce.js';
export { conformSlackTokenResponse, SLACK_ISSUER, slack } from './slack.js';
export { spotify } from './spotify.js';
export { conformScopeArray, TWITCH_ISSUER, twitch } from './twitch.js';
export { twitter, x } from './twitter.js';
export type { Profile, ProfileContext, ProviderConfig } from './types.js';
export { YAHOO_ISSUER, yahoo } from './yahoo.js';
export { type ZitadelOptions, zitadel } from './zitadel.js';
export { zoom } from './zoom.js';

/**
 * Every named preset with the variable whose presence enables it in {@link providersFromEnv}.
 * Data, in display order.
 */
export const PRESETS_FROM_ENV: readonly { readonly variable: string; readonly create: (options: { env: Env }) => ProviderConfig }[] = [
  { variable: 'GOOGLE_CLIENT_ID', create: google },
  { variable: 'GITHUB_CLIENT_ID', create: github },
  { variable: 'MICROSOFT_CLIENT_ID', create: microsoft },
  { variable: 'APPLE_CLIENT_ID', create: apple },
  { variable: 'GITLAB_CLIENT_ID', create: gitlab },
  { variable: 'DISCORD_CLIENT_ID', create: discord },
  { variable: 'FACEBOOK_CLIENT_ID', create: facebook },
  { variable: 'LINKEDIN_CLIENT_ID', create: linkedin },
  { variable: 'SLACK_CLIENT_ID', create: slack },
  { variable: 'TWITTER_CLIENT_ID', create: twitter },
  { variable: 'SPOTIFY_CLIENT_ID', create: spotify },
  { variable: 'TWITCH_CLIENT_ID', create: twitch },
  { variable: 'REDDIT_CLIENT_ID', create: reddit },
  { variable: 'AMAZON_CLIENT_ID', create: amazon },
  { variable: 'DROPBOX_CLIENT_ID', create: dropbox },
  { variable: 'ZOOM_CLIENT_ID', create: zoom },
  { variable: 'NOTION_CLIENT_ID', create: notion },
  { variable: 'ATLASSIAN_CLIENT_ID', create: atlassian },
  { variable: 'BITBUCKET_CLIENT_ID', create: bitbucket },
  { variable: 'SALESFORCE_CLIENT_ID', create: salesforce },
  { variable: 'YAHOO_CLIENT_ID', create: yahoo },
  { variable: 'LINE_CLIENT_ID', create: line },
  { variable: 'AUTH0_CLIENT_ID', create: auth0 },
  { variable: 'OKTA_CLIENT_ID', create: okta },
  { variable: 'KEYCLOAK_CLIENT_ID', create: keycloak },
  { variable: 'COGNITO_CLIENT_ID', create: cognito },
  { variable: 'ZITADEL_CLIENT_ID', create: zitadel },
  { variable: 'AUTHENTIK_CLIENT_ID', create: authentik },
  { variable: 'FUSIONAUTH_CLIENT_ID', create: fusionauth },
];

/**
 * Every named preset whose client id is set in the environment, configured from it
 * (`GOOGLE_CLIENT_ID` + `GOOGLE_CLIENT_SECRET` → `google()`, `OKTA_CLIENT_ID` + `OKTA_ISSUER` →
 * `okta()`, …). A preset whose client id is set but whose other settings are missing is an error,
 * not silently skipped.
 *
 * @param env The environment. Default: `process.env` where it exists, else empty.
 * @returns The configured providers, in a stable order (possibly none).
 * @throws {ConfigurationError} `CONFIG_INVALID` naming the missing variable (e.g. `GOOGLE_CLIENT_SECRET`).
 * @example createAuth({ providers: providersFromEnv() })
 */
export function providersFromEnv(env: Env = defaultEnv()): ProviderConfig[] {
  return PRESETS_FROM_ENV.filter((p) => envValue(env, p.variable) !== undefined).map((p) => p.create({ env }));
}
