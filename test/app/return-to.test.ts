/**
 * No open redirect through `returnTo` (issue 11, item 3): what is emitted is validated, after every
 * normalisation. A large table of payloads over `safeReturnTo`, then end to end: real logins against
 * oidc-provider (node:http, Express 5 and 4, Fastify, Hono, Next) with each dangerous `returnTo` never emit a
 * `Location` that leaves the origin after the callback, and neither do `POST /auth/logout` (form
 * and query `returnTo`, HTML 303 and JSON `redirectTo`) and the login chooser.
 */
import type http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/app/config.js';
import type { Auth } from '../../src/app/create-auth.js';
import { MAX_RETURN_TO_LENGTH, returnToOr, safeReturnTo } from '../../src/app/return-to.js';
import { isLatchkeyError } from '../../src/errors.js';
import type { OidcProviderHandle } from '../support/oidc-provider.js';
import { adapters } from './redirects-adapters.js';
import { listen, login, makeAuth, opProvider, type RpServer, SECRET_A, sessionOf, startOp, UserAgent } from './support.js';

const ORIGIN = 'https://app.example';

/** Each of these must be refused: every one of them would, once normalised, leave the origin (or is not a path at all). */
const MUST_REFUSE: readonly string[] = [
  // dot segments that collapse to `//host`
  '/..//evil.example',
  '/.//evil.example',
  '/x/..//evil.example',
  '/a/b/../../..//evil.example',
  '/x/./..//evil.example',
  // encoded dots (WHATWG URL treats `%2e` as a dot in dot segments)
  '/%2e%2e//evil.example',
  '/%2E%2E//evil.example',
  '/%2e//evil.example',
  '/x/.%2e//evil.example',
  '/x/%2e%2e//evil.example',
  '/x/%2E./%2e%2e//evil.example',
  // scheme-relative and backslashes (browsers read `\` as `/`)
  '//evil.example',
  '///evil.example',
  '/\\evil.example',
  '/\\/evil.example',
  '\\\\evil.example',
  '\\/evil.example',
  '/./%2e/\\evil.example',
  '/x\\..\\..\\/evil.example',
  // encoded slashes and backslashes, once and twice encoded
  '/%2f%2fevil.example',
  '/%2F/evil.example',
  '/%5cevil.example',
  '/%5C%5Cevil.example',
  '/%252f%252fevil.example',
  '/%252F/evil.example',
  '/%255cevil.example',
  '/%25252f/evil.example',
  '/..%2f%2fevil.example'.replace('..', '%2e%2e/'),
  // control characters and spaces (browsers strip tab/CR/LF: `/\t/evil` is `//evil`)
  '/\t/evil.example',
  '/\n/evil.example',
  '/\r/evil.example',
  '/\r\n/evil.example',
  '/\u0000/evil.example',
  '/\u000b/evil.example',
  '/\u000c/evil.example',
  '/\u001f/evil.example',
  '/\u007f/evil.example',
  '/ /evil.example',
  ' /dashboard',
  '/a\r\nSet-Cookie: x=1',
  '/%09/evil.example',
  '/%0a/evil.example',
  '/%0d%0a/evil.example',
  // unicode look-alikes without a leading ASCII slash
  '\uFF0F\uFF0Fevil.example',
  '\u2215\u2215evil.example',
  '\u2044\u2044evil.example',
  '\uFF0E\uFF0E/evil.example',
  // other schemes and absolute URLs
  'javascript:alert(1)',
  'JavaScript:alert(document.domain)',
  'data:text/html,<script>alert(1)</script>',
  'https:evil.example',
  'https:/evil.example',
  'https://evil.example',
  'http://evil.example/',
  'evil.example',
  'dashboard',
  '',
  // too long, as given or once encoded (é is 6 bytes as %C3%A9; U+FFFF is 9 as %EF%BF%BF)
  `/${'a'.repeat(MAX_RETURN_TO_LENGTH)}`,
  `/${'é'.repeat(100)}`,
  `/${'\uFFFF'.repeat(60)}`,
  `/${'a'.repeat(100_000)}`,
];

/** Same-origin paths that stay accepted (with the form that is emitted). */
const ACCEPTED: readonly (readonly [string, string])[] = [
  ['/', '/'],
  ['/dashboard', '/dashboard'],
  ['/a/b?c=1#d', '/a/b?c=1#d'],
  ['/../x', '/x'],
  ['/a/./b/../c', '/a/c'],
  ['/%2e%2e/x', '/x'],
  ['/a?next=//evil.example', '/a?next=//evil.example'],
  ['/#//evil.example', '/#//evil.example'],
  ['/a%2fb', '/a%2fb'],
  // look-alikes after a real slash are plain path characters, emitted percent-encoded
  ['/\uFF0F\uFF0Fevil.example', '/%EF%BC%8F%EF%BC%8Fevil.example'],
  ['/\u2215\u2215evil.example', '/%E2%88%95%E2%88%95evil.example'],
  ['/\u2044evil.example', '/%E2%81%84evil.example'],
  ['/\uFF0E\uFF0E/evil.example', '/%EF%BC%8E%EF%BC%8E/evil.example'],
  [`/${'a'.repeat(MAX_RETURN_TO_LENGTH - 1)}`, `/${'a'.repeat(MAX_RETURN_TO_LENGTH - 1)}`],
];

/** The emitted value stays on the origin wherever the browser resolves it from, and re-validates to itself. */
function expectSafeEmitted(emitted: string, origin: string, label: string): void {
  expect(emitted.startsWith('/'), label).toBe(true);
  expect(/^\/[/\\]/.test(emitted), label).toBe(false);
  expect(/^[\x21-\x7e]+$/.test(emitted), label).toBe(true);
  expect(emitted.length, label).toBeLessThanOrEqual(MAX_RETURN_TO_LENGTH);
  for (const base of [origin, `${origin}/auth/op/callback`, `${origin}/auth/logout/callback?x=1`]) expect(new URL(emitted, base).origin, label).toBe(origin);
  expect(safeReturnTo(emitted, origin), label).toBe(emitted);
}

function refusalOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('safeReturnTo over a table of payloads', () => {
  it('refuses every dangerous payload with RETURN_TO_INVALID', () => {
    for (const bad of MUST_REFUSE) {
      const error = refusalOf(() => safeReturnTo(bad, ORIGIN));
      expect(isLatchkeyError(error, 'RETURN_TO_INVALID'), JSON.stringify(bad.slice(0, 80))).toBe(true);
      expect(returnToOr(bad, ORIGIN, '/fallback')).toBe('/fallback');
    }
  });

  it('accepts same-origin paths and returns the form it emits', () => {
    for (const [input, emitted] of ACCEPTED) {
      expect(safeReturnTo(input, ORIGIN), JSON.stringify(input)).toBe(emitted);
      expectSafeEmitted(emitted, ORIGIN, JSON.stringify(input));
    }
  });

  it('never returns a value that leaves the origin, over every combination of prefix, separator and suffix', () => {
    const prefixes = ['/', '/x/', '/./', '/../', '/%2e/', '/%2e%2e/', '/x/%2e%2e/', '/x/..', '/.', '/%2e'];
    const separators = [
      '',
      '/',
      '\\',
      '%2f',
      '%2F',
      '%5c',
      '%252f',
      '%25252f',
      '\t',
      '%09',
      '\n',
      '%0a',
      '\u0000',
      '\uFF0F',
      '\u2215',
      '.',
      '..',
      '%2e',
      ' ',
      '@',
      ':',
    ];
    const suffixes = ['evil.example', '/evil.example', '\\evil.example', '%2fevil.example', '@evil.example'];
    let checked = 0;
    let refused = 0;
    for (const p of prefixes) {
      for (const s of separators) {
        for (const x of suffixes) {
          const value = `${p}${s}${x}`;
          let emitted: string | undefined;
          try {
            emitted = safeReturnTo(value, ORIGIN);
          } catch (error) {
            expect(isLatchkeyError(error, 'RETURN_TO_INVALID'), JSON.stringify(value)).toBe(true);
            refused++;
          }
          if (emitted !== undefined) expectSafeEmitted(emitted, ORIGIN, JSON.stringify(value));
          checked++;
        }
      }
    }
    expect(checked).toBe(prefixes.length * separators.length * suffixes.length);
    // Both outcomes occur: the table exercises refusals and safe acceptances alike.
    expect(refused).toBeGreaterThan(0);
    expect(refused).toBeLessThan(checked);
  });

  it('checks `logout.returnTo` in the configuration the same way', () => {
    const base = { baseUrl: ORIGIN, secret: SECRET_A, providers: [opProvider('https://op.example')] };
    for (const bad of ['/..//evil.example', '/%2e%2e//evil.example', '/\\evil.example']) {
      expect(() => resolveConfig({ ...base, logout: { returnTo: bad } }), bad).toThrow(/logout\.returnTo/);
    }
    expect(resolveConfig({ ...base, logout: { returnTo: '/bye/../home' } }).logoutReturnTo).toBe('/home');
  });
});

/** Payloads sent through real logins: the dangerous ones, and look-alikes that are accepted and must stay on the origin. */
const E2E_PAYLOADS: readonly string[] = [
  '/..//evil.example',
  '/.//evil.example',
  '/%2e%2e//evil.example',
  '/x/..//evil.example',
  '/x/.%2e//evil.example',
  '/./%2e/\\evil.example',
  '/%2f%2fevil.example',
  '/%252f%252fevil.example',
  '/%5cevil.example',
  '/\t/evil.example',
  '//evil.example',
  '/\\evil.example',
  'https:evil.example',
  'javascript:alert(1)',
  '/\uFF0F\uFF0Fevil.example',
  '/\u2215evil.example',
  `/${'é'.repeat(100)}`,
];
/** The subset run through every framework adapter (the check is in the shared handler; adapters must not re-normalise). */
const ADAPTER_PAYLOADS: readonly string[] = ['/..//evil.example', '/%2e%2e//evil.example', '/x/..//evil.example', '/\uFF0F\uFF0Fevil.example'];

describe.each(Object.keys(adapters))('open redirect end to end: %s', (name) => {
  let rp: RpServer;
  let op: OidcProviderHandle;
  let auth: Auth;
  let close: (() => Promise<void>) | undefined;
  const payloads = name === 'node:http' ? E2E_PAYLOADS : ADAPTER_PAYLOADS;

  beforeAll(async () => {
    let listener: http.RequestListener | undefined;
    rp = await listen(() => listener!);
    op = await startOp(rp.base);
    auth = makeAuth(rp.base, op);
    const made = await adapters[name]!(() => auth);
    listener = made.listener;
    close = made.close;
  });
  afterAll(async () => {
    await close?.();
    await rp.close();
    await op.close();
  });

  /** Asserts that a `Location` (or `redirectTo`) received at `from` stays on the RP's origin. */
  function expectStaysOnOrigin(location: string | null, from: string, label: string): void {
    expect(location, label).not.toBeNull();
    expect(new URL(location!, from).origin, `${label} → ${location}`).toBe(rp.base);
    expect(/^\/[/\\]/.test(location!), `${label} → ${location}`).toBe(false);
  }

  it('a real login with each dangerous returnTo never redirects off the origin after the callback', async () => {
    let completed = 0;
    for (const payload of payloads) {
      const label = JSON.stringify(payload.slice(0, 60));
      const ua = new UserAgent();
      const callbackPrefix = `${rp.base}/auth/op/callback`;
      const r = await ua.navigate(`${rp.base}/auth/op/login?returnTo=${encodeURIComponent(payload)}`, {
        autoSubmitForms: true,
        headers: { accept: 'application/json' },
        stop: (u) => u.startsWith(callbackPrefix),
      });
      if (!r.stopped) {
        // Refused before the provider was involved: 400 RETURN_TO_INVALID, no Location at all.
        expect(r.status, label).toBe(400);
        expect(r.headers?.get('location'), label).toBeNull();
        expect(JSON.parse(r.html!), label).toMatchObject({ code: 'RETURN_TO_INVALID' });
        continue;
      }
      // The login went through: make the callback request ourselves and read its actual Location.
      const cb = await fetch(r.url, { redirect: 'manual', headers: { cookie: ua.cookieHeader(r.url) } });
      expect(cb.status, label).toBe(302);
      for (const c of cb.headers.getSetCookie()) ua.setCookie(c, r.url);
      expectStaysOnOrigin(cb.headers.get('location'), r.url, label);
      // Signed in for real: the redirect is the end of a completed login.
      const s = await fetch(`${rp.base}/auth/session`, { headers: { cookie: ua.cookieHeader(rp.base) } });
      expect(s.status, label).toBe(200);
      await s.body?.cancel();
      completed++;
    }
    // The accepted look-alikes really went through a login (the test does not pass by refusing everything).
    expect(completed).toBeGreaterThan(0);
  });

  it('POST /auth/logout never redirects off the origin (form or query returnTo, HTML or JSON)', async () => {
    for (const payload of payloads) {
      const label = JSON.stringify(payload.slice(0, 60));
      for (const where of ['form', 'query'] as const) {
        for (const accept of ['text/html', 'application/json']) {
          const query = where === 'query' ? `?returnTo=${encodeURIComponent(payload)}` : '';
          const res = await fetch(`${rp.base}/auth/logout${query}`, {
            method: 'POST',
            redirect: 'manual',
            headers: { origin: rp.base, accept, 'content-type': 'application/x-www-form-urlencoded' },
            body: where === 'form' ? new URLSearchParams({ returnTo: payload }).toString() : '',
          });
          const l = `${label} (${where}, ${accept})`;
          if (res.status === 400) {
            expect(res.headers.get('location'), l).toBeNull();
            expect(await res.text(), l).toContain('RETURN_TO_INVALID');
          } else if (accept === 'text/html') {
            expect(res.status, l).toBe(303);
            expectStaysOnOrigin(res.headers.get('location'), `${rp.base}/auth/logout`, l);
            await res.body?.cancel();
          } else {
            expect(res.status, l).toBe(200);
            expectStaysOnOrigin(((await res.json()) as { redirectTo: string }).redirectTo, `${rp.base}/auth/logout`, l);
          }
        }
      }
    }
  });

  // The chooser and the plain happy path do not depend on the adapter: registered for node:http only.
  if (name !== 'node:http') return;

  it('the login chooser keeps only a safe returnTo in its links', async () => {
    for (const payload of payloads) {
      const res = await fetch(`${rp.base}/auth/login?returnTo=${encodeURIComponent(payload)}`, { headers: { accept: 'application/json' } });
      expect(res.status).toBe(200);
      const { providers } = (await res.json()) as { providers: { loginUrl: string }[] };
      for (const p of providers) {
        const kept = new URL(p.loginUrl, rp.base).searchParams.get('returnTo')!;
        expectStaysOnOrigin(kept, `${rp.base}/auth/op/callback`, JSON.stringify(payload.slice(0, 60)));
        expect(safeReturnTo(kept, rp.base)).toBe(kept);
      }
    }
  });

  it('federated logout: a dangerous returnTo is refused before the provider round trip; a look-alike comes back on the origin', async () => {
    for (const payload of ['/..//evil.example', '/%2e%2e//evil.example', '/\uFF0F\uFF0Fevil.example']) {
      const label = JSON.stringify(payload);
      const ua = new UserAgent();
      await login(ua, rp.base, '/');
      const s = await sessionOf(ua, rp.base);
      const r = await ua.navigate(`${rp.base}/auth/logout?federated=1`, {
        method: 'POST',
        body: new URLSearchParams({ csrfToken: String(s.body.csrfToken), returnTo: payload }),
        headers: { accept: 'text/html', origin: rp.base },
        autoSubmitForms: true,
        // Stop at the first URL that is neither the provider nor an auth route: where the logout callback sent the browser.
        stop: (u) => !u.startsWith(op.issuer) && !u.startsWith(`${rp.base}/auth/`),
      });
      if (!r.stopped) {
        // Refused by the logout route itself, before the session ended and before the provider was involved.
        expect(r.url, label).toBe(`${rp.base}/auth/logout?federated=1`);
        expect(r.status, label).toBe(400);
        expect(r.html, label).toContain('RETURN_TO_INVALID');
        expect((await sessionOf(ua, rp.base)).status, label).toBe(200);
        continue;
      }
      expect(new URL(r.url).origin, `${label} → ${r.url}`).toBe(rp.base);
      expect(new URL(r.url).pathname, label).toBe('/%EF%BC%8F%EF%BC%8Fevil.example');
      expect((await sessionOf(ua, rp.base)).status, label).toBe(401);
    }
  });

  it('a safe returnTo still lands where it says after a login', async () => {
    const ua = new UserAgent();
    const r = await login(ua, rp.base, '/reports/2026?tab=q1#top');
    expect(r.url).toBe(`${rp.base}/reports/2026?tab=q1#top`);
  });
});
