/**
 * Issue 4 through the HTTP handler: real logins against the real oidc-provider with the SQL and
 * Redis stores — the SQLite default, PostgreSQL + Redis shared by two app instances, a database
 * going away (503, then recovery), 20 concurrent first logins, and an attacker-controlled provider
 * asserting a victim's email unverified.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendWebResponse, toWebRequest } from '../../src/adapters/internal/node-http.js';
import { latchkey } from '../../src/adapters/node.js';
import type { AuthOptions } from '../../src/app/config.js';
import { type Auth, createAuth } from '../../src/app/create-auth.js';
import { createRedisSessionStore } from '../../src/storage/redis.js';
import type { SqlStore } from '../../src/storage/sql/index.js';
import { CLIENT_SECRET, listen, login, logout, opProvider, type RpServer, SECRET_A, startOp, UserAgent } from '../app/support.js';
import { describeWithServices, services } from '../support/env.js';
import { type OidcProviderHandle, startOidcProvider } from '../support/oidc-provider.js';
import { openTestSqlStore } from './sql-support.js';
import { startTcpProxy, type TcpProxy } from './tcp-proxy.js';

/**
 * The app under test. Guards go through the Web API (`auth.requireUser(Request)`), the layer that
 * maps store failures to their status.
 */
function app(getAuth: () => Auth): http.RequestListener {
  return (req, res) => {
    const auth = getAuth();
    const lk = latchkey(auth);
    void (async () => {
      if (await lk.handle(req, res)) return;
      if (req.url?.startsWith('/me')) {
        const user = await auth.requireUser(toWebRequest(auth, req));
        if (user instanceof Response) await sendWebResponse(res, user);
        else res.end(JSON.stringify({ user }));
        return;
      }
      res.end('page');
    })().catch(() => {
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  };
}

async function me(base: string, cookie: string): Promise<{ status: number; body: string }> {
  const r = await fetch(`${base}/me`, { headers: { cookie, accept: 'application/json' } });
  return { status: r.status, body: await r.text() };
}

async function until(check: () => Promise<boolean>, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

describe('app + SQLite store (the embedded default)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-app-sqlite-'));
  let rp: RpServer;
  let op: OidcProviderHandle;
  let auth: Auth;
  let sql: { store: SqlStore; cleanup: () => Promise<void> };

  beforeAll(async () => {
    rp = await listen(() => app(() => auth));
    op = await startOp(rp.base);
    sql = await openTestSqlStore(`sqlite:${join(dir, 'data', 'auth.db')}`);
    auth = createAuth({
      baseUrl: rp.base,
      secret: SECRET_A,
      providers: [opProvider(op.issuer)],
      session: { strategy: 'server' },
      store: { users: sql.store.users, sessions: sql.store.sessions },
    });
  });
  afterAll(async () => {
    await rp?.close();
    await op?.close();
    await sql?.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs in end to end, persists user, account (tokens encrypted) and session; a second login reuses the user', async () => {
    op.knobs.accountId = 'sqlite-user';
    const ua = new UserAgent();
    expect((await login(ua, rp.base)).url).toBe(`${rp.base}/dashboard`);
    const res = await me(rp.base, ua.cookieHeader(rp.base));
    expect(res.status).toBe(200);
    const account = await sql.store.users.getAccount(op.issuer, 'sqlite-user');
    expect(account?.tokens?.accessToken).toBeTruthy();
    const user = await sql.store.users.getUser(account!.userId);
    expect(user).toMatchObject({ email: 'sqlite-user@example.test', emailVerified: true });
    expect(res.body).toContain(user!.id);
    const ua2 = new UserAgent();
    await login(ua2, rp.base);
    expect((await me(rp.base, ua2.cookieHeader(rp.base))).body).toContain(user!.id);
    expect(await sql.store.users.listAccounts(user!.id)).toHaveLength(1);
    await logout(ua, rp.base);
    expect((await me(rp.base, ua.cookieHeader(rp.base))).status).toBe(401);
    expect((await me(rp.base, ua2.cookieHeader(rp.base))).status).toBe(200);
  });
});

describeWithServices(['postgres', 'redis'], 'app + PostgreSQL + Redis', () => {
  let rp1: RpServer;
  let rp2: RpServer;
  let evilRp: RpServer;
  let op: OidcProviderHandle;
  let evilOp: OidcProviderHandle;
  let auth1: Auth;
  let auth2: Auth;
  let sql1: { store: SqlStore; prefix: string; cleanup: () => Promise<void> };
  let sql2: SqlStore;
  const redisPrefix = `lktest:app:${Date.now()}:`;
  const redisStores: ReturnType<typeof createRedisSessionStore>[] = [];
  let admin: pg.Client;

  const authFor = (base: string, users: SqlStore, extra: Partial<AuthOptions> = {}) => {
    const sessions = createRedisSessionStore({ url: services.redis!, prefix: redisPrefix });
    redisStores.push(sessions);
    return createAuth({
      baseUrl: base,
      secret: SECRET_A,
      providers: [
        opProvider(op.issuer, { allowEmailLinking: true }),
        // An attacker-controlled provider: it asserts whatever email it likes, marked unverified.
        opProvider(evilOp.issuer, {
          id: 'evil',
          allowEmailLinking: true,
          mapProfile: (raw, ctx) => ({ ...opProvider(evilOp.issuer).mapProfile(raw, ctx), emailVerified: false }),
        }),
      ],
      session: { strategy: 'server', revalidateSeconds: 5 },
      store: { users: users.users, sessions },
      ...extra,
    });
  };

  beforeAll(async () => {
    rp1 = await listen(() => app(() => auth1));
    rp2 = await listen(() => app(() => auth2));
    evilRp = rp1;
    // One OP client serves both app instances (the same app deployed twice).
    op = await startOidcProvider({
      clients: [
        {
          client_id: 'rp',
          client_secret: CLIENT_SECRET,
          redirect_uris: [`${rp1.base}/auth/op/callback`, `${rp2.base}/auth/op/callback`],
          post_logout_redirect_uris: [`${rp1.base}/auth/logout/callback`],
          backchannel_logout_uri: `${rp1.base}/auth/op/backchannel-logout`,
          backchannel_logout_session_required: true,
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_basic',
        },
      ],
    });
    evilOp = await startOidcProvider({
      clients: [
        {
          client_id: 'rp',
          client_secret: CLIENT_SECRET,
          redirect_uris: [`${rp1.base}/auth/evil/callback`],
          grant_types: ['authorization_code'],
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_basic',
        },
      ],
    });
    sql1 = await openTestSqlStore(services.postgres!);
    // The second app instance has its own pool and its own caches over the same tables.
    const { createSqlStore } = await import('../../src/storage/sql/index.js');
    const { TEST_SECRET } = await import('./sql-support.js');
    sql2 = await createSqlStore({ url: services.postgres!, tablePrefix: sql1.prefix, secrets: [TEST_SECRET] });
    auth1 = authFor(rp1.base, sql1.store);
    auth2 = authFor(rp2.base, sql2);
    admin = new pg.Client({ connectionString: services.postgres! });
    await admin.connect();
  });
  afterAll(async () => {
    await admin?.end();
    await rp1?.close();
    await rp2?.close();
    await op?.close();
    await evilOp?.close();
    await redisStores[0]?.clearAll();
    await Promise.all(redisStores.map((s) => s.close()));
    await sql2?.close();
    await sql1?.cleanup();
    void evilRp;
  });

  it('a session made on one instance is valid on the other; logout on one ends it on both', async () => {
    op.knobs.accountId = 'shared-user';
    const ua = new UserAgent();
    await login(ua, rp1.base);
    const cookie = ua.cookieHeader(rp1.base);
    const on1 = await me(rp1.base, cookie);
    const on2 = await me(rp2.base, cookie);
    expect(on1.status).toBe(200);
    expect(on2.status).toBe(200);
    expect(JSON.parse(on2.body).user.id).toBe(JSON.parse(on1.body).user.id);
    await logout(ua, rp1.base);
    expect((await me(rp1.base, cookie)).status).toBe(401);
    // Instance 2 had the session cached; the Redis revocation push drops it well before revalidation.
    expect(await until(async () => (await me(rp2.base, cookie)).status === 401, 2000)).toBe(true);
  });

  it('a back-channel logout received by one instance ends the session on both', async () => {
    op.knobs.accountId = 'bcl-user';
    const ua = new UserAgent();
    await login(ua, rp1.base);
    const cookie = ua.cookieHeader(rp1.base);
    expect((await me(rp2.base, cookie)).status).toBe(200);
    // The user signs out at the provider, which notifies instance 1 on the back channel.
    await ua.navigate(`${op.issuer}/session/end?client_id=rp`, { autoSubmitForms: true });
    expect(await until(async () => (await me(rp1.base, cookie)).status === 401)).toBe(true);
    expect(await until(async () => (await me(rp2.base, cookie)).status === 401, 2000)).toBe(true);
    expect(op.backchannelErrors).toEqual([]);
  });

  it('20 concurrent first logins of one identity leave exactly one user', async () => {
    op.knobs.accountId = `race-${Date.now()}`;
    const agents = Array.from({ length: 20 }, () => new UserAgent());
    const landed = await Promise.all(agents.map((ua, i) => login(ua, i % 2 === 0 ? rp1.base : rp2.base)));
    expect(landed.every((l) => l.stopped && new URL(l.url).pathname === '/dashboard')).toBe(true);
    const count = await admin.query(`SELECT count(*)::int AS n FROM ${sql1.prefix}users WHERE email_lower = $1`, [`${op.knobs.accountId}@example.test`]);
    expect(count.rows[0].n).toBe(1);
    const accounts = await admin.query(`SELECT count(*)::int AS n FROM ${sql1.prefix}accounts WHERE issuer = $1 AND subject = $2`, [
      op.issuer,
      op.knobs.accountId,
    ]);
    expect(accounts.rows[0].n).toBe(1);
    const ids = new Set(
      await Promise.all(
        agents.map(async (ua, i) => JSON.parse((await me(i % 2 === 0 ? rp1.base : rp2.base, ua.cookieHeader(rp1.base))).body).user.id as string),
      ),
    );
    expect(ids.size).toBe(1);
  });

  it("security: an attacker provider asserting the victim's email unverified cannot reach the victim's account", async () => {
    op.knobs.accountId = 'victim';
    const victim = new UserAgent();
    await login(victim, rp1.base);
    const victimUser = JSON.parse((await me(rp1.base, victim.cookieHeader(rp1.base))).body).user.id as string;
    // The attacker's account at the evil provider carries victim@example.test (unverified).
    evilOp.knobs.accountId = 'victim';
    const attacker = new UserAgent();
    const r = await attacker.navigate(`${rp1.base}/auth/evil/login?returnTo=%2Fdashboard`, {
      autoSubmitForms: true,
      stop: (u) => u.startsWith(rp1.base) && !new URL(u).pathname.startsWith('/auth/'),
    });
    expect(r.stopped).toBe(false);
    expect(r.status).toBe(409);
    expect(r.html).toContain('ACCOUNT_NOT_LINKED');
    expect((await me(rp1.base, attacker.cookieHeader(rp1.base))).status).toBe(401);
    expect(await sql1.store.users.getAccount(evilOp.issuer, 'victim')).toBeNull();
    expect((await sql1.store.users.listAccounts(victimUser)).map((a) => a.issuer)).toEqual([op.issuer]);
  });
});

describeWithServices(['postgres'], 'app + PostgreSQL going away', () => {
  let rp: RpServer;
  let op: OidcProviderHandle;
  let auth: Auth;
  let proxy: TcpProxy;
  let sql: { store: SqlStore; cleanup: () => Promise<void> };

  beforeAll(async () => {
    rp = await listen(() => app(() => auth));
    op = await startOp(rp.base);
    const target = new URL(services.postgres!);
    proxy = await startTcpProxy(target.hostname, Number(target.port || 5432));
    target.host = `127.0.0.1:${proxy.port}`;
    sql = await openTestSqlStore(target.toString(), { connectTimeoutMs: 1000, operationTimeoutMs: 3000 });
    // Server sessions in PostgreSQL too, revalidated on every request (no cache hides the outage).
    auth = createAuth({
      baseUrl: rp.base,
      secret: SECRET_A,
      providers: [opProvider(op.issuer)],
      session: { strategy: 'server', revalidateSeconds: 0.001 },
      store: { users: sql.store.users, sessions: sql.store.sessions },
    });
  });
  afterAll(async () => {
    await rp?.close();
    await op?.close();
    await proxy?.restore().catch(() => {});
    await sql?.cleanup();
    await proxy?.close();
  });

  it('answers 503 (not 500, no hang) while the database is down, and resumes with nothing lost', async () => {
    op.knobs.accountId = 'outage-user';
    const ua = new UserAgent();
    await login(ua, rp.base);
    const cookie = ua.cookieHeader(rp.base);
    const before = await me(rp.base, cookie);
    expect(before.status).toBe(200);
    await proxy.cut();
    const t0 = Date.now();
    // Session reads fail closed with 503 (never 200, never 500, never "signed out")...
    const session = await fetch(`${rp.base}/auth/session`, { headers: { cookie, accept: 'application/json' } });
    expect(session.status).toBe(503);
    expect(((await session.json()) as { code: string }).code).toBe('STORAGE_UNAVAILABLE');
    // ...and the outage does not clear the session cookie: the browser stays signed in.
    expect(session.headers.getSetCookie().join('\n')).not.toMatch(/max-age=0/i);
    const guarded = await me(rp.base, cookie);
    expect(guarded.status).toBe(503);
    // A new login needs the database too: it fails closed.
    const other = new UserAgent();
    op.knobs.accountId = 'outage-newcomer';
    const attempt = await login(other, rp.base);
    expect(attempt.status).toBe(503);
    expect(Date.now() - t0).toBeLessThan(15_000);
    await proxy.restore();
    // The same cookie works again once the database is back: the session row survived.
    expect(await until(async () => (await me(rp.base, cookie)).status === 200, 8000)).toBe(true);
    expect(JSON.parse((await me(rp.base, cookie)).body).user.id).toBe(JSON.parse(before.body).user.id);
    expect(await sql.store.users.getAccount(op.issuer, 'outage-user')).not.toBeNull();
    const again = await login(new UserAgent(), rp.base);
    expect(again.stopped).toBe(true);
    expect(await sql.store.users.getAccount(op.issuer, 'outage-newcomer')).not.toBeNull();
  });
});
