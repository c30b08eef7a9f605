import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderError, ValidationError } from '../../src/errors.js';
import { checkTenant, MICROSOFT_CONSUMERS_TENANT_ID, microsoft } from '../../src/providers/microsoft.js';
import { type FixtureServer, startFixtureServer } from './fixture-server.js';
import { rejectionOf, signInThrough } from './sign-in.js';

const CLIENT_ID = '6731de76-14a6-49ae-97bc-6eba6914391e';
const SECRET = 'fixture~microsoft~secret';
const TENANT = '9122040d-6c67-4c5b-b112-36a304b66dad';
const OTHER_TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const ERROR_TENANT = '00000000-0000-0000-0000-0000000000e1';
/** Recorded shape of a v2.0 ID token (Microsoft identity platform, "ID token claims reference"). */
const CLAIMS = {
  ver: '2.0',
  sub: 'AAAAAAAAAAAAAAAAAAAAAIkzqFVrSaSaFHy782bbtaQ',
  name: 'Abe Lincoln',
  preferred_username: 'AbeLi@contoso.com',
  email: 'AbeLi@contoso.com',
  oid: '00000000-0000-0000-66f3-3332eca7ea81',
  tid: TENANT,
  aio: 'Df2UVXL1ix!lMCWMSOJBcFatzcGfvFGhjKv8q5g0x732dR5MB5BisvGQO7YWByjd8iQDLq!eGbIDakyp5mnOrcdqHeYSnltepQmRp6AIZ8jY',
};

let fx: FixtureServer;
const authority = () => `${fx.url}/ms`;
const issuerOf = (tid: string) => `${authority()}/${tid}/v2.0`;

beforeAll(async () => {
  fx = await startFixtureServer();
  const base = { clientId: CLIENT_ID, clientAuth: { method: 'client_secret_basic', secret: SECRET } as const };
  const template = `${authority()}/{tenantid}/v2.0`;
  // Multi-tenant endpoints publish the templated issuer in discovery.
  fx.oidc('/ms/common/v2.0', {
    ...base,
    issuer: issuerOf(TENANT),
    discoveryIssuer: template,
    claims: { ...CLAIMS, iss: issuerOf(TENANT) },
    userinfo: { sub: CLAIMS.sub, name: 'Abe Lincoln', family_name: 'Lincoln', given_name: 'Abe', picture: 'https://graph.microsoft.com/v1.0/me/photo/$value' },
  });
  fx.oidc('/ms/organizations/v2.0', {
    ...base,
    discoveryIssuer: template,
    claims: { ...CLAIMS, tid: MICROSOFT_CONSUMERS_TENANT_ID, iss: issuerOf(MICROSOFT_CONSUMERS_TENANT_ID) },
  });
  // The consumers endpoint must refuse a work account even when discovery is fine.
  fx.oidc('/ms/consumers/v2.0', { ...base, discoveryIssuer: issuerOf(MICROSOFT_CONSUMERS_TENANT_ID), claims: { ...CLAIMS, iss: issuerOf(TENANT) } });
  fx.oidc('/ms-msa/consumers/v2.0', {
    ...base,
    discoveryIssuer: `${fx.url}/ms-msa/${MICROSOFT_CONSUMERS_TENANT_ID}/v2.0`,
    claims: { ...CLAIMS, tid: MICROSOFT_CONSUMERS_TENANT_ID, iss: `${fx.url}/ms-msa/${MICROSOFT_CONSUMERS_TENANT_ID}/v2.0`, email: 'abe@outlook.com' },
  });
  // iss names one tenant, tid another: the token is refused.
  fx.oidc('/ms-mixed/common/v2.0', {
    ...base,
    discoveryIssuer: `${fx.url}/ms-mixed/{tenantid}/v2.0`,
    claims: { ...CLAIMS, iss: `${fx.url}/ms-mixed/${OTHER_TENANT}/v2.0` },
  });
  fx.oidc(`/ms/${TENANT}/v2.0`, { ...base, claims: { ...CLAIMS, xms_edov: true } });
  fx.oidc(`/ms/${ERROR_TENANT}/v2.0`, {
    ...base,
    claims: CLAIMS,
    tokenAnswer: () => ({
      status: 400,
      json: {
        error: 'invalid_grant',
        error_description: 'AADSTS70008: The provided authorization code or refresh token has expired due to inactivity.',
        error_codes: [70008],
        timestamp: '2026-11-22 03:00:00Z',
        trace_id: 't',
        correlation_id: 'c',
      },
    }),
  });
});
afterAll(() => fx.close());

const preset = (tenant: string, extra: Parameters<typeof microsoft>[0] = {}) =>
  microsoft({ clientId: CLIENT_ID, clientSecret: SECRET, tenant, authority: authority(), env: {}, ...extra });

describe('microsoft()', () => {
  it('multi-tenant: accepts the {tenantid} template in discovery and checks iss against the token tid', async () => {
    const r = await signInThrough(preset('common'));
    expect(r.tokens.idTokenClaims?.iss).toBe(issuerOf(TENANT));
    expect(r.profile).toMatchObject({
      // The identity's issuer is the user's tenant, not the template.
      issuer: issuerOf(TENANT),
      subject: CLAIMS.sub,
      email: 'AbeLi@contoso.com',
      emailVerified: false,
      name: 'Abe Lincoln',
      givenName: 'Abe',
      familyName: 'Lincoln',
    });
  });

  it('refuses a token whose iss is not the issuer of its tid', async () => {
    const error = await rejectionOf(signInThrough(preset('common', { authority: `${fx.url}/ms-mixed` })));
    expect(error).toMatchObject({ code: 'ID_TOKEN_ISS_MISMATCH' });
  });

  it('consumers accepts only the personal-accounts tenant; organizations refuses it', async () => {
    const consumers = await rejectionOf(signInThrough(preset('consumers')));
    expect(consumers).toMatchObject({ code: 'ID_TOKEN_CLAIM_INVALID', claim: 'tid' });
    const personal = await signInThrough(preset('consumers', { authority: `${fx.url}/ms-msa` }));
    expect(personal.profile).toMatchObject({
      issuer: `${fx.url}/ms-msa/${MICROSOFT_CONSUMERS_TENANT_ID}/v2.0`,
      email: 'abe@outlook.com',
      emailVerified: false,
    });
    const orgs = await rejectionOf(signInThrough(preset('organizations')));
    expect(orgs).toMatchObject({ code: 'ID_TOKEN_CLAIM_INVALID', claim: 'tid' });
  });

  it('allowedTenants refuses other tenants', async () => {
    const error = await rejectionOf(signInThrough(preset('common', { allowedTenants: [OTHER_TENANT] })));
    expect(error).toBeInstanceOf(ValidationError);
    expect(error).toMatchObject({ code: 'ID_TOKEN_CLAIM_INVALID', claim: 'tid' });
    const ok = await signInThrough(preset('common', { allowedTenants: [TENANT.toUpperCase()] }));
    expect(ok.profile.subject).toBe(CLAIMS.sub);
  });

  it('single tenant: plain issuer, no template hooks; xms_edov marks the email verified', async () => {
    const p = preset(TENANT);
    expect(p.hooks?.templatedIssuer).toBeUndefined();
    const r = await signInThrough(p);
    expect(r.profile).toMatchObject({ issuer: issuerOf(TENANT), email: 'AbeLi@contoso.com', emailVerified: true });
  });

  it('offline adds offline_access; token errors (AADSTS) become TOKEN_ERROR', async () => {
    const r = await signInThrough(preset('common'), { offline: true });
    expect(r.authorizationUrl.searchParams.get('scope')).toBe('openid email profile offline_access');
    const error = await rejectionOf(signInThrough(preset(ERROR_TENANT)));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: 'TOKEN_ERROR', error: 'invalid_grant' });
  });

  it('checkTenant wants a GUID and defaults to the real authority', () => {
    expect(() => checkTenant('contoso.com', 'common')).toThrow(ValidationError);
    expect(() => checkTenant(undefined, 'common')).toThrow(ValidationError);
    expect(() => microsoft({ clientId: 'a', clientSecret: 'b', tenant: 'contoso.onmicrosoft.com', env: {} })).toThrow(/Directory \(tenant\) ID/);
    expect(checkTenant(TENANT, 'common')).toBe(TENANT);
    const real = microsoft({ clientId: 'a', clientSecret: 'b', env: { MICROSOFT_TENANT: 'organizations' } });
    expect(real.issuer).toBe('https://login.microsoftonline.com/organizations/v2.0');
    expect(real.hooks?.templatedIssuer).toBe('https://login.microsoftonline.com/{tenantid}/v2.0');
    expect(real.hooks?.resolveIdTokenIssuer?.({ tid: TENANT })).toBe(`https://login.microsoftonline.com/${TENANT}/v2.0`);
  });
});
