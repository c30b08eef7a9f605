/**
 * Every plain OAuth 2.0 preset besides GitHub, through the real code path against recorded-shape
 * fixtures: the preset's fixed endpoints are rewritten by `emulatorUrl` to one local server that
 * serves `/<host>/<path>` (authorization, token and user API), checks PKCE and the client
 * authentication, and answers the API only for the access token it issued.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LatchkeyError } from '../../src/errors.js';
import { amazon, atlassian, bitbucket, discord, facebook, notion, oauth2, reddit, spotify, twitter, zoom } from '../../src/providers/index.js';
import { makeProfile, str } from '../../src/providers/internal/profile.js';
import type { Profile, ProviderConfig } from '../../src/providers/types.js';
import { type ExpectedClientAuth, type FixtureResponse, type FixtureServer, startFixtureServer, type TokenAnswer } from './fixture-server.js';
import { rejectionOf, type SignInResult, signInThrough } from './sign-in.js';

const ID = 'fixture-client-id';
const SECRET = 'fixture-client-secret';
const basic: ExpectedClientAuth = { method: 'client_secret_basic', secret: SECRET };
const post: ExpectedClientAuth = { method: 'client_secret_post', secret: SECRET };
const creds = { clientId: ID, clientSecret: SECRET, env: {} };
const bearer =
  (extra: Record<string, unknown> = {}): TokenAnswer =>
  ({ accessToken }) => ({ json: { access_token: accessToken, token_type: 'Bearer', expires_in: 3600, ...extra } });

interface Case {
  readonly name: string;
  readonly make: (url: string) => ProviderConfig;
  readonly clientAuth: ExpectedClientAuth;
  /** Paths on the fixture server (`/<host>/<path>`). */
  readonly authorize: string;
  readonly token: string;
  readonly tokenAnswer: TokenAnswer;
  readonly api?: Record<string, FixtureResponse>;
  readonly offline?: boolean;
  readonly profile: Partial<Profile>;
  readonly error: { readonly answer: FixtureResponse; readonly code: string; readonly oauthError?: string };
  readonly quirks?: (r: SignInResult, fx: FixtureServer) => void;
}

const CASES: Case[] = [
  {
    name: 'discord',
    make: (url) => discord({ ...creds, emulatorUrl: url }),
    clientAuth: basic,
    authorize: '/discord.com/oauth2/authorize',
    token: '/discord.com/api/oauth2/token',
    tokenAnswer: bearer({ expires_in: 604800, refresh_token: 'D43f5y0ahjqew82jZ4NViEr2YafMKhue', scope: 'identify email' }),
    api: {
      '/discord.com/api/users/@me': {
        json: {
          id: '80351110224678912',
          username: 'nelly',
          discriminator: '0',
          global_name: 'Nelly',
          avatar: '8342729096ea3675442027381ff50dfe',
          verified: true,
          email: 'nelly@discord.com',
          flags: 64,
          banner: null,
          accent_color: 16711680,
          premium_type: 1,
          public_flags: 64,
          locale: 'en-US',
          mfa_enabled: true,
        },
      },
    },
    profile: {
      subject: '80351110224678912',
      email: 'nelly@discord.com',
      emailVerified: true,
      name: 'Nelly',
      picture: 'https://cdn.discordapp.com/avatars/80351110224678912/8342729096ea3675442027381ff50dfe.png',
      locale: 'en-US',
    },
    error: {
      answer: { status: 400, json: { error: 'invalid_grant', error_description: 'Invalid "code" in request.' } },
      code: 'TOKEN_ERROR',
      oauthError: 'invalid_grant',
    },
    quirks: (r) => expect(r.tokens.refreshToken).toBe('D43f5y0ahjqew82jZ4NViEr2YafMKhue'),
  },
  {
    name: 'facebook (email never marked verified; Graph error object)',
    make: (url) => facebook({ ...creds, emulatorUrl: url }),
    clientAuth: post,
    authorize: '/www.facebook.com/v21.0/dialog/oauth',
    token: '/graph.facebook.com/v21.0/oauth/access_token',
    tokenAnswer: ({ accessToken }) => ({ json: { access_token: accessToken, token_type: 'bearer', expires_in: 5183944 } }),
    api: {
      '/graph.facebook.com/v21.0/me': {
        json: {
          id: '10161234567890123',
          name: 'Mark Example',
          email: 'mark@example.com',
          first_name: 'Mark',
          last_name: 'Example',
          picture: { data: { height: 200, is_silhouette: false, url: 'https://platform-lookaside.fbsbx.com/platform/profilepic/?asid=1', width: 200 } },
        },
      },
    },
    profile: {
      subject: '10161234567890123',
      email: 'mark@example.com',
      emailVerified: false,
      name: 'Mark Example',
      givenName: 'Mark',
      familyName: 'Example',
      picture: 'https://platform-lookaside.fbsbx.com/platform/profilepic/?asid=1',
    },
    // Facebook's errors are not RFC 6749 bodies (`error` is an object): a transport error, still typed.
    error: {
      answer: { status: 400, json: { error: { message: 'Invalid verification code format.', type: 'OAuthException', code: 100, fbtrace_id: 'AbCdEf' } } },
      code: 'TOKEN_ERROR',
      oauthError: 'invalid_grant',
    },
    quirks: (_r, fx) =>
      expect(fx.last('/graph.facebook.com/v21.0/me')?.url.searchParams.get('fields')).toBe('id,name,email,first_name,last_name,picture.type(large)'),
  },
  {
    name: 'twitter / X (PKCE, offline.access, user under data)',
    make: (url) => twitter({ ...creds, emulatorUrl: url, offline: true }),
    clientAuth: basic,
    authorize: '/x.com/i/oauth2/authorize',
    token: '/api.x.com/2/oauth2/token',
    tokenAnswer: ({ accessToken }) => ({
      json: {
        token_type: 'bearer',
        expires_in: 7200,
        access_token: accessToken,
        scope: 'users.read tweet.read offline.access',
        refresh_token: 'bWRWa0xnLXdhNGxVMFQ5cDBv',
      },
    }),
    api: {
      '/api.x.com/2/users/me': {
        json: { data: { id: '2244994945', name: 'X Dev', username: 'XDevelopers', profile_image_url: 'https://pbs.twimg.com/profile_images/1/x_normal.jpg' } },
      },
    },
    profile: { subject: '2244994945', email: null, emailVerified: false, name: 'X Dev', picture: 'https://pbs.twimg.com/profile_images/1/x_normal.jpg' },
    error: {
      answer: { status: 400, json: { error: 'invalid_request', error_description: 'Value passed for the authorization code was invalid.' } },
      code: 'TOKEN_ERROR',
      oauthError: 'invalid_request',
    },
    quirks: (r) => {
      expect(r.authorizationUrl.searchParams.get('code_challenge_method')).toBe('S256');
      expect(r.authorizationUrl.searchParams.get('scope')).toBe('users.read tweet.read offline.access');
      expect(r.tokens.refreshToken).toBe('bWRWa0xnLXdhNGxVMFQ5cDBv');
    },
  },
  {
    name: 'spotify',
    make: (url) => spotify({ ...creds, emulatorUrl: url }),
    clientAuth: basic,
    authorize: '/accounts.spotify.com/authorize',
    token: '/accounts.spotify.com/api/token',
    tokenAnswer: bearer({ scope: 'user-read-email user-read-private', refresh_token: 'AQDspotifyrefresh' }),
    api: {
      '/api.spotify.com/v1/me': {
        json: {
          country: 'SE',
          display_name: 'JM Wizzler',
          email: 'email@example.com',
          explicit_content: { filter_enabled: false, filter_locked: false },
          external_urls: { spotify: 'https://open.spotify.com/user/wizzler' },
          followers: { href: null, total: 3829 },
          href: 'https://api.spotify.com/v1/users/wizzler',
          id: 'wizzler',
          images: [{ height: 300, url: 'https://i.scdn.co/image/ab67616d00001e02ff9ca10b55ce82ae553c8228', width: 300 }],
          product: 'premium',
          type: 'user',
          uri: 'spotify:user:wizzler',
        },
      },
    },
    profile: {
      subject: 'wizzler',
      email: 'email@example.com',
      emailVerified: false,
      name: 'JM Wizzler',
      picture: 'https://i.scdn.co/image/ab67616d00001e02ff9ca10b55ce82ae553c8228',
    },
    error: {
      answer: { status: 400, json: { error: 'invalid_grant', error_description: 'Invalid authorization code' } },
      code: 'TOKEN_ERROR',
      oauthError: 'invalid_grant',
    },
  },
  {
    name: 'reddit (User-Agent, duration=permanent, error with HTTP 200)',
    make: (url) => reddit({ ...creds, emulatorUrl: url, offline: true, userAgent: 'web:latchkey-test:1.0 (by /u/latchkey)' }),
    clientAuth: basic,
    authorize: '/www.reddit.com/api/v1/authorize',
    token: '/www.reddit.com/api/v1/access_token',
    tokenAnswer: ({ accessToken }) => ({
      json: { access_token: accessToken, token_type: 'bearer', expires_in: 86400, refresh_token: '12345-reddit-refresh', scope: 'identity' },
    }),
    api: {
      '/oauth.reddit.com/api/v1/me': {
        json: {
          id: '1w72',
          name: 'spez',
          icon_img: 'https://styles.redditmedia.com/t5_3k30p/styles/profileIcon_snoo.png?width=256&amp;height=256&amp;s=abc',
          created_utc: 1118030400,
          verified: true,
          has_verified_email: true,
        },
      },
    },
    profile: {
      subject: '1w72',
      email: null,
      emailVerified: false,
      name: 'spez',
      picture: 'https://styles.redditmedia.com/t5_3k30p/styles/profileIcon_snoo.png?width=256&height=256&s=abc',
    },
    error: { answer: { status: 200, json: { error: 'invalid_grant' } }, code: 'TOKEN_ERROR', oauthError: 'invalid_grant' },
    quirks: (r, fx) => {
      expect(r.authorizationUrl.searchParams.get('duration')).toBe('permanent');
      expect(fx.last('/oauth.reddit.com/api/v1/me')?.headers['user-agent']).toBe('web:latchkey-test:1.0 (by /u/latchkey)');
      expect(fx.last('/www.reddit.com/api/v1/access_token')?.headers['user-agent']).toBe('web:latchkey-test:1.0 (by /u/latchkey)');
    },
  },
  {
    name: 'amazon',
    make: (url) => amazon({ ...creds, emulatorUrl: url }),
    clientAuth: post,
    authorize: '/www.amazon.com/ap/oa',
    token: '/api.amazon.com/auth/o2/token',
    tokenAnswer: bearer({ refresh_token: 'Atzr|IQEBLzAtAhRPpMJxdwVz2Nn6f2y-tpJX2DeX' }),
    api: {
      '/api.amazon.com/user/profile': {
        json: { user_id: 'amznl.account.K2LI23KL2LK2', email: 'mhashimoto-04@plaxo.com', name: 'Mork Hashimoto', postal_code: '98052' },
      },
    },
    profile: { subject: 'amznl.account.K2LI23KL2LK2', email: 'mhashimoto-04@plaxo.com', emailVerified: false, name: 'Mork Hashimoto' },
    error: {
      answer: { status: 400, json: { error: 'invalid_grant', error_description: 'The request has an invalid grant parameter : code' } },
      code: 'TOKEN_ERROR',
      oauthError: 'invalid_grant',
    },
  },
  {
    name: 'zoom (verified as 1/0, no scope sent)',
    make: (url) => zoom({ ...creds, emulatorUrl: url }),
    clientAuth: basic,
    authorize: '/zoom.us/oauth/authorize',
    token: '/zoom.us/oauth/token',
    tokenAnswer: ({ accessToken }) => ({
      json: {
        access_token: accessToken,
        token_type: 'bearer',
        refresh_token: 'eyJhbGciOiJIUzUxMiJ9.zoomrefresh',
        expires_in: 3599,
        scope: 'user:read:user',
        api_url: 'https://api.zoom.us',
      },
    }),
    api: {
      '/api.zoom.us/v2/users/me': {
        json: {
          id: 'KDcuGIm1QgePTO8WbOqwIQ',
          first_name: 'Jill',
          last_name: 'Chill',
          display_name: 'Jill Chill',
          email: 'jchill@example.com',
          type: 1,
          pmi: 3542471135,
          timezone: 'Asia/Shanghai',
          verified: 1,
          dept: '',
          language: 'en-US',
          pic_url: 'https://example.com/photo.jpg',
          account_id: 'q6gBJVO5TzexKYTb_I2rpg',
          status: 'active',
        },
      },
    },
    profile: {
      subject: 'KDcuGIm1QgePTO8WbOqwIQ',
      email: 'jchill@example.com',
      emailVerified: true,
      name: 'Jill Chill',
      givenName: 'Jill',
      familyName: 'Chill',
      picture: 'https://example.com/photo.jpg',
      locale: 'en-US',
    },
    error: {
      answer: { status: 400, json: { reason: 'Invalid authorization code', error: 'invalid_request' } },
      code: 'TOKEN_ERROR',
      oauthError: 'invalid_request',
    },
    quirks: (r) => expect(r.authorizationUrl.searchParams.has('scope')).toBe(false),
  },
  {
    name: 'notion (the user comes in the token response)',
    make: (url) => notion({ ...creds, emulatorUrl: url }),
    clientAuth: basic,
    authorize: '/api.notion.com/v1/oauth/authorize',
    token: '/api.notion.com/v1/oauth/token',
    tokenAnswer: ({ accessToken }) => ({
      json: {
        access_token: accessToken,
        token_type: 'bearer',
        bot_id: 'b3414d659-1224-5ty7-6ffr-cc9d8773drt6',
        workspace_name: 'Acme Inc',
        workspace_icon: 'https://example.com/icon.png',
        workspace_id: 'j565j4d7x3-2882-61bs-564a-jj9d9ui-c36hxfr7x',
        owner: {
          type: 'user',
          user: {
            object: 'user',
            id: 'e79a0b74-3aba-4149-9f74-0bb5791a6ee6',
            name: 'Avo Cado',
            avatar_url: 'https://secure.notion-static.com/e6a352a8.jpg',
            type: 'person',
            person: { email: 'avo@example.org' },
          },
        },
        duplicated_template_id: null,
        request_id: 'f2bd8d4f-9a5c-4e7b-a0b1-0d5e1c8a3f90',
      },
    }),
    profile: {
      subject: 'e79a0b74-3aba-4149-9f74-0bb5791a6ee6',
      email: 'avo@example.org',
      emailVerified: false,
      name: 'Avo Cado',
      picture: 'https://secure.notion-static.com/e6a352a8.jpg',
    },
    error: {
      answer: { status: 400, json: { error: 'invalid_grant', error_description: 'Invalid code.', request_id: 'r' } },
      code: 'TOKEN_ERROR',
      oauthError: 'invalid_grant',
    },
    quirks: (r) => {
      expect(r.authorizationUrl.searchParams.get('owner')).toBe('user');
      expect(r.raw.workspace_name).toBe('Acme Inc');
    },
  },
  {
    name: 'atlassian (audience and prompt=consent)',
    make: (url) => atlassian({ ...creds, emulatorUrl: url, offline: true }),
    clientAuth: post,
    authorize: '/auth.atlassian.com/authorize',
    token: '/auth.atlassian.com/oauth/token',
    tokenAnswer: bearer({ scope: 'read:me offline_access', refresh_token: 'atl-refresh' }),
    api: {
      '/api.atlassian.com/me': {
        json: {
          account_type: 'atlassian',
          account_id: '112233aa-bb11-cc22-33dd-445566abcabc',
          email: 'mia@example.com',
          name: 'Mia Krystof',
          picture: 'https://avatar-management--avatars.us-west-2.prod.public.atl-paas.net/112233aa/1234abcd-9876-54aa-33aa-1234dfsade9487ds',
          account_status: 'active',
          nickname: 'mkrystof',
          zoneinfo: 'Australia/Sydney',
          locale: 'en-US',
          extended_profile: { job_title: 'Designer', organization: 'mia@example.com', department: 'Design team', location: 'Sydney' },
          email_verified: true,
        },
      },
    },
    profile: { subject: '112233aa-bb11-cc22-33dd-445566abcabc', email: 'mia@example.com', emailVerified: true, name: 'Mia Krystof', locale: 'en-US' },
    error: { answer: { status: 403, json: { error: 'access_denied', error_description: 'Unauthorized' } }, code: 'TOKEN_ERROR', oauthError: 'access_denied' },
    quirks: (r) => {
      expect(r.authorizationUrl.searchParams.get('audience')).toBe('api.atlassian.com');
      expect(r.authorizationUrl.searchParams.get('prompt')).toBe('consent');
      expect(r.authorizationUrl.searchParams.get('scope')).toBe('read:me offline_access');
    },
  },
  {
    name: 'bitbucket (confirmed primary email from /user/emails)',
    make: (url) => bitbucket({ ...creds, emulatorUrl: url }),
    clientAuth: basic,
    authorize: '/bitbucket.org/site/oauth2/authorize',
    token: '/bitbucket.org/site/oauth2/access_token',
    tokenAnswer: ({ accessToken }) => ({
      json: {
        access_token: accessToken,
        scopes: 'account email',
        token_type: 'bearer',
        expires_in: 7200,
        state: 'authorization_code',
        refresh_token: 'bb-refresh',
      },
    }),
    api: {
      '/api.bitbucket.org/2.0/user': {
        json: {
          display_name: 'Tutorials Account',
          links: { avatar: { href: 'https://avatar-management--avatars.us-west-2.prod.public.atl-paas.net/initials/TA-1.png' } },
          created_on: '2019-08-16T17:55:12.776914+00:00',
          type: 'user',
          uuid: '{b93b2a0a-2e7d-4bd2-a0b0-d1d9a8b6e3f5}',
          account_id: '557058:c0b72ad0',
          nickname: 'tutorials',
        },
      },
      '/api.bitbucket.org/2.0/user/emails': {
        json: {
          pagelen: 10,
          values: [
            { is_primary: false, is_confirmed: true, type: 'email', email: 'old@example.com' },
            { is_primary: true, is_confirmed: true, type: 'email', email: 'tutorials@example.com' },
          ],
          page: 1,
          size: 2,
        },
      },
    },
    profile: { subject: '{b93b2a0a-2e7d-4bd2-a0b0-d1d9a8b6e3f5}', email: 'tutorials@example.com', emailVerified: true, name: 'Tutorials Account' },
    error: {
      answer: { status: 400, json: { error_description: 'The specified code is not valid.', error: 'invalid_grant' } },
      code: 'TOKEN_ERROR',
      oauthError: 'invalid_grant',
    },
  },
  {
    name: 'oauth2 (generic endpoints and profile function)',
    make: (url) =>
      oauth2({
        id: 'acme',
        name: 'Acme',
        authorizationEndpoint: `${url}/acme.test/oauth/authorize`,
        tokenEndpoint: `${url}/acme.test/oauth/token`,
        clientId: ID,
        clientSecret: SECRET,
        env: {},
        scopes: ['profile'],
        profile: async (ctx) => (await ctx.fetchJson(`${url}/acme.test/api/me`)) as Record<string, unknown>,
        mapProfile: (raw, ctx) =>
          makeProfile(ctx.issuer, String(raw.uid), { email: str(raw.mail), emailVerified: raw.mail_confirmed === true, name: str(raw.display) }, raw),
      }),
    clientAuth: basic,
    authorize: '/acme.test/oauth/authorize',
    token: '/acme.test/oauth/token',
    tokenAnswer: bearer(),
    api: { '/acme.test/api/me': { json: { uid: 77, mail: 'ada@acme.test', mail_confirmed: true, display: 'Ada' } } },
    profile: { subject: '77', email: 'ada@acme.test', emailVerified: true, name: 'Ada' },
    error: { answer: { status: 400, json: { error: 'invalid_grant' } }, code: 'TOKEN_ERROR', oauthError: 'invalid_grant' },
  },
];

let fx: FixtureServer;

function serve(c: Case, tokenAnswer: TokenAnswer = c.tokenAnswer): void {
  fx.oauth2({ clientId: ID, clientAuth: c.clientAuth, authorize: c.authorize, token: c.token, tokenAnswer, ...(c.api ? { api: c.api } : {}) });
}

beforeAll(async () => {
  fx = await startFixtureServer();
  for (const c of CASES) serve(c);
});
afterAll(() => fx.close());

describe.each(CASES)('$name', (c) => {
  it('signs in through the real code path and maps the profile', async () => {
    const p = c.make(fx.url);
    expect(p.kind).toBe('oauth2');
    const r = await signInThrough(p);
    expect(r.authorizationUrl.pathname).toBe(c.authorize);
    expect(r.tokens.idTokenClaims).toBeUndefined();
    expect(r.profile).toMatchObject({ issuer: p.issuer, ...c.profile });
    c.quirks?.(r, fx);
    // Presets that say they refresh get a refresh token here (recorded shape), and it works.
    if (r.tokens.refreshToken !== undefined) {
      expect(p.supportsRefresh).toBe(true);
      const refreshed = await r.client.refresh(r.tokens.refreshToken, r.tokens.idTokenClaims ? { previousIdTokenClaims: r.tokens.idTokenClaims } : {});
      expect(refreshed.accessToken).not.toBe(r.tokens.accessToken);
    }
  });

  it('turns the provider error response into a typed error, and calls no API after it', async () => {
    serve(c, () => c.error.answer);
    const previous = fx.requests.length;
    try {
      const error = await rejectionOf(signInThrough(c.make(fx.url)));
      expect(error).toBeInstanceOf(LatchkeyError);
      expect((error as LatchkeyError).code).toBe(c.error.code);
      if (c.error.oauthError) expect(error).toMatchObject({ error: c.error.oauthError });
      expect(fx.requests.slice(previous).at(-1)?.path).toBe(c.token);
    } finally {
      serve(c);
    }
  });
});

describe('API failures', () => {
  it('an API answering 401 fails the sign-in with RESOURCE_ERROR', async () => {
    const c = CASES[0]!;
    fx.oauth2({
      clientId: ID,
      clientAuth: c.clientAuth,
      authorize: c.authorize,
      token: c.token,
      tokenAnswer: c.tokenAnswer,
      api: { '/discord.com/api/users/@me': { status: 401, json: { message: '401: Unauthorized', code: 0 } } },
    });
    try {
      const error = await rejectionOf(signInThrough(c.make(fx.url)));
      expect(error).toMatchObject({ code: 'RESOURCE_ERROR', httpStatus: 401 });
    } finally {
      serve(c);
    }
  });

  it('endpoints are the real ones without emulatorUrl', () => {
    expect(discord(creds).metadata).toMatchObject({
      authorization_endpoint: 'https://discord.com/oauth2/authorize',
      token_endpoint: 'https://discord.com/api/oauth2/token',
    });
    expect(twitter({ clientId: ID, env: {} }).clientSecret).toBeUndefined();
  });
});
