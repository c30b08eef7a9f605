/**
 * The application examples, each started as its README says (tsx, here on port 0) against the
 * development identity provider, and signed in with plain HTTP (the API + SPA pair is covered in
 * Chromium by test/browser/examples.test.ts).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Agent, formFields } from './agent.js';
import { type ExampleProcess, startExample } from './spawn.js';

const running: ExampleProcess[] = [];
afterAll(async () => {
  await Promise.all(running.map((p) => p.close()));
});

describe('examples/app', () => {
  it('express-google: protected page redirects to Google, users table, calendar call through the vault, sign-out', async () => {
    const ex = await startExample('express-google', ['Express example']);
    running.push(ex);
    const url = ex.urls['Express example']!;
    const agent = new Agent();
    // login_required: a browser is sent to the Google login, an API call gets 401.
    expect(await agent.navigate(`${url}/dashboard`)).toEqual({ status: 302, location: '/auth/google/login?returnTo=%2Fdashboard' });
    expect((await agent.fetch(`${url}/dashboard`, { headers: { accept: 'application/json' } })).status).toBe(401);
    const { res, url: landed, html: page } = await agent.signIn(url, 'google', 'alice', { returnTo: '/dashboard' });
    expect(res.status, page.slice(0, 300)).toBe(200);
    expect(landed.pathname).toBe('/dashboard');
    expect(page).toContain('Alice Example &lt;alice@example.org&gt;');
    const cal = await agent.fetch(`${url}/calendars`, { headers: { accept: 'application/json' } });
    expect(cal.status).toBe(200);
    expect(await cal.text()).toMatch(/items/);
    const logout = formFields(page, /\/auth\/logout$/);
    await agent.post(new URL(logout.action, url), logout.fields);
    expect((await agent.navigate(`${url}/dashboard`)).status).toBe(302);
  });

  it('hono-di: handlers get a maybe-user, /me is protected', async () => {
    const ex = await startExample('hono-di', ['Hono example']);
    running.push(ex);
    const url = ex.urls['Hono example']!;
    const agent = new Agent();
    expect(await (await agent.fetch(`${url}/api/greeting`, { headers: { accept: 'application/json' } })).json()).toEqual({
      greeting: 'Hello, guest',
      signedIn: false,
    });
    expect((await agent.fetch(`${url}/me`, { headers: { accept: 'application/json' } })).status).toBe(401);
    await agent.signIn(url, 'google', 'bob', { returnTo: '/' });
    expect(await (await agent.fetch(`${url}/api/greeting`, { headers: { accept: 'application/json' } })).json()).toEqual({
      greeting: 'Hello Bob Builder',
      signedIn: true,
    });
    const me = await agent.fetch(`${url}/me`, { headers: { accept: 'application/json' } });
    expect(me.status).toBe(200);
    expect(await me.json()).toMatchObject({ user: { name: 'Bob Builder', email: 'bob@example.com' } });
  });
});
