/**
 * Real Chromium clicks through the dev IdP's sign-in page: each emulated provider, two tabs signing
 * in at once, and a denied consent. A tiny loopback "RP" records what arrives at its callback.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningDevIdp, startDevIdp } from '../../src/dev/index.js';
import { CHROMIUM_PATH, recordSkip } from '../support/env.js';

interface Hit {
  readonly method: string;
  readonly params: URLSearchParams;
}

const hasChromium = existsSync(CHROMIUM_PATH);
if (!hasChromium) recordSkip('dev IdP in Chromium', `no Chromium at ${CHROMIUM_PATH}`);

describe.runIf(hasChromium)('dev IdP sign-in page in Chromium', () => {
  let dev: RunningDevIdp;
  let browser: Browser;
  let rp: Server;
  let rpUrl: string;
  const hits = new Map<string, Hit>();

  beforeAll(async () => {
    rp = createServer((req, res) => {
      let data = '';
      req.setEncoding('utf8');
      req.on('data', (c: string) => {
        data += c;
      });
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://rp.invalid');
        const params = req.method === 'POST' ? new URLSearchParams(data) : url.searchParams;
        const state = params.get('state');
        if (state) hits.set(state, { method: req.method ?? 'GET', params });
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end('<!doctype html><title>RP</title><h1 id="done">callback received</h1>');
      });
    });
    await new Promise<void>((resolve) => rp.listen(0, '127.0.0.1', resolve));
    rpUrl = `http://127.0.0.1:${(rp.address() as AddressInfo).port}/cb`;
    dev = await startDevIdp({ port: 0, acceptAnyClient: true });
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH });
  });

  afterAll(async () => {
    await browser?.close();
    await dev?.close();
    await new Promise<void>((resolve) => {
      if (!rp) return resolve();
      rp.close(() => resolve());
      rp.closeAllConnections();
    });
  });

  async function authorizeUrl(path: string, state: string, extra: Record<string, string> = {}): Promise<string> {
    const url = new URL(`${dev.url}${path}`);
    url.search = new URLSearchParams({
      client_id: 'demo-app',
      redirect_uri: rpUrl,
      response_type: 'code',
      scope: 'openid email profile',
      state,
      code_challenge: await oidc.calculatePKCECodeChallenge(oidc.randomPKCECodeVerifier()),
      code_challenge_method: 'S256',
      ...extra,
    }).toString();
    return url.href;
  }

  const providers: [string, string, Record<string, string>][] = [
    ['generic', '/oidc/authorize', {}],
    ['google', '/google/o/oauth2/v2/auth', { access_type: 'offline' }],
    ['github', '/github/login/oauth/authorize', { scope: 'read:user user:email' }],
    ['microsoft', '/microsoft/common/oauth2/v2.0/authorize', { scope: 'openid profile offline_access' }],
    ['apple', '/apple/auth/authorize', { scope: 'openid name email', response_mode: 'form_post' }],
  ];

  for (const [name, path, extra] of providers) {
    it(`signs in with the ${name} emulation`, async () => {
      const page = await browser.newPage();
      try {
        const state = `st-${name}`;
        await page.goto(await authorizeUrl(path, state, extra));
        await expect(page.getByRole('heading', { name: 'Choose an account' }).isVisible()).resolves.toBe(true);
        await page.click('[data-user="alice"]');
        await page.waitForSelector('#done', { timeout: 10_000 });
        const hit = hits.get(state)!;
        expect(hit.params.get('code')).toBeTruthy();
        expect(hit.method).toBe(name === 'apple' ? 'POST' : 'GET');
        if (name === 'apple') expect(JSON.parse(hit.params.get('user')!)).toMatchObject({ email: 'alice@example.org' });
        if (name === 'generic' || name === 'google') expect(hit.params.get('iss')).toBe(`${dev.url}/${name === 'generic' ? 'oidc' : 'google'}`);
      } finally {
        await page.close();
      }
    });
  }

  it('two tabs sign in at once as different users', async () => {
    const context = await browser.newContext();
    try {
      const [a, b] = await Promise.all([context.newPage(), context.newPage()]);
      await Promise.all([a.goto(await authorizeUrl('/oidc/authorize', 'tab-a')), b.goto(await authorizeUrl('/oidc/authorize', 'tab-b'))]);
      await Promise.all([a.click('[data-user="bob"]'), b.click('[data-user="carol"]')]);
      await Promise.all([a.waitForSelector('#done'), b.waitForSelector('#done')]);
      expect(hits.get('tab-a')?.params.get('code')).toBeTruthy();
      expect(hits.get('tab-b')?.params.get('code')).toBeTruthy();
      expect(hits.get('tab-a')?.params.get('code')).not.toBe(hits.get('tab-b')?.params.get('code'));
    } finally {
      await context.close();
    }
  });

  it('a denied consent comes back as access_denied', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(await authorizeUrl('/google/o/oauth2/v2/auth', 'denied'));
      await page.click('[data-action="deny"]');
      await page.waitForSelector('#done');
      expect(hits.get('denied')?.params.get('error')).toBe('access_denied');
      expect(hits.get('denied')?.params.get('iss')).toBe(`${dev.url}/google`);
    } finally {
      await page.close();
    }
  });
});
