/**
 * Every OpenID Connect preset besides Google, Microsoft and Apple, through the real code path
 * (discovery, authorization, token, ID token validation, userinfo, profile) against recorded-shape
 * fixtures served by one local server, plus each provider's error response.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LatchkeyError } from '../../src/errors.js';
import {
  auth0,
  authentik,
  cognito,
  dropbox,
  fusionauth,
  gitlab,
  keycloak,
  line,
  linkedin,
  oidc,
  okta,
  salesforce,
  slack,
  twitch,
  yahoo,
  zitadel,
} from '../../src/providers/index.js';
import type { Profile, ProviderConfig } from '../../src/providers/types.js';
import { type ExpectedClientAuth, type FixtureResponse, type FixtureServer, startFixtureServer } from './fixture-server.js';
import { rejectionOf, type SignInResult, signInThrough } from './sign-in.js';

const ID = 'fixture-client-id';
const SECRET = 'fixture-client-secret';
const basic: ExpectedClientAuth = { method: 'client_secret_basic', secret: SECRET };
const post: ExpectedClientAuth = { method: 'client_secret_post', secret: SECRET };
const creds = { clientId: ID, clientSecret: SECRET, env: {} };
/** LINE channel secrets are 32 hex characters: RFC 7518 §3.2 needs 32 bytes for its HS256 ID tokens. */
const LINE_SECRET = '0123456789abcdef0123456789abcdef';
const invalidGrant: FixtureResponse = {
  status: 400,
  json: { error: 'invalid_grant', error_description: 'The provided authorization grant is invalid, expired or revoked.' },
};

interface Case {
  readonly name: string;
  /** The fixture path; the issuer is `<server><path>` unless `issuer` says otherwise. */
  readonly path: string;
  readonly issuer?: (url: string) => string;
  readonly make: (issuer: string, url: string) => ProviderConfig;
  readonly clientAuth: ExpectedClientAuth;
  readonly claims: Record<string, unknown>;
  readonly userinfo?: Record<string, unknown>;
  readonly tokenExtras?: Record<string, unknown>;
  readonly alg?: 'HS256';
  readonly profile: Partial<Profile>;
  /** The provider's recorded error answer at the token endpoint, and the code Latchkey must raise. */
  readonly error: { readonly answer: FixtureResponse; readonly code: string; readonly oauthError?: string };
  readonly quirks?: (r: SignInResult, fx: FixtureServer) => void;
}

const CASES: Case[] = [
  {
    name: 'gitlab (self-managed baseUrl)',
    path: '/gitlab',
    make: (issuer) => gitlab({ ...creds, baseUrl: issuer }),
    clientAuth: basic,
    claims: {
      sub: '1234567',
      sub_legacy: '2bb5c9e1a',
      name: 'Jane Doe',
      nickname: 'jdoe',
      preferred_username: 'jdoe',
      email: 'jane@example.com',
      email_verified: true,
      profile: 'https://gitlab.com/jdoe',
      picture: 'https://gitlab.com/uploads/-/system/user/avatar/1234567/avatar.png',
      groups_direct: ['acme'],
    },
    userinfo: {
      sub: '1234567',
      name: 'Jane Doe',
      nickname: 'jdoe',
      preferred_username: 'jdoe',
      email: 'jane@example.com',
      email_verified: true,
      groups: ['acme', 'acme/web'],
    },
    tokenExtras: { refresh_token: 'glrt-fixture', scope: 'openid profile email', created_at: 1_763_780_000 },
    profile: {
      subject: '1234567',
      email: 'jane@example.com',
      emailVerified: true,
      name: 'Jane Doe',
      picture: 'https://gitlab.com/uploads/-/system/user/avatar/1234567/avatar.png',
    },
    error: { answer: invalidGrant, code: 'TOKEN_ERROR', oauthError: 'invalid_grant' },
    quirks: (r) => {
      expect(r.tokens.refreshToken).toBe('glrt-fixture');
      expect(r.raw.groups).toEqual(['acme', 'acme/web']);
    },
  },
  {
    name: 'linkedin (locale object, client_secret_post)',
    path: '/linkedin/oauth',
    make: (issuer) => linkedin({ ...creds, issuer }),
    clientAuth: post,
    claims: {
      sub: '782bbtaQ',
      name: 'John Doe',
      given_name: 'John',
      family_name: 'Doe',
      picture: 'https://media.licdn.com/dms/image/C5F03AQHqK8v7tB1HCQ/profile-displayphoto-shrink_100_100/0/',
      email: 'doe@email.com',
      email_verified: true,
      locale: { country: 'US', language: 'en' },
    },
    userinfo: {
      sub: '782bbtaQ',
      name: 'John Doe',
      given_name: 'John',
      family_name: 'Doe',
      picture: 'https://media.licdn.com/dms/image/C5F03AQHqK8v7tB1HCQ/profile-displayphoto-shrink_100_100/0/',
      locale: { country: 'US', language: 'en' },
      email: 'doe@email.com',
      email_verified: true,
    },
    tokenExtras: { scope: 'email,openid,profile' },
    profile: { subject: '782bbtaQ', email: 'doe@email.com', emailVerified: true, name: 'John Doe', givenName: 'John', familyName: 'Doe', locale: 'en-US' },
    error: {
      answer: {
        status: 400,
        json: {
          error: 'invalid_request',
          error_description: 'Unable to retrieve access token: appid/redirect uri/code verifier does not match authorization code.',
        },
      },
      code: 'TOKEN_ERROR',
      oauthError: 'invalid_request',
    },
  },
  {
    name: 'slack (ok:false with HTTP 200)',
    path: '/slack',
    make: (issuer) => slack({ ...creds, issuer }),
    clientAuth: post,
    claims: {
      sub: 'U0R7JM',
      'https://slack.com/user_id': 'U0R7JM',
      'https://slack.com/team_id': 'T0R7GR',
      email: 'krane@slack-corp.com',
      email_verified: true,
      name: 'krane',
      picture: 'https://secure.gravatar.com/avatar/d1.jpg',
      given_name: 'Bront',
      family_name: 'Labradoodle',
      locale: 'en-US',
      'https://slack.com/team_name': 'kraneflannel',
    },
    userinfo: {
      ok: true,
      sub: 'U0R7JM',
      'https://slack.com/user_id': 'U0R7JM',
      'https://slack.com/team_id': 'T0R7GR',
      email: 'krane@slack-corp.com',
      email_verified: true,
      name: 'krane',
      picture: 'https://secure.gravatar.com/avatar/d1.jpg',
      given_name: 'Bront',
      family_name: 'Labradoodle',
      locale: 'en-US',
    },
    tokenExtras: { ok: true },
    profile: {
      subject: 'U0R7JM',
      email: 'krane@slack-corp.com',
      emailVerified: true,
      name: 'krane',
      givenName: 'Bront',
      familyName: 'Labradoodle',
      locale: 'en-US',
    },
    error: { answer: { status: 200, json: { ok: false, error: 'invalid_code' } }, code: 'TOKEN_ERROR', oauthError: 'invalid_code' },
    quirks: (r) => expect(r.raw['https://slack.com/team_id']).toBe('T0R7GR'),
  },
  {
    name: 'twitch (claims parameter, scope array, lower-case bearer)',
    path: '/twitch/oauth2',
    make: (issuer) => twitch({ ...creds, issuer }),
    clientAuth: post,
    claims: {
      sub: '713936733',
      azp: ID,
      email: 'jane@example.com',
      email_verified: true,
      picture: 'https://static-cdn.jtvnw.net/user-default-pictures-uv/profile_image-300x300.png',
      preferred_username: 'janedoe',
    },
    userinfo: {
      aud: ID,
      exp: 1_763_790_000,
      iat: 1_763_780_000,
      iss: 'https://id.twitch.tv/oauth2',
      sub: '713936733',
      email: 'jane@example.com',
      email_verified: true,
      picture: 'https://static-cdn.jtvnw.net/user-default-pictures-uv/profile_image-300x300.png',
      preferred_username: 'janedoe',
    },
    tokenExtras: { token_type: 'bearer', scope: ['openid', 'user:read:email'], refresh_token: 'eyJfMzUtNDU0OC04MWYwLTQ5MDY5ODY4NGNlMSJ9%asdfasdf=' },
    profile: { subject: '713936733', email: 'jane@example.com', emailVerified: true, name: 'janedoe' },
    // Twitch's errors are not RFC 6749 bodies: {"status":400,"message":"Invalid authorization code"}; the preset maps them.
    error: { answer: { status: 400, json: { status: 400, message: 'Invalid authorization code' } }, code: 'TOKEN_ERROR', oauthError: 'invalid_grant' },
    quirks: (r) => {
      expect(JSON.parse(r.authorizationUrl.searchParams.get('claims') ?? '{}')).toHaveProperty('id_token.email', null);
      expect(r.tokens.grantedScopes).toEqual(['openid', 'user:read:email']);
      expect(r.tokens.tokenType).toBe('Bearer');
    },
  },
  {
    name: 'dropbox (profile from the ID token; userinfo not called; offline token_access_type)',
    path: '/dropbox',
    make: (issuer) => dropbox({ ...creds, issuer, offline: true }),
    clientAuth: basic,
    claims: {
      sub: 'dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc',
      given_name: 'Franz',
      family_name: 'Ferdinand',
      email: 'franz@dropbox.com',
      email_verified: true,
    },
    userinfo: { sub: 'dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc' },
    tokenExtras: {
      token_type: 'bearer',
      account_id: 'dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc',
      uid: '12345',
      scope: 'account_info.read openid email profile',
      refresh_token: 'dbx-refresh',
    },
    profile: {
      subject: 'dbid:AAH4f99T0taONIb-OurWxbNQ6ywGRopQngc',
      email: 'franz@dropbox.com',
      emailVerified: true,
      name: 'Franz Ferdinand',
      givenName: 'Franz',
      familyName: 'Ferdinand',
    },
    error: {
      answer: { status: 400, json: { error: 'invalid_grant', error_description: "code doesn't exist or has expired" } },
      code: 'TOKEN_ERROR',
      oauthError: 'invalid_grant',
    },
    quirks: (r, fx) => {
      expect(r.authorizationUrl.searchParams.get('token_access_type')).toBe('offline');
      expect(fx.requests.some((q) => q.path === '/dropbox/userinfo')).toBe(false);
    },
  },
  {
    name: 'salesforce (sandbox/My Domain issuer, refresh_token scope)',
    path: '/salesforce',
    make: (issuer) => salesforce({ ...creds, issuer, offline: true }),
    clientAuth: basic,
    claims: {
      sub: 'https://login.salesforce.com/id/00Dx0000001T0zk/005x0000001S2b9',
      at_hash: undefined,
      name: 'Admin User',
      given_name: 'Admin',
      family_name: 'User',
      email: 'admin@example.com',
      email_verified: true,
      locale: 'en_US',
      picture: 'https://c.salesforce.com/profilephoto/005/F',
    },
    userinfo: {
      sub: 'https://login.salesforce.com/id/00Dx0000001T0zk/005x0000001S2b9',
      user_id: '005x0000001S2b9',
      organization_id: '00Dx0000001T0zk',
      preferred_username: 'admin@example.com',
      nickname: 'admin',
      name: 'Admin User',
      email: 'admin@example.com',
      email_verified: true,
      given_name: 'Admin',
      family_name: 'User',
      zoneinfo: 'America/Los_Angeles',
      locale: 'en_US',
      picture: 'https://c.salesforce.com/profilephoto/005/F',
    },
    tokenExtras: {
      instance_url: 'https://yourInstance.salesforce.com',
      id: 'https://login.salesforce.com/id/00Dx0000001T0zk/005x0000001S2b9',
      signature: 'CMJ4l+CCaPQiKjoOEwEig9H4wqhpuLSk4J2urAe+fVg=',
      scope: 'openid email profile refresh_token',
      refresh_token: '5Aep861',
    },
    profile: {
      subject: 'https://login.salesforce.com/id/00Dx0000001T0zk/005x0000001S2b9',
      email: 'admin@example.com',
      emailVerified: true,
      name: 'Admin User',
      locale: 'en_US',
    },
    error: {
      answer: { status: 400, json: { error: 'invalid_grant', error_description: 'expired authorization code' } },
      code: 'TOKEN_ERROR',
      oauthError: 'invalid_grant',
    },
    quirks: (r) => expect(r.authorizationUrl.searchParams.get('scope')).toBe('openid email profile refresh_token'),
  },
  {
    name: 'yahoo',
    path: '/yahoo',
    make: (issuer) => yahoo({ ...creds, issuer }),
    clientAuth: basic,
    claims: {
      sub: 'FSVIDUW3D7FSVIDUW3D72F2F',
      name: 'Jasmine Smith',
      given_name: 'Jasmine',
      family_name: 'Smith',
      nickname: 'jasmine',
      locale: 'en-US',
      email: 'yqa_functest_15572415322065371@yahoo.com',
      email_verified: true,
      picture: 'https://s.yimg.com/ag/images/default_user_profile_pic_192sq.jpg',
    },
    tokenExtras: { refresh_token: 'AOiRUlJn_qOmByVGTmUpwcMKW3XDcipToOoHx2wRoyLgJC_RFlA-', xoauth_yahoo_guid: 'JT4FACLQZI2OCE' },
    profile: {
      subject: 'FSVIDUW3D7FSVIDUW3D72F2F',
      email: 'yqa_functest_15572415322065371@yahoo.com',
      emailVerified: true,
      name: 'Jasmine Smith',
      locale: 'en-US',
    },
    error: {
      answer: { status: 400, json: { error: 'INVALID_AUTHORIZATION_CODE', error_description: 'invalid authorization code' } },
      code: 'TOKEN_ERROR',
      oauthError: 'INVALID_AUTHORIZATION_CODE',
    },
  },
  {
    name: 'line (HS256 ID token signed with the channel secret; email never marked verified)',
    path: '/line',
    make: (issuer) => line({ ...creds, clientSecret: LINE_SECRET, issuer }),
    clientAuth: { method: 'client_secret_post', secret: LINE_SECRET },
    alg: 'HS256',
    claims: {
      sub: 'U1234567890abcdef1234567890abcdef',
      amr: ['linesso'],
      name: 'Taro Line',
      picture: 'https://profile.line-scdn.net/0h8pWWElvzZ19qLk3ywQYYCFZraTIdAGEXEh16ak0nMWlDGXULa5x',
      email: 'taro.line@example.com',
    },
    tokenExtras: { refresh_token: 'Aa1FdeggRhTnPNNpxr8p', scope: 'profile openid email' },
    profile: { subject: 'U1234567890abcdef1234567890abcdef', email: 'taro.line@example.com', emailVerified: false, name: 'Taro Line' },
    error: {
      answer: { status: 400, json: { error: 'invalid_grant', error_description: 'authorization code expired' } },
      code: 'TOKEN_ERROR',
      oauthError: 'invalid_grant',
    },
  },
  {
    name: 'auth0 (issuer with a trailing slash)',
    path: '/auth0',
    issuer: (url) => `${url}/auth0/`,
    make: (issuer) => auth0({ ...creds, issuer }),
    clientAuth: basic,
    claims: {
      sub: 'google-oauth2|107433920593738920000',
      nickname: 'jane',
      name: 'Jane Josephine Doe',
      picture: 'https://s.gravatar.com/avatar/dummy.png',
      updated_at: '2026-11-22T03:00:00.000Z',
      email: 'janedoe@exampleco.com',
      email_verified: true,
      sid: 'JrY3-UUA3xT3r1L4FtRGO3lTqr9WlIAe',
    },
    userinfo: {
      sub: 'google-oauth2|107433920593738920000',
      nickname: 'jane',
      name: 'Jane Josephine Doe',
      picture: 'https://s.gravatar.com/avatar/dummy.png',
      updated_at: '2026-11-22T03:00:00.000Z',
      email: 'janedoe@exampleco.com',
      email_verified: true,
    },
    tokenExtras: { scope: 'openid profile email' },
    profile: { subject: 'google-oauth2|107433920593738920000', email: 'janedoe@exampleco.com', emailVerified: true, name: 'Jane Josephine Doe' },
    error: {
      answer: { status: 403, json: { error: 'invalid_grant', error_description: 'Invalid authorization code' } },
      code: 'TOKEN_ERROR',
      oauthError: 'invalid_grant',
    },
  },
  {
    name: 'okta (custom authorization server, offline_access)',
    path: '/okta/oauth2/default',
    make: (issuer) => okta({ ...creds, issuer, offline: true }),
    clientAuth: basic,
    claims: {
      sub: '00uid4BxXw6I6TV4m0g3',
      ver: 1,
      name: 'John Doe',
      email: 'john.doe@example.com',
      email_verified: true,
      preferred_username: 'john.doe@example.com',
      idp: '00oid4Bx',
      amr: ['pwd'],
    },
    userinfo: {
      sub: '00uid4BxXw6I6TV4m0g3',
      name: 'John Doe',
      nickname: 'Jimmy',
      given_name: 'John',
      middle_name: 'James',
      family_name: 'Doe',
      profile: 'https://example.com/john.doe',
      zoneinfo: 'America/Los_Angeles',
      locale: 'en-US',
      updated_at: 1_311_280_970,
      email: 'john.doe@example.com',
      email_verified: true,
    },
    tokenExtras: { scope: 'openid profile email offline_access', refresh_token: 'a9VpZDRCeFh3Nkk2VdY' },
    profile: {
      subject: '00uid4BxXw6I6TV4m0g3',
      email: 'john.doe@example.com',
      emailVerified: true,
      name: 'John Doe',
      givenName: 'John',
      familyName: 'Doe',
      locale: 'en-US',
    },
    error: {
      answer: { status: 400, json: { error: 'invalid_grant', error_description: 'The authorization code is invalid or has expired.' } },
      code: 'TOKEN_ERROR',
      oauthError: 'invalid_grant',
    },
    quirks: (r) => expect(r.authorizationUrl.searchParams.get('scope')).toBe('openid profile email offline_access'),
  },
  {
    name: 'keycloak (baseUrl + realm)',
    path: '/kc/realms/acme',
    make: (_issuer, url) => keycloak({ ...creds, baseUrl: `${url}/kc`, realm: 'acme' }),
    clientAuth: basic,
    claims: {
      sub: 'f1b2c3d4-5e6f-4a1b-9c2d-3e4f5a6b7c8d',
      typ: 'ID',
      azp: ID,
      session_state: 'a1b2',
      sid: 'a1b2',
      email_verified: true,
      name: 'Alice Liddell',
      preferred_username: 'alice',
      given_name: 'Alice',
      family_name: 'Liddell',
      email: 'alice@acme.test',
    },
    userinfo: {
      sub: 'f1b2c3d4-5e6f-4a1b-9c2d-3e4f5a6b7c8d',
      email_verified: true,
      name: 'Alice Liddell',
      preferred_username: 'alice',
      given_name: 'Alice',
      family_name: 'Liddell',
      email: 'alice@acme.test',
    },
    tokenExtras: {
      refresh_token: 'eyJhbGciOiJIUzUxMiJ9.r',
      refresh_expires_in: 1800,
      'not-before-policy': 0,
      session_state: 'a1b2',
      scope: 'openid email profile',
    },
    profile: { subject: 'f1b2c3d4-5e6f-4a1b-9c2d-3e4f5a6b7c8d', email: 'alice@acme.test', emailVerified: true, name: 'Alice Liddell' },
    error: { answer: { status: 400, json: { error: 'invalid_grant', error_description: 'Code not valid' } }, code: 'TOKEN_ERROR', oauthError: 'invalid_grant' },
  },
  {
    name: 'cognito (email_verified as a string)',
    path: '/cognito/us-east-1_AbCdEf123',
    make: (issuer) => cognito({ ...creds, issuer }),
    clientAuth: basic,
    claims: {
      sub: 'aaaaaaaa-bbbb-cccc-dddd-example',
      'cognito:groups': ['admin'],
      email_verified: 'true',
      'cognito:username': 'janedoe',
      origin_jti: 'x',
      event_id: 'y',
      token_use: 'id',
      auth_time: 1_763_780_000,
      email: 'janedoe@example.com',
    },
    userinfo: { sub: 'aaaaaaaa-bbbb-cccc-dddd-example', email_verified: 'true', email: 'janedoe@example.com', username: 'janedoe' },
    tokenExtras: { refresh_token: 'eyJjdHkiOiJKV1QiLCJlbmMiOiJBMjU2R0NNIn0.r' },
    profile: { subject: 'aaaaaaaa-bbbb-cccc-dddd-example', email: 'janedoe@example.com', emailVerified: true },
    error: { answer: { status: 400, json: { error: 'invalid_grant' } }, code: 'TOKEN_ERROR', oauthError: 'invalid_grant' },
  },
  {
    name: 'zitadel',
    path: '/zitadel',
    make: (issuer) => zitadel({ ...creds, issuer }),
    clientAuth: basic,
    claims: { sub: '169134561364131841', amr: ['pwd'], azp: ID, client_id: ID, at_hash: undefined, sid: 'x' },
    userinfo: {
      sub: '169134561364131841',
      name: 'Road Runner',
      given_name: 'Road',
      family_name: 'Runner',
      locale: 'en',
      updated_at: 1_763_780_000,
      preferred_username: 'road.runner@acme.zitadel.cloud',
      email: 'road.runner@acme.test',
      email_verified: true,
    },
    profile: {
      subject: '169134561364131841',
      email: 'road.runner@acme.test',
      emailVerified: true,
      name: 'Road Runner',
      givenName: 'Road',
      familyName: 'Runner',
      locale: 'en',
    },
    error: {
      answer: { status: 400, json: { error: 'invalid_grant', error_description: 'Errors.OIDCSession.Token.Invalid' } },
      code: 'TOKEN_ERROR',
      oauthError: 'invalid_grant',
    },
  },
  {
    name: 'authentik (baseUrl + slug, issuer with a trailing slash)',
    path: '/ak/application/o/latchkey',
    issuer: (url) => `${url}/ak/application/o/latchkey/`,
    make: (_issuer, url) => authentik({ ...creds, baseUrl: `${url}/ak`, slug: 'latchkey' }),
    clientAuth: basic,
    claims: {
      sub: 'a1f3c8d2e4b6',
      email: 'akadmin@example.com',
      email_verified: true,
      name: 'authentik Default Admin',
      given_name: 'authentik Default Admin',
      preferred_username: 'akadmin',
      nickname: 'akadmin',
      groups: ['authentik Admins'],
    },
    userinfo: {
      sub: 'a1f3c8d2e4b6',
      email: 'akadmin@example.com',
      email_verified: true,
      name: 'authentik Default Admin',
      given_name: 'authentik Default Admin',
      preferred_username: 'akadmin',
      nickname: 'akadmin',
      groups: ['authentik Admins'],
    },
    profile: { subject: 'a1f3c8d2e4b6', email: 'akadmin@example.com', emailVerified: true, name: 'authentik Default Admin' },
    error: {
      answer: { status: 400, json: { error: 'invalid_grant', error_description: 'The provided authorization grant or refresh token is invalid.' } },
      code: 'TOKEN_ERROR',
      oauthError: 'invalid_grant',
    },
  },
  {
    name: 'fusionauth',
    path: '/fusionauth',
    make: (_issuer, url) => fusionauth({ ...creds, baseUrl: `${url}/fusionauth` }),
    clientAuth: basic,
    claims: {
      sub: '2a7e3f1c-0b6d-4a8e-9f2b-1c3d5e7f9a0b',
      applicationId: ID,
      authenticationType: 'PASSWORD',
      email: 'richard@example.com',
      email_verified: true,
      roles: [],
    },
    userinfo: {
      sub: '2a7e3f1c-0b6d-4a8e-9f2b-1c3d5e7f9a0b',
      applicationId: ID,
      email: 'richard@example.com',
      email_verified: true,
      given_name: 'Richard',
      family_name: 'Hendricks',
      roles: [],
    },
    profile: { subject: '2a7e3f1c-0b6d-4a8e-9f2b-1c3d5e7f9a0b', email: 'richard@example.com', emailVerified: true, name: 'Richard Hendricks' },
    error: {
      answer: { status: 400, json: { error: 'invalid_request', error_description: 'Invalid Authorization Code', error_reason: 'auth_code_not_found' } },
      code: 'TOKEN_ERROR',
      oauthError: 'invalid_request',
    },
  },
  {
    name: 'oidc (generic, public client)',
    path: '/corp',
    make: (issuer) => oidc({ id: 'corp-sso', name: 'Corp SSO', issuer, clientId: ID, env: {} }),
    clientAuth: { method: 'none' },
    claims: { sub: 'u-42', email: 'u42@corp.test', email_verified: false, given_name: 'Uma', family_name: 'Forty' },
    profile: { subject: 'u-42', email: 'u42@corp.test', emailVerified: false, name: 'Uma Forty', givenName: 'Uma', familyName: 'Forty' },
    error: { answer: invalidGrant, code: 'TOKEN_ERROR', oauthError: 'invalid_grant' },
  },
];

let fx: FixtureServer;
const issuers = new Map<string, string>();

beforeAll(async () => {
  fx = await startFixtureServer();
  for (const c of CASES) {
    const base = {
      clientId: ID,
      clientAuth: c.clientAuth,
      claims: c.claims,
      ...(c.userinfo ? { userinfo: c.userinfo } : {}),
      ...(c.tokenExtras ? { tokenExtras: c.tokenExtras } : {}),
      ...(c.alg ? { alg: c.alg } : {}),
    };
    const issuer = c.issuer?.(fx.url) ?? `${fx.url}${c.path}`;
    fx.oidc(c.path, { ...base, issuer, claims: { ...c.claims } });
    issuers.set(c.name, issuer);
  }
});
afterAll(() => fx.close());

describe.each(CASES)('$name', (c) => {
  it('signs in through the real code path and maps the profile', async () => {
    const issuer = issuers.get(c.name)!;
    const p = c.make(issuer, fx.url);
    expect(p.issuer).toBe(issuer);
    const r = await signInThrough(p);
    expect(r.profile).toMatchObject({ issuer, ...c.profile });
    c.quirks?.(r, fx);
    // Presets that say they refresh get a refresh token here (recorded shape), and it works.
    if (r.tokens.refreshToken !== undefined) {
      expect(p.supportsRefresh).toBe(true);
      const refreshed = await r.client.refresh(r.tokens.refreshToken, r.tokens.idTokenClaims ? { previousIdTokenClaims: r.tokens.idTokenClaims } : {});
      expect(refreshed.accessToken).not.toBe(r.tokens.accessToken);
    }
  });

  it('turns the provider error response into a typed error', async () => {
    // Same preset, its token endpoint now answering with the provider's recorded error shape.
    const issuer = issuers.get(c.name)!;
    const tokenPath = `${new URL(issuer).pathname.replace(/\/+$/, '')}/token`;
    const previous = fx.requests.length;
    fx.route('POST', tokenPath, () => c.error.answer);
    try {
      const error = await rejectionOf(signInThrough(c.make(issuer, fx.url)));
      expect(error).toBeInstanceOf(LatchkeyError);
      expect((error as LatchkeyError).code).toBe(c.error.code);
      if (c.error.oauthError) expect(error).toMatchObject({ error: c.error.oauthError });
      // Nothing was fetched after the refused token response.
      expect(
        fx.requests
          .slice(previous)
          .map((q) => q.path)
          .at(-1),
      ).toBe(tokenPath);
    } finally {
      // Restore the recorded success answer for reruns.
      fx.oidc(c.path, {
        clientId: ID,
        clientAuth: c.clientAuth,
        issuer,
        claims: { ...c.claims },
        ...(c.userinfo ? { userinfo: c.userinfo } : {}),
        ...(c.tokenExtras ? { tokenExtras: c.tokenExtras } : {}),
        ...(c.alg ? { alg: c.alg } : {}),
      });
    }
  });
});

describe('issuer construction', () => {
  it('derives issuers from domains, realms, slugs and user pools', () => {
    expect(auth0({ ...creds, domain: 'acme.us.auth0.com' }).issuer).toBe('https://acme.us.auth0.com/');
    expect(okta({ ...creds, domain: 'acme.okta.com' }).issuer).toBe('https://acme.okta.com/oauth2/default');
    expect(okta({ ...creds, domain: 'acme.okta.com', authorizationServerId: null }).issuer).toBe('https://acme.okta.com');
    expect(keycloak({ ...creds, baseUrl: 'https://sso.acme.test/', realm: 'main' }).issuer).toBe('https://sso.acme.test/realms/main');
    expect(cognito({ ...creds, userPoolId: 'eu-west-1_AbC' }).issuer).toBe('https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC');
    expect(authentik({ ...creds, baseUrl: 'https://auth.acme.test', slug: 'web' }).issuer).toBe('https://auth.acme.test/application/o/web/');
    expect(zitadel({ ...creds, domain: 'acme-x1.zitadel.cloud' }).issuer).toBe('https://acme-x1.zitadel.cloud');
    expect(gitlab(creds).issuer).toBe('https://gitlab.com');
    expect(salesforce({ ...creds, env: { SALESFORCE_ISSUER: 'https://test.salesforce.com' } }).issuer).toBe('https://test.salesforce.com');
  });

  it('names the missing setting', () => {
    expect(() => okta(creds)).toThrow(/OKTA_ISSUER/);
    expect(() => keycloak({ ...creds, baseUrl: 'https://sso.acme.test' })).toThrow(/KEYCLOAK_REALM/);
    expect(() => oidc({ id: 'corp-sso', env: { CORP_SSO_ISSUER: 'https://sso.corp.test' } })).toThrow(/CORP_SSO_CLIENT_ID/);
    expect(() => oidc({ id: 'Bad Id', issuer: 'https://x.test', clientId: 'a', env: {} })).toThrow(/lower-case/);
  });
});
