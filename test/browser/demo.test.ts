/**
 * The demo in real Chromium (Debian's, through playwright-core): a person clicking through the
 * demo's pages and the development identity provider's sign-in page. One browser for the file; a
 * fresh context (cookie jar) per test; the demo runs as `npm start` runs it, on 127.0.0.1 port 0
 * with a temporary data folder and no credentials. Screenshots go to test-artifacts/ (gitignored).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DemoProcess, freePort, startDemoProcess } from '../demo/spawn.js';

const CHROMIUM = '/usr/bin/chromium';
const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const artifacts = join(root, 'test-artifacts', 'browser');

let demo: DemoProcess;
let browser: Browser;
const contexts: BrowserContext[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) throw new Error(`Chromium is expected at ${CHROMIUM}`);
  mkdirSync(artifacts, { recursive: true });
  [demo, browser] = await Promise.all([
    startDemoProcess(),
    chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'], timeout: 30_000 }),
  ]);
});
afterAll(async () => {
  for (const c of contexts) await c.close().catch(() => undefined);
  await browser?.close();
  await demo?.close();
});

async function newPage(): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
  context.setDefaultTimeout(15_000);
  contexts.push(context);
  return { context, page: await context.newPage() };
}

/** On the dev IdP's page: adds a test user through its form (name and email), leaving the page ready. */
async function addTestUser(page: Page, name: string, email: string): Promise<string> {
  await page.getByText('Add a test user').click();
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('Email', { exact: true }).fill(email);
  await page.locator('button[data-action="add-user"]').click();
  const id = name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
  await page.locator(`button[data-user="${id}"]`).waitFor();
  return id;
}

/** From the demo's home page: clicks the provider's button, then the user on the IdP's page. */
async function signInByClicking(page: Page, providerId: string, user: string | { name: string; email: string }): Promise<void> {
  await page.goto(`${demo.url}/`);
  await page.locator(`a[data-provider="${providerId}"]`).click();
  await page.waitForURL((u) => u.href.startsWith(demo.devIdpUrl));
  await expect(page.getByRole('heading', { name: 'Choose an account' }).isVisible()).resolves.toBe(true);
  const id = typeof user === 'string' ? user : await addTestUser(page, user.name, user.email);
  await page.locator(`button[data-user="${id}"]`).click();
  await page.waitForURL(`${demo.url}/profile`);
}

describe('demo in Chromium', () => {
  it('home page lists every emulated provider and says it is emulated', async () => {
    const { page } = await newPage();
    const res = await page.goto(`${demo.url}/`);
    expect(res?.status()).toBe(200);
    for (const id of ['google', 'github', 'microsoft', 'apple', 'oidc']) expect(await page.locator(`a[data-provider="${id}"]`).count()).toBe(1);
    await expect(page.getByRole('note').textContent()).resolves.toMatch(/development identity provider/);
    await page.screenshot({ path: join(artifacts, 'home.png'), fullPage: true });
  });

  for (const [provider, user, name] of [
    ['google', 'alice', 'Alice Example'],
    ['github', 'bob', 'Bob Builder'],
    ['microsoft', 'carol', 'Carol Unverified'],
    ['apple', 'dana', 'Dana Private'],
    ['oidc', { name: 'Olivia Oidc', email: 'olivia@example.org' }, 'Olivia Oidc'],
  ] as const) {
    it(`signs in with the ${provider} emulation by clicking through the sign-in page`, async () => {
      const { page } = await newPage();
      await signInByClicking(page, provider, user);
      await expect(page.locator('[data-user-name]').textContent()).resolves.toBe(name);
      await expect(page.locator('[data-session-provider]').textContent()).resolves.toBeTruthy();
      expect(await page.locator(`tr[data-account="${provider}"]`).count()).toBe(1);
      // Token status is shown; no token value is.
      const text = (await page.content()) ?? '';
      expect(text).not.toMatch(/ya29\.|gho_|eyJ[A-Za-z0-9_-]{20,}\./);
      if (provider === 'google') await page.screenshot({ path: join(artifacts, 'profile.png'), fullPage: true });
    });
  }

  it('two tabs sign in at once: both logins complete', async () => {
    const { context } = await newPage();
    const [a, b] = [await context.newPage(), await context.newPage()];
    for (const p of [a, b]) {
      await p.goto(`${demo.url}/`);
      await p.locator('a[data-provider="google"]').click();
      await p.waitForURL((u) => u.href.startsWith(demo.devIdpUrl));
    }
    // Both sign-in pages are open; each tab's login has its own transaction.
    const idA = await addTestUser(a, 'Tab One', 'tab-one@example.org');
    await b.reload();
    const idB = await addTestUser(b, 'Tab Two', 'tab-two@example.org');
    // Tab A finishes first, while tab B's login is still pending: B's transaction must survive A's.
    await a.locator(`button[data-user="${idA}"]`).click();
    await a.waitForURL(`${demo.url}/profile`);
    await expect(a.locator('[data-user-name]').textContent()).resolves.toBe('Tab One');
    await b.locator(`button[data-user="${idB}"]`).click();
    await b.waitForURL(`${demo.url}/profile`);
    // The latest login wins the (single) session of this browser.
    await a.reload();
    await expect(a.locator('[data-user-name]').textContent()).resolves.toBe('Tab Two');
    await expect(b.locator('[data-user-name]').textContent()).resolves.toBe('Tab Two');
  });

  it('links and unlinks another provider from the profile', async () => {
    const { page } = await newPage();
    await signInByClicking(page, 'google', { name: 'Linda Link', email: 'linda@example.org' });
    await page.locator('a[data-provider="github"]').click();
    await page.waitForURL((u) => u.href.startsWith(demo.devIdpUrl));
    await page.locator('button[data-user="linda-link"]').click();
    await page.waitForURL(`${demo.url}/profile?linked=github`);
    expect(await page.locator('tr[data-account]').count()).toBe(2);
    await expect(page.getByRole('status').first().textContent()).resolves.toMatch(/GitHub is linked/);
    await page.getByRole('button', { name: 'Unlink Google' }).click();
    await page.waitForURL(`${demo.url}/profile?unlinked=google`);
    expect(await page.locator('tr[data-account]').count()).toBe(1);
    expect(await page.locator('tr[data-account="github"]').count()).toBe(1);
    // The last sign-in method cannot be unlinked: no button for it.
    expect(await page.getByRole('button', { name: /^Unlink/ }).count()).toBe(0);
  });

  it('calls the provider API from the profile (Google Calendar emulation)', async () => {
    const { page } = await newPage();
    await signInByClicking(page, 'google', { name: 'Cal Endar', email: 'cal@example.org' });
    await page.locator('button[data-api="google"]').click();
    await expect(page.locator('#api-result').textContent()).resolves.toMatch(/HTTP 200/);
  });

  it('signs out, and the back button does not show the profile again', async () => {
    const { page } = await newPage();
    await signInByClicking(page, 'oidc', { name: 'Sam Signout', email: 'sam@example.org' });
    await page.locator('button[data-action="logout"]').click();
    await page.waitForURL(`${demo.url}/?signedOut=1`);
    await expect(page.getByRole('status').first().textContent()).resolves.toMatch(/signed out/);
    await page.goBack();
    await page.waitForLoadState();
    expect(new URL(page.url()).pathname).toBe('/');
    expect(await page.locator('[data-user-name]').count()).toBe(0);
    await expect(page.locator('header').textContent()).resolves.toMatch(/Not signed in/);
  });

  it('signs out at the provider too (RP-initiated logout) and comes back signed out', async () => {
    const { page } = await newPage();
    await signInByClicking(page, 'oidc', { name: 'Fed Erated', email: 'fed@example.org' });
    await page.locator('button[data-action="logout-federated"]').click();
    await page.waitForURL(`${demo.url}/?signedOut=1`);
    await expect(page.locator('header').textContent()).resolves.toMatch(/Not signed in/);
  });

  it('a denied consent shows the explanatory error page', async () => {
    const { page } = await newPage();
    await page.goto(`${demo.url}/`);
    await page.locator('a[data-provider="google"]').click();
    await page.waitForURL((u) => u.href.startsWith(demo.devIdpUrl));
    await page.locator('button[data-action="deny"]').click();
    await page.waitForURL((u) => u.href.startsWith(`${demo.url}/auth/google/callback`));
    await expect(page.getByRole('heading', { level: 1 }).textContent()).resolves.toBe('Sign-in cancelled');
    await expect(page.getByRole('alert').textContent()).resolves.toMatch(/declined to share your account/);
    expect(await page.locator('[data-error-code="AUTHORIZATION_ERROR"]').count()).toBe(1);
    await page.screenshot({ path: join(artifacts, 'error-access-denied.png'), fullPage: true });
  });

  it('the flow inspector shows the last logins step by step', async () => {
    const { page } = await newPage();
    await page.goto(`${demo.url}/dev/inspector`);
    expect(await page.locator('section[data-outcome="signed-in"]').count()).toBeGreaterThan(0);
    expect(await page.locator('section[data-outcome="failed"]').count()).toBeGreaterThan(0);
    await expect(page.locator('main').textContent()).resolves.toMatch(/Token exchange/);
    await page.screenshot({ path: join(artifacts, 'inspector.png'), fullPage: false });
  });
});

describe('demo in Chromium as a newcomer runs it: the app on localhost, the dev IdP on 127.0.0.1 (cross-site)', () => {
  let local: DemoProcess;
  beforeAll(async () => {
    const port = await freePort();
    local = await startDemoProcess({ PORT: String(port), APP_URL: `http://localhost:${port}` });
  });
  afterAll(async () => {
    await local?.close();
  });

  for (const [provider, user] of [
    ['google', 'alice'],
    // Apple answers with a cross-site form_post, which carries no SameSite=Lax cookie: the app
    // re-posts it from its own origin.
    ['apple', 'dana'],
  ] as const) {
    it(`signs in with ${provider}`, async () => {
      const { page } = await newPage();
      await page.goto(`${local.url}/`);
      await page.locator(`a[data-provider="${provider}"]`).click();
      await page.waitForURL((u) => u.href.startsWith(local.devIdpUrl));
      await page.locator(`button[data-user="${user}"]`).click();
      await page.waitForURL(`${local.url}/profile`);
      expect(new URL(page.url()).hostname).toBe('localhost');
      expect(await page.locator(`tr[data-account="${provider}"]`).count()).toBe(1);
      if (provider === 'apple') {
        // The inspector shows that the cross-site form_post was re-posted from the app's origin.
        await page.goto(`${local.url}/dev/inspector`);
        await expect(page.locator('section[data-flow="apple"]').first().textContent()).resolves.toContain('Re-posted from this site');
      }
    });
  }
});
