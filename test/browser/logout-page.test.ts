/**
 * Issue 13, item 5, in real Chromium: a plain "Sign out" link to `GET /auth/logout` shows the
 * confirmation, and clicking its button signs out (the browser's own `Origin` and
 * `Sec-Fetch-Site` on the form post, the page's CSP letting the form and its redirect through),
 * locally and at the provider (`federated=1`: the 303 leaves for the provider's end-session page).
 * The sign-in itself runs in a cookie jar against oidc-provider; its cookies are handed to Chromium.
 */
import type http from 'node:http';
import express from 'express';
import { type Browser, type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latchkey } from '../../src/adapters/express.js';
import type { LatchkeyState } from '../../src/app/guards.js';
import { rpWithOp } from '../app/rp-with-op.js';
import { login, makeAuth, sessionOf, UserAgent } from '../app/support.js';
import { CHROMIUM_PATH } from '../support/env.js';

let browser: Browser;

const live = rpWithOp(async (base, op) => {
  const lk = latchkey(makeAuth(base, op));
  const app = express();
  app.use(lk.router);
  app.get('/', lk.optionalUser, (_req, res) => {
    const state = res.locals.latchkey as LatchkeyState;
    res
      .type('html')
      .send(`<!doctype html><title>Home</title><p id="who">${state.user ? 'signed in' : 'signed out'}</p><a id="signout" href="/auth/logout">Sign out</a>`);
  });
  return { listener: app as unknown as http.RequestListener };
});

beforeAll(async () => {
  browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    timeout: 30_000,
  });
}, 60_000);
afterAll(async () => {
  await browser?.close();
});

/** A Chromium context holding the cookies of a fresh sign-in, and the jar that made it. */
async function signedInContext(): Promise<{ context: BrowserContext; ua: UserAgent }> {
  const ua = new UserAgent();
  await login(ua, live.rp.base, '/');
  expect((await sessionOf(ua, live.rp.base)).status).toBe(200);
  const context = await browser.newContext();
  context.setDefaultTimeout(15_000);
  const cookies = ua
    .cookieHeader(live.rp.base)
    .split('; ')
    .map((pair) => ({ name: pair.slice(0, pair.indexOf('=')), value: pair.slice(pair.indexOf('=') + 1), url: live.rp.base }));
  await context.addCookies(cookies);
  return { context, ua };
}

/** The session as the server sees it for the cookies Chromium holds now. */
async function chromiumSession(context: BrowserContext): Promise<number> {
  const cookie = (await context.cookies(live.rp.base)).map((c) => `${c.name}=${c.value}`).join('; ');
  return (await fetch(`${live.rp.base}/auth/session`, { headers: { cookie, accept: 'application/json' } })).status;
}

describe('GET /auth/logout in Chromium', () => {
  it('a sign-out link shows the confirmation; its button signs out', async () => {
    const { context } = await signedInContext();
    const page = await context.newPage();
    await page.goto(`${live.rp.base}/`);
    await expect(page.locator('#who').textContent()).resolves.toBe('signed in');
    await page.locator('#signout').click();
    await page.waitForURL(`${live.rp.base}/auth/logout`);
    await expect(page.locator('h1').textContent()).resolves.toBe('Sign out?');
    // Showing the page signed nobody out.
    expect(await chromiumSession(context)).toBe(200);
    await page.locator('button[type="submit"]').click();
    await page.waitForURL(`${live.rp.base}/`);
    await expect(page.locator('#who').textContent()).resolves.toBe('signed out');
    expect(await chromiumSession(context)).toBe(401);
    // Back on the confirmation page, signed out: it says so.
    await page.goto(`${live.rp.base}/auth/logout`);
    await expect(page.locator('h1').textContent()).resolves.toBe('You are signed out');
    await context.close();
  }, 60_000);

  it('with federated=1 the form post leaves for the provider and comes back signed out', async () => {
    const { context } = await signedInContext();
    const page = await context.newPage();
    await page.goto(`${live.rp.base}/auth/logout?federated=1`);
    await page.locator('button[type="submit"]').click();
    // The 303 to the provider's end-session page is not blocked by the confirmation page's CSP.
    await page.waitForURL((u) => u.href.startsWith(live.op.issuer));
    // oidc-provider asks to confirm; its form (with `logout=yes`) is submitted as a user would.
    await page.locator('form').evaluate((f) => (f as HTMLFormElement).submit());
    await page.waitForURL(`${live.rp.base}/`);
    await expect(page.locator('#who').textContent()).resolves.toBe('signed out');
    expect(await chromiumSession(context)).toBe(401);
    await context.close();
  }, 60_000);
});
