/**
 * The sign-in scenario the Web-framework adapter tests (SvelteKit, React Router, Astro) run
 * against the real framework: every app under test serves
 * - `/dashboard` (guarded by the adapter): an HTML page with the user's email and a sign-out form
 *   carrying the request state's `csrfToken`;
 * - `/api/me` (guarded): `{ user }` as JSON;
 * - `/maybe` (not guarded): `{ email }`, the maybe-user (null when signed out).
 */
import { expect } from 'vitest';
import { rawGet } from '../app/support.js';
import { UserAgent } from '../support/user-agent.js';

/**
 * A `fetch` for {@link UserAgent} that sends what a browser sends on a document navigation: an
 * HTML `Accept`, and `Origin` on form POSTs (the origin of the page the form was on), which the
 * frameworks' own CSRF checks read.
 */
export function browserFetch(): typeof fetch {
  let page: string | undefined;
  return async (input, init) => {
    const headers = new Headers(init?.headers);
    // Every request of the user agent is a document navigation.
    if (!headers.has('accept')) headers.set('accept', 'text/html,application/xhtml+xml');
    if (init?.method === 'POST' && page !== undefined && !headers.has('origin')) headers.set('origin', new URL(page).origin);
    const response = await fetch(input, { ...init, headers });
    if ((response.headers.get('content-type') ?? '').includes('html')) page = String(input);
    return response;
  };
}

/** A user agent whose form posts carry `Origin`. */
export function browser(): UserAgent {
  return new UserAgent({ fetch: browserFetch() });
}

const NAVIGATE = { accept: 'text/html,application/xhtml+xml', 'sec-fetch-mode': 'navigate', 'sec-fetch-dest': 'document' };

/** Checks the anonymous answers: the browser is sent to sign in, the API call gets 401, the maybe-user is null. */
export async function expectSignedOut(base: string, ua: UserAgent = new UserAgent()): Promise<void> {
  const cookie = ua.cookieHeader(base);
  // node:http, not fetch: fetch would send `Sec-Fetch-Mode: cors` whatever is asked.
  const page = await rawGet(`${base}/dashboard?tab=2`, cookie ? { ...NAVIGATE, cookie } : NAVIGATE);
  expect(page.status).toBe(302);
  const location = new URL(String(page.headers.location), base);
  expect(location.pathname).toBe('/auth/login');
  expect(location.searchParams.get('returnTo')).toBe('/dashboard?tab=2');
  const api = await fetch(`${base}/api/me`, { headers: { accept: 'application/json', cookie }, redirect: 'manual' });
  expect(api.status).toBe(401);
  expect(api.headers.get('www-authenticate')).toMatch(/^Bearer realm=/);
  expect(((await api.json()) as { code: string }).code).toBe('UNAUTHENTICATED');
  expect(await maybeEmail(base, ua)).toBeNull();
}

/** The maybe-user's email through the app's `/maybe`. */
export async function maybeEmail(base: string, ua: UserAgent): Promise<string | null> {
  const r = await fetch(`${base}/maybe`, { headers: { accept: 'application/json', cookie: ua.cookieHeader(base) } });
  expect(r.status).toBe(200);
  return ((await r.json()) as { email: string | null }).email;
}

/**
 * Signs in through `providerId` (`op`: query response; `op-post`: `form_post`) from the guarded
 * page, and checks the page, the API and the maybe-user. Returns the dashboard's HTML.
 */
export async function signIn(base: string, ua: UserAgent, providerId: 'op' | 'op-post'): Promise<string> {
  const landed = await ua.navigate(`${base}/auth/${providerId}/login?returnTo=${encodeURIComponent('/dashboard')}`, {
    autoSubmitForms: true,
    stop: (u) => u.startsWith(base) && !new URL(u).pathname.startsWith('/auth/'),
  });
  expect(landed.url).toBe(`${base}/dashboard`);
  // Through the user agent: the sign-out form is then posted from this page (its Origin).
  const page = await ua.navigate(`${base}/dashboard`, { headers: NAVIGATE });
  expect({ url: page.url, status: page.status }).toEqual({ url: `${base}/dashboard`, status: 200 });
  const html = page.html ?? '';
  expect(html).toContain('alice@example.test');
  const api = await fetch(`${base}/api/me`, { headers: { accept: 'application/json', cookie: ua.cookieHeader(base) } });
  expect(api.status).toBe(200);
  expect(((await api.json()) as { user: { email: string } }).user.email).toBe('alice@example.test');
  expect(await maybeEmail(base, ua)).toBe('alice@example.test');
  return html;
}

/**
 * Signs out with the dashboard's form (its `csrfToken` comes from the adapter's request state),
 * after checking that a sign-out without the token is refused.
 */
export async function signOut(base: string, ua: UserAgent, dashboardHtml: string): Promise<void> {
  const forged = await fetch(`${base}/auth/logout`, {
    method: 'POST',
    headers: { cookie: ua.cookieHeader(base), origin: base, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
    body: 'csrfToken=wrong',
    redirect: 'manual',
  });
  expect(forged.status).toBe(403);
  expect(((await forged.json()) as { code: string }).code).toBe('CSRF_FAILED');
  expect(await maybeEmail(base, ua)).toBe('alice@example.test');
  const out = await ua.submitForm(dashboardHtml, `${base}/dashboard`);
  expect({ url: out.url, status: out.status }).toEqual({ url: `${base}/`, status: 200 });
  expect(await maybeEmail(base, ua)).toBeNull();
  await expectSignedOut(base, ua);
}
