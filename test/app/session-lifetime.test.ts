/**
 * Session lifetime on guarded requests, through every adapter with its real framework, against
 * oidc-provider and a real SQLite session store with a controllable clock:
 * - idle expiry slides on any authenticated use (cookie on a guard, Bearer), with at most one store
 *   write per session per minute; a user who stops is logged out at the idle timeout;
 * - a stale session cookie does not hide a valid Bearer token;
 * - the Bearer and session caches hold more than one value (keyed by the signature, not the
 *   JWT header every token shares).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { getRequestListener } from '@hono/node-server';
import express from 'express';
import express4 from 'express4';
import Fastify from 'fastify';
import { Hono } from 'hono';
import { NextRequest } from 'next/server.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latchkey as expressLatchkey } from '../../src/adapters/express.js';
import { latchkey as fastifyLatchkey } from '../../src/adapters/fastify.js';
import { latchkey as honoLatchkey, type LatchkeyEnv } from '../../src/adapters/hono.js';
import { sendWebResponse } from '../../src/adapters/internal/node-http.js';
import { latchkey as nodeLatchkey } from '../../src/adapters/node.js';
import type { AuthOptions } from '../../src/app/config.js';
import type { Auth } from '../../src/app/create-auth.js';
import { cacheKey, SessionManager } from '../../src/app/sessions/manager.js';
import { ServerSessionStrategy, sessionStoreKey } from '../../src/app/sessions/server.js';
import { StorageError } from '../../src/errors.js';
import { MemorySessionStore } from '../../src/storage/memory.js';
import { createSqlStore, type SqlStore } from '../../src/storage/sql/index.js';
import type { SessionStore } from '../../src/storage/types.js';
import type { OidcProviderHandle } from '../support/oidc-provider.js';
import { listen, login, logout, makeAuth, type RpServer, SECRET_A, startOp, UserAgent } from './support.js';

type Factory = (getAuth: () => Auth) => Promise<{ listener: http.RequestListener; close?: () => Promise<void> }>;

/** The auth routes and a guarded `GET /me`, mounted as each framework's docs show. */
const adapters: Record<string, Factory> = {
  async 'node:http'(getAuth) {
    return {
      listener: (req, res) => {
        const lk = nodeLatchkey(getAuth());
        void (async () => {
          if (await lk.handle(req, res)) return;
          const user = await lk.requireUser(req, res);
          if (user) res.end(JSON.stringify({ user }));
        })();
      },
    };
  },
  async 'express 5'(getAuth) {
    const app = express();
    app.use((req, res, next) => expressLatchkey(getAuth()).router(req, res, next));
    app.get(
      '/me',
      (req, res, next) => expressLatchkey(getAuth()).requireUser(req, res, next),
      (_req, res) => {
        res.json({ user: res.locals.user });
      },
    );
    return { listener: app };
  },
  async 'express 4'(getAuth) {
    const app = express4();
    app.use(express4.urlencoded({ extended: false }));
    app.use((req, res, next) => expressLatchkey(getAuth()).router(req, res, next));
    app.get(
      '/me',
      (req, res, next) => expressLatchkey(getAuth()).requireUser(req, res, next),
      (_req, res) => {
        res.json({ user: res.locals.user });
      },
    );
    return { listener: app };
  },
  async fastify(getAuth) {
    const app = Fastify();
    let lk: ReturnType<typeof fastifyLatchkey> | undefined;
    const current = (): ReturnType<typeof fastifyLatchkey> => (lk ??= fastifyLatchkey(getAuth()));
    await app.register(async (scope) => current().plugin(scope));
    app.get('/me', { preHandler: (req, reply, done) => current().requireUser(req, reply, done) }, async (req) => ({ user: current().user(req) }));
    await app.ready();
    return { listener: (req, res) => app.routing(req, res), close: () => app.close() };
  },
  async hono(getAuth) {
    const app = new Hono<LatchkeyEnv>();
    app.all('/auth/*', (c) => honoLatchkey(getAuth()).handler(c));
    app.get(
      '/me',
      (c, next) => honoLatchkey(getAuth()).requireUser(c, next),
      (c) => c.json({ user: c.get('user') }),
    );
    return { listener: getRequestListener(app.fetch) };
  },
  async 'next (NextRequest, auth.requireUser)'(getAuth) {
    return {
      listener: (req, res) => {
        void (async () => {
          const chunks: Buffer[] = [];
          for await (const c of req) chunks.push(c as Buffer);
          const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
          const headers = new Headers();
          for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers.set(k, v);
          const body = req.method === 'GET' || req.method === 'HEAD' ? undefined : Buffer.concat(chunks);
          const request = new NextRequest(url, { method: req.method ?? 'GET', headers, ...(body ? { body } : {}) });
          const auth = getAuth();
          let response: Response;
          if (url.pathname.startsWith('/auth/')) response = await auth.handler(request);
          else {
            const user = await auth.requireUser(request);
            response = user instanceof Response ? user : Response.json({ user });
          }
          await sendWebResponse(res, response);
        })();
      },
    };
  },
};

/** A real session store that counts reads and records each idle-expiry write. */
interface CountedStore {
  readonly store: SessionStore;
  gets: number;
  /** One entry per `touch` call: the session id and the clock at the call. */
  readonly touches: { id: string; at: number }[];
}

function counted(inner: SessionStore, clock: () => number): CountedStore {
  const c: CountedStore = {
    gets: 0,
    touches: [],
    store: {
      create: (r) => inner.create(r),
      get: (id) => {
        c.gets++;
        return inner.get(id);
      },
      touch: (id, at) => {
        c.touches.push({ id, at: clock() });
        return inner.touch(id, at);
      },
      delete: (id) => inner.delete(id),
      deleteByUser: (u) => inner.deleteByUser(u),
      deleteBySid: (i, s) => inner.deleteBySid(i, s),
      deleteBySubject: (i, s) => inner.deleteBySubject(i, s),
    },
  };
  return c;
}

const MINUTE = 60_000;
const IDLE_MS = 10 * MINUTE;

/** The session cookie's value in a `Cookie` header (http on 127.0.0.1: `lk-session`). */
function sessionCookie(cookieHeader: string): string {
  const m = /(?:^|;\s*)lk-session=([^;]+)/.exec(cookieHeader);
  if (!m) throw new Error('no session cookie');
  return m[1]!;
}

describe.each(Object.keys(adapters))('session lifetime through %s', (name) => {
  let rp: RpServer;
  let op: OidcProviderHandle;
  let auth: Auth;
  let close: (() => Promise<void>) | undefined;
  let listener: http.RequestListener | undefined;
  let dir: string;
  let sql: SqlStore;
  let counter: CountedStore;
  let now = Date.now();
  const clock = (): number => now;

  /** A new app (auth and framework app) behind the RP server. */
  async function makeApp(options: Partial<AuthOptions> = {}): Promise<void> {
    await close?.();
    auth = makeAuth(rp.base, op, {
      clock,
      session: { strategy: 'server', idleTimeoutSeconds: IDLE_MS / 1000, absoluteTimeoutSeconds: 86_400 },
      accessToken: { expiresInSeconds: 86_400 },
      store: { users: sql.users, sessions: counter.store },
      ...options,
    });
    const made = await adapters[name]!(() => auth);
    listener = made.listener;
    close = made.close;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lk-lifetime-'));
    sql = await createSqlStore({ url: `sqlite:${join(dir, 'auth.db')}`, secrets: [SECRET_A], now: clock });
    counter = counted(sql.sessions, clock);
    rp = await listen(() => listener!);
    op = await startOp(rp.base);
  });
  afterAll(async () => {
    await close?.();
    await rp.close();
    await op.close();
    await sql.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const me = (headers: Record<string, string>): Promise<Response> => fetch(`${rp.base}/me`, { headers: { accept: 'application/json', ...headers } });

  /** Signs in, the app's clock set to the real time plus `skewMs` (the OP signs with the real time). */
  async function signIn(skewMs = 0): Promise<{ cookie: string; id: string }> {
    now = Date.now() + skewMs;
    const ua = new UserAgent();
    const r = await login(ua, rp.base, '/me');
    expect(r.url).toBe(`${rp.base}/me`);
    const cookie = ua.cookieHeader(rp.base);
    return { cookie, id: await sessionStoreKey(sessionCookie(cookie)) };
  }

  async function accessToken(cookie: string): Promise<string> {
    const t = await fetch(`${rp.base}/auth/token`, { method: 'POST', headers: { origin: rp.base, cookie } });
    expect(t.status).toBe(200);
    return ((await t.json()) as { access_token: string }).access_token;
  }

  /** Waits (bounded) until the background write reached the store. */
  async function storedIdleExpiry(id: string, expected: number): Promise<number | undefined> {
    let seen: number | undefined;
    for (let i = 0; i < 100 && seen !== expected; i++) {
      seen = (await sql.sessions.get(id))?.idleExpiresAt;
      if (seen !== expected) await new Promise((r) => setTimeout(r, 10));
    }
    return seen;
  }

  /** Asserts at most one write per minute for a session, and returns its writes. */
  function writesOf(id: string, since: number): { id: string; at: number }[] {
    const mine = counter.touches.slice(since).filter((t) => t.id === id);
    for (let i = 1; i < mine.length; i++) expect(mine[i]!.at - mine[i - 1]!.at).toBeGreaterThanOrEqual(MINUTE);
    return mine;
  }

  it('keeps a user who only hits a guarded route every few minutes signed in past the idle timeout, with one store write per minute at most', async () => {
    await makeApp();
    const { cookie, id } = await signIn();
    const first = counter.touches.length;
    const start = now;
    let lastMove = now;
    // 13 visits, 3 minutes apart, of three requests 20 s apart (each past the 5 s revalidation,
    // so the store is read again): 47 minutes of activity with a 10-minute idle timeout.
    for (let visit = 0; visit < 13; visit++) {
      now += 3 * MINUTE;
      lastMove = now;
      for (let k = 0; k < 3; k++) {
        if (k > 0) now += 20_000;
        const r = await me({ cookie });
        expect(r.status, `visit ${visit}, request ${k}`).toBe(200);
        expect(((await r.json()) as { user: { email: string } }).user.email).toBe('alice@example.test');
      }
    }
    expect(now - start).toBeGreaterThan(4 * IDLE_MS);
    // One write per visit: the first request of each moved the idle expiry, the other two did not.
    expect(writesOf(id, first)).toHaveLength(13);
    expect(await storedIdleExpiry(id, lastMove + IDLE_MS)).toBe(lastMove + IDLE_MS);
    // The user stops: logged out once the idle timeout passed since the last move.
    now = lastMove + IDLE_MS - 1_000;
    expect((await me({ cookie })).status).toBe(200);
    const moved = lastMove + IDLE_MS - 1_000;
    now = moved + IDLE_MS;
    await storedIdleExpiry(id, moved + IDLE_MS);
    expect((await me({ cookie })).status).toBe(401);
  });

  it('logs out a user who stops at the idle timeout, without a write for requests within the minute', async () => {
    await makeApp();
    const { cookie, id } = await signIn();
    const first = counter.touches.length;
    // 30 requests 1.9 s apart: under a minute in all, so not one write.
    for (let k = 0; k < 30; k++) {
      now += 1_900;
      expect((await me({ cookie })).status).toBe(200);
    }
    expect(writesOf(id, first)).toHaveLength(0);
    now += IDLE_MS;
    expect((await me({ cookie })).status).toBe(401);
  });

  it('keeps the session alive through Bearer use alone, and ends it when that stops', async () => {
    await makeApp();
    const { cookie, id } = await signIn();
    const token = await accessToken(cookie);
    const first = counter.touches.length;
    let lastMove = now;
    for (let visit = 0; visit < 8; visit++) {
      now += 4 * MINUTE;
      lastMove = now;
      for (let k = 0; k < 2; k++) {
        if (k > 0) now += 10_000;
        const r = await me({ authorization: `Bearer ${token}` });
        expect(r.status, `visit ${visit}, request ${k}`).toBe(200);
      }
    }
    expect(writesOf(id, first)).toHaveLength(8);
    expect(await storedIdleExpiry(id, lastMove + IDLE_MS)).toBe(lastMove + IDLE_MS);
    now = lastMove + IDLE_MS + 1;
    expect((await me({ authorization: `Bearer ${token}` })).status).toBe(401);
  });

  it('counts cookie and Bearer use of one session together: one write a minute at most', async () => {
    await makeApp();
    const { cookie, id } = await signIn();
    const token = await accessToken(cookie);
    const first = counter.touches.length;
    // 40 requests 7 s apart (280 s), alternating the cookie and the session's access token.
    for (let k = 0; k < 40; k++) {
      now += 7_000;
      expect((await me(k % 2 === 0 ? { cookie } : { authorization: `Bearer ${token}` })).status).toBe(200);
    }
    // Due at 63 s, 126 s, 189 s and 252 s after sign-in: four writes, each a minute or more apart.
    expect(writesOf(id, first)).toHaveLength(4);
  });

  it('falls back to a valid Bearer token when the session cookie names an ended session', async () => {
    await makeApp();
    // A cookie left over from a session ended by logout.
    now = Date.now();
    const stale = new UserAgent();
    await login(stale, rp.base, '/me');
    const staleCookie = stale.cookieHeader(rp.base);
    await logout(stale, rp.base);
    expect((await me({ cookie: staleCookie })).status).toBe(401);
    const { cookie } = await signIn();
    const token = await accessToken(cookie);
    const r = await me({ cookie: staleCookie, authorization: `Bearer ${token}` });
    expect(r.status).toBe(200);
    expect(((await r.json()) as { user: { email: string } }).user.email).toBe('alice@example.test');
    // A cookie that never named a session, and one with a malformed value: the same.
    expect((await me({ cookie: `lk-session=${'A'.repeat(43)}`, authorization: `Bearer ${token}` })).status).toBe(200);
    expect((await me({ cookie: 'lk-session=junk', authorization: `Bearer ${token}` })).status).toBe(200);
    // Without a valid token it stays 401.
    // Change a character in the middle: every one of its six bits counts (the last character of a
    // base64url value carries padding bits, so changing it can leave the decoded bytes as they were).
    const middle = token.length >> 1;
    const forged = `${token.slice(0, middle)}${token[middle] === 'A' ? 'B' : 'A'}${token.slice(middle + 1)}`;
    expect((await me({ cookie: staleCookie, authorization: `Bearer ${forged}` })).status).toBe(401);
  });

  it('falls back to Bearer with the cookie strategy too (a sealed cookie that no longer opens)', async () => {
    await makeApp({ session: { strategy: 'cookie', idleTimeoutSeconds: IDLE_MS / 1000, absoluteTimeoutSeconds: 86_400 } });
    const { cookie } = await signIn();
    const token = await accessToken(cookie);
    const value = sessionCookie(cookie);
    const tampered = `lk-session=${value.slice(0, -4)}${value.endsWith('AAAA') ? 'BBBB' : 'AAAA'}`;
    expect((await me({ cookie: tampered })).status).toBe(401);
    expect((await me({ cookie: tampered, authorization: `Bearer ${token}` })).status).toBe(200);
  });

  it('falls back to Bearer when the cache already knows the cookie expired (synchronous null)', async () => {
    await makeApp({ session: { strategy: 'server', idleTimeoutSeconds: 3_600, absoluteTimeoutSeconds: 3_600 } });
    // The clock 20 s behind the OP's (within the ID token's 30 s tolerance): this session is older.
    const old = await signIn(-20_000);
    const oldCreated = now;
    expect((await me({ cookie: old.cookie })).status).toBe(200);
    const fresh = await signIn();
    const token = await accessToken(fresh.cookie);
    // The old session is past its absolute expiry, the fresh one is not.
    now = oldCreated + 3_600_000;
    expect((await me({ cookie: old.cookie, authorization: `Bearer ${token}` })).status).toBe(200);
    expect((await me({ cookie: old.cookie })).status).toBe(401);
    expect((await me({ cookie: fresh.cookie })).status).toBe(200);
  });

  it('caches more than one Bearer token and more than one session cookie', async () => {
    await makeApp();
    const a = await signIn();
    const b = await signIn();
    const tokens = [await accessToken(a.cookie), await accessToken(b.cookie)];
    // Every token starts with the same JWT header: the old 48-character key was the same for all.
    expect(tokens[0]!.slice(0, 48)).toBe(tokens[1]!.slice(0, 48));
    const before = counter.gets;
    for (const t of tokens) expect((await me({ authorization: `Bearer ${t}` })).status).toBe(200);
    // Each token was verified once, against the store.
    expect(counter.gets - before).toBe(2);
    for (let round = 0; round < 3; round++) {
      for (const t of tokens) expect((await me({ authorization: `Bearer ${t}` })).status).toBe(200);
      for (const c of [a.cookie, b.cookie]) expect((await me({ cookie: c })).status).toBe(200);
    }
    // Both tokens and both cookies were cache hits: not one more store read.
    expect(counter.gets - before).toBe(2);
  });
});

describe('cacheKey', () => {
  it('tells apart values that share a long head (a JWT header, a sealed prefix)', () => {
    const head = `eyJhbGciOiJIUzI1NiIsInR5cCI6ImF0K2p3dCIsImtpZCI6IjEyMzQ1Njc4In0.${'x'.repeat(40)}`;
    const a = `${head}.${'a'.repeat(43)}`;
    const b = `${head}.${'b'.repeat(43)}`;
    expect(cacheKey(a)).not.toBe(cacheKey(b));
    // A short value is its own key.
    expect(cacheKey('A'.repeat(43))).toBe('A'.repeat(43));
  });
});

describe('SessionManager.keepAlive', () => {
  it('retries a failed idle-expiry write once the store is read again, and not before it is due', async () => {
    let now = 1_000_000;
    const memory = new MemorySessionStore({ now: () => now });
    let failNext = false;
    const c = counted(memory, () => now);
    const store: SessionStore = {
      ...c.store,
      // The store is down for one call: the attempt is counted, nothing is written.
      touch: async (id, at) => {
        if (!failNext) return c.store.touch(id, at);
        failNext = false;
        c.touches.push({ id, at: now });
        throw new StorageError('STORAGE_UNAVAILABLE', 'down');
      },
    };
    const strategy = new ServerSessionStrategy({ store, idleTimeoutMs: IDLE_MS, absoluteTimeoutMs: 10 * IDLE_MS });
    const m = new SessionManager(strategy, {
      cookieName: 'lk-session',
      secure: false,
      maxEntries: 10,
      revalidateMs: 5_000,
      absoluteTimeoutMs: 10 * IDLE_MS,
      idleTimeoutMs: IDLE_MS,
      backgroundTouch: true,
      clock: () => now,
    });
    const { cookieValue } = await m.create({
      user: { id: 'u1', email: null, emailVerified: false, name: null, image: null },
      providerId: 'op',
      issuer: 'https://op.example',
      subject: 's1',
      data: {},
    });
    now += MINUTE;
    failNext = true;
    const header = `lk-session=${cookieValue}`;
    expect(await m.lookup(header)).not.toBeNull();
    await new Promise((r) => setTimeout(r, 0));
    expect(c.touches).toHaveLength(1);
    // The write failed: a use served from the cache does not know yet...
    now += 1_000;
    expect(await m.lookup(header)).not.toBeNull();
    await new Promise((r) => setTimeout(r, 0));
    expect(c.touches).toHaveLength(1);
    // ...the first use after the store is read again (revalidation, 5 s) writes again.
    now += 5_000;
    expect(await m.lookup(header)).not.toBeNull();
    await new Promise((r) => setTimeout(r, 0));
    expect(c.touches).toHaveLength(2);
    // That one succeeded: no further write within the minute.
    now += 30_000;
    const session = await m.lookup(header);
    expect(session).not.toBeNull();
    expect(c.touches).toHaveLength(2);
    expect((await memory.get(session!.id))?.idleExpiresAt).toBe(now - 30_000 + IDLE_MS);
  });
});
