/**
 * Guarded `GET /me` with server-side sessions in SQLite, PostgreSQL and Redis, versus the encrypted
 * cookie strategy, on node:http. Server sessions use the default short in-process cache
 * (`session.revalidateSeconds`, 5 s, with revocations pushed by the store), so most requests never
 * reach the database. Target: server ÷ cookie ≥ 0.8. Load comes from autocannon in a child process;
 * the cases run in interleaved rounds. Backends whose URL (TEST_POSTGRES_URL, TEST_REDIS_URL) is not
 * set are reported as skipped. Bounded: ROUNDS × cases short rounds (about 40 s).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { latchkey } from '../src/adapters/node.js';
import type { AuthOptions } from '../src/app/config.js';
import { type Auth, createAuth } from '../src/app/create-auth.js';
import { randomToken } from '../src/internal/encoding.js';
import { createRedisSessionStore } from '../src/storage/redis.js';
import { createSqlStore, type SqlStore } from '../src/storage/sql/index.js';
import { login, opProvider, SECRET_A, startOp, UserAgent } from '../test/app/support.js';
import { median } from './lib.js';

const ROUNDS = 5;
const ROUND_SECONDS = 1;
const CONNECTIONS = 50;

const LOADER = `
const autocannon = require('autocannon');
const [url, cookie, seconds, connections] = process.argv.slice(1);
autocannon({ url, connections: Number(connections), duration: Number(seconds), headers: { cookie, accept: 'application/json' } })
  .then((r) => process.stdout.write(JSON.stringify({ rps: r.requests.average, bad: r.non2xx + r.errors })));
`;

async function load(url: string, cookie: string, seconds: number): Promise<number> {
  const child = spawn(process.execPath, ['-e', LOADER, url, cookie, String(seconds), String(CONNECTIONS)], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d: string) => (out += d));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`load generator exited with ${code}`);
  const r = JSON.parse(out) as { rps: number; bad: number };
  if (r.bad > 0) throw new Error(`${url}: ${r.bad} failed or non-2xx answers`);
  return r.rps;
}

interface Case {
  readonly name: string;
  readonly base: string;
  readonly cookie: string;
}

/** Runs the benchmark and returns its Markdown report. */
export default async function run(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-bench-'));
  const prefix = `b${randomToken(6)
    .toLowerCase()
    .replace(/[^a-z0-9]/g, 'x')}_`;
  const closers: (() => Promise<void>)[] = [];
  const skipped: string[] = [];
  const cases: Case[] = [];
  const secrets = [SECRET_A];

  const setup = async (name: string, store: () => Promise<{ extra: Partial<AuthOptions>; close: () => Promise<void> }>) => {
    let auth: Auth | undefined;
    const server = http.createServer((req, res) => {
      const lk = latchkey(auth!);
      if (req.url === '/me') {
        const user = lk.requireUser(req, res);
        const send = (u: unknown) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ user: u }));
        };
        if (user instanceof Promise) void user.then((u) => u && send(u));
        else if (user) send(user);
        return;
      }
      void lk.handle(req, res).then((handled) => {
        if (!handled) res.writeHead(404).end();
      });
    });
    server.keepAliveTimeout = 30_000;
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const op = await startOp(base);
    const s = await store();
    closers.push(async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      await op.close();
      await s.close();
    });
    auth = createAuth({ baseUrl: base, secret: SECRET_A, providers: [opProvider(op.issuer)], ...s.extra });
    const ua = new UserAgent();
    if (!(await login(ua, base, '/me')).stopped) throw new Error(`login failed (${name})`);
    cases.push({ name, base, cookie: ua.cookieHeader(base) });
  };

  try {
    await setup('encrypted cookie (baseline)', async () => ({ extra: { session: { strategy: 'cookie' } }, close: async () => {} }));
    const sqlCase = async (name: string, url: string) => {
      let sql: SqlStore | undefined;
      await setup(name, async () => {
        sql = await createSqlStore({ url, tablePrefix: prefix, secrets });
        return {
          extra: { session: { strategy: 'server' }, store: { users: sql.users, sessions: sql.sessions } },
          close: async () => {
            await sql!.dropAll().catch(() => {});
            await sql!.close();
          },
        };
      });
    };
    await sqlCase('server: SQLite', `sqlite:${join(dir, 'bench.db')}`);
    if (process.env.TEST_POSTGRES_URL) await sqlCase('server: PostgreSQL', process.env.TEST_POSTGRES_URL);
    else skipped.push('PostgreSQL (TEST_POSTGRES_URL not set)');
    if (process.env.TEST_REDIS_URL) {
      const redisUrl = process.env.TEST_REDIS_URL;
      await setup('server: Redis', async () => {
        const sessions = createRedisSessionStore({ url: redisUrl, prefix: `${prefix}:` });
        return {
          extra: { session: { strategy: 'server' }, store: { sessions } },
          close: async () => {
            await sessions.clearAll().catch(() => {});
            await sessions.close();
          },
        };
      });
    } else skipped.push('Redis (TEST_REDIS_URL not set)');

    for (const c of cases) await load(`${c.base}/me`, c.cookie, 1);
    const samples = cases.map(() => [] as number[]);
    for (let r = 0; r < ROUNDS; r++) {
      for (let i = 0; i < cases.length; i++) samples[i]!.push(await load(`${cases[i]!.base}/me`, cases[i]!.cookie, ROUND_SECONDS));
    }
    const base = median(samples[0]!);
    const rows = cases.map((c, i) => {
      const rps = median(samples[i]!);
      return `| ${c.name} | ${Math.round(rps).toLocaleString('en-US')} | ${(rps / base).toFixed(2)} |`;
    });
    return [
      `Guarded \`GET /me\` on node:http; autocannon (${CONNECTIONS} connections) in a child process; medians of ${ROUNDS} interleaved ${ROUND_SECONDS} s rounds. Server sessions use the default in-process cache (revalidated every 5 s, revocations pushed by the store). Target: ratio ≥ 0.80.`,
      '',
      '| session storage | /me rps | ratio to cookie |',
      '| --- | ---: | ---: |',
      ...rows,
      ...(skipped.length > 0 ? ['', `Skipped: ${skipped.join('; ')}.`] : []),
    ].join('\n');
  } finally {
    for (const close of closers) await close().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}
