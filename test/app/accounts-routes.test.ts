/**
 * Issue 16 part 4, the user's own view: `GET /auth/accounts`, `POST /auth/:provider/unlink`,
 * `GET /auth/sessions` and `POST /auth/sessions/revoke`, through the Node adapter, after real
 * sign-ins at two in-process oidc-provider instances (two issuers, so two linked accounts), with
 * the session store kept in memory, in SQLite (better-sqlite3), and, when their URLs are set, in
 * Redis and PostgreSQL. No answer may carry a token, a session id or a cookie value.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthOptions } from '../../src/app/config.js';
import { type Auth, createAuth } from '../../src/app/create-auth.js';
import { deviceLabel, MAX_DEVICE_LABEL, sessionHandle } from '../../src/app/devices.js';
import { randomToken } from '../../src/internal/encoding.js';
import { MemorySessionStore } from '../../src/storage/memory.js';
import { createRedisSessionStore } from '../../src/storage/redis.js';
import type { SessionStore, UserStore } from '../../src/storage/types.js';
import { openTestSqlStore } from '../storage/sql-support.js';
import { describeWithServices, services } from '../support/env.js';
import type { OidcProviderHandle } from '../support/oidc-provider.js';
import { listen, nodeApp, opProvider, type RpServer, SECRET_A, sessionOf, startOp, UserAgent } from './support.js';

const FIREFOX_LINUX = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0';
const SAFARI_IOS = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const CURL = 'curl/8.5.0';

/** The stores of one run, and how to drop them. */
interface StoreRig {
  readonly users?: UserStore;
  readonly sessions: SessionStore;
  close(): Promise<void>;
}

/** A user agent that sends this `User-Agent` on every request (redirects and form posts included). */
function agent(userAgent: string): UserAgent {
  return new UserAgent({
    fetch: (input, init) => {
      const headers = new Headers(init?.headers);
      headers.set('user-agent', userAgent);
      return fetch(input, { ...init, headers });
    },
  });
}

/** The RP with two providers at two OPs: `op` ("Test OP") and `op-post` ("Second OP"). */
interface Rig {
  readonly rp: RpServer;
  readonly op1: OidcProviderHandle;
  readonly op2: OidcProviderHandle;
  auth: Auth;
  mount(options?: Partial<AuthOptions>): Auth;
  close(): Promise<void>;
}

async function startRig(store: Partial<StoreRig>): Promise<Rig> {
  let listener: http.RequestListener | undefined;
  const rp = await listen(() => listener!);
  const op1 = await startOp(rp.base);
  const op2 = await startOp(rp.base);
  const rig: Rig = {
    rp,
    op1,
    op2,
    auth: undefined as unknown as Auth,
    mount(options: Partial<AuthOptions> = {}) {
      const auth = createAuth({
        baseUrl: rp.base,
        secret: SECRET_A,
        providers: [opProvider(op1.issuer), opProvider(op2.issuer, { id: 'op-post', name: 'Second OP' })],
        store: { ...(store.users ? { users: store.users } : {}), ...(store.sessions ? { sessions: store.sessions } : {}) },
        ...options,
      });
      rig.auth = auth;
      listener = nodeApp(() => rig.auth);
      return auth;
    },
    close: async () => {
      await rp.close();
      await op1.close();
      await op2.close();
    },
  };
  rig.mount();
  return rig;
}

/** Signs `ua` in at provider `providerId` as `accountId` (with `intent=link` to link it to the signed-in user). */
async function signIn(rig: Rig, ua: UserAgent, providerId: 'op' | 'op-post', accountId: string, link = false): Promise<void> {
  (providerId === 'op' ? rig.op1 : rig.op2).knobs.accountId = accountId;
  const base = rig.rp.base;
  const r = await ua.navigate(`${base}/auth/${providerId}/login?returnTo=%2Fhome${link ? '&intent=link' : ''}`, {
    autoSubmitForms: true,
    stop: (u) => u.startsWith(base) && !new URL(u).pathname.startsWith('/auth/'),
  });
  expect(r.url, 'the sign-in lands on the app').toBe(`${base}/home`);
}

interface JsonAnswer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly body: Record<string, unknown>;
}

async function answerOf(r: Response): Promise<JsonAnswer> {
  const text = await r.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON: the status says what happened
  }
  return { status: r.status, headers: r.headers, text, body };
}

async function getJson(rig: Rig, ua: UserAgent, path: string): Promise<JsonAnswer> {
  const url = `${rig.rp.base}${path}`;
  return answerOf(await fetch(url, { headers: { cookie: ua.cookieHeader(url), accept: 'application/json' } }));
}

/** The CSRF token of `ua`'s session, from `GET /auth/session`. */
async function csrfOf(rig: Rig, ua: UserAgent): Promise<string> {
  const s = await sessionOf(ua, rig.rp.base);
  expect(s.status).toBe(200);
  return String(s.body.csrfToken);
}

/** A same-origin form POST of `ua` (with its CSRF token unless `csrf: false`). */
async function post(
  rig: Rig,
  ua: UserAgent,
  path: string,
  fields: Record<string, string>,
  options: { csrf?: boolean; origin?: string; accept?: string } = {},
): Promise<JsonAnswer> {
  const url = `${rig.rp.base}${path}`;
  const body = new URLSearchParams(fields);
  if (options.csrf !== false) body.set('csrfToken', await csrfOf(rig, ua));
  const r = await fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      cookie: ua.cookieHeader(url),
      origin: options.origin ?? rig.rp.base,
      accept: options.accept ?? 'application/json',
      'content-type': 'application/x-www-form-urlencoded',
    },
    body,
  });
  for (const c of r.headers.getSetCookie()) ua.setCookie(c, url);
  return answerOf(r);
}

/** A same-origin JSON POST of `ua`, as a single-page app sends it: the CSRF token in `X-CSRF-Token`. */
async function postJson(rig: Rig, ua: UserAgent, path: string, json: Record<string, unknown>): Promise<JsonAnswer> {
  const url = `${rig.rp.base}${path}`;
  const r = await fetch(url, {
    method: 'POST',
    headers: {
      cookie: ua.cookieHeader(url),
      origin: rig.rp.base,
      'sec-fetch-site': 'same-origin',
      accept: 'application/json',
      'content-type': 'application/json',
      'x-csrf-token': await csrfOf(rig, ua),
    },
    body: JSON.stringify(json),
  });
  return answerOf(r);
}

/** The secrets that must never appear in an answer: the user's provider tokens, session ids and cookie values. */
async function secretsOf(rig: Rig, userId: string, agents: readonly UserAgent[], sessions: SessionStore): Promise<string[]> {
  const out: string[] = [];
  for (const a of await rig.auth.users.listAccounts(userId)) {
    for (const t of [a.tokens?.accessToken, a.tokens?.refreshToken, a.tokens?.idToken]) if (t) out.push(t);
  }
  for (const r of (await sessions.listByUser?.(userId)) ?? []) out.push(r.id);
  for (const ua of agents) {
    for (const pair of ua.cookieHeader(`${rig.rp.base}/auth/session`).split('; ')) {
      const value = pair.slice(pair.indexOf('=') + 1);
      if (value.length >= 16) out.push(value);
    }
  }
  return out;
}

function expectNoSecrets(answer: JsonAnswer, secrets: readonly string[]): void {
  expect(secrets.length).toBeGreaterThan(0);
  for (const s of secrets) expect(answer.text.includes(s), 'no token, session id or cookie value in the answer').toBe(false);
  expect(answer.text).not.toMatch(/accessToken|refreshToken|idToken|"tokens"/);
}

/** The whole user's-view flow against one session store. */
function userViewSuite(name: string, open: () => Promise<StoreRig>): void {
  describe(`the user's accounts and sessions (${name})`, () => {
    let store: StoreRig;
    let rig: Rig;
    beforeAll(async () => {
      store = await open();
      rig = await startRig(store);
    });
    afterAll(async () => {
      await rig?.close();
      await store?.close();
    });

    it('answers 401 JSON when signed out, and 405 with Allow for other methods', async () => {
      const ua = agent(FIREFOX_LINUX);
      for (const path of ['/auth/accounts', '/auth/sessions']) {
        const r = await getJson(rig, ua, path);
        expect(r.status, path).toBe(401);
        expect(r.headers.get('content-type')).toMatch(/^application\/json/);
        expect(r.body.code).toBe('UNAUTHENTICATED');
      }
      for (const path of ['/auth/op/unlink', '/auth/sessions/revoke']) {
        const r = await post(rig, ua, path, { others: '1' }, { csrf: false });
        expect(r.status, path).toBe(401);
        expect(r.body.code).toBe('UNAUTHENTICATED');
      }
      const wrong = await fetch(`${rig.rp.base}/auth/sessions/revoke`);
      expect(wrong.status).toBe(405);
      expect(wrong.headers.get('allow')).toBe('POST');
      const wrong2 = await fetch(`${rig.rp.base}/auth/accounts`, { method: 'POST', headers: { origin: rig.rp.base } });
      expect(wrong2.status).toBe(405);
      expect(wrong2.headers.get('allow')).toBe('GET');
      expect((await fetch(`${rig.rp.base}/auth/op/unlink`)).headers.get('allow')).toBe('POST');
    });

    it('lists both linked accounts; unlink needs the CSRF token and never removes the last way in', async () => {
      const ua = agent(FIREFOX_LINUX);
      const who = `acc-${randomToken(6).toLowerCase()}`;
      await signIn(rig, ua, 'op', who);
      const one = await getJson(rig, ua, '/auth/accounts');
      expect(one.status).toBe(200);
      expect(one.body.canUnlink).toBe(false);
      expect(one.body.accounts).toEqual([
        expect.objectContaining({ provider: 'op', providerName: 'Test OP', issuer: rig.op1.issuer, subject: who, current: true, needsReauth: false }),
      ]);
      const lastAlone = await post(rig, ua, '/auth/op/unlink', {});
      expect(lastAlone.status).toBe(409);
      expect(lastAlone.body.code).toBe('LAST_LOGIN_METHOD');

      await signIn(rig, ua, 'op-post', who, true);
      const two = await getJson(rig, ua, '/auth/accounts');
      expect(two.status).toBe(200);
      expect(two.body.canUnlink).toBe(true);
      const accounts = two.body.accounts as Record<string, unknown>[];
      expect(accounts.map((a) => [a.provider, a.providerName, a.issuer, a.subject])).toEqual([
        ['op', 'Test OP', rig.op1.issuer, who],
        ['op-post', 'Second OP', rig.op2.issuer, who],
      ]);
      for (const a of accounts) {
        expect(Number.isNaN(Date.parse(String(a.linkedAt)))).toBe(false);
        expect(a.scopes).toEqual(expect.arrayContaining(['openid']));
      }
      const userId = ((await sessionOf(ua, rig.rp.base)).body.user as { id: string }).id;
      const secrets = await secretsOf(rig, userId, [ua], store.sessions);
      expect(
        secrets.some((s) => s.length > 100),
        'the accounts hold provider tokens to leak',
      ).toBe(true);
      expectNoSecrets(two, secrets);

      // Without the CSRF token, or from another origin with it: 403, nothing unlinked.
      const noToken = await post(rig, ua, '/auth/op-post/unlink', {}, { csrf: false });
      expect(noToken.status).toBe(403);
      expect(noToken.body.code).toBe('CSRF_FAILED');
      const crossSite = await post(rig, ua, '/auth/op-post/unlink', {}, { origin: 'https://evil.example' });
      expect(crossSite.status).toBe(403);
      const wrongAccount = await postJson(rig, ua, '/auth/op-post/unlink', { accountId: accounts[0]!.id });
      expect(wrongAccount.status, "another provider's account id does not unlink it").toBe(404);
      expect(wrongAccount.body.code).toBe('ACCOUNT_NOT_FOUND');
      expect(crossSite.status).toBe(403);
      expect(crossSite.body.code).toBe('CSRF_FAILED');
      expect(((await getJson(rig, ua, '/auth/accounts')).body.accounts as unknown[]).length).toBe(2);

      // The JSON body with the token in `X-CSRF-Token`, as a single-page app posts it; `accountId` from the list.
      const done = await postJson(rig, ua, '/auth/op-post/unlink', { accountId: accounts[1]!.id });
      expect(done.status).toBe(200);
      expect(done.body.unlinked).toEqual({ id: accounts[1]!.id, provider: 'op-post' });
      expect(done.body.canUnlink).toBe(false);
      expect((done.body.accounts as Record<string, unknown>[]).map((a) => a.provider)).toEqual(['op']);
      expectNoSecrets(done, secrets);
      expect((await rig.auth.users.listAccounts(userId)).map((a) => a.providerId)).toEqual(['op']);

      const again = await post(rig, ua, '/auth/op-post/unlink', {});
      expect(again.status).toBe(404);
      expect(again.body.code).toBe('ACCOUNT_NOT_FOUND');
      const last = await post(rig, ua, '/auth/op/unlink', {});
      expect(last.status).toBe(409);
      expect(last.body.code).toBe('LAST_LOGIN_METHOD');
      expect(String(last.body.message)).not.toBe('');
      expect((await rig.auth.users.listAccounts(userId)).length).toBe(1);
      // Still signed in, with the account that is left.
      expect((await sessionOf(ua, rig.rp.base)).status).toBe(200);
    });

    it('lists the sessions of two user agents with labels; revokes one, then all others', async () => {
      const who = `dev-${randomToken(6).toLowerCase()}`;
      const firefox = agent(FIREFOX_LINUX);
      const safari = agent(SAFARI_IOS);
      const curl = agent(CURL);
      for (const ua of [firefox, safari, curl]) await signIn(rig, ua, 'op', who);
      const stranger = agent(FIREFOX_LINUX);
      await signIn(rig, stranger, 'op', `other-${randomToken(6).toLowerCase()}`);

      const fromFirefox = await getJson(rig, firefox, '/auth/sessions');
      expect(fromFirefox.status).toBe(200);
      const listed = fromFirefox.body.sessions as Record<string, unknown>[];
      expect(listed.map((s) => s.label).sort()).toEqual(['Firefox on Linux', 'Safari on iOS', 'curl/8.5.0']);
      expect(listed.filter((s) => s.current)).toEqual([expect.objectContaining({ label: 'Firefox on Linux', provider: 'op' })]);
      expect(listed[0]!.current, 'the requesting session comes first').toBe(true);
      for (const s of listed) {
        expect(s.handle).toMatch(/^[A-Za-z0-9_-]{22}$/);
        const created = Date.parse(String(s.createdAt));
        expect(Date.parse(String(s.lastSeenAt))).toBeGreaterThanOrEqual(created);
        expect(Date.parse(String(s.expiresAt))).toBeGreaterThan(Date.now());
      }
      const userId = ((await sessionOf(firefox, rig.rp.base)).body.user as { id: string }).id;
      const secrets = await secretsOf(rig, userId, [firefox, safari, curl], store.sessions);
      expectNoSecrets(fromFirefox, secrets);

      const fromSafari = await getJson(rig, safari, '/auth/sessions');
      const safariOwn = (fromSafari.body.sessions as Record<string, unknown>[]).find((s) => s.current)!;
      expect(safariOwn.label).toBe('Safari on iOS');
      const curlHandle = String(listed.find((s) => s.label === 'curl/8.5.0')!.handle);
      const strangerHandle = String(((await getJson(rig, stranger, '/auth/sessions')).body.sessions as Record<string, unknown>[])[0]!.handle);

      // Revoke Safari's session from Firefox: CSRF first.
      const noToken = await post(rig, firefox, '/auth/sessions/revoke', { handle: String(safariOwn.handle) }, { csrf: false });
      expect(noToken.status).toBe(403);
      expect(noToken.body.code).toBe('CSRF_FAILED');
      expect((await sessionOf(safari, rig.rp.base)).status).toBe(200);
      const one = await post(rig, firefox, '/auth/sessions/revoke', { handle: String(safariOwn.handle) });
      expect(one.status).toBe(200);
      expect(one.body).toEqual({ revoked: 1, signedOut: false });
      expect((await sessionOf(safari, rig.rp.base)).status, 'the revoked agent is signed out').toBe(401);
      expect((await sessionOf(firefox, rig.rp.base)).status).toBe(200);

      // A handle that is gone, made up, or another user's: 404, nothing revoked.
      for (const handle of [String(safariOwn.handle), 'A'.repeat(22), strangerHandle]) {
        const r = await post(rig, firefox, '/auth/sessions/revoke', { handle });
        expect(r.status, handle).toBe(404);
        expect(r.body.code).toBe('SESSION_HANDLE_UNKNOWN');
      }
      expect((await sessionOf(stranger, rig.rp.base)).status).toBe(200);
      const neither = await post(rig, firefox, '/auth/sessions/revoke', {});
      expect(neither.status).toBe(400);

      // All others, as a browser's form: 303 back to the page, Firefox kept, curl signed out.
      const others = await post(rig, firefox, '/auth/sessions/revoke', { others: '1', returnTo: '/settings/devices' }, { accept: 'text/html' });
      expect(others.status).toBe(303);
      expect(others.headers.get('location')).toBe('/settings/devices');
      expect((await sessionOf(curl, rig.rp.base)).status).toBe(401);
      expect((await sessionOf(firefox, rig.rp.base)).status).toBe(200);
      expect((await sessionOf(stranger, rig.rp.base)).status, "another user's sessions are untouched").toBe(200);
      const left = await getJson(rig, firefox, '/auth/sessions');
      expect((left.body.sessions as Record<string, unknown>[]).map((s) => [s.label, s.current])).toEqual([['Firefox on Linux', true]]);
      const curlGone = await post(rig, firefox, '/auth/sessions/revoke', { handle: curlHandle });
      expect(curlGone.body.code).toBe('SESSION_HANDLE_UNKNOWN');

      // Its own handle signs the requesting session out, and clears its cookie.
      const own = String((left.body.sessions as Record<string, unknown>[])[0]!.handle);
      const self = await post(rig, firefox, '/auth/sessions/revoke', { handle: own });
      expect(self.body).toEqual({ revoked: 1, signedOut: true });
      expect(self.headers.getSetCookie().some((c) => /Max-Age=0/i.test(c))).toBe(true);
      expect((await sessionOf(firefox, rig.rp.base)).status).toBe(401);
      expect((await getJson(rig, firefox, '/auth/sessions')).status).toBe(401);
    });
  });
}

userViewSuite('memory store', async () => {
  const sessions = new MemorySessionStore();
  return { sessions, close: () => sessions.close() };
});

userViewSuite('SQLite store (better-sqlite3)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-accounts-'));
  const sql = await openTestSqlStore(`sqlite:${join(dir, 'auth.db')}`);
  return {
    users: sql.store.users,
    sessions: sql.store.sessions,
    close: async () => {
      await sql.cleanup();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

describeWithServices(['postgres'], "the user's accounts and sessions on PostgreSQL", () => {
  userViewSuite('PostgreSQL store', async () => {
    const sql = await openTestSqlStore(services.postgres!);
    return { users: sql.store.users, sessions: sql.store.sessions, close: () => sql.cleanup() };
  });
});

describeWithServices(['redis'], "the user's accounts and sessions on Redis", () => {
  userViewSuite('Redis session store', async () => {
    const sessions = createRedisSessionStore({ url: services.redis!, prefix: `lktest:accounts:${randomToken(6)}:` });
    return {
      sessions,
      close: async () => {
        await sessions.clearAll();
        await sessions.close();
      },
    };
  });
});

describe("the user's sessions where they cannot be listed", () => {
  let rig: Rig;
  beforeAll(async () => {
    rig = await startRig({});
  });
  afterAll(async () => {
    await rig?.close();
  });

  it('sealed cookie sessions answer SESSIONS_UNSUPPORTED; accounts still list', async () => {
    rig.mount({ session: { strategy: 'cookie' } });
    const ua = agent(FIREFOX_LINUX);
    await signIn(rig, ua, 'op', `cookie-${randomToken(6).toLowerCase()}`);
    const list = await getJson(rig, ua, '/auth/sessions');
    expect(list.status).toBe(404);
    expect(list.body.code).toBe('SESSIONS_UNSUPPORTED');
    const revoke = await post(rig, ua, '/auth/sessions/revoke', { others: '1' });
    expect(revoke.status).toBe(404);
    expect(revoke.body.code).toBe('SESSIONS_UNSUPPORTED');
    const accounts = await getJson(rig, ua, '/auth/accounts');
    expect(accounts.status).toBe(200);
    expect((accounts.body.accounts as unknown[]).length).toBe(1);
    expect((await sessionOf(ua, rig.rp.base)).status).toBe(200);
  });

  it('stay same-origin under cors.origins: no CORS headers, no preflight, and a listed origin cannot post', async () => {
    const spa = 'http://localhost:5173';
    rig.mount({ cors: { origins: [spa] } });
    const ua = agent(FIREFOX_LINUX);
    await signIn(rig, ua, 'op', `cors-${randomToken(6).toLowerCase()}`);
    const url = `${rig.rp.base}/auth/sessions`;
    const read = await fetch(url, { headers: { cookie: ua.cookieHeader(url), origin: spa, accept: 'application/json' } });
    expect(read.status).toBe(200);
    expect(read.headers.get('access-control-allow-origin')).toBeNull();
    await read.body?.cancel();
    const preflight = await fetch(`${rig.rp.base}/auth/sessions/revoke`, {
      method: 'OPTIONS',
      headers: { origin: spa, 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(405);
    await preflight.body?.cancel();
    for (const path of ['/auth/sessions/revoke', '/auth/op/unlink']) {
      const r = await post(rig, ua, path, { others: '1' }, { origin: spa });
      expect(r.status, path).toBe(403);
      expect(r.body.code).toBe('CSRF_FAILED');
      expect(r.headers.get('access-control-allow-origin')).toBeNull();
    }
    // The session route itself still answers the listed origin with CORS.
    const session = await fetch(`${rig.rp.base}/auth/session`, { headers: { cookie: ua.cookieHeader(url), origin: spa } });
    expect(session.headers.get('access-control-allow-origin')).toBe(spa);
    await session.body?.cancel();
    expect((await sessionOf(ua, rig.rp.base)).status).toBe(200);
  });

  it('a custom session store without listByUser answers SESSIONS_UNSUPPORTED', async () => {
    const inner = new MemorySessionStore();
    const rest: SessionStore = {
      create: (r) => inner.create(r),
      get: (id) => inner.get(id),
      touch: (id, at) => inner.touch(id, at),
      delete: (id) => inner.delete(id),
      deleteByUser: (u) => inner.deleteByUser(u),
      deleteBySid: (i, sid) => inner.deleteBySid(i, sid),
      deleteBySubject: (i, sub) => inner.deleteBySubject(i, sub),
    };
    rig.mount({ store: { sessions: rest } });
    const ua = agent(SAFARI_IOS);
    await signIn(rig, ua, 'op', `custom-${randomToken(6).toLowerCase()}`);
    const list = await getJson(rig, ua, '/auth/sessions');
    expect(list.status).toBe(404);
    expect(list.body.code).toBe('SESSIONS_UNSUPPORTED');
    expect((await sessionOf(ua, rig.rp.base)).status).toBe(200);
  });
});

describe('device labels and session handles', () => {
  it('names the browser and the system of common user agents, and bounds anything else', () => {
    const cases: [string | null, string | undefined][] = [
      [FIREFOX_LINUX, 'Firefox on Linux'],
      [SAFARI_IOS, 'Safari on iOS'],
      ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0', 'Edge on Windows'],
      ['Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36', 'Chrome on Android'],
      ['Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15', 'Safari on macOS'],
      ['Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36', 'Chrome on ChromeOS'],
      [CURL, 'curl/8.5.0'],
      ['', undefined],
      [null, undefined],
    ];
    for (const [ua, label] of cases) expect(deviceLabel(ua), String(ua)).toBe(label);
    const long = deviceLabel(`${'x'.repeat(5000)} rest`);
    expect(long).toHaveLength(MAX_DEVICE_LABEL);
    expect(deviceLabel('\u0000\u0007bad\u001b[31m/1')).toBe('bad[31m/1');
  });

  it('gives each session id a stable 22-character handle that is not the id', async () => {
    const a = await sessionHandle('session-id-a');
    expect(a).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(await sessionHandle('session-id-a')).toBe(a);
    expect(await sessionHandle('session-id-b')).not.toBe(a);
    expect(a).not.toContain('session-id');
  });
});
