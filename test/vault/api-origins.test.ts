/**
 * Provider tokens go only where they belong (issue 11, item 10): `auth.fetch(user, provider, url)`
 * sends a provider's access token only to that provider's API origins (the preset's, the issuer's
 * and userinfo's, and what the app adds with `apiOrigins`) and refuses any other URL with
 * `API_ORIGIN_REFUSED` before a request is made. A real second server on 127.0.0.1 stands for the
 * attacker's host and must receive no request at all; the provider is oidc-provider, and a Google
 * preset pointed at the development IdP.
 */
import type http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latchkey as nodeLatchkey } from '../../src/adapters/node.js';
import type { Auth } from '../../src/app/create-auth.js';
import { createAuth } from '../../src/app/create-auth.js';
import { startDevIdp } from '../../src/dev/index.js';
import { ConfigurationError, isLatchkeyError } from '../../src/errors.js';
import { compileApiOrigins, normalizeApiOrigin } from '../../src/internal/api-origins.js';
import { discord, github, google, microsoft, oauth2, oidc } from '../../src/providers/index.js';
import { listen, login, opProvider, type RpServer, SECRET_A, sessionOf, startOp, UserAgent } from '../app/support.js';
import type { OidcProviderHandle } from '../support/oidc-provider.js';
import { startServer } from './support.js';

/** A second server on 127.0.0.1 that records every request it receives (the attacker's host). */
async function startRecorder() {
  const requests: { url: string; authorization: string | undefined }[] = [];
  const s = await startServer((req, res) => {
    requests.push({ url: req.url ?? '', authorization: req.headers.authorization });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  });
  return { ...s, requests };
}

/** The user store an Auth was created with. */
const storeOf = (a: Auth) => a.users;

async function rejectionOf(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('API origins: entries and matching', () => {
  it('matches exact origins and wildcard domains, nothing that merely looks like them', () => {
    const m = compileApiOrigins(['https://api.github.com', 'https://*.googleapis.com', 'http://127.0.0.1:8080'].map((o) => normalizeApiOrigin(o, 'test')));
    for (const ok of [
      'https://api.github.com/user',
      'https://API.GitHub.com:443/x',
      'https://calendar-json.googleapis.com/c',
      'https://a.b.googleapis.com/',
      'http://127.0.0.1:8080/me',
    ]) {
      expect(m.matches(new URL(ok)), ok).toBe(true);
    }
    for (const bad of [
      'http://api.github.com/user',
      'https://api.github.com:8443/user',
      'https://api.github.com.evil.example/user',
      'https://evil.example/?https://api.github.com',
      'https://user:pw@api.github.com/user',
      'https://googleapis.com/',
      'https://evilgoogleapis.com/',
      'https://www.googleapis.com.evil.example/',
      'https://www.googleapis.com:8443/',
      'http://www.googleapis.com/',
      'http://127.0.0.1:8081/me',
      'http://localhost:8080/me',
      'https://127.0.0.1:8080/me',
    ]) {
      expect(m.matches(new URL(bad)), bad).toBe(false);
    }
  });

  it('refuses malformed entries with CONFIG_INVALID, at configuration time', () => {
    for (const bad of [
      'http://api.example.com',
      'https://api.example.com/v1',
      'https://*.com',
      'https://*.example.com:8443',
      'api.example.com',
      'https://user@api.example.com',
      'http://*.localhost',
    ]) {
      expect(() => normalizeApiOrigin(bad, 'test'), bad).toThrow(ConfigurationError);
    }
    expect(normalizeApiOrigin('https://API.Example.com/', 'test')).toBe('https://api.example.com');
    expect(() => google({ clientId: 'c', clientSecret: 's', env: {}, apiOrigins: ['https://api.example.com/path'] })).toThrow(ConfigurationError);
    expect(() =>
      createAuth({
        baseUrl: 'http://127.0.0.1:1',
        secret: SECRET_A,
        providers: [opProvider('http://127.0.0.1:2', { apiOrigins: ['ftp://files.example.com'] })],
      }),
    ).toThrow(ConfigurationError);
  });

  it('presets declare their provider API origins; the app extends them; emulators are allowed', () => {
    const creds = { clientId: 'c', clientSecret: 's', env: {} };
    expect(google(creds).apiOrigins).toEqual(['https://www.googleapis.com', 'https://*.googleapis.com']);
    expect(google({ ...creds, apiOrigins: ['https://api.partner.example'] }).apiOrigins).toEqual([
      'https://www.googleapis.com',
      'https://*.googleapis.com',
      'https://api.partner.example',
    ]);
    expect(github(creds).apiOrigins).toEqual(['https://api.github.com']);
    expect(github({ ...creds, baseUrl: 'https://github.example.com' }).apiOrigins).toEqual(['https://github.example.com']);
    expect(microsoft(creds).apiOrigins).toEqual(['https://graph.microsoft.com']);
    expect(microsoft({ ...creds, authority: 'https://login.microsoftonline.us' }).apiOrigins).toEqual([
      'https://graph.microsoft.us',
      'https://dod-graph.microsoft.us',
    ]);
    expect(discord({ ...creds, emulatorUrl: 'http://127.0.0.1:4000' }).apiOrigins).toEqual(['https://discord.com', 'http://127.0.0.1:4000']);
    // Generic providers: only what the app adds (the issuer and userinfo origins are added at run time).
    expect(oidc({ id: 'corp', issuer: 'https://sso.corp.example', ...creds }).apiOrigins).toBeUndefined();
    const generic = oauth2({
      id: 'acme',
      authorizationEndpoint: 'https://acme.example/authorize',
      tokenEndpoint: 'https://acme.example/token',
      apiOrigins: ['https://api.acme.example'],
      profile: async () => ({}),
      mapProfile: () => {
        throw new Error('unused');
      },
      ...creds,
    });
    expect(generic.apiOrigins).toEqual(['https://api.acme.example']);
  });
});

describe('auth.fetch against oidc-provider, with a second server standing for another host', () => {
  let rp: RpServer;
  let op: OidcProviderHandle;
  let auth: Auth;
  let extended: Auth;
  let evil: Awaited<ReturnType<typeof startRecorder>>;
  let partner: Awaited<ReturnType<typeof startRecorder>>;
  let userId: string;

  beforeAll(async () => {
    let listener: http.RequestListener | undefined;
    rp = await listen(() => listener!);
    op = await startOp(rp.base);
    evil = await startRecorder();
    partner = await startRecorder();
    const users = (await import('../../src/storage/memory.js')).MemoryUserStore;
    const store = new users();
    auth = createAuth({ baseUrl: rp.base, secret: SECRET_A, providers: [opProvider(op.issuer)], store: { users: store } });
    // The same provider with an extra API origin declared by the app.
    extended = createAuth({ baseUrl: rp.base, secret: SECRET_A, providers: [opProvider(op.issuer, { apiOrigins: [partner.url] })], store: { users: store } });
    const lk = nodeLatchkey(auth);
    listener = (req, res) => {
      void (async () => {
        if (!(await lk.handle(req, res))) res.writeHead(200).end('app');
      })();
    };
    const ua = new UserAgent();
    await login(ua, rp.base, '/');
    userId = ((await sessionOf(ua, rp.base)).body.user as { id: string }).id;
  });
  afterAll(async () => {
    await evil.close();
    await partner.close();
    await rp.close();
    await op.close();
  });

  it('sends the token to the provider (its issuer and userinfo origin)', async () => {
    const res = await auth.fetch(userId, 'op', `${op.issuer}/me`);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { sub: string }).sub).toBe('alice');
  });

  it('refuses every other URL with API_ORIGIN_REFUSED, and the other server receives no request at all', async () => {
    const opPort = new URL(op.issuer).port;
    const targets: (string | URL)[] = [
      `${evil.url}/steal`,
      new URL(`${evil.url}/steal?as=url`),
      `${evil.url.replace('127.0.0.1', 'localhost')}/steal`,
      `http://localhost:${opPort}/me`,
      `http://user:pw@127.0.0.1:${opPort}/me`,
      'https://evil.example/steal',
      `https://127.0.0.1:${opPort}/me`,
      'javascript:alert(1)',
      'not a url',
    ];
    // Twice: the first call takes the lookup path, the second the cached hot path.
    for (let round = 0; round < 2; round++) {
      for (const target of targets) {
        const error = await rejectionOf(auth.fetch(userId, 'op', target));
        expect(isLatchkeyError(error, 'API_ORIGIN_REFUSED'), String(target)).toBe(true);
        // The message names where the token may go, never the token.
        expect((error as Error).message).toContain(op.issuer);
      }
      // Warm the hot path (cached token and client) for the second round.
      expect((await auth.fetch(userId, 'op', `${op.issuer}/me`)).status).toBe(200);
    }
    expect(evil.requests).toEqual([]);
  });

  it('a URL object changed while the call is under way never sends the token elsewhere', async () => {
    let sentToProvider = 0;
    let refused = 0;
    // The change lands at different points of the lookup path (discovery, store read, before sending).
    for (const delayMs of [-1, 0, 1, 3, 10]) {
      const fresh = createAuth({ baseUrl: rp.base, secret: SECRET_A, providers: [opProvider(op.issuer)], store: { users: storeOf(auth) } });
      const target = new URL(`${op.issuer}/me`);
      const pending = fresh.fetch(userId, 'op', target).then(
        (res) => res,
        (error: unknown) => error,
      );
      if (delayMs < 0) await Promise.resolve();
      else await new Promise((r) => setTimeout(r, delayMs));
      target.href = `${evil.url}/steal`;
      const outcome = await pending;
      if (outcome instanceof Response) {
        expect(outcome.status).toBe(200);
        sentToProvider++;
      } else {
        expect(isLatchkeyError(outcome, 'API_ORIGIN_REFUSED')).toBe(true);
        refused++;
      }
    }
    expect(sentToProvider + refused).toBe(5);
    expect(evil.requests).toEqual([]);
  });

  it('an origin the app declares with apiOrigins receives the token; others still do not', async () => {
    const res = await extended.fetch(userId, 'op', `${partner.url}/v1/things`);
    expect(res.status).toBe(200);
    expect(partner.requests).toHaveLength(1);
    expect(partner.requests[0]!.authorization).toMatch(/^Bearer .+/);
    expect(isLatchkeyError(await rejectionOf(extended.fetch(userId, 'op', `${evil.url}/steal`)), 'API_ORIGIN_REFUSED')).toBe(true);
    expect(evil.requests).toEqual([]);
  });
});

describe('presets pointed at the development IdP accept its origin', () => {
  it('google() with the dev IdP issuer: its APIs get the token, another loopback server does not', async () => {
    const dev = await startDevIdp({ port: 0, host: '127.0.0.1', acceptAnyClient: true });
    const evil = await startRecorder();
    let listener: http.RequestListener | undefined;
    const rp = await listen(() => listener!);
    try {
      const auth = createAuth({
        baseUrl: rp.base,
        secret: SECRET_A,
        providers: [google({ clientId: 'latchkey-google', clientSecret: 'dev-secret', issuer: dev.issuerFor('google'), env: {} })],
      });
      const lk = nodeLatchkey(auth);
      listener = (req, res) => {
        void (async () => {
          if (!(await lk.handle(req, res))) res.writeHead(200).end('app');
        })();
      };
      const ua = new UserAgent();
      const page = await ua.navigate(`${rp.base}/auth/google/login?returnTo=/`);
      expect(page.status).toBe(200);
      const done = await ua.submitForm(page.html!, page.url, { fields: { user: 'bob' }, autoSubmitForms: true, stop: (u) => u === `${rp.base}/` });
      expect(done.stopped).toBe(true);
      const userId = ((await sessionOf(ua, rp.base)).body.user as { id: string }).id;
      const userinfo = (await auth.client('google')).metadata.userinfo_endpoint!;
      expect(new URL(userinfo).origin).toBe(dev.url);
      const res = await auth.fetch(userId, 'google', userinfo);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { email: string }).email).toBe('bob@example.com');
      expect(isLatchkeyError(await rejectionOf(auth.fetch(userId, 'google', `${evil.url}/calendar/v3/users/me/calendarList`)), 'API_ORIGIN_REFUSED')).toBe(
        true,
      );
      expect(evil.requests).toEqual([]);
    } finally {
      await rp.close();
      await evil.close();
      await dev.close();
    }
  });
});
