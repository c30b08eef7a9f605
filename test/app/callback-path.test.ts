/**
 * `callbackPath` per provider (issue 13, item 9): an app that registered a tutorial's redirect URI
 * (`/auth/callback/google`) keeps it. A real sign-in against oidc-provider, whose client knows only
 * the custom redirect URIs (so a redirect_uri with the default path is refused by the OP), through
 * node:http, Express 5 and 4, Fastify and Hono, for a query callback (GET) and a form_post one
 * (POST body); and the configuration refusals.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Auth } from '../../src/app/create-auth.js';
import { createAuth } from '../../src/app/create-auth.js';
import { google } from '../../src/providers/index.js';
import { type OidcProviderHandle, startOidcProvider } from '../support/oidc-provider.js';
import { adapters } from './redirects-adapters.js';
import { CLIENT_SECRET, listen, opProvider, type RpServer, SECRET_A, sessionOf, UserAgent } from './support.js';

const QUERY_PATH = '/auth/callback/op';
const FORM_POST_PATH = '/auth/oauth2/op-post/return';

describe('callbackPath: a sign-in through each adapter', () => {
  let rp: RpServer;
  let op: OidcProviderHandle;
  let auth: Auth;
  let listener: ((req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void) | undefined;
  const closers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    rp = await listen(() => listener ?? ((_req, res) => res.writeHead(503).end()));
    op = await startOidcProvider({
      clients: [
        {
          client_id: 'rp',
          client_secret: CLIENT_SECRET,
          // Only the custom paths: the OP refuses any other redirect_uri.
          redirect_uris: [`${rp.base}${QUERY_PATH}`, `${rp.base}${FORM_POST_PATH}`],
          grant_types: ['authorization_code'],
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_basic',
        },
      ],
    });
    auth = createAuth({
      baseUrl: rp.base,
      secret: SECRET_A,
      providers: [
        opProvider(op.issuer, { callbackPath: QUERY_PATH }),
        opProvider(op.issuer, { id: 'op-post', responseMode: 'form_post', callbackPath: FORM_POST_PATH }),
      ],
    });
  });
  afterAll(async () => {
    for (const c of closers) await c();
    await rp?.close();
    await op?.close();
  });

  it('the configuration names the custom redirect URIs', () => {
    expect(auth.config.redirectUris).toEqual({ op: `${rp.base}${QUERY_PATH}`, 'op-post': `${rp.base}${FORM_POST_PATH}` });
  });

  for (const name of ['node:http', 'express 5', 'express 4', 'fastify', 'hono']) {
    it(`${name}: query and form_post sign-ins land through the custom callback paths`, async () => {
      const made = await adapters[name]!(() => auth);
      if (made.close) closers.push(made.close);
      listener = made.listener;
      for (const [providerId, path] of [
        ['op', QUERY_PATH],
        ['op-post', FORM_POST_PATH],
      ] as const) {
        const ua = new UserAgent();
        const visited: string[] = [];
        const end = await ua.navigate(`${rp.base}/auth/${providerId}/login?returnTo=${encodeURIComponent('/dashboard')}`, {
          autoSubmitForms: true,
          stop: (u) => {
            visited.push(u);
            return u.startsWith(rp.base) && !new URL(u).pathname.startsWith('/auth/');
          },
        });
        expect(end.url, `${providerId} via ${name}`).toBe(`${rp.base}/dashboard`);
        // The provider sent the browser back to the custom path (form_post: a POST to it).
        expect(visited.some((u) => u.startsWith(`${rp.base}${path}`))).toBe(true);
        const s = await sessionOf(ua, rp.base);
        expect(s.status).toBe(200);
        expect((s.body.user as { email?: string }).email).toBe('alice@example.test');
      }
    });
  }

  it('the custom path serves GET and POST only (405 with Allow), and a wrong state is a 4xx, not a 500', async () => {
    const made = await adapters['node:http']!(() => auth);
    listener = made.listener;
    const put = await fetch(`${rp.base}${QUERY_PATH}`, { method: 'PUT', headers: { accept: 'application/json' } });
    expect(put.status).toBe(405);
    expect(put.headers.get('allow')).toBe('GET, POST');
    const stray = await fetch(`${rp.base}${QUERY_PATH}?code=x&state=y`, { headers: { accept: 'application/json' }, redirect: 'manual' });
    expect(stray.status).toBeGreaterThanOrEqual(400);
    expect(stray.status).toBeLessThan(500);
  });
});

describe('callbackPath: configuration refusals', () => {
  const base = 'http://localhost:3000';
  const make = (paths: Record<string, string>, basePath?: string) =>
    createAuth({
      baseUrl: base,
      secret: SECRET_A,
      ...(basePath ? { basePath } : {}),
      providers: Object.entries(paths).map(([id, callbackPath]) => opProvider('https://op.example', { id, callbackPath })),
    });

  it('accepts a path under basePath, and a preset passes it through', () => {
    expect(make({ google: '/auth/callback/google' }).config.redirectUris.google).toBe(`${base}/auth/callback/google`);
    expect(make({ google: '/api/auth/callback/google' }, '/api/auth').config.redirectUris.google).toBe(`${base}/api/auth/callback/google`);
    const a = createAuth({ baseUrl: base, secret: SECRET_A, providers: [google({ clientId: 'i', clientSecret: 's', callbackPath: '/auth/callback/google' })] });
    expect(a.config.redirectUris.google).toBe(`${base}/auth/callback/google`);
  });

  const refusals: [string, Record<string, string>, RegExp][] = [
    ['no leading slash', { google: 'auth/callback/google' }, /`callbackPath` must be a path starting with "\/", such as "\/auth\/callback\/google"/],
    ['a query', { google: '/auth/callback/google?x=1' }, /must not contain a query or a fragment/],
    ['a fragment', { google: '/auth/callback/google#x' }, /must not contain a query or a fragment/],
    ['a dot segment', { google: '/auth/../callback/google' }, /must be a plain path/],
    ['a double slash', { google: '/auth//callback' }, /must be a plain path/],
    ['a trailing slash', { google: '/auth/callback/google/' }, /must be a plain path/],
    ['outside basePath', { google: '/callback/google' }, /must be under `basePath` "\/auth"/],
    ['basePath itself', { google: '/auth' }, /must be under `basePath` "\/auth"/],
    ['the session route', { google: '/auth/session' }, /is the path of the auth route "session"/],
    ['the logout callback', { google: '/auth/logout/callback' }, /is the path of the auth route "logout\/callback"/],
    ['a login route', { google: '/auth/google/login' }, /is the path of the auth route "login" of "google"/],
    ['another provider callback', { google: '/auth/github/callback', github: '/auth/callback/github' }, /auth route "callback" of "github"/],
    ['a back-channel logout route', { google: '/auth/x/backchannel-logout' }, /auth route "backchannel-logout"/],
    [
      'the same path twice',
      { google: '/auth/cb', github: '/auth/cb' },
      /Provider "github": `callbackPath` "\/auth\/cb" is also the callback path of provider "google"/,
    ],
  ];
  for (const [what, paths, message] of refusals) {
    it(`refuses ${what}`, () => {
      expect(() => make(paths)).toThrow(message);
      expect(() => make(paths)).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    });
  }

  it('accepts the default path written out', () => {
    expect(make({ google: '/auth/google/callback' }).config.redirectUris.google).toBe(`${base}/auth/google/callback`);
  });
});
