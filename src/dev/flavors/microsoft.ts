/**
 * The Microsoft identity platform (Entra ID v2.0) flavor, at `/microsoft/<tenant>/…`. Its quirk:
 * for the multi-tenant paths (`common`, `organizations`, `consumers`) discovery names the
 * templated issuer `…/microsoft/{tenantid}/v2.0`, while ID tokens carry the user's concrete
 * tenant issuer and `tid`. Subjects are pairwise per client; `oid` is the stable user id;
 * `email` may be absent.
 *
 * @module
 */
import { base64url, sha256 } from '../../internal/encoding.js';
import { DEV_TENANT_ID } from '../types.js';
import { endpoint, type Flavor, guidFrom, standardClaims } from './flavor.js';

/** The tenant id of personal Microsoft accounts (`consumers`), as on the real platform. */
export const CONSUMERS_TENANT_ID = '9188040d-6c67-4c5b-b112-36a304b66dad';

/** The path segments that select a multi-tenant (templated-issuer) endpoint. */
export const MULTI_TENANTS: readonly string[] = ['common', 'organizations', 'consumers'];

/** The issuer of a tenant, as ID tokens carry it. */
export function microsoftIssuer(base: string, tenant: string): string {
  return `${base}/microsoft/${tenant}/v2.0`;
}

/** The Microsoft flavor. */
export const microsoftFlavor: Flavor = {
  name: 'microsoft',
  title: 'Microsoft',
  accent: '#2f2f2f',
  kind: 'oidc',
  pkce: 'optional',
  requireOpenid: true,
  issParameter: false,
  paths: {
    discovery: '/v2.0/.well-known/openid-configuration',
    authorize: '/oauth2/v2.0/authorize',
    token: '/oauth2/v2.0/token',
    userinfo: '/oidc/userinfo',
    jwks: '/discovery/v2.0/keys',
    endSession: '/oauth2/v2.0/logout',
  },
  clientAuthMethods: ['client_secret_post', 'client_secret_basic', 'none'],
  rotatesRefreshTokens: true,
  revocationNeedsClientAuth: true,
  tokenType: 'Bearer',
  metadata(instance) {
    // Shaped like login.microsoftonline.com/<tenant>/v2.0/.well-known/openid-configuration; the
    // real document has no code_challenge_methods_supported and no revocation endpoint.
    return {
      issuer: instance.issuer,
      authorization_endpoint: endpoint(instance, this.paths.authorize),
      token_endpoint: endpoint(instance, this.paths.token),
      userinfo_endpoint: endpoint(instance, this.paths.userinfo),
      jwks_uri: endpoint(instance, this.paths.jwks),
      end_session_endpoint: endpoint(instance, this.paths.endSession),
      token_endpoint_auth_methods_supported: ['client_secret_post', 'private_key_jwt', 'client_secret_basic'],
      response_modes_supported: ['query', 'fragment', 'form_post'],
      response_types_supported: ['code', 'id_token', 'code id_token', 'id_token token'],
      subject_types_supported: ['pairwise'],
      id_token_signing_alg_values_supported: ['RS256'],
      scopes_supported: ['openid', 'profile', 'email', 'offline_access'],
      claims_supported: [
        'sub',
        'iss',
        'cloud_instance_name',
        'cloud_instance_host_name',
        'cloud_graph_host_name',
        'msgraph_host',
        'aud',
        'exp',
        'iat',
        'auth_time',
        'acr',
        'nonce',
        'preferred_username',
        'name',
        'tid',
        'ver',
        'at_hash',
        'c_hash',
        'email',
      ],
      request_uri_parameter_supported: false,
      frontchannel_logout_supported: true,
      http_logout_supported: true,
      tenant_region_scope: 'EU',
      cloud_instance_name: 'microsoftonline.com',
    };
  },
  issuedBy(instance, iss) {
    // Any tenant's issuer under this IdP's Microsoft prefix.
    const prefix = `${instance.base}/microsoft/`;
    return iss.startsWith(prefix) && /^[A-Za-z0-9.-]{1,64}\/v2\.0$/.test(iss.slice(prefix.length));
  },
  wantsRefreshToken({ scopes }) {
    return scopes.includes('offline_access');
  },
  tokenIssuer(instance, user) {
    if (instance.tenant !== undefined && !MULTI_TENANTS.includes(instance.tenant)) return microsoftIssuer(instance.base, instance.tenant);
    const tid = instance.tenant === 'consumers' ? CONSUMERS_TENANT_ID : (user.tenantId ?? DEV_TENANT_ID);
    return microsoftIssuer(instance.base, tid);
  },
  async subject(user, clientId) {
    // Pairwise: the same user has a different `sub` in each application; `oid` is stable.
    return base64url((await sha256(`microsoft:${user.id}:${clientId}`)).slice(0, 32));
  },
  async idTokenClaims(user, ctx) {
    const tid = /\/microsoft\/([^/]+)\/v2\.0$/.exec(ctx.issuer)?.[1] ?? DEV_TENANT_ID;
    const claims: Record<string, unknown> = {
      ver: '2.0',
      tid,
      oid: await guidFrom(`microsoft-oid:${user.id}`),
      nbf: ctx.issuedAt - 300,
      sid: ctx.sid,
    };
    if (ctx.scopes.includes('profile')) {
      claims.name = user.name;
      claims.preferred_username = user.email ?? `${user.id}@dev.onmicrosoft.com`;
    }
    // `email` is an optional claim: absent when the account has none.
    if (ctx.scopes.includes('email') && user.email !== null) claims.email = user.email;
    if (ctx.maxAgeRequested) claims.auth_time = ctx.authTime;
    return claims;
  },
  async userinfo(user, ctx) {
    const { email, name, given_name, family_name, picture } = standardClaims(user, ctx.scopes, ctx.avatarUrl);
    const out: Record<string, unknown> = { sub: ctx.subject };
    for (const [k, v] of Object.entries({ name, given_name, family_name, picture, email })) if (v !== undefined) out[k] = v;
    return out;
  },
  responseScope(scopes) {
    return scopes.filter((s) => s !== 'offline_access').join(' ');
  },
};
