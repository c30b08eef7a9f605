/**
 * examples/app/drizzle-sqlite, started as its README says (tsx, here on port 0 with a fresh SQLite
 * file) against the development identity provider: sign in end to end, the app's own users columns
 * (`plan`, `role`) read and written by the app's own Drizzle queries, kept across a sign-out and a
 * new sign-in (Latchkey never touches them), and the rows where drizzle-kit's migration put them.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { Agent, formFields } from './agent.js';
import { type ExampleProcess, startExample } from './spawn.js';

const running: ExampleProcess[] = [];
const dir = mkdtempSync(join(tmpdir(), 'latchkey-drizzle-example-'));
const file = join(dir, 'app.db');
afterAll(async () => {
  await Promise.all(running.map((p) => p.close()));
  rmSync(dir, { recursive: true, force: true });
});

describe('examples/app/drizzle-sqlite', () => {
  it("signs in through the dev IdP; the app's plan and role columns are its own and survive a new sign-in", async () => {
    const ex = await startExample('drizzle-sqlite', ['Drizzle example'], 45_000, { DATABASE_URL: `sqlite:${file}` });
    running.push(ex);
    const url = ex.urls['Drizzle example']!;
    const agent = new Agent();
    expect((await agent.fetch(`${url}/account`, { headers: { accept: 'application/json' } })).status).toBe(401);

    const { res, url: landed, html } = await agent.signIn(url, 'google', 'alice', { returnTo: '/account' });
    expect(res.status, html.slice(0, 300)).toBe(200);
    expect(landed.pathname).toBe('/account');
    expect(html).toContain('Alice Example &lt;alice@example.org&gt;');
    expect(html).toContain('<strong data-plan>free</strong>');
    expect(html).toContain('<strong data-role>member</strong>');
    expect((await agent.fetch(`${url}/admin`)).status).toBe(403);

    // A forged upgrade (no CSRF token) is refused; the page's form upgrades.
    const forged = await agent.post(new URL('/account/upgrade', url), new URLSearchParams({ csrfToken: 'x' }));
    expect(forged.res.status).toBe(403);
    const upgrade = formFields(html, /\/account\/upgrade$/);
    const upgraded = await agent.post(new URL(upgrade.action, url), upgrade.fields);
    expect(upgraded.url.pathname).toBe('/account');
    const after = await upgraded.res.text();
    expect(after).toContain('<strong data-plan>pro</strong>');

    // Sign out, sign in again: Latchkey updates its columns and leaves the app's plan as the app set it.
    const logout = formFields(after, /\/auth\/logout$/);
    await agent.post(new URL(logout.action, url), logout.fields);
    expect((await agent.fetch(`${url}/account`, { headers: { accept: 'application/json' } })).status).toBe(401);
    await agent.signIn(url, 'google', 'alice', { returnTo: '/account' });
    const me = await agent.fetch(`${url}/account`, { headers: { accept: 'application/json' } });
    expect(me.status).toBe(200);
    const body = (await me.json()) as { id: string; plan: string; role: string; email: string };
    expect(body).toMatchObject({ plan: 'pro', role: 'member', email: 'alice@example.org' });

    // The rows, as drizzle-kit's migration laid them out: one user, one account, tokens sealed.
    const raw = new Database(file, { readonly: true });
    try {
      expect(raw.prepare('select id, plan, role, email_lower from users').all()).toEqual([
        { id: body.id, plan: 'pro', role: 'member', email_lower: 'alice@example.org' },
      ]);
      const accounts = raw.prepare('select user_id, provider_id, tokens_enc from accounts').all() as {
        user_id: string;
        provider_id: string;
        tokens_enc: string;
      }[];
      expect(accounts).toHaveLength(1);
      expect(accounts[0]).toMatchObject({ user_id: body.id, provider_id: 'google' });
      expect(accounts[0]!.tokens_enc).toMatch(/^lk1\./);
      expect((raw.prepare('select count(*) as n from __drizzle_migrations').get() as { n: number }).n).toBe(1);
    } finally {
      raw.close();
    }
  }, 90_000);
});
