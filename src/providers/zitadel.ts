/**
 * Sign in with ZITADEL (cloud or self-hosted): OpenID Connect with discovery.
 *
 * Register: ZITADEL console → Projects → your project → New application → Web → Code (or PKCE);
 * Redirect URIs: `https://<your-app>/auth/zitadel/callback`.
 *
 * @see [ZITADEL - OpenID Connect endpoints](https://zitadel.com/docs/apis/openidoauth/endpoints)
 * @module
 */
import { httpsUrl, oidcPreset, tenantIssuer } from './internal/builders.js';
import { envValue } from './internal/env.js';
import { type PresetOptions, trimSlash } from './internal/preset.js';
import type { ProviderConfig } from './types.js';

/** Options of {@link zitadel}. */
export interface ZitadelOptions extends PresetOptions {
  /** The instance domain, e.g. `example-abc123.zitadel.cloud` (env `ZITADEL_DOMAIN`), or … */
  readonly domain?: string;
  /** … the issuer (env `ZITADEL_ISSUER`). */
  readonly issuer?: string;
}

/**
 * The ZITADEL preset. Credentials default to `ZITADEL_CLIENT_ID` / `ZITADEL_CLIENT_SECRET`
 * (a PKCE-only app has no secret). Refresh tokens need `offline_access`.
 *
 * @param options Credentials and the instance.
 * @returns A ProviderConfig (kind `oidc`).
 * @throws {ConfigurationError} `CONFIG_INVALID` when the client id or the instance is missing.
 * @see [ZITADEL - Scopes](https://zitadel.com/docs/apis/openidoauth/scopes)
 */
export function zitadel(options: ZitadelOptions = {}): ProviderConfig {
  const issuer = tenantIssuer(
    options.issuer,
    options.env,
    'ZITADEL',
    'ZITADEL',
    () => {
      const domain = options.domain ?? envValue(options.env, 'ZITADEL_DOMAIN');
      return domain ? trimSlash(httpsUrl(domain)) : undefined;
    },
    '`domain` (ZITADEL_DOMAIN)',
  );
  return oidcPreset(options, {
    prefix: 'ZITADEL',
    id: 'zitadel',
    name: 'ZITADEL',
    issuer,
    scopes: ['openid', 'profile', 'email'],
    secret: 'optional',
    supportsRefresh: true,
    offlineAccess: { scopes: ['offline_access'] },
    docs: { consoleUrl: `${issuer}/ui/console` },
  });
}
