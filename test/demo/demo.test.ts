/**
 * The demo app over plain HTTP (no browser): started as `npm start` starts it (tsx, see spawn.ts)
 * on port 0 with a temporary data folder and no credentials, it must sign in with each emulated
 * provider, show the profile, link and unlink, call the provider API, explain a denied consent,
 * keep the inspector redacted, and sign out.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, formFields } from './agent.js';
import { type DemoProcess, startDemoProcess } from './spawn.js';

let demo: DemoProcess;
let app: { url: string };

beforeAll(async () => {
  demo = await startDemoProcess();
  app = { url: demo.url };
});
afterAll(async () => {
  await demo?.close();
});

describe('demo app (HTTP)', () => {
  it('starts on embedded defaults within seconds: SQLite file and a 0600 secret in the data folder, every preset emulated', async () => {
    expect(demo.startMs).toBeLessThan(60_000);
    expect(statSync(join(demo.dataDir, 'demo.db')).isFile()).toBe(true);
    expect(statSync(join(demo.dataDir, 'secret')).mode & 0o777).toBe(0o600);
    const secret = readFileSync(join(demo.dataDir, 'secret'), 'utf8').trim();
    expect(secret.length).toBeGreaterThanOrEqual(43);
    expect(demo.output()).not.toContain(secret);
    expect(demo.output()).toMatch(/emulating Google, GitHub, Microsoft, Apple, Generic OIDC/);
    const res = await fetch(`${app.url}/`);
    const html = await res.text();
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(html).toContain('Sign in with Google');
    expect(html).toContain('development identity provider');
    expect(html).toContain(`${app.url}/auth/oidc/callback`);
  });

  // Every test signs in a user of its own (added on the dev IdP's page): one email, one local user.
  let n = 0;
  const fresh = (label: string): { id: string; addUser: { name: string; email: string } } => {
    n += 1;
    return { id: `${label}-user-${n}`, addUser: { name: `${label} User ${n}`, email: `${label}-${n}@example.org` } };
  };

  for (const [provider, user, name] of [
    ['google', 'alice', 'Alice Example'],
    ['github', 'bob', 'Bob Builder'],
    ['microsoft', 'carol', 'Carol Unverified'],
    ['apple', 'dana', 'Dana Private'],
  ] as const) {
    it(`signs in with the ${provider} emulation and shows the profile`, async () => {
      const agent = new Agent();
      const { res, url, html } = await agent.signIn(app.url, provider, user);
      expect(res.status, html.slice(0, 500)).toBe(200);
      expect(url.pathname).toBe('/profile');
      expect(html).toContain(name);
      expect(html).toMatch(new RegExp(`data-account="${provider}"`));
    });
  }

  it('links and unlinks a second provider; the last one cannot be unlinked', async () => {
    const agent = new Agent();
    const u = fresh('link');
    await agent.signIn(app.url, 'google', u.id, { addUser: u.addUser });
    const linked = await agent.signIn(app.url, 'github', u.id, { intent: 'link' });
    expect(linked.url.pathname).toBe('/profile');
    expect(linked.html).toContain('data-account="github"');
    expect(linked.html).toContain('data-account="google"');
    // Through Latchkey's own route; the first unlink form is Google's row (accounts in link order).
    const unlink = formFields(linked.html, /^\/auth\/[a-z]+\/unlink$/);
    expect(unlink.action).toBe('/auth/google/unlink');
    const after = await agent.post(new URL(unlink.action, app.url), unlink.fields);
    expect(`${after.url.pathname}${after.url.search}`).toBe('/profile?unlinked=google');
    const page = await after.res.text();
    expect(page.match(/data-account="/g)?.length).toBe(1);
    expect(page).toContain('Your only way to sign in');
    expect(page).toContain('Google is unlinked.');
    // A forged unlink (no CSRF token) is refused; so is unlinking the last way in.
    const forged = await agent.post(`${app.url}/auth/github/unlink`, new URLSearchParams({ returnTo: '/profile' }));
    expect(forged.res.status).toBe(403);
    const last = await agent.post(`${app.url}/auth/github/unlink`, new URLSearchParams({ csrfToken: unlink.fields.get('csrfToken')!, returnTo: '/profile' }));
    expect(last.res.status).toBe(409);
  });

  it("lists the user's devices and signs one out, then every other one (GET /auth/sessions, POST /auth/sessions/revoke)", async () => {
    const u = fresh('devices');
    const laptop = new Agent('Mozilla/5.0 (X11; Linux x86_64; rv:140.0) Gecko/20100101 Firefox/140.0');
    const phone = new Agent(
      'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.0 Mobile/15E148 Safari/604.1',
    );
    const tablet = new Agent('Mozilla/5.0 (Linux; Android 15) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0 Safari/537.36');
    await laptop.signIn(app.url, 'google', u.id, { addUser: u.addUser });
    await phone.signIn(app.url, 'google', u.id);
    await tablet.signIn(app.url, 'google', u.id);
    const { res } = await laptop.follow(`${app.url}/profile`);
    const html = await res.text();
    expect(html.match(/data-device="/g)?.length).toBe(3);
    expect(html).toMatch(/<tr data-device="[^"]+" data-current><th scope="row">Firefox on Linux <span class="badge ok">this device<\/span>/);
    expect(html).toContain('Safari on iOS');
    const phoneRow = /<tr data-device="([^"]+)"><th scope="row">Safari on iOS/.exec(html);
    expect(phoneRow).not.toBeNull();
    const revoke = formFields(html.slice(html.indexOf(phoneRow![0])), /^\/auth\/sessions\/revoke$/);
    expect(revoke.fields.get('handle')).toBe(phoneRow![1]);
    const after = await laptop.post(new URL(revoke.action, app.url), revoke.fields);
    expect(`${after.url.pathname}${after.url.search}`).toBe('/profile?revoked=1');
    const afterHtml = await after.res.text();
    expect(afterHtml).toContain('That device is signed out.');
    expect(afterHtml.match(/data-device="/g)?.length).toBe(2);
    expect((await phone.fetch(`${app.url}/auth/session`, { headers: { accept: 'application/json' } })).status).toBe(401);
    expect((await tablet.fetch(`${app.url}/auth/session`, { headers: { accept: 'application/json' } })).status).toBe(200);
    const others = formFields(afterHtml, /^\/auth\/sessions\/revoke$/);
    const allForms = [...afterHtml.matchAll(/<form method="post" action="\/auth\/sessions\/revoke"[\s\S]*?<\/form>/g)].map((m) => m[0]);
    expect(allForms.some((f) => f.includes('name="others" value="1"'))).toBe(true);
    const everyOther = new URLSearchParams({ csrfToken: others.fields.get('csrfToken')!, others: '1', returnTo: '/profile?revoked=1' });
    const done = await laptop.post(`${app.url}/auth/sessions/revoke`, everyOther);
    expect((await done.res.text()).match(/data-device="/g)?.length).toBe(1);
    expect((await tablet.fetch(`${app.url}/auth/session`, { headers: { accept: 'application/json' } })).status).toBe(401);
    expect((await laptop.fetch(`${app.url}/auth/session`, { headers: { accept: 'application/json' } })).status).toBe(200);
  });

  it('calls the provider API with the stored token (Google Calendar emulation), never showing the token', async () => {
    const agent = new Agent();
    const u = fresh('api');
    const { html } = await agent.signIn(app.url, 'google', u.id, { addUser: u.addUser });
    const form = formFields(html, /\/account\/api$/);
    const { res } = await agent.post(new URL(form.action, app.url), form.fields);
    const page = await res.text();
    expect(res.status).toBe(200);
    expect(page).toContain('HTTP 200');
    expect(page).toMatch(/calendar/i);
    expect(page).not.toMatch(/ya29\./);
  });

  it('explains a denied consent on an error page', async () => {
    const agent = new Agent();
    const { res, html } = await agent.signIn(app.url, 'google', 'alice', { action: 'deny' });
    expect(res.status).toBe(400);
    expect(html).toContain('Sign-in cancelled');
    expect(html).toContain('access_denied');
    expect(html).toContain('data-error-code="AUTHORIZATION_ERROR"');
  });

  it('records each login step by step in the inspector, with codes, state and tokens redacted', async () => {
    const agent = new Agent();
    const u = fresh('inspect');
    await agent.signIn(app.url, 'oidc', u.id, { addUser: u.addUser });
    const html = await (await fetch(`${app.url}/dev/inspector`)).text();
    expect(html).toContain('Redirect to the provider');
    expect(html).toContain('Token exchange');
    expect(html).toContain('ID token validated');
    expect(html).toContain('data-outcome="signed-in"');
    expect(html).toContain('data-outcome="failed"');
    // No state/code/nonce/token value: those are long base64url strings; only lengths are kept.
    expect(html).toMatch(/\[redacted, \d+ chars\]/);
    for (const m of html.matchAll(/<dt>([^<]*)<\/dt><dd><code>([^<]*)<\/code>/g)) {
      if (m[1] === 'sub' || m[1] === 'subject') continue; // identifiers, not secrets (Microsoft's pairwise sub is long)
      expect(m[2]!, m[1]).not.toMatch(/^[A-Za-z0-9_-]{40,}$|^ey[A-Za-z0-9_-]+\./);
    }
  });

  it('signs out (the profile then redirects home) and protects the profile', async () => {
    const agent = new Agent();
    const u = fresh('logout');
    const { html } = await agent.signIn(app.url, 'oidc', u.id, { addUser: u.addUser });
    const logout = formFields(html, /\/auth\/logout$/);
    const out = await agent.post(new URL(logout.action, app.url), logout.fields);
    expect(out.url.pathname).toBe('/');
    expect(await out.res.text()).toContain('You are signed out');
    const again = await agent.fetch(`${app.url}/profile`);
    expect(again.status).toBe(303);
    expect(again.headers.get('location')).toMatch(/^\/\?returnTo=/);
  });
});

describe('demo app: the token vault refreshes an expiring access token', () => {
  let short: DemoProcess;
  beforeAll(async () => {
    // Access tokens live 20 s: inside the vault's 60 s leeway, so the first API call refreshes.
    short = await startDemoProcess({ DEV_IDP_TOKEN_TTL: '20' });
  });
  afterAll(async () => {
    await short?.close();
  });

  it('the API button goes through the vault, which refreshes first (Google, offline access)', async () => {
    const agent = new Agent();
    const { html } = await agent.signIn(short.url, 'google', 'alice');
    expect(html).toMatch(/Refresh token<\/dt><dd><span class="badge ok">stored/);
    const form = formFields(html, /\/account\/api$/);
    const { res } = await agent.post(new URL(form.action, short.url), form.fields);
    const page = await res.text();
    expect(page).toContain('HTTP 200');
    expect(page).toContain('the vault refreshed it first');
  });
});

describe('demo app: production mode and real-provider configuration', () => {
  it('refuses to start in production without AUTH_SECRET, saying what to do', async () => {
    await expect(startDemoProcess({ NODE_ENV: 'production' }, 30_000)).rejects.toThrow(/AUTH_SECRET is required in production/);
  });

  it('with OIDC_* set and NODE_ENV=production: only that provider, no emulation, no inspector', async () => {
    const prod = await startDemoProcess({
      NODE_ENV: 'production',
      AUTH_SECRET: 'q3Jx9v-T2mWcL8zR_fY1uN6bK0hE4sDpA7gVtXoBiCe',
      OIDC_ISSUER: 'http://127.0.0.1:9/oidc',
      OIDC_CLIENT_ID: 'corp-client',
      OIDC_CLIENT_SECRET: 'corp-secret-value',
      OIDC_NAME: 'Corp SSO',
    });
    try {
      const html = await (await fetch(`${prod.url}/`)).text();
      expect(html).toContain('Sign in with Corp SSO');
      expect(html).toContain('Real provider');
      expect(html).not.toContain('data-provider="google"');
      expect(html).toContain(`${prod.url}/auth/oidc/callback`);
      expect((await fetch(`${prod.url}/dev/inspector`)).status).toBe(404);
      expect(prod.output()).not.toContain('Development identity provider');
      expect(prod.output()).not.toContain('corp-secret-value');
      // The issuer is down: the login explains it instead of failing obscurely.
      const agent = new Agent();
      const res = await agent.fetch(`${prod.url}/auth/oidc/login`);
      expect(res.status).toBe(503);
      expect(await res.text()).toContain('Temporarily unavailable');
    } finally {
      await prod.close();
    }
  });
});
