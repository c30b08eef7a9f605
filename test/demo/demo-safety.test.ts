/**
 * Demo safety (issue 11, item 9): development features (the in-process dev IdP and /dev/inspector)
 * start only when the environment says development explicitly; they refuse requests whose Host is
 * not the app's (DNS rebinding); the inspector never shows a token-like callback parameter. The demo
 * runs as a child process, as `npm start` runs it (and once through `npm start` itself).
 */
import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent } from './agent.js';
import { type DemoProcess, startDemoProcess } from './spawn.js';

/** A real provider configuration (its issuer is down: the demo must still start and serve the home page). */
const REAL_OIDC = {
  AUTH_SECRET: 'q3Jx9v-T2mWcL8zR_fY1uN6bK0hE4sDpA7gVtXoBiCe',
  OIDC_ISSUER: 'http://127.0.0.1:9/oidc',
  OIDC_CLIENT_ID: 'corp-client',
  OIDC_CLIENT_SECRET: 'corp-secret-value',
  OIDC_NAME: 'Corp SSO',
};

/** A GET through node:http, which (unlike fetch) lets the test choose the Host header. */
function getWithHost(url: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: { host, accept: 'text/html' }, timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

describe('demo: development features need NODE_ENV=development', () => {
  for (const [label, nodeEnv] of [
    ['an unknown NODE_ENV ("prod")', 'prod'],
    ['NODE_ENV unset', undefined],
  ] as const) {
    it(`${label}: no dev IdP, no inspector, and the log says how to turn them on`, async () => {
      const demo = await startDemoProcess({ NODE_ENV: nodeEnv, ...REAL_OIDC }, 30_000);
      try {
        const out = demo.output();
        expect(out).not.toContain('Development identity provider on');
        expect(demo.devIdpUrl).toBe('');
        expect(out).toContain(`Development features are off (${nodeEnv === undefined ? 'NODE_ENV is not set' : `NODE_ENV is "${nodeEnv}"`})`);
        expect(out).toMatch(/`npm start` turns them on; or set NODE_ENV=development/);
        const home = await (await fetch(`${demo.url}/`)).text();
        expect(home).toContain('Sign in with Corp SSO');
        expect(home).not.toContain('data-provider="google"');
        // No emulated provider is routed: /auth/google/login is an unknown provider.
        expect((await fetch(`${demo.url}/auth/google/login`, { redirect: 'manual' })).status).toBe(404);
        expect((await fetch(`${demo.url}/dev/inspector`)).status).toBe(404);
        expect(out).not.toContain('corp-secret-value');
      } finally {
        await demo.close();
      }
    });
  }

  it('NODE_ENV unset and no credentials: it refuses to start and says to use `npm start` or NODE_ENV=development', async () => {
    // If it starts (the old behaviour), stop it before failing, so no demo process outlives the test.
    const outcome = await startDemoProcess({ NODE_ENV: undefined }, 30_000).then(
      async (started) => {
        const out = started.output();
        await started.close();
        return new Error(`the demo started:\n${out}`);
      },
      (error: unknown) => error,
    );
    expect(String(outcome)).toMatch(/the demo exited \(1\)/);
    expect(String(outcome)).toMatch(
      /No provider is configured and development features are off \(NODE_ENV is not set\): run `npm start`, or set NODE_ENV=development/,
    );
  });

  it('`npm start` with no NODE_ENV, no credentials and no network: "Sign in with Google" works on the emulation', async () => {
    const demo = await startDemoProcess({ NODE_ENV: undefined }, 60_000, { npmStart: true });
    try {
      expect(demo.output()).toMatch(/Development identity provider on http:\/\/127\.0\.0\.1:\d+, emulating Google/);
      const home = await (await fetch(`${demo.url}/`)).text();
      expect(home).toContain('Sign in with Google');
      const { res, url, html } = await new Agent().signIn(demo.url, 'google', 'alice');
      expect(res.status, html.slice(0, 300)).toBe(200);
      expect(url.pathname).toBe('/profile');
      expect(html).toContain('Alice Example');
    } finally {
      await demo.close();
    }
  });
});

describe('demo in development: Host checks and inspector redaction', () => {
  let demo: DemoProcess;
  beforeAll(async () => {
    demo = await startDemoProcess();
  });
  afterAll(async () => {
    await demo?.close();
  });

  it('the inspector answers its own host and refuses any other Host with 421 (DNS rebinding)', async () => {
    const own = new URL(demo.url).host;
    expect((await getWithHost(`${demo.url}/dev/inspector`, own)).status).toBe(200);
    for (const host of ['evil.example', `evil.example:${new URL(demo.url).port}`, `${own}.evil.example`, `127.0.0.1:1`, `${own}@evil.example`]) {
      const res = await getWithHost(`${demo.url}/dev/inspector`, host);
      expect(res.status, host).toBe(421);
      expect(res.body).not.toContain('Redirect to the provider');
    }
  });

  it('the in-process dev IdP refuses another Host with 421 and serves its own', async () => {
    const meta = `${demo.devIdpUrl}/google/.well-known/openid-configuration`;
    expect((await getWithHost(meta, new URL(demo.devIdpUrl).host)).status).toBe(200);
    const evil = await getWithHost(meta, `evil.example:${new URL(demo.devIdpUrl).port}`);
    expect(evil.status).toBe(421);
    expect(evil.body).not.toContain('issuer');
  });

  it('a real sign-in whose callback carries token-like parameters: the inspector shows none of their values', async () => {
    const agent = new Agent();
    // Up to the dev IdP's sign-in page, then "click" alice, stopping at the redirect to the callback.
    const { res: page, url: pageUrl } = await agent.follow(`${demo.url}/auth/google/login?returnTo=/profile`);
    const html = await page.text();
    const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
    expect(action, html.slice(0, 300)).toBeDefined();
    const target = new URL(action!.replace(/&amp;/g, '&'), pageUrl);
    const consent = await agent.fetch(target, {
      method: 'POST',
      body: new URLSearchParams({ action: 'login', user: 'alice' }).toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: target.origin },
    });
    const callback = new URL(consent.headers.get('location')!, target);
    expect(callback.pathname).toBe('/auth/google/callback');
    const code = callback.searchParams.get('code')!;
    const state = callback.searchParams.get('state')!;
    // Parameters a provider (or an attacker) may add: RFC 6749 §4.1.2 says clients ignore them, but
    // the inspector records the callback's parameters, so each must be redacted.
    const planted: Record<string, string> = {};
    for (const name of ['id_token', 'access_token', 'refresh_token', 'logout_token', 'client_secret', 'code_verifier', 'session_token', 'issued_token']) {
      planted[name] = `planted${randomBytes(18).toString('hex')}`;
      callback.searchParams.set(name, planted[name]);
    }
    const done = await agent.follow(callback);
    expect(done.url.pathname).toBe('/profile');
    expect(await done.res.text()).toContain('Alice Example');

    const inspector = await (await fetch(`${demo.url}/dev/inspector`)).text();
    expect(inspector).toContain('Callback from the provider');
    expect(inspector).toContain('Token exchange');
    for (const [name, value] of Object.entries({ ...planted, code, state })) {
      expect(inspector, name).not.toContain(value);
      expect(inspector, name).not.toContain(value.slice(0, 16));
    }
    // Each planted name is listed, with only the length of its value.
    for (const [name, value] of Object.entries(planted)) expect(inspector).toContain(`<dt>${name}</dt><dd><code>[redacted, ${value.length} chars]</code>`);
    // And nothing that looks like a JWT or a long opaque token anywhere on the page.
    expect(inspector).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/);
  });
});
