/**
 * The user's steps in the api-spa example's page (examples/app/api-spa), shared by the Chromium
 * tests of the same-site and the cross-site setups.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';

/** Opens the SPA signed out, follows its sign-in link through the dev IdP (as Alice), and waits until the SPA shows the user from the API. */
export async function signInFromSpa(page: Page, spa: string): Promise<void> {
  await page.goto(spa);
  await page.locator('#signin').waitFor({ state: 'visible' });
  await expect(page.locator('#status').textContent()).resolves.toBe('Not signed in.');
  await page.locator('#signin').click();
  await page.locator('button[data-user="alice"]').click();
  // Back on the SPA through a returnTo naming its origin.
  await page.waitForURL(`${spa}/`);
  await page.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('Signed in'));
  await expect(page.locator('#status').textContent()).resolves.toBe('Signed in as Alice Example');
  await expect(page.locator('#me').textContent()).resolves.toContain('alice@example.org');
}

/** Clicks the SPA's sign-out button, then checks that a reload finds no session and the API's session cookie is gone. */
export async function signOutFromSpa(page: Page, context: BrowserContext, api: string): Promise<void> {
  await page.locator('#signout').click();
  await page.waitForFunction(() => document.getElementById('status')?.textContent === 'Signed out.');
  await page.reload();
  await page.locator('#signin').waitFor({ state: 'visible' });
  await expect(page.locator('#status').textContent()).resolves.toBe('Not signed in.');
  expect((await context.cookies(api)).filter((c) => c.name.includes('session'))).toEqual([]);
}
