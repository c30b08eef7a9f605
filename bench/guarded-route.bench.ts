/**
 * Guarded `GET /me` (reads the signed-in user through Latchkey's guard) versus `GET /public` (the
 * same JSON, no auth) in the same process, on node:http, Hono and Express, for the cookie strategy
 * and the in-memory server-side store. The session cookie comes from a real login against
 * oidc-provider. Load comes from autocannon in a child process; /public and /me run in interleaved
 * rounds and the medians are compared, so machine noise hits both alike. Bounded: a fixed number of
 * short rounds per case (about 100 s in all).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, loadavg } from 'node:os';
import { getRequestListener } from '@hono/node-server';
import express from 'express';
import { Hono } from 'hono';
import { latchkey as expressLatchkey } from '../src/adapters/express.js';
import { latchkey as honoLatchkey } from '../src/adapters/hono.js';
import { latchkey as nodeLatchkey } from '../src/adapters/node.js';
import type { Auth } from '../src/app/create-auth.js';
import { login, makeAuth, startOp, UserAgent } from '../test/app/support.js';
import { median } from './lib.js';

const ROUNDS = 7;
const ROUND_SECONDS = 1;
const WARMUP_SECONDS = 1;
const CONNECTIONS = 50;

/**
 * The load generator: autocannon, driven programmatically in a child process so that its CPU is
 * not the server's (two cores: one serves, one loads). Prints the request count and rps as JSON.
 */
const LOADER = `
const autocannon = require('autocannon');
const [url, cookie, seconds, connections] = process.argv.slice(1);
autocannon({ url, connections: Number(connections), duration: Number(seconds), headers: { cookie, accept: 'application/json' } })
  .then((r) => process.stdout.write(JSON.stringify({ total: r.requests.total, rps: r.requests.average, bad: r.non2xx + r.errors })));
`;

interface Sample {
  readonly rps: number;
  /** Server CPU (this process: user + system) per request, in µs. */
  readonly cpuUs: number;
}

async function load(url: string, cookie: string, seconds: number): Promise<Sample> {
  const cpu0 = process.cpuUsage();
  const child = spawn(process.execPath, ['-e', LOADER, url, cookie, String(seconds), String(CONNECTIONS)], {
    cwd: process.cwd(),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (d: string) => (out += d));
  const [code] = (await once(child, 'exit')) as [number | null];
  const cpu = process.cpuUsage(cpu0);
  if (code !== 0) throw new Error(`load generator exited with ${code}`);
  const r = JSON.parse(out) as { total: number; rps: number; bad: number };
  if (r.bad > 0) throw new Error(`${url}: ${r.bad} failed or non-2xx answers`);
  return { rps: r.rps, cpuUs: (cpu.user + cpu.system) / Math.max(1, r.total) };
}

const PUBLIC_BODY = { user: { id: 'u_public', email: 'alice@example.test', emailVerified: true, name: 'User alice', image: null } };

function nodeServer(auth: Auth): http.RequestListener {
  const lk = nodeLatchkey(auth);
  const send = (res: http.ServerResponse, body: unknown): void => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };
  return (req, res) => {
    if (req.url === '/public') return send(res, PUBLIC_BODY);
    if (req.url === '/me') {
      const user = lk.requireUser(req, res);
      if (user instanceof Promise) void user.then((u) => u && send(res, { user: u }));
      else if (user) send(res, { user });
      return;
    }
    void lk.handle(req, res).then((handled) => {
      if (!handled) res.writeHead(404).end();
    });
  };
}

function honoServer(auth: Auth): http.RequestListener {
  const lk = honoLatchkey(auth);
  const app = new Hono();
  app.get('/public', (c) => c.json(PUBLIC_BODY));
  app.get(
    '/me',
    lk.protect((c, user) => c.json({ user })),
  );
  app.all('/auth/*', lk.handler);
  return getRequestListener(app.fetch);
}

function expressServer(auth: Auth): http.RequestListener {
  const lk = expressLatchkey(auth);
  const app = express();
  app.set('etag', false);
  app.set('x-powered-by', false);
  app.use(lk.router);
  app.get('/public', (_req, res) => {
    res.json(PUBLIC_BODY);
  });
  app.get('/me', lk.requireUser, (_req, res) => {
    res.json({ user: res.locals.user });
  });
  return app;
}

async function listen(getListener: () => http.RequestListener): Promise<{ base: string; close: () => Promise<void> }> {
  const server = http.createServer((req, res) => getListener()(req, res));
  server.keepAliveTimeout = 30_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Median µs of one cached-session lookup, on a fresh header string each call. */
async function lookupMicros(auth: Auth, cookie: string): Promise<number> {
  await auth.authenticate(cookie); // (re)fill the cache: server sessions are re-checked every 5 s
  const headers = Array.from({ length: 64 }, (_, i) => `${cookie}; n=${i}`);
  const runs: number[] = [];
  for (let r = 0; r < 5; r++) {
    const fresh = headers.map((h) => (' ' + h).slice(1));
    const t = performance.now();
    for (let i = 0; i < 100_000; i++) {
      const s = auth.authenticate(fresh[i & 63]);
      if (s === null || s instanceof Promise) throw new Error('the session is not cached');
    }
    runs.push(((performance.now() - t) * 1000) / 100_000);
  }
  return median(runs);
}

/** Runs the benchmark and returns its Markdown report. */
export default async function run(): Promise<string> {
  const rows: string[] = [];
  const guardCost: string[] = [];
  const load0 = loadavg()[0]!;
  const servers: Record<string, (auth: Auth) => http.RequestListener> = { 'node:http': nodeServer, hono: honoServer, express: expressServer };
  for (const [name, make] of Object.entries(servers)) {
    for (const strategy of ['cookie', 'server'] as const) {
      let listener: http.RequestListener | undefined;
      const rp = await listen(() => listener!);
      const op = await startOp(rp.base);
      try {
        const auth = makeAuth(rp.base, op, { session: { strategy } });
        listener = make(auth);
        const ua = new UserAgent();
        const landed = await login(ua, rp.base, '/me');
        if (!landed.stopped) throw new Error(`login failed on ${name}`);
        const cookie = ua.cookieHeader(rp.base);
        await load(`${rp.base}/public`, cookie, WARMUP_SECONDS);
        await load(`${rp.base}/me`, cookie, WARMUP_SECONDS);
        const pub: Sample[] = [];
        const me: Sample[] = [];
        for (let i = 0; i < ROUNDS; i++) {
          pub.push(await load(`${rp.base}/public`, cookie, ROUND_SECONDS));
          me.push(await load(`${rp.base}/me`, cookie, ROUND_SECONDS));
        }
        const pRps = median(pub.map((x) => x.rps));
        const mRps = median(me.map((x) => x.rps));
        const pCpu = median(pub.map((x) => x.cpuUs));
        const mCpu = median(me.map((x) => x.cpuUs));
        // Ratios of adjacent rounds, then their median: slow drifts in machine load cancel out.
        const rpsRatio = median(pub.map((x, i) => me[i]!.rps / x.rps));
        const capacityRatio = median(pub.map((x, i) => x.cpuUs / me[i]!.cpuUs));
        const label = strategy === 'cookie' ? 'encrypted cookie' : 'server-side (memory store)';
        if (name === 'node:http') guardCost.push(`| ${label} | ${cookie.length} | ${(await lookupMicros(auth, cookie)).toFixed(2)} |`);
        const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
        rows.push(
          `| ${name} | ${label} | ${fmt(pRps)} | ${fmt(mRps)} | ${rpsRatio.toFixed(2)} | ${pCpu.toFixed(1)} → ${mCpu.toFixed(1)} | ${capacityRatio.toFixed(2)} |`,
        );
      } finally {
        await rp.close();
        await op.close();
      }
    }
  }
  return [
    `Guarded \`GET /me\` versus \`GET /public\` served by the same process; autocannon (${CONNECTIONS} connections) in a child process; ${ROUNDS} interleaved pairs of ${ROUND_SECONDS} s rounds after a ${WARMUP_SECONDS} s warm-up each; rps and CPU are medians, ratios are medians of the per-pair ratios. Target: /me ÷ /public ≥ 0.90.`,
    'The CPU columns are the server process\'s own CPU time per request (`process.cpuUsage()`); on a saturated single-threaded server throughput is its inverse, and unlike rps it does not move when other processes compete for the cores, so "capacity ratio" (CPU /public ÷ CPU /me) is the steadier estimate of the throughput ratio.',
    '',
    '| server | session strategy | /public rps | /me rps | rps ratio | CPU µs/request /public → /me | capacity ratio |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
    ...rows,
    '',
    `Machine load average (1 min) at start and end: ${load0.toFixed(1)} and ${loadavg()[0]!.toFixed(1)} on ${availableParallelism()} cores; above the core count, rps figures are noise.`,
    '',
    'The guard itself, in process (`auth.authenticate(cookieHeader)` on a cached session, median of 5 runs of 100,000 calls, each on a freshly allocated header string as a server would receive it):',
    '',
    '| session strategy | Cookie header bytes | µs per guarded request |',
    '| --- | ---: | ---: |',
    ...guardCost,
  ].join('\n');
}
