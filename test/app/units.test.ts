/**
 * Unit tests of the app layer's building blocks: cookies, returnTo, sealing and rotation, forwarded
 * headers, guard decisions, the session cache and configuration errors.
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/app/config.js';
import { cookieNames, readCookie, readCookiesWithPrefix, serializeCookie } from '../../src/app/cookies.js';
import { createAuth } from '../../src/app/create-auth.js';
import { isApiRequest, unauthenticatedResponse } from '../../src/app/guards.js';
import { externalOrigin, isSameOrigin } from '../../src/app/request-origin.js';
import { errorResponse } from '../../src/app/responses.js';
import { returnToOr, safeReturnTo } from '../../src/app/return-to.js';
import { Keyring } from '../../src/app/seal.js';
import { CookieSessionStrategy } from '../../src/app/sessions/cookie.js';
import { SessionManager } from '../../src/app/sessions/manager.js';
import { ServerSessionStrategy } from '../../src/app/sessions/server.js';
import type { NewSession } from '../../src/app/sessions/types.js';
import { ConfigurationError, isLatchkeyError, SessionError } from '../../src/errors.js';
import { MemorySessionStore } from '../../src/storage/memory.js';
import { opProvider, SECRET_A, SECRET_B } from './support.js';

const ORIGIN = 'https://app.example';

describe('cookies', () => {
  it('reads exactly the named cookie, not one whose name ends with it', () => {
    expect(readCookie('xlk-session=bad; lk-session=good', 'lk-session')).toBe('good');
    expect(readCookie('a=1;lk-session=v2', 'lk-session')).toBe('v2');
    expect(readCookie('lk-session-other=1', 'lk-session')).toBeUndefined();
    expect(readCookie('lk-session=', 'lk-session')).toBeUndefined();
    expect(readCookie(undefined, 'lk-session')).toBeUndefined();
    expect(readCookiesWithPrefix('a=1; lk-tx-1=x; lk-tx-2=y', 'lk-tx-')).toEqual([
      { name: 'lk-tx-1', value: 'x' },
      { name: 'lk-tx-2', value: 'y' },
    ]);
  });

  it('uses __Host- names and Secure on https, plain names on loopback http', () => {
    expect(cookieNames(true).session).toBe('__Host-lk-session');
    expect(cookieNames(false).session).toBe('lk-session');
    const c = serializeCookie('__Host-lk-session', 'v', { secure: true, maxAgeSeconds: 60 });
    expect(c).toBe('__Host-lk-session=v; Path=/; Max-Age=60; HttpOnly; Secure; SameSite=Lax');
  });
});

describe('returnTo', () => {
  it('accepts same-origin paths only', () => {
    expect(safeReturnTo('/a/b?c=1#d', ORIGIN)).toBe('/a/b?c=1#d');
    expect(safeReturnTo('/../x', ORIGIN)).toBe('/x');
    for (const bad of ['https://evil.example', '//evil.example', '/\\evil.example', '\\\\evil', 'javascript:alert(1)', '/a\nb', '/a b', '', 'x'.repeat(3000)]) {
      expect(() => safeReturnTo(bad, ORIGIN), bad).toThrow(SessionError);
    }
    expect(returnToOr('https://evil.example', ORIGIN)).toBe('/');
  });
});

describe('sealing', () => {
  it('opens with any configured secret, binds the purpose, rejects tampering', async () => {
    const a = await Keyring.create([SECRET_A]);
    const ba = await Keyring.create([SECRET_B, SECRET_A]);
    const b = await Keyring.create([SECRET_B]);
    const sealed = await a.seal('session', { x: 1 });
    expect(await ba.open('session', sealed)).toEqual({ x: 1 });
    expect(await b.open('session', sealed)).toBeUndefined();
    expect(await a.open('transaction', sealed)).toBeUndefined();
    const tampered = `${sealed.slice(0, -3)}${sealed.at(-3) === 'A' ? 'B' : 'A'}${sealed.slice(-2)}`;
    expect(await a.open('session', tampered)).toBeUndefined();
    expect(await a.open('session', 'not.a.seal')).toBeUndefined();
    expect(await a.open('session', '...')).toBeUndefined();
  });

  it('signs and verifies access tokens across rotation, with issuer and audience checked', async () => {
    const a = await Keyring.create([SECRET_A]);
    const ba = await Keyring.create([SECRET_B, SECRET_A]);
    const t = await a.signAccessToken({ sub: 'u1', sid: 's1' }, { issuer: ORIGIN, audience: `${ORIGIN}/auth`, expiresInSeconds: 60 });
    expect((await ba.verifyAccessToken(t, { issuer: ORIGIN, audience: `${ORIGIN}/auth` }))?.sub).toBe('u1');
    expect(await ba.verifyAccessToken(t, { issuer: ORIGIN, audience: 'other' })).toBeUndefined();
    expect(await (await Keyring.create([SECRET_B])).verifyAccessToken(t, { issuer: ORIGIN, audience: `${ORIGIN}/auth` })).toBeUndefined();
  });
});

describe('forwarded headers', () => {
  const req = (headers: Record<string, string>): Request => new Request('http://10.0.0.5:3000/auth/x/login', { headers });
  it('ignores them unless trusted', () => {
    expect(externalOrigin(req({ 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' }), false, ORIGIN)).toBe(ORIGIN);
    expect(externalOrigin(req({ 'x-forwarded-host': 'app.example', 'x-forwarded-proto': 'https' }), true, ORIGIN)).toBe(ORIGIN);
    expect(externalOrigin(req({ forwarded: 'for=1.2.3.4;proto=https;host="app.example", for=10.0.0.1' }), true, ORIGIN)).toBe(ORIGIN);
    expect(externalOrigin(req({ 'x-forwarded-host': 'a.example, b.example', 'x-forwarded-proto': 'https' }), true, ORIGIN)).toBe('https://a.example');
    expect(externalOrigin(req({ 'x-forwarded-host': 'bad host/../', 'x-forwarded-proto': 'https' }), true, ORIGIN)).toBe('https://10.0.0.5:3000');
  });
  it('tells same-origin requests from cross-site ones', () => {
    expect(isSameOrigin(req({ origin: ORIGIN }), ORIGIN)).toBe(true);
    expect(isSameOrigin(req({ origin: 'https://evil.example' }), ORIGIN)).toBe(false);
    expect(isSameOrigin(req({ 'sec-fetch-site': 'cross-site' }), ORIGIN)).toBe(false);
    expect(isSameOrigin(req({}), ORIGIN)).toBe(true);
    // Origin: null (a form on a no-referrer page) needs Fetch Metadata to vouch for it.
    expect(isSameOrigin(req({ origin: 'null', 'sec-fetch-site': 'same-origin' }), ORIGIN)).toBe(true);
    expect(isSameOrigin(req({ origin: 'null', 'sec-fetch-site': 'cross-site' }), ORIGIN)).toBe(false);
    expect(isSameOrigin(req({ origin: 'null' }), ORIGIN)).toBe(false);
  });
});

describe('guards and error rendering', () => {
  it('classifies API calls and browser navigations', () => {
    expect(isApiRequest({ pathAndQuery: '/', accept: 'text/html,application/xhtml+xml' })).toBe(false);
    expect(isApiRequest({ pathAndQuery: '/', accept: 'application/json' })).toBe(true);
    expect(isApiRequest({ pathAndQuery: '/', accept: 'text/html', authorization: 'Bearer x' })).toBe(true);
    expect(isApiRequest({ pathAndQuery: '/', accept: 'text/html', xRequestedWith: 'XMLHttpRequest' })).toBe(true);
    expect(isApiRequest({ pathAndQuery: '/', accept: 'text/html', secFetchMode: 'cors' })).toBe(true);
    const r = unauthenticatedResponse({ pathAndQuery: '//evil.example/x', accept: 'text/html' }, '/auth/g/login', ORIGIN, 'app');
    expect(r.headers.location).toBe('/auth/g/login?returnTo=%2F');
  });
  it('renders HTML for browsers and JSON for clients, without internals for unexpected errors', async () => {
    const json = errorResponse(new SessionError('CSRF_FAILED'), 'application/json');
    expect(json.status).toBe(403);
    expect(await json.json()).toEqual({ error: 'csrf_failed', code: 'CSRF_FAILED', message: expect.any(String) });
    const html = errorResponse(new SessionError('TRANSACTION_MISSING'), 'text/html');
    expect(html.headers.get('content-type')).toMatch(/text\/html/);
    expect(await html.text()).toContain('TRANSACTION_MISSING');
    const internal = errorResponse(new TypeError('secret-value-xyz'), 'text/html');
    expect(internal.status).toBe(500);
    expect(await internal.text()).not.toContain('secret-value-xyz');
  });
});

describe('session cache', () => {
  const input: NewSession = {
    user: { id: 'u1', email: 'a@example.test', emailVerified: true, name: null, image: null },
    providerId: 'op',
    issuer: 'https://op.example',
    subject: 's1',
    sid: 'op-sid',
    data: {},
  };

  it('answers synchronously on a hit and checks expiry on every hit (cookie strategy)', async () => {
    let now = 1_000_000;
    const keyring = Keyring.create([SECRET_A]);
    const strategy = new CookieSessionStrategy({ keyring: () => keyring, cookieName: 'lk-session', idleTimeoutMs: 60_000, absoluteTimeoutMs: 600_000 });
    const m = new SessionManager(strategy, {
      cookieName: 'lk-session',
      secure: false,
      maxEntries: 2,
      revalidateMs: Number.POSITIVE_INFINITY,
      absoluteTimeoutMs: 600_000,
      idleTimeoutMs: 60_000,
      backgroundTouch: false,
      clock: () => now,
    });
    const { cookieValue } = await m.create(input);
    const hit = m.lookup(`lk-session=${cookieValue}`);
    expect(hit).not.toBeInstanceOf(Promise);
    expect((hit as { user: { id: string } }).user.id).toBe('u1');
    // Same prefix, other tail: never a hit.
    expect(m.peek(`${cookieValue.slice(0, -4)}AAAA`)).toBeUndefined();
    now += 61_000;
    expect(await m.lookup(`lk-session=${cookieValue}`)).toBeNull();
    // Bounded.
    for (let i = 0; i < 5; i++) await m.create(input);
    expect(m.cacheSize).toBeLessThanOrEqual(2);
  });

  it('sees revocations from the store at once and re-checks after the revalidation interval (server strategy)', async () => {
    let now = Date.now();
    const store = new MemorySessionStore();
    const strategy = new ServerSessionStrategy({ store, idleTimeoutMs: 60_000, absoluteTimeoutMs: 600_000 });
    const m = new SessionManager(strategy, {
      cookieName: 'lk-session',
      secure: false,
      maxEntries: 100,
      revalidateMs: 5_000,
      absoluteTimeoutMs: 600_000,
      idleTimeoutMs: 60_000,
      backgroundTouch: true,
      clock: () => now,
    });
    const a = await m.create(input);
    const b = await m.create({ ...input, sid: 'other' });
    await new Promise((r) => setTimeout(r, 0));
    expect(m.peek(a.cookieValue)).not.toBeUndefined();
    // Another process deletes session A in the shared store: the push purges the cache.
    await store.deleteBySid('https://op.example', 'op-sid');
    expect(m.peek(a.cookieValue)).toBeUndefined();
    expect(await m.resolve(a.cookieValue)).toBeNull();
    // Without a push, the revalidation interval bounds staleness.
    expect(m.peek(b.cookieValue)).not.toBeUndefined();
    now += 5_001;
    expect(m.peek(b.cookieValue)).toBeUndefined();
    expect(await m.resolve(b.cookieValue)).not.toBeNull();
    expect(m.peek('x'.repeat(43))).toBeUndefined();
    expect(await m.resolve('x'.repeat(43))).toBeNull();
  });
});

describe('configuration errors', () => {
  const base = { baseUrl: 'https://app.example', secret: SECRET_A, providers: [opProvider('https://op.example')] };
  const message = (f: () => unknown): string => {
    try {
      f();
    } catch (e) {
      expect(e).toBeInstanceOf(ConfigurationError);
      expect(isLatchkeyError(e, 'CONFIG_INVALID')).toBe(true);
      return (e as Error).message;
    }
    throw new Error('expected a ConfigurationError');
  };
  it('says what to change', () => {
    expect(message(() => createAuth({ ...base, secret: 'short' }))).toMatch(/32 characters/);
    expect(message(() => createAuth({ ...base, secret: undefined }))).toMatch(/Set `secret`/);
    expect(message(() => createAuth({ ...base, baseUrl: 'http://app.example' }))).toMatch(/must use https/);
    expect(message(() => createAuth({ ...base, baseUrl: 'app.example' }))).toMatch(/absolute URL/);
    expect(message(() => createAuth({ ...base, providers: [] }))).toMatch(/providers/);
    expect(message(() => createAuth({ ...base, providers: [opProvider('https://op.example', { clientId: '' })] }))).toContain(
      'https://app.example/auth/op/callback',
    );
    expect(message(() => createAuth({ ...base, providers: [opProvider('x'), opProvider('y')] }))).toMatch(/Two providers/);
    expect(message(() => createAuth({ ...base, providers: [opProvider('x', { id: 'Bad Id' })] }))).toMatch(/lower-case/);
    expect(message(() => createAuth({ ...base, session: { idleTimeoutSeconds: 100, absoluteTimeoutSeconds: 10 } }))).toMatch(/idleTimeout/);
  });
  it('exposes the redirect URIs to register, and never mutates the options', () => {
    const options = Object.freeze({ ...base, basePath: '/api/auth' });
    const c = resolveConfig(options);
    expect(c.redirectUris.op).toBe('https://app.example/api/auth/op/callback');
    expect(c.cookies.session).toBe('__Host-lk-session');
    expect(Object.isFrozen(c)).toBe(true);
  });
});
