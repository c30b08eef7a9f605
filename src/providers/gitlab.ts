/**
 * Sign in with GitLab (gitlab.com or self-managed): OpenID Connect with discovery.
 *
 * Register: GitLab → Edit profile → Applications → Add new application (or a group/instance
 * application); Redirect URI `https://<your-app>/auth/gitlab/callback`; scopes `openid profile email`.
 *
 * @see [GitLab - OpenID Connect provider](https://docs.gitlab.com/integration/openid_connect_provider/)
 * @module
 */
import { oidcPreset } from './internal/builders.js';
import { envValue } from './internal/env.js';
import { checkUrl, type PresetOptions, trimSlash } from './internal/preset.js';
import { standardClaimsProfile, str } from './internal/profile.js';
import type { ProviderConfig } from './types.js';

/** gitlab.com's issuer. */
export const GITLAB_ISSUER = 'https://gitlab.com';

/** Options of {@link gitlab}. */
export interface GitLabOptions extends PresetOptions {
  /** A self-managed instance, e.g. `https://gitlab.example.com` (the issuer). Env `GITLAB_BASE_URL`. */
  readonly baseUrl?: string;
}

/**
 * The GitLab preset. Credentials default to `GITLAB_CLIENT_ID` / `GITLAB_CLIENT_SECRET`. GitLab
 * asserts `email_verified`; `nickname` (the username) is the name fallback. Refresh tokens are
 * always issued.
 *
 * @param options Credentials, scopes and the self-managed base URL.
 * @returns A ProviderConfig (kind `oidc`).
 * @throws {ConfigurationError} `CONFIG_INVALID` when credentials are missing.
 * @see [GitLab - Shared information (claims)](https://docs.gitlab.com/integration/openid_connect_provider/#shared-information)
 */
export function gitlab(options: GitLabOptions = {}): ProviderConfig {
  const base = options.baseUrl ?? envValue(options.env, 'GITLAB_BASE_URL');
  return oidcPreset(options, {
    prefix: 'GITLAB',
    id: 'gitlab',
    name: 'GitLab',
    issuer: base ? trimSlash(checkUrl(base, 'baseUrl', 'GitLab')) : GITLAB_ISSUER,
    scopes: ['openid', 'profile', 'email'],
    secret: 'optional',
    supportsRefresh: true,
    mapProfile: (raw, ctx) => standardClaimsProfile(raw, ctx, 'GitLab', { name: str(raw.name) ?? str(raw.nickname) }),
    docs: { consoleUrl: `${base ? trimSlash(base) : GITLAB_ISSUER}/-/user_settings/applications` },
  });
}
