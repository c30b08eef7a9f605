/**
 * Sign in with GitHub (OAuth 2.0, not OpenID Connect): the user from `/user`, the verified primary
 * email from `/user/emails`. GitHub Enterprise Server through `baseUrl`.
 *
 * Register: GitHub → Settings → Developer settings → OAuth Apps → New OAuth App; set the
 * "Authorization callback URL" to `https://<your-app>/auth/github/callback`.
 *
 * @see [GitHub Docs - Authorizing OAuth apps](https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps)
 * @module
 */
import { LatchkeyError, ProviderError } from '../errors.js';
import { throwOnErrorBody } from './internal/conform.js';
import { resolveCredentials } from './internal/env.js';
import { basePreset, checkUrl, explicitMetadata, type PresetOptions, trimSlash } from './internal/preset.js';
import { fetchObject, isTrue, makeProfile, obj, str, subjectOf } from './internal/profile.js';
import type { ProviderConfig } from './types.js';

/** github.com (the authorization and token endpoints, and the profile issuer). */
export const GITHUB_BASE_URL = 'https://github.com';
/** The github.com REST API, on its own host. */
export const GITHUB_API_BASE_URL = 'https://api.github.com';
const GITHUB_SCOPES = ['read:user', 'user:email'] as const;
/** GitHub REST API headers (GitHub Docs, "Getting started with the REST API"). */
const API_HEADERS = { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' };

/** Options of {@link github}. */
export interface GitHubOptions extends PresetOptions {
  /** GitHub Enterprise Server (or an emulator): `https://github.example.com`. Default github.com. */
  readonly baseUrl?: string;
  /** The REST API base. Default `https://api.github.com`, or `<baseUrl>/api/v3` with a `baseUrl`. */
  readonly apiBaseUrl?: string;
}

/**
 * The GitHub preset. Credentials default to `GITHUB_CLIENT_ID` / `GITHUB_CLIENT_SECRET`.
 *
 * Quirks handled: token errors arrive with HTTP 200 (`{"error": …}`) and become `TOKEN_ERROR`;
 * `token_type` is lower-case `bearer`; `scope` is comma-separated. `email` is the primary
 * verified address from `/user/emails`, and `emailVerified` is true only for it.
 *
 * @param options Credentials, scopes and the GitHub Enterprise base URL.
 * @returns A ProviderConfig (kind `oauth2`; the issuer is the base URL).
 * @throws {ConfigurationError} `CONFIG_INVALID` when credentials are missing.
 * @example github({ baseUrl: 'https://github.example.com' })
 * @see [GitHub Docs - REST API: emails](https://docs.github.com/en/rest/users/emails#list-email-addresses-for-the-authenticated-user)
 */
export function github(options: GitHubOptions = {}): ProviderConfig {
  const { clientId, clientSecret } = resolveCredentials('GITHUB', 'GitHub', options, 'required');
  const base = trimSlash(options.baseUrl ? checkUrl(options.baseUrl, 'baseUrl', 'GitHub') : GITHUB_BASE_URL);
  const api = trimSlash(options.apiBaseUrl ?? (options.baseUrl ? `${base}/api/v3` : GITHUB_API_BASE_URL));
  return {
    // Tokens go to the REST API only (api.github.com, or the Enterprise Server's `<baseUrl>/api/v3`).
    ...basePreset(options, {
      id: 'github',
      name: 'GitHub',
      scopes: GITHUB_SCOPES,
      apiOrigins: [new URL(checkUrl(api, 'apiBaseUrl', 'GitHub')).origin],
      apiBaseUrl: api,
    }),
    kind: 'oauth2',
    issuer: base,
    metadata: explicitMetadata(base, { authorization: `${base}/login/oauth/authorize`, token: `${base}/login/oauth/access_token` }),
    clientId,
    clientSecret,
    // GitHub Docs: client_id and client_secret are body parameters of the token request.
    tokenEndpointAuthMethod: 'client_secret_post',
    // OAuth App tokens do not expire; GitHub App user tokens can (they refresh with the grant).
    supportsRefresh: false,
    hooks: { conformTokenResponse: conformGitHubTokenResponse },
    fetchProfile: async (ctx) => {
      const user = await fetchObject(ctx, `${api}/user`, API_HEADERS);
      let emails: unknown = [];
      try {
        emails = await ctx.fetchJson(`${api}/user/emails`, { headers: API_HEADERS });
      } catch (error) {
        // Without the user:email scope (or a GitHub App without the email permission) GitHub answers
        // 403/404: the profile then has no verified email rather than failing the sign-in.
        if (!isForbiddenOrMissing(error)) throw error;
      }
      return { ...user, emails: Array.isArray(emails) ? emails : [] };
    },
    mapProfile: (raw, ctx) => {
      const emails = Array.isArray(raw.emails) ? raw.emails.map(obj).filter((e) => e !== undefined) : [];
      const primary = emails.find((e) => e.primary === true && isTrue(e.verified));
      return makeProfile(
        ctx.issuer,
        subjectOf(raw.id, 'id', 'GitHub'),
        {
          email: primary ? str(primary.email) : null,
          emailVerified: primary !== undefined,
          name: str(raw.name) ?? str(raw.login),
          picture: str(raw.avatar_url),
        },
        raw,
      );
    },
    docs: { consoleUrl: `${base}/settings/developers` },
  };
}

/**
 * GitHub's token response fixes: an error body with HTTP 200 becomes a `TOKEN_ERROR` (RFC 6749 §5.2
 * error fields); the comma-separated `scope` becomes space-separated (RFC 6749 §3.3).
 *
 * @throws {ProviderError} `TOKEN_ERROR` when the body is an error (e.g. `bad_verification_code`).
 * @see [GitHub Docs - Troubleshooting OAuth app access token request errors](https://docs.github.com/en/apps/oauth-apps/maintaining-oauth-apps/troubleshooting-oauth-app-access-token-request-errors)
 */
export function conformGitHubTokenResponse(body: Readonly<Record<string, unknown>>): Record<string, unknown> {
  throwOnErrorBody(body);
  const out: Record<string, unknown> = { ...body };
  if (typeof body.scope === 'string')
    out.scope = body.scope
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .join(' ');
  return out;
}

/** True for a 403 or 404 answer from a provider API (the HTTP status, not the app-layer one). */
function isForbiddenOrMissing(error: unknown): boolean {
  if (!(error instanceof LatchkeyError)) return false;
  const status = error.response?.status ?? (error instanceof ProviderError ? error.httpStatus : undefined);
  return status === 403 || status === 404;
}
