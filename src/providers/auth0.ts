/**
 * Sign in with Auth0: OpenID Connect with discovery on the tenant domain.
 *
 * Register: Auth0 Dashboard → Applications → Create Application → Regular Web Application;
 * Settings → Allowed Callback URLs: `https://<your-app>/auth/auth0/callback`.
 *
 * @see [Auth0 - Add login to a regular web app](https://auth0.com/docs/get-started/authentication-and-authorization-flow/authorization-code-flow)
 * @module
 */

import { httpsUrl, oidcPreset, tenantIssuer } from './internal/builders.js';
import { envValue } from './internal/env.js';
import type { PresetOptions } from './internal/preset.js';
import type { ProviderConfig } from './types.js';

/** Options of {@link auth0}. */
export interface Auth0Options extends PresetOptions {
  /** The tenant or custom domain, e.g. `example.us.auth0.com`. Env `AUTH0_DOMAIN`. */
  readonly domain?: string;
  /** The issuer, when not derived from `domain` (Auth0's ends with `/`). Env `AUTH0_ISSUER`. */
  readonly issuer?: string;
  /** An API identifier to get an access token for (`audience`). */
  readonly audience?: string;
}

/**
 * The Auth0 preset. Credentials default to `AUTH0_CLIENT_ID` / `AUTH0_CLIENT_SECRET`.
 * Quirk: Auth0's issuer ends with a slash (`https://tenant.auth0.com/`), and the exact value is
 * compared. Refresh tokens need `offline_access` (and "Allow Offline Access" on the API).
 *
 * @param options Credentials and the tenant domain.
 * @returns A ProviderConfig (kind `oidc`).
 * @throws {ConfigurationError} `CONFIG_INVALID` when credentials or the domain are missing.
 * @see [Auth0 - Validate ID tokens](https://auth0.com/docs/secure/tokens/id-tokens/validate-id-tokens)
 */
export function auth0(options: Auth0Options = {}): ProviderConfig {
  const issuer = tenantIssuer(
    options.issuer,
    options.env,
    'AUTH0',
    'Auth0',
    () => {
      const domain = options.domain ?? envValue(options.env, 'AUTH0_DOMAIN');
      return domain ? `${httpsUrl(domain).replace(/\/+$/, '')}/` : undefined;
    },
    '`domain` (AUTH0_DOMAIN)',
  );
  return oidcPreset(options, {
    prefix: 'AUTH0',
    id: 'auth0',
    name: 'Auth0',
    issuer,
    scopes: ['openid', 'profile', 'email'],
    ...(options.audience ? { authorizationParams: { audience: options.audience } } : {}),
    secret: 'optional',
    supportsRefresh: true,
    offlineAccess: { scopes: ['offline_access'] },
    docs: { consoleUrl: 'https://manage.auth0.com/#/applications' },
  });
}
