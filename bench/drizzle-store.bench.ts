/**
 * The Drizzle store against the Kysely SQL store, on the same app (Latchkey on node:http, server
 * sessions, the benchmark oidc-provider), per dialect: SQLite always, PostgreSQL when
 * `TEST_POSTGRES_URL` is set. Two measures, each the app's own CPU (the provider runs in its own
 * process):
 * - a complete login (login redirect, authorize, callback with the token and userinfo calls, the
 *   user and account written, the session created, `GET /auth/session`);
 * - a signed-in request (`GET /auth/session` with the session cookie) with
 *   `session.revalidateSeconds: 0.001`, so the session is read from the store again on nearly every
 *   request (with the default 5 s the store is seldom read and both stores cost the same).
 * Rounds alternate between the apps in a fresh random order; the ratios are of medians of one run.
 * Bounded: ROUNDS rounds of LOGINS logins and of LOAD_SECONDS of load per app.
 */
import { rmSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { generateMigrations } from '../test/storage/drizzle-support.js';
import { type AppProcess, completeLogin, loadRound, loginRound, removeBuild, startApp } from './apps/harness.js';
import { median } from './lib.js';

const CLIENT_ID = 'bench-rp';
const CLIENT_SECRET = 'bench-rp-secret-0123456789abcdefghijklmnop';
const ROUNDS = 5;
const LOGINS = 12;
const LOGIN_CONCURRENCY = 2;
const LOAD_SECONDS = 2;
const CONNECTIONS = 20;
const TARGET = 0.9;

interface Pair {
  readonly dialect: string;
  readonly kysely: AppProcess;
  readonly drizzle: AppProcess;
}

function shuffled<T>(xs: readonly T[]): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Runs the benchmark; returns its Markdown report. */
export default async function run(): Promise<string> {
  const load0 = loadavg();
  const apps: AppProcess[] = [];
  const cleanups: (() => void)[] = [];
  try {
    const op = await startApp('oidc-provider', 'op', {});
    apps.push(op);
    const base = { ISSUER: op.url, CLIENT_ID, CLIENT_SECRET, SERVER: 'node', REVALIDATE_SECONDS: '0.001' };
    const specs: [string, string, Record<string, string>][] = [
      ['SQLite', 'Kysely', { STORE: 'sqlite' }],
      ['SQLite', 'Drizzle', { STORE: 'drizzle-sqlite' }],
    ];
    const pgUrl = process.env.TEST_POSTGRES_URL;
    if (pgUrl) {
      const prefix = `dzb${Math.random().toString(36).slice(2, 8)}_`;
      const { folder } = await generateMigrations('pg', prefix);
      cleanups.push(() => rmSync(folder, { recursive: true, force: true }));
      specs.push(['PostgreSQL', 'Kysely', { STORE: 'postgres', PG_URL: pgUrl }]);
      specs.push(['PostgreSQL', 'Drizzle', { STORE: 'drizzle-postgres', PG_URL: pgUrl, DZ_PREFIX: prefix, DZ_MIGRATIONS: folder }]);
    }
    const started = await Promise.all(specs.map(([dialect, store, vars]) => startApp(`${store} ${dialect}`, 'latchkey', { ...base, ...vars })));
    apps.push(...started);
    await op.set('clients', [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        redirect_uris: started.map((a) => `${a.url}/auth/op/callback`),
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ]);
    const pairs: Pair[] = [];
    for (let i = 0; i < started.length; i += 2) pairs.push({ dialect: specs[i]![0], kysely: started[i]!, drizzle: started[i + 1]! });

    const cookies = new Map<AppProcess, string>();
    for (const a of started) cookies.set(a, await completeLogin(a, 'op'));
    // Warm-up: JIT, statement caches, pools.
    for (const a of started) {
      await loginRound(a, 'op', 4, LOGIN_CONCURRENCY);
      await loadRound(a, `${a.url}/auth/session`, cookies.get(a)!, 200, 1, CONNECTIONS);
    }
    const login = new Map<AppProcess, number[]>(started.map((a) => [a, []]));
    const guarded = new Map<AppProcess, { cpu: number[]; rps: number[] }>(started.map((a) => [a, { cpu: [], rps: [] }]));
    for (let r = 0; r < ROUNDS; r++) {
      for (const a of shuffled(started)) login.get(a)!.push((await loginRound(a, 'op', LOGINS, LOGIN_CONCURRENCY)).cpuUs);
      for (const a of shuffled(started)) {
        const s = await loadRound(a, `${a.url}/auth/session`, cookies.get(a)!, 200, LOAD_SECONDS, CONNECTIONS);
        guarded.get(a)!.cpu.push(s.cpuUs);
        guarded.get(a)!.rps.push(s.rps);
      }
    }
    return report(pairs, login, guarded, load0, loadavg());
  } finally {
    await Promise.all(apps.map((a) => a.close()));
    for (const c of cleanups) c();
    removeBuild();
  }
}

function report(
  pairs: readonly Pair[],
  login: ReadonlyMap<AppProcess, number[]>,
  guarded: ReadonlyMap<AppProcess, { cpu: number[]; rps: number[] }>,
  load0: number[],
  load1: number[],
): string {
  const lines = [
    `Latchkey on node:http with server sessions, the same app on each store; ${ROUNDS} rounds, each of ${LOGINS} complete logins (${LOGIN_CONCURRENCY} at a time) and ${LOAD_SECONDS} s of signed-in \`GET /auth/session\` (${CONNECTIONS} connections, \`revalidateSeconds: 0.001\`: the session is read from the store on nearly every request) per app, apps in a fresh random order each round. "Speed" is Kysely's CPU per operation over Drizzle's (above 1: Drizzle is cheaper). Goal: ≥ ${TARGET}.`,
    '',
    '| dialect | measure | Kysely | Drizzle | speed (Kysely CPU / Drizzle CPU) | goal |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const p of pairs) {
    const lk = median(login.get(p.kysely)!);
    const ld = median(login.get(p.drizzle)!);
    const gk = guarded.get(p.kysely)!;
    const gd = guarded.get(p.drizzle)!;
    const loginRatio = lk / ld;
    const guardRatio = median(gk.cpu) / median(gd.cpu);
    const ok = (x: number) => (x >= TARGET ? 'met' : 'NOT met');
    lines.push(
      `| ${p.dialect} | complete login, app CPU ms (median round) | ${(lk / 1000).toFixed(2)} | ${(ld / 1000).toFixed(2)} | **${loginRatio.toFixed(2)}** | ${ok(loginRatio)} |`,
      `| ${p.dialect} | signed-in request, app CPU µs (median round) | ${median(gk.cpu).toFixed(0)} | ${median(gd.cpu).toFixed(0)} | **${guardRatio.toFixed(2)}** | ${ok(guardRatio)} |`,
      `| ${p.dialect} | signed-in request, requests/s (median round) | ${median(gk.rps).toFixed(0)} | ${median(gd.rps).toFixed(0)} | ${(median(gd.rps) / median(gk.rps)).toFixed(2)} (Drizzle rps / Kysely rps) | |`,
    );
  }
  lines.push('', `Load average (1 min) before: ${load0[0]!.toFixed(2)}, after: ${load1[0]!.toFixed(2)} on ${availableParallelism()} cores.`);
  return lines.join('\n');
}
