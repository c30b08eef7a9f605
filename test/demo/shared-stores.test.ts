/**
 * The demo on `DATABASE_URL=postgres://…` and `REDIS_URL`: two demo processes (as two app
 * instances) share users in PostgreSQL and sessions in Redis, so a sign-in on one is a session on
 * the other, and signing out on one ends it on both.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeWithServices, services } from '../support/env.js';
import { Agent, formFields } from './agent.js';
import { type DemoProcess, startDemoProcess } from './spawn.js';

describeWithServices(['postgres', 'redis'], 'demo app on PostgreSQL and Redis, two instances', () => {
  let first: DemoProcess;
  let second: DemoProcess;
  // A database of its own, so that reruns and other suites never see this run's users.
  const database = `latchkey_demo_${randomBytes(6).toString('hex')}`;
  const admin = (): pg.Client => new pg.Client({ connectionString: services.postgres });
  beforeAll(async () => {
    const c = admin();
    await c.connect();
    await c.query(`CREATE DATABASE ${database}`);
    await c.end();
    const url = new URL(services.postgres!);
    url.pathname = `/${database}`;
    const env = { DATABASE_URL: url.href, REDIS_URL: services.redis! };
    [first, second] = await Promise.all([startDemoProcess(env), startDemoProcess(env)]);
  });
  afterAll(async () => {
    await Promise.all([first?.close(), second?.close()]);
    const c = admin();
    await c.connect();
    await c.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    await c.end();
  });

  it('says where it keeps data, shares the session across instances, and ends it on both at sign-out', async () => {
    expect(first.output()).toMatch(/Store: postgres database \(migrated\); sessions in Redis\./);
    const agent = new Agent();
    const { html } = await agent.signIn(first.url, 'google', 'alice');
    expect(html).toContain('Alice Example');
    const cookie = [...agent.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const sessionAt = (base: string): Promise<Response> => fetch(`${base}/auth/session`, { headers: { cookie, accept: 'application/json' } });

    // The same session cookie is a session on the other instance: the session lives in Redis.
    const there = await sessionAt(second.url);
    expect(there.status).toBe(200);
    expect(((await there.json()) as { user: { name: string } }).user.name).toBe('Alice Example');

    // Sign out on the first instance; the second sees the session gone (Redis revocation).
    const logout = formFields(html, /\/auth\/logout$/);
    await agent.post(new URL(logout.action, first.url), logout.fields);
    expect((await sessionAt(first.url)).status).toBe(401);
    let status = 200;
    for (let i = 0; i < 40 && status === 200; i++) {
      status = (await sessionAt(second.url)).status;
      if (status === 200) await new Promise((r) => setTimeout(r, 250));
    }
    expect(status).toBe(401);
  });
});
