/**
 * Issue 16 part 4, audit events: `hooks.onEvent` receives sign-in (first login, later login, a
 * link), link, unlink, sessions-revoked, sign-out, back-channel logout and refresh failure, each
 * after real flows at an in-process oidc-provider through the Node adapter, with the user, the
 * provider, the time, the client address, the origin and a bounded `User-Agent`, and never a token,
 * a code, a cookie value or a secret. A throwing, rejecting or never-settling hook changes no answer.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AuthOptions } from '../../src/app/config.js';
import type { Auth } from '../../src/app/create-auth.js';
import { type AuthEvent, boundedUserAgent, MAX_EVENT_USER_AGENT } from '../../src/app/events.js';
import { webShape } from '../../src/app/http-shapes.js';
import { clientAddress } from '../../src/app/request-origin.js';
import type { OidcProviderHandle } from '../support/oidc-provider.js';
import { CLIENT_SECRET, listen, login, logout, makeAuth, nodeApp, type RpServer, SECRET_A, sessionOf, startOp, UserAgent } from './support.js';

const LONG_UA = `Mozilla/5.0 (X11; Linux x86_64) Gecko/20100101 Firefox/133.0\t${'x'.repeat(600)}\t`;

/** A user agent sending `LONG_UA` that remembers every URL it requested (authorization codes included). */
function recordingAgent(urls: string[]): UserAgent {
  return new UserAgent({
    fetch: (input, init) => {
      urls.push(String(input instanceof Request ? input.url : input));
      const headers = new Headers(init?.headers);
      headers.set('user-agent', LONG_UA);
      return fetch(input, { ...init, headers });
    },
  });
}

async function until<T>(probe: () => T | undefined, ms = 5000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function postForm(rp: RpServer, ua: UserAgent, path: string, fields: Record<string, string>): Promise<Response> {
  const csrf = String((await sessionOf(ua, rp.base)).body.csrfToken);
  const url = `${rp.base}${path}`;
  return fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      cookie: ua.cookieHeader(url),
      origin: rp.base,
      accept: 'application/json',
      'content-type': 'application/x-www-form-urlencoded',
      'user-agent': LONG_UA,
    },
    body: new URLSearchParams({ ...fields, csrfToken: csrf }),
  });
}

describe('audit events (hooks.onEvent)', () => {
  let rp: RpServer;
  let op: OidcProviderHandle;
  let auth: Auth;
  const events: AuthEvent[] = [];
  const errors: { error: unknown; route: string; request: unknown }[] = [];
  const mount = (options: Partial<AuthOptions> = {}): void => {
    auth = makeAuth(rp.base, op, {
      hooks: { onEvent: (e) => void events.push(e), onError: (error, c) => void errors.push({ error, route: c.route, request: c.request }) },
      tokens: { leewaySeconds: 7200 },
      logger: () => {},
      ...options,
    });
  };

  beforeAll(async () => {
    rp = await listen(() => nodeApp(() => auth));
    op = await startOp(rp.base);
    mount();
  });
  afterAll(async () => {
    await rp?.close();
    await op?.close();
  });
  beforeEach(() => {
    events.length = 0;
    errors.length = 0;
    op.knobs.accountId = 'alice';
  });

  const ofType = <T extends AuthEvent['type']>(type: T): Extract<AuthEvent, { type: T }>[] =>
    events.filter((e): e is Extract<AuthEvent, { type: T }> => e.type === type);

  it('emits every event type with who, what, when and where, and never a token, code, cookie or secret', async () => {
    const urls: string[] = [];
    const ua = recordingAgent(urls);
    const before = Date.now();
    op.knobs.accountId = `alice-${Math.random().toString(36).slice(2)}`;
    expect((await login(ua, rp.base)).stopped).toBe(true);
    const [first] = await until(() => (ofType('sign-in').length ? ofType('sign-in') : undefined));
    const userId = ((await sessionOf(ua, rp.base)).body.user as { id: string }).id;
    expect(first).toMatchObject({ type: 'sign-in', userId, providerId: 'op', firstLogin: true, linked: false, ip: '127.0.0.1', origin: rp.base });
    expect(first!.at).toBeGreaterThanOrEqual(before);
    expect(first!.at).toBeLessThanOrEqual(Date.now());
    expect(first!.referenceId).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    expect(first!.userAgent).toHaveLength(MAX_EVENT_USER_AGENT);
    expect(first!.userAgent!.startsWith('Mozilla/5.0')).toBe(true);
    expect(first!.accountId).toBe((await auth.users.listAccounts(userId))[0]!.id);

    // The same identity again: not a first login.
    expect((await login(ua, rp.base)).stopped).toBe(true);
    await until(() => (ofType('sign-in').length === 2 ? true : undefined));
    expect(ofType('sign-in')[1]).toMatchObject({ userId, firstLogin: false, linked: false });

    // A second identity linked to this user: sign-in (linked) and link. The provider session ends first, so it asks who.
    for (const c of ua.cookies(op.issuer).filter((c) => c.startsWith('_'))) ua.setCookie(`${c.slice(0, c.indexOf('='))}=; Max-Age=0; Path=/`, op.issuer);
    op.knobs.accountId = `bob-${Math.random().toString(36).slice(2)}`;
    const linked = await ua.navigate(`${rp.base}/auth/op-post/login?returnTo=%2Fhome&intent=link`, {
      autoSubmitForms: true,
      stop: (u) => u.startsWith(rp.base) && !new URL(u).pathname.startsWith('/auth/'),
    });
    expect(linked.url, `${linked.status} ${linked.html?.slice(0, 600)}`).toBe(`${rp.base}/home`);
    const [link] = await until(() => (ofType('link').length ? ofType('link') : undefined));
    expect(ofType('sign-in')[2]).toMatchObject({ userId, providerId: 'op-post', firstLogin: false, linked: true });
    const accounts = await auth.users.listAccounts(userId);
    const linkedAccount = accounts.find((a) => a.providerId === 'op-post')!;
    expect(link).toMatchObject({ type: 'link', userId, providerId: 'op-post', accountId: linkedAccount.id, ip: '127.0.0.1' });

    // A second device, then "sign out every other device" from the first.
    const other = new UserAgent();
    op.knobs.accountId = accounts.find((a) => a.providerId === 'op')!.subject;
    expect((await login(other, rp.base)).stopped).toBe(true);
    const revoked = await postForm(rp, ua, '/auth/sessions/revoke', { others: '1' });
    expect(revoked.status).toBe(200);
    const [rev] = await until(() => (ofType('sessions-revoked').length ? ofType('sessions-revoked') : undefined));
    expect(rev).toMatchObject({ userId, providerId: 'op-post', sessions: 1, scope: 'others', signedOut: false, ip: '127.0.0.1' });

    // Unlink the linked identity.
    const unlinked = await postForm(rp, ua, '/auth/op-post/unlink', {});
    expect(unlinked.status).toBe(200);
    const [unlink] = await until(() => (ofType('unlink').length ? ofType('unlink') : undefined));
    expect(unlink).toMatchObject({ type: 'unlink', userId, providerId: 'op-post', accountId: linkedAccount.id, origin: rp.base });

    // A refresh the provider refuses (a refresh token it never issued): refresh-failure, once.
    const [account] = await auth.users.listAccounts(userId);
    const secrets = [account!.tokens?.accessToken, account!.tokens?.refreshToken, account!.tokens?.idToken].filter((t): t is string => !!t);
    await auth.users.updateAccountTokens(account!.id, { tokens: { ...account!.tokens!, refreshToken: 'refresh-token-the-op-never-issued-0123456789' } });
    secrets.push('refresh-token-the-op-never-issued-0123456789');
    const failures = await Promise.all([auth.tokens.get(userId, 'op').catch((e: unknown) => e), auth.tokens.get(userId, 'op').catch((e: unknown) => e)]);
    expect(failures.map((f) => (f as { code?: string }).code)).toEqual(['REAUTH_REQUIRED', 'REAUTH_REQUIRED']);
    const [rf] = await until(() => (ofType('refresh-failure').length ? ofType('refresh-failure') : undefined));
    expect(rf).toMatchObject({ type: 'refresh-failure', userId, providerId: 'op', accountId: account!.id, code: 'REAUTH_REQUIRED', reauthRequired: true });
    expect(rf!.ip).toBeUndefined();
    expect(ofType('refresh-failure')).toHaveLength(1);

    // Sign out.
    for (const pair of ua.cookieHeader(`${rp.base}/auth/session`).split('; ')) secrets.push(pair.slice(pair.indexOf('=') + 1));
    await logout(ua, rp.base);
    const [out] = await until(() => (ofType('sign-out').length ? ofType('sign-out') : undefined));
    expect(out).toMatchObject({ type: 'sign-out', userId, providerId: 'op-post', federated: false, ip: '127.0.0.1' });

    // What must never be in an event: tokens, authorization codes, cookies, secrets.
    const codes = urls.map((u) => new URL(u).searchParams.get('code')).filter((c): c is string => !!c);
    expect(codes.length).toBeGreaterThan(0);
    const serialised = JSON.stringify(events);
    for (const s of [...secrets, ...codes, CLIENT_SECRET, SECRET_A].filter((s) => s.length >= 16)) expect(serialised.includes(s)).toBe(false);
    expect(serialised).not.toMatch(/accessToken|refreshToken|idToken|"code":"(?!REAUTH)|cookie|secret|"sid"/i);
    expect(errors.filter((e) => e.route === 'event-hook')).toEqual([]);
  });

  it('emits back-channel-logout when the provider ends the session', async () => {
    const ua = new UserAgent();
    expect((await login(ua, rp.base)).stopped).toBe(true);
    const userId = ((await sessionOf(ua, rp.base)).body.user as { id: string }).id;
    await ua.navigate(`${op.issuer}/session/end?client_id=rp`, { autoSubmitForms: true });
    const [bc] = await until(() => (ofType('back-channel-logout').length ? ofType('back-channel-logout') : undefined));
    expect(op.backchannelErrors).toEqual([]);
    expect(bc).toMatchObject({ type: 'back-channel-logout', providerId: 'op', userId, sessions: 1, by: 'sid' });
    expect(typeof bc!.at).toBe('number');
    expect(JSON.stringify(bc)).not.toMatch(/logout_token|"sid":/);
  });

  it('a throwing, rejecting or never-settling hook changes no answer; its failure is reported without the request', async () => {
    const hooks = [
      () => {
        throw new Error('hook threw');
      },
      () => Promise.reject(new Error('hook rejected')),
      () => new Promise<void>(() => {}),
    ];
    for (const [i, onEvent] of hooks.entries()) {
      errors.length = 0;
      let called = 0;
      auth = makeAuth(rp.base, op, {
        hooks: {
          onEvent: () => {
            called++;
            return onEvent();
          },
          onError: (error, c) => void errors.push({ error, route: c.route, request: c.request }),
        },
        logger: () => {},
      });
      const ua = new UserAgent();
      const landed = await login(ua, rp.base);
      expect(landed.url).toBe(`${rp.base}/dashboard`);
      expect((await sessionOf(ua, rp.base)).status).toBe(200);
      const r = await logout(ua, rp.base);
      expect(r.url).toBe(`${rp.base}/`);
      await until(() => (called >= 2 ? true : undefined));
      if (i < 2) {
        const reported = await until(() => (errors.length >= 2 ? errors : undefined));
        expect(reported.map((e) => e.route)).toEqual(['event-hook', 'event-hook']);
        expect(reported.map((e) => (e.error as Error).message)).toEqual(i === 0 ? ['hook threw', 'hook threw'] : ['hook rejected', 'hook rejected']);
        expect(reported.every((e) => e.request === undefined)).toBe(true);
      } else {
        expect(errors).toEqual([]);
      }
    }
    mount();
  });
});

describe('client address and User-Agent of an event', () => {
  const shape = (headers: Record<string, string>, remoteAddress?: string) => ({
    ...webShape(new Request('https://app.example/auth/op/login', { headers })),
    ...(remoteAddress !== undefined ? { remoteAddress } : {}),
  });

  it('is the peer without trustProxy, and the last forwarded hop with it', () => {
    const spoofed = { 'x-forwarded-for': '203.0.113.9' };
    expect(clientAddress(shape(spoofed, '::ffff:10.0.0.2'), false)).toBe('10.0.0.2');
    expect(clientAddress(shape(spoofed), false)).toBeUndefined();
    expect(clientAddress(shape({ 'x-forwarded-for': '198.51.100.7, 203.0.113.9' }, '10.0.0.2'), true)).toBe('203.0.113.9');
    expect(clientAddress(shape({ forwarded: 'for=198.51.100.7, for="[2001:DB8::1]:4711";proto=https' }, '10.0.0.2'), true)).toBe('2001:db8::1');
    expect(clientAddress(shape({ forwarded: 'for=unknown' }, '10.0.0.2'), true)).toBe('10.0.0.2');
    expect(clientAddress(shape({ 'x-forwarded-for': '192.0.2.1:8080' }), true)).toBe('192.0.2.1');
  });

  it('keeps a bounded User-Agent without control characters', () => {
    expect(boundedUserAgent(null)).toBeUndefined();
    expect(boundedUserAgent('  \u0001 ')).toBeUndefined();
    expect(boundedUserAgent('a\r\nb')).toBe('ab');
    expect(boundedUserAgent('y'.repeat(1000))).toHaveLength(MAX_EVENT_USER_AGENT);
  });
});
