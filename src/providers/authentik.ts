/**
 * Sign in with authentik: OpenID Connect against an application's provider.
 *
 * Register: authentik admin → Applications → Providers → Create → OAuth2/OpenID Provider
 * (Confidential); Redirect URIs: `https://<your-app>/auth/authentik/callback`; then an
 * Application using it (its slug).
 *
 * @see [authentik - OAuth2 provider](https://docs.goauthentik.io/add-secure-apps/providers/oauth2/)
 * @module
 */
import { oidcPreset, tenantIssuer } from './internal/builders.js';
import { envValue } from './internal/env.js';
import { type PresetOptions, trimSlash } from './internal/preset.js';
import type { ProviderConfig } from './types.js';

/** Options of {@link authentik}. */
export interface AuthentikOptions extends PresetOptions {
  /** The server, e.g. `https://auth.example.com` (env `AUTHENTIK_BASE_URL`) … */
  readonly baseUrl?: string;
  /** … and the application slug (env `AUTHENTIK_SLUG`): issuer `<baseUrl>/application/o/<slug>/`. */
  readonly slug?: string;
  /** Or the issuer directly (env `AUTHENTIK_ISSUER`). */
  readonly issuer?: string;
}

/**
 * The authentik preset. Credentials default to `AUTHENTIK_CLIENT_ID` / `AUTHENTIK_CLIENT_SECRET`.
 * Quirk: the per-application issuer ends with a slash. Refresh tokens need `offline_access`.
 *
 * @param options Credentials and the application.
 * @returns A ProviderConfig (kind `oidc`).
 * @throws {ConfigurationError} `CONFIG_INVALID` when credentials, the server or the slug are missing.
 * @see [authentik - OAuth2 provider endpoints](https://docs.goauthentik.io/add-secure-apps/providers/oauth2/#endpoints)
 */
export function authentik(options: AuthentikOptions = {}): ProviderConfig {
  const issuer = tenantIssuer(
    options.issuer,
    options.env,
    'AUTHENTIK',
    'authentik',
    () => {
      const base = options.baseUrl ?? envValue(options.env, 'AUTHENTIK_BASE_URL');
      const slug = options.slug ?? envValue(options.env, 'AUTHENTIK_SLUG');
      return base && slug ? `${trimSlash(base)}/application/o/${encodeURIComponent(slug)}/` : undefined;
    },
    '`baseUrl` and `slug` (AUTHENTIK_BASE_URL, AUTHENTIK_SLUG)',
  );
  return oidcPreset(options, {
    prefix: 'AUTHENTIK',
    id: 'authentik',
    name: 'authentik',
    issuer,
    scopes: ['openid', 'profile', 'email'],
    secret: 'optional',
    supportsRefresh: true,
    offlineAccess: { scopes: ['offline_access'] },
    docs: { consoleUrl: `${issuer.replace(/\/application\/o\/.*$/, '')}/if/admin/` },
  });
}
