/**
 * Issue 13, item 4: apps on another origin. The allow-list `cors: { origins }` is checked at
 * start-up; `GET /auth/session`, `POST /auth/logout` and `POST /auth/token` answer an allowed
 * origin with credentialed CORS (preflights included) and any other origin with no CORS header; the
 * CSRF token of logout still holds cross-origin; a `returnTo` may name an allowed origin;
 * `cookies: { sameSite: 'none' }` makes every cookie `SameSite=None; Secure`. End to end against
 * oidc-provider through the Node adapter.
 */
import type http from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { latchkey } from '../../src/adapters/node.js';
import type { AuthOptions } from '../../src/app/config.js';
import { resolveConfig } from '../../src/app/config.js';
import { crossSiteOrigins, siteOf } from '../../src/app/cors.js';
import type { Auth } from '../../src/app/create-auth.js';
import { safeReturnTo } from '../../src/app/return-to.js';
import type { OidcProviderHandle } from '../support/oidc-provider.js';
import { listen, login, makeAuth, opProvider, type RpServer, SECRET_A, sessionOf, startOp, UserAgent } from './support.js';

const SPA = 'http://localhost:5173';
const EVIL = 'http://localhost:6666';

function options(extra: Partial<AuthOptions> = {}, baseUrl = 'http://127.0.0.1:3000'): AuthOptions {
  return { baseUrl, secret: SECRET_A, providers: [opProvider('http://127.0.0.1:9/never')], ...extra };
}

describe('cors.origins at start-up', () => {
  it.each([
    ['*', /wildcard/],
    ['https://*.example.com', /wildcard/],
    ['null', /opaque origin/],
    ['https://spa.example.com/', /no path \(not even a trailing/],
    ['https://spa.example.com/app', /bare origin/],
    ['https://spa.example.com?x=1', /bare origin/],
    ['https://user:pw@spa.example.com', /bare origin/],
    ['http://spa.example.com', /must use https/],
    ['HTTPS://SPA.example.com', /exactly as browsers send it.*"https:\/\/spa\.example\.com"/],
    ['https://spa.example.com:443', /exactly as browsers send it/],
    ['spa.example.com:5173', /must use https/],
    ['localhost:5173', /must use https/],
    ['not an origin', /not an absolute origin/],
    ['', /not an origin/],
  ])('refuses %j with CORS_ORIGIN_INVALID', (entry, message) => {
    expect(() => resolveConfig(options({ cors: { origins: [entry] } }))).toThrow(
      expect.objectContaining({ code: 'CORS_ORIGIN_INVALID', message: expect.stringMatching(message) }),
    );
  });

  it('checks the older accessToken.allowedOrigins the same way, and merges both lists', () => {
    expect(() => resolveConfig(options({ accessToken: { allowedOrigins: ['https://spa.example.com/'] } }))).toThrow(
      expect.objectContaining({ code: 'CORS_ORIGIN_INVALID', message: expect.stringContaining('accessToken.allowedOrigins') }),
    );
    const config = resolveConfig(
      options({ cors: { origins: [SPA, 'https://app.example.com', 'http://127.0.0.1:3000'] }, accessToken: { allowedOrigins: ['http://[::1]:8080', SPA] } }),
    );
    // The app's own origin needs no CORS; duplicates collapse.
    expect(config.allowedOrigins).toEqual([SPA, 'https://app.example.com', 'http://[::1]:8080']);
    expect(config.corsMaxAgeSeconds).toBe(600);
  });

  it('refuses a bad preflight max-age and a cors option that is not an object', () => {
    for (const maxAgeSeconds of [-1, 1.5, 100_000, Number.NaN]) {
      expect(() => resolveConfig(options({ cors: { origins: [SPA], maxAgeSeconds } }))).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    }
    expect(() => resolveConfig(options({ cors: 'http://localhost:5173' as never }))).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => resolveConfig(options({ cors: { origins: SPA as never } }))).toThrow(expect.objectContaining({ code: 'CORS_ORIGIN_INVALID' }));
  });
});

describe('cookies.sameSite at start-up', () => {
  it('refuses SameSite=None without Secure, and Secure turned off on https', () => {
    expect(() => resolveConfig(options({ cookies: { sameSite: 'none', secure: false } }))).toThrow(
      expect.objectContaining({ code: 'COOKIE_SAMESITE_INSECURE', message: expect.stringContaining('Secure') }),
    );
    expect(() => resolveConfig(options({ cookies: { secure: false } }, 'https://api.example.com'))).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
    expect(() => resolveConfig(options({ cookies: { sameSite: 'strict' as never } }))).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID', message: expect.stringContaining('"lax" or "none"') }),
    );
  });

  it("makes cookies Secure (with the __Host- prefix) under sameSite: 'none', even on loopback http", () => {
    const lax = resolveConfig(options());
    expect(lax.cookies).toMatchObject({ secure: false, sameSite: 'Lax', session: 'lk-session' });
    const none = resolveConfig(options({ cookies: { sameSite: 'none' } }));
    expect(none.cookies).toMatchObject({ secure: true, sameSite: 'None', session: '__Host-lk-session' });
  });

  it('warns once at createAuth when an allowed origin is another site and cookies are SameSite=Lax', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      makeAuth('http://127.0.0.1:3000', { issuer: 'http://127.0.0.1:9/never' } as OidcProviderHandle, { cors: { origins: [SPA, 'http://127.0.0.1:5173'] } });
      expect(warn).toHaveBeenCalledTimes(1);
      expect(String(warn.mock.calls[0]![0])).toMatch(
        /^\[latchkey\] cors\.origins: http:\/\/localhost:5173 is another site than http:\/\/127\.0\.0\.1:3000.*sameSite: 'none'/,
      );
      warn.mockClear();
      makeAuth('http://127.0.0.1:3000', { issuer: 'http://127.0.0.1:9/never' } as OidcProviderHandle, {
        cors: { origins: [SPA] },
        cookies: { sameSite: 'none' },
      });
      makeAuth('http://localhost:3000', { issuer: 'http://127.0.0.1:9/never' } as OidcProviderHandle, { cors: { origins: [SPA] } });
      expect(warn).not.toHaveBeenCalled();
    } finally {
      warn.mockRestore();
    }
  });

  it('tells sites apart: scheme and registrable domain, IP addresses and localhost on their own', () => {
    expect(siteOf('https://app.example.com')).toBe('https://example.com');
    expect(siteOf('https://api.shop.example.co.uk:8443')).toBe('https://example.co.uk');
    expect(siteOf('http://localhost:5173')).toBe('http://localhost');
    expect(siteOf('http://127.0.0.1:3000')).toBe('http://127.0.0.1');
    expect(
      crossSiteOrigins('https://api.example.com', ['https://app.example.com', 'http://app.example.com', 'https://example.org', 'https://a.b.example.com']),
    ).toEqual(['http://app.example.com', 'https://example.org']);
    expect(crossSiteOrigins('http://localhost:3000', ['http://localhost:5173', 'http://127.0.0.1:5173', 'http://[::1]:5173'])).toEqual([
      'http://127.0.0.1:5173',
      'http://[::1]:5173',
    ]);
  });
});

describe('returnTo on an allowed app origin', () => {
  const APP = 'http://127.0.0.1:3000';
  it('accepts the exact origin followed by a path that passes every same-origin check', () => {
    expect(safeReturnTo(`${SPA}/after?x=1#top`, APP, [SPA])).toBe(`${SPA}/after?x=1#top`);
    expect(safeReturnTo(SPA, APP, [SPA])).toBe(`${SPA}/`);
    expect(safeReturnTo(`${SPA}/a/./b/../c`, APP, [SPA])).toBe(`${SPA}/a/c`);
    // A fixed point, as for paths.
    expect(safeReturnTo(safeReturnTo(`${SPA}/é`, APP, [SPA]), APP, [SPA])).toBe(`${SPA}/%C3%A9`);
    expect(safeReturnTo('/dashboard', APP, [SPA])).toBe('/dashboard');
  });

  it.each([
    `${EVIL}/`,
    'http://localhost:5173.evil.example/',
    'http://localhost:5173@evil.example/',
    'http://localhost:51730/',
    'http://LOCALHOST:5173/',
    'http:\\\\localhost:5173/',
    'http:/localhost:5173/',
    '//localhost:5173/',
    `${SPA}//evil.example`,
    `${SPA}/..//evil.example`,
    `${SPA}/%2e%2e//evil.example`,
    `${SPA}/%2f%2fevil.example`,
    `${SPA}\\evil.example`,
    `${SPA}/\tx`,
    `${SPA}?x=1`,
    `${SPA}/${'a'.repeat(500)}`,
  ])('refuses %j', (value) => {
    expect(() => safeReturnTo(value, APP, [SPA])).toThrow(expect.objectContaining({ code: 'RETURN_TO_INVALID' }));
  });

  it('refuses every absolute URL when no app origin is listed (as before)', () => {
    expect(() => safeReturnTo(`${SPA}/after`, APP)).toThrow(expect.objectContaining({ code: 'RETURN_TO_INVALID' }));
    expect(() => resolveConfig(options({ logout: { returnTo: `${SPA}/bye` } }))).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(resolveConfig(options({ cors: { origins: [SPA] }, logout: { returnTo: `${SPA}/bye` } })).logoutReturnTo).toBe(`${SPA}/bye`);
  });
});

function nodeApp(getAuth: () => Auth): http.RequestListener {
  return (req, res) => {
    const lk = latchkey(getAuth());
    void lk.handle(req, res).then((handled) => {
      if (!handled) res.writeHead(404).end();
    });
  };
}

describe('the CORS routes, end to end', () => {
  // Same site as the RP (127.0.0.1): no start-up warning.
  const SPA = 'http://127.0.0.1:5173';
  const EVIL = 'http://127.0.0.1:6666';
  let rp: RpServer;
  let op: OidcProviderHandle;
  let auth: Auth;
  // Development: refusals carry the developer's message (production gets the end-user sentence).
  const corsAuth = (): Auth => makeAuth(rp.base, op, { cors: { origins: [SPA], maxAgeSeconds: 120 }, development: true });

  beforeAll(async () => {
    rp = await listen(() => nodeApp(() => auth));
    op = await startOp(rp.base);
    auth = corsAuth();
  });
  afterAll(() => Promise.all([rp.close(), op.close()]));
  afterEach(() => {
    auth = corsAuth();
  });

  const cors = (r: Response) => ({
    status: r.status,
    origin: r.headers.get('access-control-allow-origin'),
    credentials: r.headers.get('access-control-allow-credentials'),
    vary: r.headers.get('vary'),
  });

  it.each([
    ['/auth/session', 'GET'],
    ['/auth/logout', 'POST'],
    ['/auth/token', 'POST'],
  ])('answers the preflight of %s from an allowed origin with credentials, its methods, the CSRF header and a max-age', async (path, method) => {
    const r = await fetch(`${rp.base}${path}`, {
      method: 'OPTIONS',
      headers: { origin: SPA, 'access-control-request-method': method, 'access-control-request-headers': 'x-csrf-token' },
    });
    expect(cors(r)).toEqual({ status: 204, origin: SPA, credentials: 'true', vary: 'Origin' });
    expect(r.headers.get('access-control-allow-methods')).toBe(method);
    expect(r.headers.get('access-control-allow-headers')?.split(', ')).toEqual(expect.arrayContaining(['x-csrf-token', 'content-type']));
    expect(r.headers.get('access-control-max-age')).toBe('120');
  });

  it.each(['/auth/session', '/auth/logout', '/auth/token'])(
    'refuses the preflight of %s from another origin with a readable 403 and no CORS header',
    async (path) => {
      const r = await fetch(`${rp.base}${path}`, {
        method: 'OPTIONS',
        headers: { origin: EVIL, 'access-control-request-method': 'POST', accept: 'application/json' },
      });
      expect(cors(r)).toEqual({ status: 403, origin: null, credentials: null, vary: 'Origin' });
      expect(await r.json()).toMatchObject({ code: 'CORS_ORIGIN_REFUSED', message: expect.stringContaining('cors.origins') });
      expect(r.headers.get('access-control-allow-methods')).toBeNull();
    },
  );

  it('lets an allowed origin read the session, get a token and sign out with the CSRF token; other origins get nothing', async () => {
    const ua = new UserAgent();
    await login(ua, rp.base);
    const cookie = ua.cookieHeader(rp.base);

    // GET /auth/session: readable by the SPA (exact origin, credentials, Vary), not by another origin.
    const mine = await fetch(`${rp.base}/auth/session`, { headers: { origin: SPA, cookie } });
    expect(cors(mine)).toEqual({ status: 200, origin: SPA, credentials: 'true', vary: 'Origin' });
    const { csrfToken } = (await mine.json()) as { csrfToken: string };
    const theirs = await fetch(`${rp.base}/auth/session`, { headers: { origin: EVIL, cookie } });
    expect(cors(theirs)).toEqual({ status: 200, origin: null, credentials: null, vary: 'Origin' });
    const anonymous = await fetch(`${rp.base}/auth/session`, { headers: { origin: SPA } });
    expect(cors(anonymous)).toMatchObject({ status: 401, origin: SPA, credentials: 'true' });

    // POST /auth/token: for the SPA; refused for another origin.
    const token = await fetch(`${rp.base}/auth/token`, { method: 'POST', headers: { origin: SPA, cookie, 'sec-fetch-site': 'same-site' } });
    expect(cors(token)).toMatchObject({ status: 200, origin: SPA, credentials: 'true' });
    const refused = await fetch(`${rp.base}/auth/token`, { method: 'POST', headers: { origin: EVIL, cookie, 'sec-fetch-site': 'same-site' } });
    expect(cors(refused)).toMatchObject({ status: 403, origin: null });
    expect(await refused.json()).toMatchObject({ code: 'CSRF_FAILED' });

    // POST /auth/logout: another origin is refused even with the token; the SPA without it is refused, readably.
    const foreign = await fetch(`${rp.base}/auth/logout`, {
      method: 'POST',
      headers: { origin: EVIL, cookie, 'x-csrf-token': csrfToken, 'sec-fetch-site': 'same-site' },
    });
    expect(cors(foreign)).toMatchObject({ status: 403, origin: null });
    const noToken = await fetch(`${rp.base}/auth/logout`, { method: 'POST', headers: { origin: SPA, cookie, 'sec-fetch-site': 'cross-site' } });
    expect(cors(noToken)).toMatchObject({ status: 403, origin: SPA, credentials: 'true' });
    expect(await noToken.json()).toMatchObject({ code: 'CSRF_FAILED' });
    expect((await sessionOf(ua, rp.base)).status).toBe(200);
    const out = await fetch(`${rp.base}/auth/logout`, {
      method: 'POST',
      headers: { origin: SPA, cookie, 'x-csrf-token': csrfToken, 'sec-fetch-site': 'cross-site', accept: 'application/json' },
    });
    expect(cors(out)).toMatchObject({ status: 200, origin: SPA, credentials: 'true' });
    expect(await out.json()).toEqual({ loggedOut: true, redirectTo: '/' });
    expect(out.headers.getSetCookie().join()).toMatch(/lk-session=;/);
    expect((await fetch(`${rp.base}/auth/session`, { headers: { cookie } })).status).toBe(401);
  });

  it('sends the browser back to an allowed app origin after sign-in and sign-out, and refuses other origins', async () => {
    const ua = new UserAgent();
    const landed = await ua.navigate(`${rp.base}/auth/op/login?returnTo=${encodeURIComponent(`${SPA}/after?tab=2`)}`, {
      autoSubmitForms: true,
      stop: (u) => u.startsWith(SPA),
    });
    expect({ stopped: landed.stopped, url: landed.url }).toEqual({ stopped: true, url: `${SPA}/after?tab=2` });
    const refused = await fetch(`${rp.base}/auth/op/login?returnTo=${encodeURIComponent(`${EVIL}/`)}`, {
      redirect: 'manual',
      headers: { accept: 'application/json' },
    });
    expect(refused.status).toBe(400);
    expect(await refused.json()).toMatchObject({ code: 'RETURN_TO_INVALID' });
    const { csrfToken } = (await sessionOf(ua, rp.base)).body as { csrfToken: string };
    const out = await fetch(`${rp.base}/auth/logout`, {
      method: 'POST',
      headers: { origin: SPA, cookie: ua.cookieHeader(rp.base), 'x-csrf-token': csrfToken, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ returnTo: `${SPA}/bye` }),
    });
    expect(await out.json()).toEqual({ loggedOut: true, redirectTo: `${SPA}/bye` });
  });

  it("sets every cookie SameSite=None; Secure under cookies: { sameSite: 'none' }", async () => {
    auth = makeAuth(rp.base, op, { cors: { origins: [SPA] }, cookies: { sameSite: 'none' } });
    const start = await fetch(`${rp.base}/auth/op/login`, { redirect: 'manual' });
    const tx = start.headers.getSetCookie();
    expect(tx.length).toBeGreaterThan(0);
    for (const c of tx) expect(c).toMatch(/^__Host-lk-tx-.*; Secure; SameSite=None$/);
    const ua = new UserAgent();
    await login(ua, rp.base);
    const cookie = ua.cookieHeader(rp.base);
    expect(cookie).toMatch(/__Host-lk-session=/);
    const s = await fetch(`${rp.base}/auth/session`, { headers: { origin: SPA, cookie } });
    const { csrfToken } = (await s.json()) as { csrfToken: string };
    const out = await fetch(`${rp.base}/auth/logout`, { method: 'POST', headers: { origin: SPA, cookie, 'x-csrf-token': csrfToken } });
    expect(out.status).toBe(200);
    // Deleting the cookie from a cross-site answer needs SameSite=None too.
    expect(out.headers.getSetCookie()).toEqual([expect.stringMatching(/^__Host-lk-session=; Path=\/; Max-Age=0; .*HttpOnly; Secure; SameSite=None$/)]);
  });
});
