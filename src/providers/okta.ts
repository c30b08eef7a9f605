/**
 * Sign in with Okta: OpenID Connect against an authorization server of your Okta org.
 *
 * Register: Okta Admin Console → Applications → Create App Integration → OIDC → Web Application;
 * Sign-in redirect URIs: `https://<your-app>/auth/okta/callback`.
 *
 * @see [Okta - Implement the Authorization Code flow](https://developer.okta.com/docs/guides/implement-grant-type/authcode/main/)
 * @module
 */
import { httpsUrl, oidcPreset, tenantIssuer } from './internal/builders.js';
import { envValue } from './internal/env.js';
import type { PresetOptions } from './internal/preset.js';
import type { ProviderConfig } from './types.js';

/** Options of {@link okta}. */
export interface OktaOptions extends PresetOptions {
  /** The issuer, e.g. `https://example.okta.com/oauth2/default`. Env `OKTA_ISSUER`. */
  readonly issuer?: string;
  /** Alternatively the org domain (`example.okta.com`, env `OKTA_DOMAIN`) … */
  readonly domain?: string;
  /** … and the authorization server id (default `default`; `null` for the org authorization server). */
  readonly authorizationServerId?: string | null;
}

/**
 * The Okta preset. Credentials default to `OKTA_CLIENT_ID` / `OKTA_CLIENT_SECRET`. Refresh tokens
 * need `offline_access` and the Refresh Token grant enabled on the app.
 *
 * @param options Credentials and the issuer (or domain + authorization server id).
 * @returns A ProviderConfig (kind `oidc`).
 * @throws {ConfigurationError} `CONFIG_INVALID` when credentials or the issuer are missing.
 * @see [Okta - Authorization servers](https://developer.okta.com/docs/concepts/auth-servers/)
 */
export function okta(options: OktaOptions = {}): ProviderConfig {
  const issuer = tenantIssuer(
    options.issuer,
    options.env,
    'OKTA',
    'Okta',
    () => {
      const domain = options.domain ?? envValue(options.env, 'OKTA_DOMAIN');
      if (!domain) return undefined;
      const server = options.authorizationServerId === undefined ? 'default' : options.authorizationServerId;
      return `${httpsUrl(domain).replace(/\/+$/, '')}${server === null ? '' : `/oauth2/${server}`}`;
    },
    '`domain` (OKTA_DOMAIN)',
  );
  return oidcPreset(options, {
    prefix: 'OKTA',
    id: 'okta',
    name: 'Okta',
    issuer,
    scopes: ['openid', 'profile', 'email'],
    secret: 'optional',
    supportsRefresh: true,
    offlineAccess: { scopes: ['offline_access'] },
    docs: { consoleUrl: 'https://login.okta.com/' },
  });
}
