/**
 * Issue 13, item 4, in real Chromium: a SPA on another SITE than its API (`localhost` vs
 * `127.0.0.1`, the setup that gave a silent 401). With `cookies: { sameSite: 'none' }` the SPA
 * signs in against the dev IdP through the API, reads `GET /auth/session` with credentials, gets a
 * token from `POST /auth/token`, calls the API with it and signs out with `POST /auth/logout` and
 * the CSRF header. With the default `SameSite=Lax`, createAuth warns at start-up, and the same
 * sign-in ends with the SPA seeing no session (the browser sends the cookie to no cross-site fetch).
 *
 * The browser profile allows third-party cookies (Chromium's default here blocks them, as Safari
 * and Firefox's strict mode do; docs/cross-origin.md says so): `SameSite=None` is what the app
 * controls, the browser's cookie settings are the user's.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ExampleProcess, startExample } from '../demo/spawn.js';
import { signInFromSpa, signOutFromSpa } from './spa-flow.js';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'];
const CROSS_SITE = { API_HOST: '127.0.0.1', SPA_HOST: 'localhost' };
let profile: string;
let context: BrowserContext;
let none: ExampleProcess;
let lax: ExampleProcess;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is expected at ${CHROMIUM}`);
  profile = mkdtempSync(join(tmpdir(), 'latchkey-chromium-'));
  mkdirSync(join(profile, 'Default'));
  // A profile whose user allows third-party cookies (cookie_controls_mode 0).
  writeFileSync(join(profile, 'Default', 'Preferences'), JSON.stringify({ profile: { cookie_controls_mode: 0, block_third_party_cookies: false } }));
  [context, none, lax] = await Promise.all([
    chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, args: ARGS, timeout: 30_000 }),
    startExample('api-spa', ['API', 'SPA'], 45_000, { ...CROSS_SITE, COOKIE_SAMESITE: 'none' }),
    startExample('api-spa', ['API', 'SPA'], 45_000, CROSS_SITE),
  ]);
  context.setDefaultTimeout(15_000);
});
afterAll(async () => {
  await context?.close();
  await none?.close();
  await lax?.close();
  if (profile) rmSync(profile, { recursive: true, force: true });
});

describe('a SPA on another site than its API, in Chromium', () => {
  it("signs in, reads the session, gets a token, calls the API and signs out with cookies: { sameSite: 'none' }", async () => {
    const { SPA: spa, API: api } = none.urls as { SPA: string; API: string };
    expect([new URL(spa).hostname, new URL(api).hostname]).toEqual(['localhost', '127.0.0.1']);
    expect(none.output()).not.toContain('is another site');
    const page = await context.newPage();
    await signInFromSpa(page, spa);
    const session = (await context.cookies(api)).find((c) => c.name === '__Host-lk-session');
    expect(session).toMatchObject({ sameSite: 'None', secure: true, httpOnly: true });
    await signOutFromSpa(page, context, api);
    await page.close();
  });

  it('warns at start-up with SameSite=Lax, and the SPA then sees no session after signing in', async () => {
    const { SPA: spa } = lax.urls as { SPA: string; API: string };
    expect(lax.output()).toMatch(/\[latchkey\] cors\.origins: http:\/\/localhost:\d+ is another site than http:\/\/127\.0\.0\.1:\d+/);
    const page = await context.newPage();
    await page.goto(spa);
    await page.locator('#signin').click();
    await page.locator('button[data-user="alice"]').click();
    await page.waitForURL(`${spa}/`);
    // Signed in at the API, yet its SameSite=Lax cookie goes with no fetch from another site.
    await page.locator('#signin').waitFor({ state: 'visible' });
    await expect(page.locator('#status').textContent()).resolves.toBe('Not signed in.');
    await page.close();
  });
});
