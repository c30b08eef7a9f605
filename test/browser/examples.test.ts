/**
 * The API + single-page-app example in real Chromium: the SPA (one origin, `localhost:<port>`)
 * sends the user to the API's Google sign-in (another origin of the same site, `localhost:<other
 * port>`), comes back through a `returnTo` naming the SPA's origin, reads `GET /auth/session` with
 * credentials under CORS, gets a short-lived token with `POST /auth/token`, calls the API with it,
 * and signs out with `POST /auth/logout` and the CSRF token in `X-CSRF-Token` (a preflighted
 * request). The cross-site setup is in cross-origin.test.ts.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ExampleProcess, startExample } from '../demo/spawn.js';
import { signInFromSpa, signOutFromSpa } from './spa-flow.js';

const CHROMIUM = '/usr/bin/chromium';
let browser: Browser;
let example: ExampleProcess;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is expected at ${CHROMIUM}`);
  [browser, example] = await Promise.all([
    chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'], timeout: 30_000 }),
    startExample('api-spa', ['API', 'SPA']),
  ]);
});
afterAll(async () => {
  await browser?.close();
  await example?.close();
});

describe('examples/app/api-spa in Chromium', () => {
  it('signs in through the API, reads the session, gets a token, calls the API and signs out, all from the SPA', async () => {
    const context = await browser.newContext();
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    const spa = example.urls.SPA!;
    const api = example.urls.API!;
    // Two origins of one site: SameSite=Lax cookies go along with the SPA's fetches.
    expect(new URL(spa).origin).not.toBe(new URL(api).origin);
    expect([new URL(spa).hostname, new URL(api).hostname]).toEqual(['localhost', 'localhost']);
    await signInFromSpa(page, spa);
    // The token lives in the SPA's memory only.
    expect(await page.evaluate(() => JSON.stringify(localStorage) + JSON.stringify(sessionStorage) + document.cookie)).toBe('{}{}');
    // Sign out: POST /auth/logout with X-CSRF-Token (a custom header: the browser preflights it first).
    const logout = page.waitForResponse((r) => r.request().method() === 'POST' && r.url() === `${api}/auth/logout`);
    await signOutFromSpa(page, context, api);
    const answer = await logout;
    expect(answer.status()).toBe(200);
    expect(answer.request().headers()['x-csrf-token']).toMatch(/^[\w-]{20,}$/);
    expect(answer.headers()['access-control-allow-origin']).toBe(spa);
    await context.close();
  });
});
