/**
 * Issue 16, part 5: the built-in pages are accessible. Each page (the provider chooser, the sign-out
 * confirmation, the signed-out page, an error page, the form_post re-post page) in each built-in
 * language (en, de, fr, es, ja) is scanned in real Chromium by axe-core (WCAG 2.0/2.1 A and AA, and
 * axe's best practices): no violation, and the rules that matter for these pages (language of the
 * page, labels and names, colour contrast, landmarks) must have run and passed. Then the sign-out
 * confirmation is used with the keyboard alone.
 *
 * The pages are the server's own answers (fetched with the language's `Accept-Language`, signed in
 * where the page needs it) served to Chromium at their own URL; the re-post page is scanned as a
 * browser without JavaScript shows it (its auto-submit script removed, its `<noscript>` button shown),
 * since with JavaScript it leaves at once.
 */

import type http from 'node:http';
import { createRequire } from 'node:module';
import express from 'express';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latchkey } from '../../src/adapters/express.js';
import type { LatchkeyState } from '../../src/app/guards.js';
import { rpWithOp } from '../app/rp-with-op.js';
import { login, makeAuth, sessionOf, UserAgent } from '../app/support.js';
import { CHROMIUM_PATH } from '../support/env.js';

const AXE_PATH = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const LANGUAGES = ['en', 'de', 'fr', 'es', 'ja'] as const;
/** Rules each page must have passed (so a scan that ran nothing cannot pass). */
const REQUIRED_PASSES = ['html-has-lang', 'html-lang-valid', 'document-title', 'color-contrast', 'landmark-one-main', 'page-has-heading-one'];

interface AxeResult {
  violations: { id: string; impact: string | null; help: string; nodes: { target: string[] }[] }[];
  passes: { id: string }[];
}

let browser: Browser;

const live = rpWithOp(async (base, op) => {
  const lk = latchkey(makeAuth(base, op));
  const app = express();
  app.use(lk.router);
  app.get('/', lk.optionalUser, (_req, res) => {
    const state = res.locals.latchkey as LatchkeyState;
    res.type('html').send(`<!doctype html><html lang="en"><title>Home</title><main><h1>${state.user ? 'signed in' : 'signed out'}</h1></main></html>`);
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

/** The pages to scan, each fetched from the server in `language`. */
async function pagesIn(language: string, signedIn: UserAgent): Promise<{ name: string; path: string; html: string }[]> {
  const base = live.rp.base;
  const get = async (path: string, cookie?: string): Promise<string> => {
    const headers: Record<string, string> = { accept: 'text/html', 'accept-language': language };
    if (cookie) headers.cookie = cookie;
    const r = await fetch(`${base}${path}`, { headers, redirect: 'manual' });
    expect(r.headers.get('content-type')).toMatch(/^text\/html/);
    expect(r.headers.get('content-language')).toBe(language);
    return r.text();
  };
  const repost = await fetch(`${base}/auth/op-post/callback`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', 'accept-language': language },
    body: 'state=abc&code=xyz',
  });
  const repostHtml = (await repost.text()).replace(/<script\b[^>]*>[\s\S]*?<\/script>/g, '').replace(/<\/?noscript>/g, '');
  expect(repostHtml).toContain('<button type="submit">');
  return [
    { name: 'chooser', path: '/auth/login', html: await get('/auth/login') },
    { name: 'sign-out confirmation', path: '/auth/logout', html: await get('/auth/logout', signedIn.cookieHeader(base)) },
    { name: 'signed out', path: '/auth/logout', html: await get('/auth/logout') },
    { name: 'error', path: '/auth/op/callback', html: await get('/auth/op/callback?state=s&code=c') },
    { name: 're-post', path: '/auth/op-post/callback', html: repostHtml },
  ];
}

/** Shows `html` at `path` on the RP's origin and runs axe-core over it. */
async function scan(page: Page, path: string, html: string): Promise<AxeResult> {
  const url = `${live.rp.base}${path}`;
  await page.route(url, (route) => route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html }));
  await page.goto(url);
  await page.unroute(url);
  await page.addScriptTag({ path: AXE_PATH });
  return page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(o: unknown): Promise<AxeResult> } }).axe;
    const result = await axe.run({ runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
    return {
      violations: result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => ({ target: n.target })) })),
      passes: result.passes.map((p) => ({ id: p.id })),
    };
  });
}

describe('the built-in pages pass an axe-core scan in Chromium', () => {
  for (const language of LANGUAGES) {
    it(`in ${language}: chooser, sign-out confirmation, signed out, error, re-post`, async () => {
      const ua = new UserAgent();
      await login(ua, live.rp.base, '/');
      const pages = await pagesIn(language, ua);
      // The pages under scan are the language's (the signed-in confirmation names the user).
      expect(pages[1]!.html).toContain('<form method="post"');
      expect(pages[2]!.html).not.toContain('<form method="post"');
      // The CSP would refuse axe's injected script: the context lets it through, nothing else changes.
      const context = await browser.newContext({ bypassCSP: true, locale: language });
      context.setDefaultTimeout(15_000);
      const page = await context.newPage();
      for (const { name, path, html } of pages) {
        expect(html, name).toContain(`<html lang="${language}">`);
        const result = await scan(page, path, html);
        expect({ page: name, violations: result.violations }).toEqual({ page: name, violations: [] });
        const passed = new Set(result.passes.map((p) => p.id));
        expect({ page: name, missing: REQUIRED_PASSES.filter((id) => !passed.has(id)) }).toEqual({ page: name, missing: [] });
        // Every page with a control names it (a button's text or a link's text).
        if (/<button|<a /.test(html))
          expect(
            [...passed].some((id) => id === 'button-name' || id === 'link-name'),
            name,
          ).toBe(true);
      }
      await context.close();
    }, 90_000);
  }
});

describe('the sign-out confirmation with the keyboard alone', () => {
  it('Tab reaches the sign-out button then the way back; Enter signs out', async () => {
    const ua = new UserAgent();
    await login(ua, live.rp.base, '/');
    const context = await browser.newContext();
    context.setDefaultTimeout(15_000);
    const cookies = ua
      .cookieHeader(live.rp.base)
      .split('; ')
      .map((pair) => ({ name: pair.slice(0, pair.indexOf('=')), value: pair.slice(pair.indexOf('=') + 1), url: live.rp.base }));
    await context.addCookies(cookies);
    const page = await context.newPage();
    await page.goto(`${live.rp.base}/auth/logout`);
    const focused = (): Promise<{ tag: string; text: string }> =>
      page.evaluate(() => ({ tag: document.activeElement?.tagName ?? '', text: document.activeElement?.textContent?.trim() ?? '' }));
    await page.keyboard.press('Tab');
    expect(await focused()).toEqual({ tag: 'BUTTON', text: 'Sign out' });
    await page.keyboard.press('Tab');
    expect((await focused()).tag).toBe('A');
    await page.keyboard.press('Shift+Tab');
    expect((await focused()).tag).toBe('BUTTON');
    // A visible focus indicator on the focused control (WCAG 2.4.7).
    const outline = await page.evaluate(() => {
      const s = getComputedStyle(document.activeElement as Element);
      return { style: s.outlineStyle, width: Number.parseFloat(s.outlineWidth), shadow: s.boxShadow };
    });
    expect((outline.style !== 'none' && outline.width > 0) || outline.shadow !== 'none').toBe(true);
    await page.keyboard.press('Enter');
    await page.waitForURL(`${live.rp.base}/`);
    await expect(page.locator('h1').textContent()).resolves.toBe('signed out');
    const cookie = (await context.cookies(live.rp.base)).map((c) => `${c.name}=${c.value}`).join('; ');
    const after = await fetch(`${live.rp.base}/auth/session`, { headers: { cookie, accept: 'application/json' } });
    expect(after.status).toBe(401);
    expect((await sessionOf(ua, live.rp.base)).status).toBe(401);
    await context.close();
  }, 60_000);
});
