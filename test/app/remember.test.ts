/**
 * Issue 16 part 4, "remember me": under `session.remember: 'ask'` the session cookie is a
 * browser-session cookie (no `Max-Age`, no `Expires`) unless the login asked to stay signed in
 * (`remember=1`, the chooser's checkbox); under the default `always` it has `Max-Age` as before.
 * The choice lives in the session, so the cookie re-issued by `GET /auth/session` (cookie
 * strategy) keeps it, and a server session read back from the store (another instance) has it too.
 * Real sign-ins at an in-process oidc-provider through the Node adapter.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthOptions } from '../../src/app/config.js';
import type { Auth } from '../../src/app/create-auth.js';
import { MemorySessionStore } from '../../src/storage/memory.js';
import type { OidcProviderHandle } from '../support/oidc-provider.js';
import { listen, makeAuth, nodeApp, type RpServer, startOp, UserAgent } from './support.js';

/** A user agent that records every `Set-Cookie` it receives. */
function recording(): { ua: UserAgent; setCookies: string[] } {
  const setCookies: string[] = [];
  const ua = new UserAgent({
    fetch: async (input, init) => {
      const r = await fetch(input, init);
      setCookies.push(...r.headers.getSetCookie());
      return r;
    },
  });
  return { ua, setCookies };
}

/** The `Set-Cookie` values of the session cookie that set a value (not the deletions). */
const sessionCookies = (setCookies: readonly string[]): string[] => setCookies.filter((c) => /^lk-session=[^;]+/.test(c));
const hasLifetime = (c: string): boolean => /;\s*(max-age|expires)=/i.test(c);

describe('remember me (session.remember)', () => {
  let rp: RpServer;
  let op: OidcProviderHandle;
  let auth: Auth;
  let now = Date.now();
  const mount = (options: Partial<AuthOptions>): Auth => {
    auth = makeAuth(rp.base, op, { clock: () => now, ...options });
    return auth;
  };

  beforeAll(async () => {
    rp = await listen(() => nodeApp(() => auth));
    op = await startOp(rp.base);
  });
  afterAll(async () => {
    await rp?.close();
    await op?.close();
  });

  async function signIn(query: string, path = '/auth/op/login'): Promise<{ ua: UserAgent; setCookies: string[] }> {
    const rec = recording();
    const r = await rec.ua.navigate(`${rp.base}${path}?returnTo=%2Fhome${query}`, {
      autoSubmitForms: true,
      stop: (u) => u.startsWith(rp.base) && !new URL(u).pathname.startsWith('/auth/'),
    });
    expect(r.url).toBe(`${rp.base}/home`);
    return rec;
  }

  /** `GET /auth/session` two minutes later (a sealed cookie is re-issued at most once a minute). */
  async function reissue(ua: UserAgent): Promise<string[]> {
    now += 120_000;
    const url = `${rp.base}/auth/session`;
    const r = await fetch(url, { headers: { cookie: ua.cookieHeader(url), accept: 'application/json' } });
    expect(r.status).toBe(200);
    return sessionCookies(r.headers.getSetCookie());
  }

  for (const strategy of ['cookie', 'server'] as const) {
    it(`always (default, ${strategy}): the session cookie has Max-Age, with or without remember=1, and keeps it when re-issued`, async () => {
      mount({ session: { strategy } });
      for (const query of ['', '&remember=1']) {
        const { ua, setCookies } = await signIn(query);
        const [set] = sessionCookies(setCookies);
        expect(set).toMatch(/;\s*Max-Age=2592000/);
        const again = await reissue(ua);
        if (strategy === 'cookie') {
          expect(again).toHaveLength(1);
          expect(again[0]).toMatch(/;\s*Max-Age=2592000/);
        } else {
          expect(again, 'server sessions move their idle expiry in the store: no cookie').toEqual([]);
        }
      }
    });

    it(`ask (${strategy}): a browser-session cookie unless remember=1, re-issued the same way`, async () => {
      const sessions = new MemorySessionStore();
      mount({ session: { strategy, remember: 'ask' }, store: { sessions } });
      const plain = await signIn('');
      const [browserOnly] = sessionCookies(plain.setCookies);
      expect(browserOnly).toBeDefined();
      expect(hasLifetime(browserOnly!), browserOnly).toBe(false);
      const remembered = await signIn('&remember=1');
      const [lasting] = sessionCookies(remembered.setCookies);
      expect(lasting).toMatch(/;\s*Max-Age=2592000/);

      const plainAgain = await reissue(plain.ua);
      const rememberedAgain = await reissue(remembered.ua);
      if (strategy === 'cookie') {
        expect(plainAgain).toHaveLength(1);
        expect(hasLifetime(plainAgain[0]!), 'the re-issued cookie still ends with the browser').toBe(false);
        expect(rememberedAgain).toHaveLength(1);
        expect(rememberedAgain[0]).toMatch(/;\s*Max-Age=2592000/);
      } else {
        expect([...plainAgain, ...rememberedAgain]).toEqual([]);
        // Another instance on the same store reads the choice back from the session data.
        const other = makeAuth(rp.base, op, { clock: () => now, session: { strategy, remember: 'ask' }, store: { sessions } });
        const url = `${rp.base}/auth/session`;
        const read = async (ua: UserAgent) => other.getSession(new Request(url, { headers: { cookie: ua.cookieHeader(url) } }));
        expect((await read(plain.ua))?.browserSession).toBe(true);
        expect((await read(remembered.ua))?.browserSession).toBeUndefined();
      }
    });
  }

  it('ask: linking another identity keeps the signed-in session’s choice', async () => {
    mount({ session: { strategy: 'cookie', remember: 'ask' } });
    op.knobs.accountId = `remember-${Math.random().toString(36).slice(2)}`;
    const { ua, setCookies } = await signIn('&remember=1');
    expect(sessionCookies(setCookies)[0]).toMatch(/Max-Age=/);
    for (const c of ua.cookies(op.issuer).filter((c) => c.startsWith('_'))) ua.setCookie(`${c.slice(0, c.indexOf('='))}=; Max-Age=0; Path=/`, op.issuer);
    op.knobs.accountId = `linked-${Math.random().toString(36).slice(2)}`;
    setCookies.length = 0;
    const r = await ua.navigate(`${rp.base}/auth/op-post/login?returnTo=%2Fhome&intent=link`, {
      autoSubmitForms: true,
      stop: (u) => u.startsWith(rp.base) && !new URL(u).pathname.startsWith('/auth/'),
    });
    expect(r.url).toBe(`${rp.base}/home`);
    const [linked] = sessionCookies(setCookies);
    expect(linked).toMatch(/;\s*Max-Age=2592000/);
    op.knobs.accountId = 'alice';
  });

  it('the chooser offers the checkbox under ask only, in the page language, and it reaches the login', async () => {
    mount({});
    const page = async (query = '', lang = 'en') => {
      const r = await fetch(`${rp.base}/auth/login?returnTo=%2Fhome${query}`, { headers: { accept: 'text/html', 'accept-language': lang } });
      expect(r.status).toBe(200);
      return { html: await r.text(), csp: r.headers.get('content-security-policy') ?? '' };
    };
    const always = await page();
    expect(always.html).not.toContain('name="remember"');
    expect(always.html).toContain('href="/auth/op/login?returnTo=%2Fhome"');
    expect(always.csp).toContain("form-action 'none'");

    mount({ session: { remember: 'ask' } });
    const ask = await page('', 'de');
    expect(ask.html).toContain('<input type="checkbox" name="remember" value="1"> Auf diesem Gerät angemeldet bleiben</label>');
    expect(ask.html).toContain('<input type="hidden" name="returnTo" value="/home">');
    expect(ask.html).toContain('formaction="/auth/op/login"');
    expect(ask.html).toContain('formaction="/auth/op-post/login"');
    expect(ask.csp).toContain("form-action 'self'");
    for (const [lang, text] of [
      ['en', 'Keep me signed in on this device'],
      ['fr', 'Rester connecté sur cet appareil'],
      ['es', 'Mantener la sesión iniciada en este dispositivo'],
      ['ja', 'このデバイスでログインしたままにする'],
    ] as const) {
      expect((await page('', lang)).html).toContain(text);
    }
    // Already asked (the app's own checkbox linked here with remember=1): carried to the login, no checkbox.
    const asked = await page('&remember=1');
    expect(asked.html).not.toContain('name="remember"');
    expect(asked.html).toContain('href="/auth/op/login?returnTo=%2Fhome&amp;remember=1"');

    // What the form submits (GET to the button's formaction with the checkbox ticked) signs in for good.
    const { setCookies } = await signIn('&remember=1', '/auth/op-post/login');
    expect(sessionCookies(setCookies)[0]).toMatch(/;\s*Max-Age=2592000/);
  });

  it('refuses a session.remember that is neither always nor ask', () => {
    expect(() => mount({ session: { remember: 'never' as 'ask' } })).toThrow(/session\.remember/);
  });
});
