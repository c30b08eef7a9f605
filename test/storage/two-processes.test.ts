/**
 * Two app processes sharing PostgreSQL (users, accounts) and Redis (sessions): a session made on
 * one is valid on the other; a logout or a back-channel logout received by one ends it on both.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { randomToken } from '../../src/internal/encoding.js';
import { createRedisSessionStore } from '../../src/storage/redis.js';
import { CLIENT_SECRET, login, logout, UserAgent } from '../app/support.js';
import { describeWithServices, services } from '../support/env.js';
import { type OidcProviderHandle, startOidcProvider } from '../support/oidc-provider.js';
import { freePort, startApp, stopApps, until } from './app-processes.js';
import { openTestSqlStore } from './sql-support.js';

async function me(base: string, cookie: string): Promise<{ status: number; json: { user?: { id: string }; pid?: number } }> {
  const r = await fetch(`${base}/me`, { headers: { cookie, accept: 'application/json' } });
  return { status: r.status, json: (await r.json()) as { user?: { id: string }; pid?: number } };
}

describeWithServices(['postgres', 'redis'], 'two app processes sharing PostgreSQL and Redis', () => {
  let op: OidcProviderHandle;
  const children: ChildProcess[] = [];
  let baseA = '';
  let baseB = '';
  let cleanupSql: (() => Promise<void>) | undefined;
  const redisPrefix = `lktest:2p:${randomToken(6)}:`;

  beforeAll(async () => {
    const [portA, portB] = [await freePort(), await freePort()];
    baseA = `http://127.0.0.1:${portA}`;
    baseB = `http://127.0.0.1:${portB}`;
    op = await startOidcProvider({
      clients: [
        {
          client_id: 'rp',
          client_secret: CLIENT_SECRET,
          redirect_uris: [`${baseA}/auth/op/callback`, `${baseB}/auth/op/callback`],
          post_logout_redirect_uris: [`${baseA}/auth/logout/callback`],
          backchannel_logout_uri: `${baseA}/auth/op/backchannel-logout`,
          backchannel_logout_session_required: true,
          grant_types: ['authorization_code'],
          response_types: ['code'],
          token_endpoint_auth_method: 'client_secret_basic',
        },
      ],
    });
    // Migrate once here (the processes would race to do it; Kysely's lock serializes that too).
    const sql = await openTestSqlStore(services.postgres!);
    cleanupSql = sql.cleanup;
    const common = [op.issuer, services.postgres!, sql.prefix, services.redis!, redisPrefix];
    children.push(...(await Promise.all([startApp('app-process.ts', [String(portA), ...common]), startApp('app-process.ts', [String(portB), ...common])])));
  }, 60_000);

  afterAll(async () => {
    await stopApps(children);
    await op?.close();
    await cleanupSql?.();
    const redis = createRedisSessionStore({ url: services.redis!, prefix: redisPrefix });
    await redis.clearAll();
    await redis.close();
  });

  it('a session made on one process is valid on the other; a logout on one ends it on both', async () => {
    op.knobs.accountId = 'two-proc';
    const ua = new UserAgent();
    expect((await login(ua, baseA)).stopped).toBe(true);
    const cookie = ua.cookieHeader(baseA);
    const a = await me(baseA, cookie);
    const b = await me(baseB, cookie);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(a.json.pid).not.toBe(b.json.pid);
    expect(b.json.user?.id).toBe(a.json.user?.id);
    await logout(ua, baseA);
    expect((await me(baseA, cookie)).status).toBe(401);
    // B cached the session; the Redis revocation push ends it there long before revalidation.
    expect(await until(async () => (await me(baseB, cookie)).status === 401, 2000)).toBe(true);
  });

  it('a back-channel logout received by one process ends the session on both', async () => {
    op.knobs.accountId = 'two-proc-bcl';
    const ua = new UserAgent();
    expect((await login(ua, baseB)).stopped).toBe(true);
    const cookie = ua.cookieHeader(baseB);
    expect((await me(baseA, cookie)).status).toBe(200);
    expect((await me(baseB, cookie)).status).toBe(200);
    await ua.navigate(`${op.issuer}/session/end?client_id=rp`, { autoSubmitForms: true });
    expect(await until(async () => (await me(baseA, cookie)).status === 401, 5000)).toBe(true);
    expect(await until(async () => (await me(baseB, cookie)).status === 401, 2000)).toBe(true);
    expect(op.backchannelErrors).toEqual([]);
  });
});
