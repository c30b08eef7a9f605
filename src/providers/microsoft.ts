/**
 * Sign in with Microsoft (Entra ID, formerly Azure AD; personal Microsoft accounts too): OpenID
 * Connect v2.0 endpoints, single tenant or multi-tenant (`common`, `organizations`, `consumers`).
 *
 * Register: Microsoft Entra admin center → Identity → Applications → App registrations → New
 * registration; platform "Web", redirect URI `https://<your-app>/auth/microsoft/callback`; then
 * Certificates & secrets → New client secret.
 *
 * @see [Microsoft identity platform - OpenID Connect](https://learn.microsoft.com/en-us/entra/identity-platform/v2-protocols-oidc)
 * @module
 */
import { ConfigurationError, ValidationError } from '../errors.js';
import { envValue, resolveCredentials } from './internal/env.js';
import { basePreset, checkUrl, type PresetOptions, trimSlash } from './internal/preset.js';
import { isTrue, standardClaimsProfile, str } from './internal/profile.js';
import type { ProviderConfig } from './types.js';

/** The Entra authority host. */
export const MICROSOFT_AUTHORITY = 'https://login.microsoftonline.com';
/** The tenant id of personal Microsoft accounts (the `tid` of every `consumers` ID token). */
export const MICROSOFT_CONSUMERS_TENANT_ID = '9188040d-6c67-4c5b-b112-36a304b66dad';
const MULTI_TENANT = ['common', 'organizations', 'consumers'] as const;
const MICROSOFT_SCOPES = ['openid', 'email', 'profile'] as const;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Options of {@link microsoft}. */
export interface MicrosoftOptions extends PresetOptions {
  /** `common` (default), `organizations`, `consumers`, or a Directory (tenant) ID (a GUID). Env `MICROSOFT_TENANT`. */
  readonly tenant?: string;
  /** The authority (sovereign clouds such as `https://login.microsoftonline.us`, or an emulator). */
  readonly authority?: string;
  /** Multi-tenant only: the tenant ids allowed to sign in; others are refused (`tid` check). */
  readonly allowedTenants?: readonly string[];
}

/**
 * The Microsoft Entra ID preset. Credentials default to `MICROSOFT_CLIENT_ID` /
 * `MICROSOFT_CLIENT_SECRET`.
 *
 * Quirks handled: for `common`/`organizations`/`consumers` the discovery document names the
 * templated issuer `…/{tenantid}/v2.0`; each ID token's issuer is computed from its `tid` claim
 * (which must be a tenant GUID, and the consumer tenant for `consumers` only). Microsoft does not
 * assert `email` ownership: `emailVerified` is true only with `email_verified` or `xms_edov` true.
 *
 * @param options Credentials, tenant and authority.
 * @returns A ProviderConfig (kind `oidc`).
 * @throws {ConfigurationError} `CONFIG_INVALID` when credentials are missing or `tenant` is a domain.
 * @example microsoft({ tenant: 'organizations', allowedTenants: ['72f988bf-86f1-41af-91ab-2d7cd011db47'] })
 * @see [Microsoft identity platform - ID token claims (`tid`, `iss`)](https://learn.microsoft.com/en-us/entra/identity-platform/id-token-claims-reference)
 */
export function microsoft(options: MicrosoftOptions = {}): ProviderConfig {
  const { clientId, clientSecret } = resolveCredentials('MICROSOFT', 'Microsoft', options, 'required');
  const tenant = options.tenant ?? envValue(options.env, 'MICROSOFT_TENANT') ?? 'common';
  const authority = trimSlash(options.authority ? checkUrl(options.authority, 'authority', 'Microsoft') : MICROSOFT_AUTHORITY);
  const issuer = `${authority}/${tenant}/v2.0`;
  const multi = (MULTI_TENANT as readonly string[]).includes(tenant);
  if (!multi && !GUID.test(tenant)) {
    // Discovery for a tenant named by domain answers with the tenant's GUID issuer, which cannot be
    // checked against the domain: ask for the GUID instead.
    throw new ConfigurationError(
      `Microsoft \`tenant\` must be common, organizations, consumers or the Directory (tenant) ID (a GUID, shown on the app's Overview page), not "${tenant.slice(0, 100)}".`,
    );
  }
  const template = `${authority}/{tenantid}/v2.0`;
  return {
    // `auth.api(user, 'microsoft')` paths are Microsoft Graph's (`/v1.0/me`), in the authority's cloud.
    ...basePreset(options, {
      id: 'microsoft',
      name: 'Microsoft',
      scopes: MICROSOFT_SCOPES,
      apiOrigins: graphOriginsFor(authority),
      apiBaseUrl: graphOriginsFor(authority)[0],
    }),
    kind: 'oidc',
    issuer,
    clientId,
    clientSecret,
    supportsRefresh: true,
    offlineAccess: { scopes: ['offline_access'] },
    hooks: multi
      ? {
          templatedIssuer: template,
          // The consumers discovery document names the personal-accounts tenant's concrete issuer.
          ...(tenant === 'consumers' ? { issuerAliases: [template.replace('{tenantid}', MICROSOFT_CONSUMERS_TENANT_ID)] } : {}),
          resolveIdTokenIssuer: (claims) => template.replace('{tenantid}', checkTenant(claims.tid, tenant)),
          ...(options.allowedTenants ? { validateIdTokenClaims: (claims) => checkAllowedTenant(claims.tid, options.allowedTenants ?? []) } : {}),
        }
      : {},
    mapProfile: (raw, ctx) =>
      // The issuer of a multi-tenant sign-in is the user's tenant (the validated `iss`), part of the identity key.
      standardClaimsProfile(raw, { issuer: str(ctx.tokens.idTokenClaims?.iss) ?? ctx.issuer }, 'Microsoft', {
        email: str(raw.email),
        emailVerified: isTrue(raw.email_verified) || isTrue(raw.xms_edov),
        name: str(raw.name) ?? str(raw.preferred_username),
      }),
    docs: { consoleUrl: 'https://entra.microsoft.com/#view/Microsoft_AAD_RegisteredApps/ApplicationsListBlade' },
  };
}

/**
 * The `tid` of a multi-tenant ID token: a tenant GUID; `consumers` accepts only the personal
 * accounts tenant and `organizations` refuses it.
 *
 * @throws {ValidationError} `ID_TOKEN_CLAIM_INVALID` with `claim: 'tid'`.
 */
export function checkTenant(tid: unknown, tenant: string): string {
  if (typeof tid !== 'string' || !GUID.test(tid)) {
    throw new ValidationError('ID_TOKEN_CLAIM_INVALID', 'The Microsoft ID token "tid" (tenant id) claim is missing or not a tenant GUID.', { claim: 'tid' });
  }
  const consumer = tid.toLowerCase() === MICROSOFT_CONSUMERS_TENANT_ID;
  if ((tenant === 'consumers' && !consumer) || (tenant === 'organizations' && consumer)) {
    throw new ValidationError('ID_TOKEN_CLAIM_INVALID', `The Microsoft ID token comes from tenant ${tid}, which the "${tenant}" endpoint does not serve.`, {
      claim: 'tid',
      actual: tid,
    });
  }
  return tid;
}

function checkAllowedTenant(tid: unknown, allowed: readonly string[]): void {
  if (typeof tid !== 'string' || !allowed.some((t) => t.toLowerCase() === tid.toLowerCase())) {
    throw new ValidationError('ID_TOKEN_CLAIM_INVALID', 'The Microsoft tenant of this account is not in `allowedTenants`.', {
      claim: 'tid',
      expected: allowed,
      actual: typeof tid === 'string' ? tid : undefined,
    });
  }
}

/**
 * Microsoft Graph for an Entra authority: the global service, or the national cloud deployment that
 * belongs to a sovereign authority. Any other authority (an emulator) has its APIs on its own origin,
 * which is allowed as the issuer's.
 *
 * @see [Microsoft Graph - National cloud deployments](https://learn.microsoft.com/en-us/graph/deployments)
 */
function graphOriginsFor(authority: string): string[] {
  const host = new URL(authority).hostname;
  if (host === 'login.microsoftonline.com') return ['https://graph.microsoft.com'];
  if (host === 'login.microsoftonline.us') return ['https://graph.microsoft.us', 'https://dod-graph.microsoft.us'];
  if (host === 'login.chinacloudapi.cn' || host === 'login.partner.microsoftonline.cn') return ['https://microsoftgraph.chinacloudapi.cn'];
  return [];
}
