/**
 * The API + single-page-app example in real Chromium: the SPA (one origin) sends the user to the
 * API's Google sign-in (another origin), comes back, gets a short-lived token with
 * `POST /auth/token` under CORS, and calls the API with it.
 */
import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ExampleProcess, startExample } from '../demo/spawn.js';

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
  it('signs in through the API, then the SPA gets a token with POST /auth/token and calls the API', async () => {
    const context = await browser.newContext();
    context.setDefaultTimeout(15_000);
    const page = await context.newPage();
    const spa = example.urls.SPA!;
    await page.goto(spa);
    await page.locator('#signin').waitFor({ state: 'visible' });
    await expect(page.locator('#status').textContent()).resolves.toBe('Not signed in.');
    await page.locator('#signin').click();
    await page.locator('button[data-user="alice"]').click();
    await page.waitForURL(`${spa}/`);
    await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('Signed in'));
    await expect(page.locator('#status').textContent()).resolves.toBe('Signed in as Alice Example');
    await expect(page.locator('#me').textContent()).resolves.toContain('alice@example.org');
    // The token lives in the SPA's memory only.
    expect(await page.evaluate(() => JSON.stringify(localStorage) + JSON.stringify(sessionStorage) + document.cookie)).toBe('{}{}');
    await context.close();
  });
});
