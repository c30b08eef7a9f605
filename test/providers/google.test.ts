import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError, ProviderError, ValidationError } from '../../src/errors.js';
import { checkHostedDomain, GOOGLE_ISSUER, google } from '../../src/providers/google.js';
import { type FixtureServer, startFixtureServer } from './fixture-server.js';
import { rejectionOf, signInThrough } from './sign-in.js';

const CLIENT_ID = '1234987819200-abc.apps.googleusercontent.com';
const SECRET = 'GOCSPX-fixture-secret';
/** Recorded shape of a Google Workspace ID token (OpenID Connect guide, "An ID token's payload"). */
const CLAIMS = {
  azp: CLIENT_ID,
  sub: '110169484474386276334',
  hd: 'example.com',
  email: 'jsmith@example.com',
  email_verified: true,
  name: 'Jane Smith',
  picture: 'https://lh3.googleusercontent.com/a/ACg8ocJ=s96-c',
  given_name: 'Jane',
  family_name: 'Smith',
};
/** Google rewrites `email profile` into these URLs in the granted `scope`. */
const GRANTED = 'openid https://www.googleapis.com/auth/userinfo.email https://www.googleapis.com/auth/userinfo.profile';

let fx: FixtureServer;
const issuers: Record<string, string> = {};

beforeAll(async () => {
  fx = await startFixtureServer();
  const base = { clientId: CLIENT_ID, clientAuth: { method: 'client_secret_basic', secret: SECRET } as const };
  issuers.ok = fx.oidc('/google', {
    ...base,
    claims: CLAIMS,
    userinfo: {
      sub: CLAIMS.sub,
      name: 'Jane Smith',
      given_name: 'Jane',
      family_name: 'Smith',
      picture: CLAIMS.picture,
      email: CLAIMS.email,
      email_verified: true,
      hd: 'example.com',
    },
    tokenExtras: { scope: GRANTED, refresh_token: '1//0g-fixture-refresh' },
  }).issuer;
  issuers.consumer = fx.oidc('/google-consumer', {
    ...base,
    claims: { ...CLAIMS, hd: undefined, email: 'jane@gmail.com', email_verified: 'true' },
    tokenExtras: { scope: GRANTED },
  }).issuer;
  issuers.otherAud = fx.oidc('/google-aud', {
    ...base,
    claims: { ...CLAIMS, aud: 'another-app.apps.googleusercontent.com', azp: 'another-app.apps.googleusercontent.com' },
  }).issuer;
  issuers.otherHd = fx.oidc('/google-hd', { ...base, claims: { ...CLAIMS, hd: 'evil.example' } }).issuer;
  issuers.error = fx.oidc('/google-error', {
    ...base,
    claims: CLAIMS,
    tokenAnswer: () => ({ status: 400, json: { error: 'invalid_grant', error_description: 'Bad Request' } }),
  }).issuer;
});
afterAll(() => fx.close());

const preset = (issuer: string, extra: Parameters<typeof google>[0] = {}) => google({ clientId: CLIENT_ID, clientSecret: SECRET, issuer, env: {}, ...extra });

describe('google()', () => {
  it('signs in through discovery, ID token and userinfo; maps the profile; keeps rewritten scopes as data', async () => {
    const r = await signInThrough(preset(issuers.ok!));
    expect(r.authorizationUrl.searchParams.get('scope')).toBe('openid email profile');
    expect(r.tokens.grantedScopes).toEqual(GRANTED.split(' '));
    expect(r.profile).toMatchObject({
      issuer: issuers.ok,
      subject: CLAIMS.sub,
      email: 'jsmith@example.com',
      emailVerified: true,
      name: 'Jane Smith',
      givenName: 'Jane',
      familyName: 'Smith',
      picture: CLAIMS.picture,
    });
    // client_secret_basic by default, as Google's discovery document allows.
    expect(String(fx.last('/google/token')?.headers.authorization)).toMatch(/^Basic /);
  });

  it('sends hd, login_hint, include_granted_scopes, select_account; offline adds access_type=offline and prompt=consent', async () => {
    const p = preset(issuers.ok!, {
      hostedDomain: 'Example.com',
      loginHint: 'jsmith@example.com',
      includeGrantedScopes: true,
      selectAccount: true,
      offline: true,
    });
    const r = await signInThrough(p);
    const q = r.authorizationUrl.searchParams;
    expect(q.get('hd')).toBe('example.com');
    expect(q.get('login_hint')).toBe('jsmith@example.com');
    expect(q.get('include_granted_scopes')).toBe('true');
    expect(q.get('access_type')).toBe('offline');
    expect(q.get('prompt')).toBe('consent select_account');
    expect(r.tokens.refreshToken).toBe('1//0g-fixture-refresh');
    const plain = await signInThrough(preset(issuers.ok!, { selectAccount: true }));
    expect(plain.authorizationUrl.searchParams.get('prompt')).toBe('select_account');
    expect(plain.authorizationUrl.searchParams.has('access_type')).toBe(false);
  });

  it('refuses an ID token for another client id', async () => {
    const error = await rejectionOf(signInThrough(preset(issuers.otherAud!)));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).code).toBe('ID_TOKEN_AUD_MISMATCH');
  });

  it('refuses an ID token whose hd is not the hostedDomain (checked, not only sent to the UI)', async () => {
    const error = await rejectionOf(signInThrough(preset(issuers.otherHd!, { hostedDomain: 'example.com' })));
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).code).toBe('ID_TOKEN_CLAIM_INVALID');
    expect((error as ValidationError).claim).toBe('hd');
    // A consumer account (no hd) is refused too, also with the '*' wildcard.
    const consumer = await rejectionOf(signInThrough(preset(issuers.consumer!, { hostedDomain: '*' })));
    expect((consumer as ValidationError).claim).toBe('hd');
    // Without hostedDomain the same tokens are accepted.
    const ok = await signInThrough(preset(issuers.otherHd!));
    expect(ok.profile.subject).toBe(CLAIMS.sub);
  });

  it('accepts email_verified sent as the string "true"', async () => {
    const r = await signInThrough(preset(issuers.consumer!));
    expect(r.profile).toMatchObject({ email: 'jane@gmail.com', emailVerified: true });
  });

  it('turns a token error response into TOKEN_ERROR', async () => {
    const error = await rejectionOf(signInThrough(preset(issuers.error!)));
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).code).toBe('TOKEN_ERROR');
    expect((error as ProviderError).error).toBe('invalid_grant');
  });

  it('declares the accounts.google.com alias only for the real Google issuer', () => {
    expect(google({ clientId: CLIENT_ID, clientSecret: SECRET, env: {} })).toMatchObject({
      issuer: GOOGLE_ISSUER,
      hooks: { issuerAliases: ['accounts.google.com'] },
    });
    expect(preset(issuers.ok!).hooks?.issuerAliases).toBeUndefined();
  });

  it('reads GOOGLE_CLIENT_ID / GOOGLE_CLIENT_SECRET and names the missing variable', () => {
    expect(google({ env: { GOOGLE_CLIENT_ID: 'id-from-env', GOOGLE_CLIENT_SECRET: 's' } }).clientId).toBe('id-from-env');
    expect(() => google({ env: {} })).toThrow(ConfigurationError);
    expect(() => google({ env: {} })).toThrow(/GOOGLE_CLIENT_ID/);
    expect(() => google({ env: { GOOGLE_CLIENT_ID: 'x' } })).toThrow(/GOOGLE_CLIENT_SECRET/);
  });

  it('checkHostedDomain compares case-insensitively and refuses anything else', () => {
    expect(() => checkHostedDomain('EXAMPLE.com', 'example.com')).not.toThrow();
    expect(() => checkHostedDomain(undefined, 'example.com')).toThrow(ValidationError);
    expect(() => checkHostedDomain(42, '*')).toThrow(ValidationError);
  });
});
