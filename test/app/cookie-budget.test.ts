/**
 * The cookie budget (issue 11, item 4): unfinished logins from one browser can never push its
 * cookies for the app past what servers accept (a "cookie bomb": every request answered 431). The
 * browser is `UserAgent`, whose jar applies `Set-Cookie`, `Max-Age=0` deletions and the 4096-byte
 * limit as browsers do; the RP is a real node:http server (default 16 KB header limit) with each
 * adapter (node:http, Express 5, Fastify, Hono) in front of oidc-provider.
 */
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_COOKIE_BYTES, serializeCookie } from '../../src/app/cookies.js';
import type { Auth } from '../../src/app/create-auth.js';
import { isLatchkeyError } from '../../src/errors.js';
import type { OidcProviderHandle } from '../support/oidc-provider.js';
import { adapters } from './redirects-adapters.js';
import { listen, makeAuth, type RpServer, sessionOf, startOp, UserAgent } from './support.js';

/** The stated budget of the transaction cookies one browser holds (`MAX_TRANSACTION_COOKIE_BYTES`). */
const MAX_TRANSACTION_COOKIE_BYTES = 8192;
/** The cap on the emitted `returnTo` (`MAX_RETURN_TO_LENGTH`). */
const MAX_RETURN_TO_LENGTH = 512;
/** The whole `Cookie` header a browser may send the app with a session and every login under way. */
const COOKIE_HEADER_BUDGET = MAX_TRANSACTION_COOKIE_BYTES + MAX_COOKIE_BYTES + 64;
const LOGINS = 25;

/** A raw GET with exactly this Cookie header; the status the server answers (431 when headers are too large). */
function statusWithCookie(url: string, cookie: string): Promise<number> {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers: { cookie, accept: 'application/json' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      })
      .on('error', reject);
  });
}

describe('serializeCookie: one check where every cookie is serialized', () => {
  it('refuses a cookie over 4096 bytes (name plus value) with COOKIE_TOO_LARGE, accepts one at the limit', () => {
    const name = 'lk-tx-abc';
    expect(serializeCookie(name, 'a'.repeat(MAX_COOKIE_BYTES - name.length), { secure: false })).toContain(`${name}=`);
    let error: unknown;
    try {
      serializeCookie(name, 'a'.repeat(MAX_COOKIE_BYTES - name.length + 1), { secure: false });
    } catch (e) {
      error = e;
    }
    expect(isLatchkeyError(error, 'COOKIE_TOO_LARGE')).toBe(true);
    expect((error as Error).message).not.toContain('aaaa');
  });
});

describe.each(Object.keys(adapters))('transaction cookies are bounded in bytes, oldest evicted first: %s', (adapterName) => {
  let rp: RpServer;
  let op: OidcProviderHandle;
  let auth: Auth;
  let close: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    let listener: http.RequestListener | undefined;
    rp = await listen(() => listener!);
    op = await startOp(rp.base);
    auth = makeAuth(rp.base, op);
    const made = await adapters[adapterName]!(() => auth);
    listener = made.listener;
    close = made.close;
  });
  afterAll(async () => {
    await close?.();
    await rp.close();
    await op.close();
  });

  const txCookies = (ua: UserAgent): string[] => ua.cookies(rp.base).filter((c) => c.startsWith('lk-tx-'));

  /**
   * Starts one login with the largest `returnTo` the server accepts (the attacker's best cookie),
   * stopping at the provider: the login is left unfinished. Returns the authorization URL.
   */
  async function startUnfinishedLogin(ua: UserAgent, n: number): Promise<{ authorizationUrl: string; returnTo: string }> {
    // Largest first: 2,047 ASCII characters (accepted before the cap), then at the cap, then below.
    const sizes = [2047, 1500, 1000, MAX_RETURN_TO_LENGTH - 1, 200];
    for (const size of sizes) {
      const returnTo = `/${String(n).padStart(3, '0')}${'a'.repeat(size - 3)}`;
      const r = await ua.navigate(`${rp.base}/auth/op/login?returnTo=${encodeURIComponent(returnTo)}`, {
        headers: { accept: 'application/json' },
        stop: (u) => u.startsWith(op.issuer),
      });
      if (r.stopped) return { authorizationUrl: r.url, returnTo };
      // Refused as too long: 400 RETURN_TO_INVALID, and the browser's cookies are untouched.
      expect(r.status).toBe(400);
      expect(JSON.parse(r.html!)).toMatchObject({ code: 'RETURN_TO_INVALID' });
    }
    throw new Error('no returnTo was accepted');
  }

  it(`${LOGINS} unfinished logins with maximal returnTo keep the Cookie header under budget, and the newest still completes`, async () => {
    const ua = new UserAgent();
    // A junk cookie under the transaction prefix (unreadable): evicted before any real login.
    ua.setCookie(`lk-tx-junkjunkju=${'x'.repeat(3000)}; Path=/; HttpOnly; SameSite=Lax`, rp.base);
    const started: { authorizationUrl: string; returnTo: string; cookieName: string }[] = [];
    for (let n = 0; n < LOGINS; n++) {
      const s = await startUnfinishedLogin(ua, n);
      const state = new URL(s.authorizationUrl).searchParams.get('state')!;
      started.push({ ...s, cookieName: `lk-tx-${state.replace(/[^A-Za-z0-9_-]/g, '').slice(0, 10)}` });
      const header = ua.cookieHeader(rp.base);
      const txBytes = txCookies(ua).reduce((sum, c) => sum + c.length + 2, 0);
      expect(txBytes, `after login ${n + 1}`).toBeLessThanOrEqual(MAX_TRANSACTION_COOKIE_BYTES);
      expect(header.length, `after login ${n + 1}`).toBeLessThanOrEqual(COOKIE_HEADER_BUDGET);
      // The newest login's cookie is always kept.
      expect(
        txCookies(ua).some((c) => c.startsWith(`${started.at(-1)!.cookieName}=`)),
        `after login ${n + 1}`,
      ).toBe(true);
    }
    expect(txCookies(ua).some((c) => c.startsWith('lk-tx-junkjunkju='))).toBe(false);
    // The survivors are the newest logins, in order: the oldest went first.
    const alive = started.map((s) => txCookies(ua).some((c) => c.startsWith(`${s.cookieName}=`)));
    const firstAlive = alive.indexOf(true);
    expect(firstAlive).toBeGreaterThan(0);
    expect(alive.slice(firstAlive).every(Boolean)).toBe(true);
    // Several logins can still be under way at once (the budget is not a count of one).
    expect(alive.filter(Boolean).length).toBeGreaterThanOrEqual(5);

    // The server still answers this browser (no 431), and the newest login completes.
    expect(await statusWithCookie(`${rp.base}/auth/session`, ua.cookieHeader(rp.base))).toBe(401);
    const newest = started.at(-1)!;
    const done = await ua.navigate(newest.authorizationUrl, {
      autoSubmitForms: true,
      stop: (u) => u.startsWith(rp.base) && !new URL(u).pathname.startsWith('/auth/'),
    });
    expect(done.stopped).toBe(true);
    expect(new URL(done.url).pathname).toBe(newest.returnTo);
    const s = await sessionOf(ua, rp.base);
    expect(s.status).toBe(200);
    expect(ua.cookieHeader(rp.base).length).toBeLessThanOrEqual(COOKIE_HEADER_BUDGET);
    expect(await statusWithCookie(`${rp.base}/auth/session`, ua.cookieHeader(rp.base))).toBe(200);
  });

  it('a returnTo longer than the cap once percent-encoded is refused before any cookie is set', async () => {
    const ua = new UserAgent();
    // 100 characters, 600 bytes once encoded (%C3%A9 each).
    const r = await fetch(`${rp.base}/auth/op/login?returnTo=${encodeURIComponent(`/${'é'.repeat(100)}`)}`, {
      redirect: 'manual',
      headers: { accept: 'application/json' },
    });
    expect(r.status).toBe(400);
    expect(r.headers.getSetCookie()).toEqual([]);
    expect(await r.json()).toMatchObject({ code: 'RETURN_TO_INVALID' });
    expect(ua.cookies(rp.base)).toEqual([]);
  });
});

describe('the stated budgets are the ones the code enforces', () => {
  it('MAX_TRANSACTION_COOKIE_BYTES and MAX_RETURN_TO_LENGTH', async () => {
    expect((await import('../../src/app/transactions.js')).MAX_TRANSACTION_COOKIE_BYTES).toBe(MAX_TRANSACTION_COOKIE_BYTES);
    expect((await import('../../src/app/return-to.js')).MAX_RETURN_TO_LENGTH).toBe(MAX_RETURN_TO_LENGTH);
  });
});
