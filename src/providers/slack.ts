/**
 * Sign in with Slack: OpenID Connect.
 *
 * Register: api.slack.com/apps → Create New App → OAuth & Permissions → Redirect URLs:
 * `https://<your-app>/auth/slack/callback`; user token scopes `openid`, `email`, `profile`.
 *
 * @see [Slack - Sign in with Slack](https://api.slack.com/authentication/sign-in-with-slack)
 * @module
 */
import { ProviderError } from '../errors.js';
import { oidcPreset } from './internal/builders.js';
import { checkUrl, type OidcPresetOptions } from './internal/preset.js';
import { standardClaimsProfile } from './internal/profile.js';
import type { ProviderConfig } from './types.js';

/** Slack's issuer. */
export const SLACK_ISSUER = 'https://slack.com';

/**
 * The Slack preset. Credentials default to `SLACK_CLIENT_ID` / `SLACK_CLIENT_SECRET`.
 * Quirk: Slack's Web API answers errors with HTTP 200 and `{"ok": false, "error": …}`; the token
 * response is conformed so that such an answer becomes a `TOKEN_ERROR`. The workspace is in
 * `raw["https://slack.com/team_id"]`.
 *
 * @param options Credentials and scopes (default `openid email profile`).
 * @returns A ProviderConfig (kind `oidc`).
 * @throws {ConfigurationError} `CONFIG_INVALID` when credentials are missing.
 * @see [Slack - openid.connect.token](https://api.slack.com/methods/openid.connect.token)
 */
export function slack(options: OidcPresetOptions = {}): ProviderConfig {
  return oidcPreset(options, {
    // Where its access tokens are meant to go (Slack Web API base https://slack.com/api/.)
    apiOrigins: ['https://slack.com'],
    apiBaseUrl: 'https://slack.com/api',
    prefix: 'SLACK',
    id: 'slack',
    name: 'Slack',
    issuer: options.issuer ? checkUrl(options.issuer, 'issuer', 'Slack') : SLACK_ISSUER,
    scopes: ['openid', 'email', 'profile'],
    secret: 'required',
    tokenEndpointAuthMethod: 'client_secret_post',
    supportsRefresh: false,
    hooks: { conformTokenResponse: conformSlackTokenResponse },
    mapProfile: (raw, ctx) => standardClaimsProfile(raw, ctx, 'Slack'),
    docs: { consoleUrl: 'https://api.slack.com/apps' },
  });
}

/**
 * Slack answers `{"ok": false, "error": "invalid_code"}` with HTTP 200; that becomes a `TOKEN_ERROR`.
 *
 * @throws {ProviderError} `TOKEN_ERROR`.
 * @see [Slack Web API - Evaluating responses](https://api.slack.com/web#evaluating_responses)
 */
export function conformSlackTokenResponse(body: Readonly<Record<string, unknown>>): Record<string, unknown> {
  if (body.ok === false) {
    throw new ProviderError('TOKEN_ERROR', { error: typeof body.error === 'string' ? body.error : 'unknown_error', httpStatus: 200 });
  }
  return { ...body };
}
