/**
 * Issue 14, "many instances": the replay memories (used `state`, seen back-channel logout `jti`) and
 * the cookie strategy's revocations kept in a shared store.
 *
 * 1. The `ReplayStore` contract on every backend, each time through two store instances (two
 *    connections, as two app instances have): the first to record a value wins, also among 20 at
 *    once; an expired value can be recorded again; a revocation keeps its latest instant and
 *    expires.
 * 2. Two real app processes on the cookie strategy (nothing server-side but `store.replay`), on
 *    Redis and on PostgreSQL, against oidc-provider: a callback replayed on B after A consumed it is
 *    refused before any token request; a back-channel logout received by A ends the session on B
 *    within the revalidation window; the same logout token replayed to B is refused.
 */
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { randomToken } from '../../src/internal/encoding.js';
import { MemoryReplayStore } from '../../src/storage/memory-replay.js';
import { createRedisSessionStore } from '../../src/storage/redis.js';
import { CLIENT_SECRET, UserAgent } from '../app/support.js';
import { describeWithServices, services } from '../support/env.js';
import { type OidcProviderHandle, startOidcProvider } from '../support/oidc-provider.js';
import { freePort, startApp, stopApps, until } from './app-processes.js';
import { replayContract } from './replay-contract.js';
import { openTestSqlStore } from './sql-support.js';

replayContract('memory (one process)', async () => {
  const one = new MemoryReplayStore();
  return { a: one, b: one, close: async () => {} };
});

replayContract('SQLite (two stores on one file)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-replay-'));
  const url = `sqlite:${join(dir, 'auth.db')}`;
  const a = await openTestSqlStore(url);
  const b = await openTestSqlStore(url, { tablePrefix: a.prefix });
  return {
    a: a.store.replay,
    b: b.store.replay,
    close: async () => {
      await b.store.close();
      await a.cleanup();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});

for (const kind of ['postgres', 'mysql'] as const) {
  replayContract(`${kind} (two pools)`, async () => {
    const a = await openTestSqlStore(services[kind]!);
    const b = await openTestSqlStore(services[kind]!, { tablePrefix: a.prefix });
    return {
      a: a.store.replay,
      b: b.store.replay,
      close: async () => {
        await b.store.close();
        await a.cleanup();
      },
    };
  }, [kind]);
}

replayContract('Redis (two clients)', async () => {
  const prefix = `lktest:replay:${randomToken(6)}:`;
  const a = createRedisSessionStore({ url: services.redis!, prefix });
  const b = createRedisSessionStore({ url: services.redis!, prefix });
  return {
    a: a.replay,
    b: b.replay,
    close: async () => {
      await a.clearAll();
      await a.close();
      await b.close();
    },
  };
}, ['redis']);

/** A loopback server that records each back-channel logout body and hands it on to `target()`. */
async function logoutRelay(target: () => string): Promise<{ base: string; bodies: string[]; close: () => Promise<void> }> {
  const bodies: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => {
      body += d;
    });
    req.on('end', () => {
      bodies.push(body);
      fetch(target(), { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body })
        .then(async (r) => {
          res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'text/plain' }).end(await r.text());
        })
        .catch(() => res.writeHead(502).end());
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    bodies,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

async function me(base: string, cookie: string): Promise<number> {
  return (await fetch(`${base}/me`, { headers: { cookie, accept: 'application/json' } })).status;
}

function twoInstances(backend: 'redis' | 'postgres'): void {
  describeWithServices([backend], `two app processes, cookie sessions, replay memories in ${backend}`, () => {
    let op: OidcProviderHandle;
    let relay: Awaited<ReturnType<typeof logoutRelay>>;
    const children: ChildProcess[] = [];
    let baseA = '';
    let baseB = '';
    let cleanup: (() => Promise<void>) | undefined;

    beforeAll(async () => {
      const [portA, portB] = [await freePort(), await freePort()];
      baseA = `http://127.0.0.1:${portA}`;
      baseB = `http://127.0.0.1:${portB}`;
      relay = await logoutRelay(() => `${baseA}/auth/op/backchannel-logout`);
      op = await startOidcProvider({
        clients: [
          {
            client_id: 'rp',
            client_secret: CLIENT_SECRET,
            redirect_uris: [`${baseA}/auth/op/callback`, `${baseB}/auth/op/callback`],
            backchannel_logout_uri: `${relay.base}/bcl`,
            backchannel_logout_session_required: true,
            grant_types: ['authorization_code'],
            response_types: ['code'],
            token_endpoint_auth_method: 'client_secret_basic',
          },
        ],
      });
      let url: string;
      let prefix: string;
      if (backend === 'postgres') {
        const sql = await openTestSqlStore(services.postgres!);
        url = services.postgres!;
        prefix = sql.prefix;
        cleanup = sql.cleanup;
      } else {
        url = services.redis!;
        prefix = `lktest:2p-replay:${randomToken(6)}:`;
        cleanup = async () => {
          const redis = createRedisSessionStore({ url, prefix });
          await redis.clearAll();
          await redis.close();
        };
      }
      const args = [op.issuer, backend, url, prefix];
      children.push(
        ...(await Promise.all([startApp('replay-app-process.ts', [String(portA), ...args]), startApp('replay-app-process.ts', [String(portB), ...args])])),
      );
    }, 60_000);

    afterAll(async () => {
      await stopApps(children);
      await op?.close();
      await relay?.close();
      await cleanup?.();
    });

    it('a callback replayed on B after A consumed it is refused before any token request', async () => {
      op.knobs.accountId = `replay-${backend}`;
      const ua = new UserAgent();
      const toCallback = await ua.navigate(`${baseA}/auth/op/login?returnTo=%2Fme`, {
        autoSubmitForms: true,
        stop: (u) => u.startsWith(`${baseA}/auth/op/callback`),
      });
      expect(toCallback.stopped).toBe(true);
      const callback = new URL(toCallback.url);
      // What an attacker who saw the callback request holds: its query and the transaction cookie.
      const transactionCookie = ua.cookieHeader(callback.href);
      const done = await fetch(callback, { headers: { cookie: transactionCookie }, redirect: 'manual' });
      expect(done.status).toBe(302);
      const replayed = await fetch(`${baseB}${callback.pathname}${callback.search}`, {
        headers: { cookie: transactionCookie, accept: 'application/json' },
        redirect: 'manual',
      });
      expect(replayed.status).toBe(400);
      const body = (await replayed.json()) as { code: string };
      // Refused as a used state (the shared memory), not by the provider refusing the used code.
      expect(body.code).toBe('STATE_MISMATCH');
      expect(op.serverErrors).toEqual([]);
    }, 60_000);

    it('a back-channel logout received by A ends the cookie session on B; the token replayed to B is refused', async () => {
      op.knobs.accountId = `bcl-${backend}`;
      const ua = new UserAgent();
      const landed = await ua.navigate(`${baseB}/auth/op/login?returnTo=%2Fme`, {
        autoSubmitForms: true,
        stop: (u) => u.startsWith(baseB) && !new URL(u).pathname.startsWith('/auth/'),
      });
      expect(landed.stopped).toBe(true);
      const cookie = ua.cookieHeader(baseB);
      expect(await me(baseA, cookie)).toBe(200);
      expect(await me(baseB, cookie)).toBe(200);
      const before = relay.bodies.length;
      await ua.navigate(`${op.issuer}/session/end?client_id=rp`, { autoSubmitForms: true });
      expect(await until(async () => relay.bodies.length > before, 5_000)).toBe(true);
      expect(await until(async () => (await me(baseA, cookie)) === 401, 5_000)).toBe(true);
      // B never received the logout: it sees the shared revocation when it re-checks (1 s here).
      const seenAt = Date.now();
      expect(await until(async () => (await me(baseB, cookie)) === 401, 3_000)).toBe(true);
      expect(Date.now() - seenAt).toBeLessThan(2_500);
      expect(op.backchannelErrors).toEqual([]);
      const replayed = await fetch(`${baseB}/auth/op/backchannel-logout`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: relay.bodies[before]!,
      });
      expect(replayed.status).toBe(400);
    }, 60_000);
  });
}

twoInstances('redis');
twoInstances('postgres');
