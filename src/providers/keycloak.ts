/**
 * Sign in with Keycloak: OpenID Connect against a realm.
 *
 * Register: Keycloak admin console → your realm → Clients → Create client (OpenID Connect, Client
 * authentication on); Valid redirect URIs: `https://<your-app>/auth/keycloak/callback`.
 *
 * @see [Keycloak - Securing applications with OIDC](https://www.keycloak.org/securing-apps/oidc-layers)
 * @module
 */
import { oidcPreset, tenantIssuer } from './internal/builders.js';
import { envValue } from './internal/env.js';
import { type PresetOptions, trimSlash } from './internal/preset.js';
import type { ProviderConfig } from './types.js';

/** Options of {@link keycloak}. */
export interface KeycloakOptions extends PresetOptions {
  /** The server URL, e.g. `https://sso.example.com` (env `KEYCLOAK_BASE_URL`) … */
  readonly baseUrl?: string;
  /** … and the realm (env `KEYCLOAK_REALM`). The issuer is `<baseUrl>/realms/<realm>`. */
  readonly realm?: string;
  /** Or the issuer directly. Env `KEYCLOAK_ISSUER`. */
  readonly issuer?: string;
}

/**
 * The Keycloak preset. Credentials default to `KEYCLOAK_CLIENT_ID` / `KEYCLOAK_CLIENT_SECRET`.
 * Keycloak asserts `email_verified`. Refresh tokens are always issued (`offline_access` makes
 * them offline tokens).
 *
 * @param options Credentials and the realm.
 * @returns A ProviderConfig (kind `oidc`).
 * @throws {ConfigurationError} `CONFIG_INVALID` when credentials, the server URL or the realm are missing.
 * @see [Keycloak - OIDC endpoints](https://www.keycloak.org/securing-apps/oidc-layers#_oidc_available_endpoints)
 */
export function keycloak(options: KeycloakOptions = {}): ProviderConfig {
  const issuer = tenantIssuer(
    options.issuer,
    options.env,
    'KEYCLOAK',
    'Keycloak',
    () => {
      const base = options.baseUrl ?? envValue(options.env, 'KEYCLOAK_BASE_URL');
      const realm = options.realm ?? envValue(options.env, 'KEYCLOAK_REALM');
      return base && realm ? `${trimSlash(base)}/realms/${encodeURIComponent(realm)}` : undefined;
    },
    '`baseUrl` and `realm` (KEYCLOAK_BASE_URL, KEYCLOAK_REALM)',
  );
  return oidcPreset(options, {
    prefix: 'KEYCLOAK',
    id: 'keycloak',
    name: 'Keycloak',
    issuer,
    scopes: ['openid', 'profile', 'email'],
    secret: 'optional',
    supportsRefresh: true,
    offlineAccess: { scopes: ['offline_access'] },
    docs: { consoleUrl: `${issuer.replace(/\/realms\/.*$/, '')}/admin/` },
  });
}
