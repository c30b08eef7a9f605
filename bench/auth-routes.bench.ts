/**
 * The auth routes and whole sign-ins (issue 12), black-box, every app in its own process on
 * 127.0.0.1 port 0 (`bench/apps/`), all signing in against one oidc-provider in a further process:
 * - `GET /auth/session`, signed in and anonymous, through Latchkey's node:http adapter (SQLite and
 *   memory session stores) and through the demo, against the floor app (node:http + openid-client
 *   + a `Map`); and for Express, Fastify and Hono, Latchkey's `/auth/session` against a plain route
 *   of the same framework and process answering the same JSON;
 * - the app's CPU per complete login (login redirect, the provider's authorize step, callback with
 *   token and userinfo calls, session read), the provider's CPU excluded;
 * - each app's RSS after all that load.
 * Load: autocannon in a child process; every case of a round runs in a fresh random order, ratios
 * are medians of per-round ratios. Bounded: fixed rounds, each phase stops starting rounds after
 * its time budget, every app stops when this process disconnects.
 */
import { availableParallelism, loadavg } from 'node:os';
import type { ChildStats } from './apps/child.js';
import { type AppProcess, completeLogin, type LoadSample, loadRound, loginRound, removeBuild, startApp } from './apps/harness.js';
import { median } from './lib.js';

const QUICK = process.env.AUTH_BENCH_QUICK === '1';
const CONNECTIONS = 50;
const ROUNDS = QUICK ? 2 : 9;
const ROUND_SECONDS = 1;
const SESSION_PHASE_MAX_MS = 6 * 60_000;
const LOGINS = QUICK ? 20 : 300;
const LOGIN_ROUNDS = QUICK ? 2 : 10;
const LOGIN_CONCURRENCY = 10;
const LOGIN_WARMUP = QUICK ? 10 : 30;
const LOGIN_PHASE_MAX_MS = 8 * 60_000;
const CLIENT_ID = 'bench-rp';
const CLIENT_SECRET = 'bench-rp-secret-0123456789abcdefghijklmnop';

const TARGET_FLOOR = 0.75;
const TARGET_FRAMEWORK = 0.85;
const TARGET_LOGIN = 1.0;
const TARGET_RSS = 1.3;

/** One load case: an app, a path, a cookie (or none) and the status every answer must have. */
interface LoadCase {
  readonly key: string;
  readonly app: AppProcess;
  readonly path: string;
  readonly cookie: string;
  readonly expected: 200 | 401;
  readonly samples: LoadSample[];
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const verdict = (ok: boolean): string => (ok ? 'met' : '**not met**');

function shuffled<T>(xs: readonly T[]): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/** Medians of a case and its ratios to a baseline case, round by round. */
function compareLoad(c: LoadCase, base: LoadCase): { rps: number; cpu: number; capacity: number; rpsRatio: number } {
  const n = Math.min(c.samples.length, base.samples.length);
  const pairs = Array.from({ length: n }, (_, i) => [c.samples[i]!, base.samples[i]!] as const);
  return {
    rps: median(c.samples.map((s) => s.rps)),
    cpu: median(c.samples.map((s) => s.cpuUs)),
    capacity: median(pairs.map(([x, b]) => b.cpuUs / x.cpuUs)),
    rpsRatio: median(pairs.map(([x, b]) => x.rps / b.rps)),
  };
}

async function sessionBody(app: AppProcess, cookie: string): Promise<unknown> {
  const r = await fetch(`${app.url}/auth/session`, { headers: { cookie, accept: 'application/json' } });
  if (r.status !== 200) throw new Error(`${app.name}: /auth/session answered ${r.status}`);
  return r.json();
}

/** Runs the benchmark and returns its Markdown report. */
export default async function run(): Promise<string> {
  const load0 = loadavg();
  const started = Date.now();
  const apps: AppProcess[] = [];
  try {
    const op = await startApp('oidc-provider', 'op', {});
    apps.push(op);
    const opVars = { ISSUER: op.url, CLIENT_ID, CLIENT_SECRET };
    const specs = [
      ['floor', 'floor', {}],
      ['Latchkey node:http, SQLite sessions', 'latchkey', { SERVER: 'node', STORE: 'sqlite' }],
      ['Latchkey node:http, memory sessions', 'latchkey', { SERVER: 'node', STORE: 'memory' }],
      ['demo (SQLite sessions)', 'demo', {}],
      ['express', 'latchkey', { SERVER: 'express', STORE: 'memory' }],
      ['fastify', 'latchkey', { SERVER: 'fastify', STORE: 'memory' }],
      ['hono', 'latchkey', { SERVER: 'hono', STORE: 'memory' }],
    ] as const;
    const started_ = await Promise.all(specs.map(([name, script, vars]) => startApp(name, script, { ...opVars, ...vars })));
    apps.push(...started_);
    const [floor, lkSqlite, lkMemory, demo, ...frameworks] = started_ as [AppProcess, AppProcess, AppProcess, AppProcess, ...AppProcess[]];
    const providerOf = (a: AppProcess): string => (a === demo ? 'oidc' : 'op');
    await op.set('clients', [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        redirect_uris: started_.map((a) => `${a.url}/auth/${providerOf(a)}/callback`),
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ]);

    // ── one login per app: the cookies of the signed-in load ────────────────────────────────────
    const cookies = new Map<AppProcess, string>();
    for (const a of started_) cookies.set(a, await completeLogin(a, providerOf(a)));
    for (const a of frameworks) await a.set('plainBody', await sessionBody(a, cookies.get(a)!));

    // ── GET /auth/session ───────────────────────────────────────────────────────────────────────
    const cases: LoadCase[] = [];
    const add = (key: string, app: AppProcess, path: string, cookie: string, expected: 200 | 401): LoadCase => {
      const c: LoadCase = { key, app, path, cookie, expected, samples: [] };
      cases.push(c);
      return c;
    };
    const vsFloor = [floor, lkSqlite, lkMemory, demo].map((a) => ({
      app: a,
      signedIn: add(`${a.name} signed in`, a, '/auth/session', cookies.get(a)!, 200),
      anonymous: add(`${a.name} anonymous`, a, '/auth/session', '', 401),
    }));
    const vsPlain = frameworks.map((a) => ({
      app: a,
      latchkey: add(`${a.name} latchkey`, a, '/auth/session', cookies.get(a)!, 200),
      plain: add(`${a.name} plain`, a, '/plain/session', cookies.get(a)!, 200),
    }));
    for (const c of shuffled(cases)) await loadRound(c.app, `${c.app.url}${c.path}`, c.cookie, c.expected, ROUND_SECONDS, CONNECTIONS); // warm-up
    const sessionDeadline = Date.now() + SESSION_PHASE_MAX_MS;
    let sessionRounds = 0;
    while (sessionRounds < ROUNDS && Date.now() < sessionDeadline) {
      for (const c of shuffled(cases)) c.samples.push(await loadRound(c.app, `${c.app.url}${c.path}`, c.cookie, c.expected, ROUND_SECONDS, CONNECTIONS));
      sessionRounds++;
    }
    const loadAfterSessions = loadavg();

    // ── complete logins ─────────────────────────────────────────────────────────────────────────
    // With the memory store too: what the SQLite persistence costs (the floor persists nothing).
    const loginApps = [floor, lkSqlite, lkMemory, demo];
    for (const a of loginApps) await loginRound(a, providerOf(a), LOGIN_WARMUP, LOGIN_CONCURRENCY);
    const perRound = Math.ceil(LOGINS / LOGIN_ROUNDS);
    const loginCpu = new Map<AppProcess, number[]>(loginApps.map((a) => [a, []]));
    const loginMs = new Map<AppProcess, number[]>(loginApps.map((a) => [a, []]));
    const loginDeadline = Date.now() + LOGIN_PHASE_MAX_MS;
    let loginRounds = 0;
    while (loginRounds < LOGIN_ROUNDS && Date.now() < loginDeadline) {
      for (const a of shuffled(loginApps)) {
        const r = await loginRound(a, providerOf(a), perRound, LOGIN_CONCURRENCY);
        loginCpu.get(a)!.push(r.cpuUs);
        loginMs.get(a)!.push(r.ms);
      }
      loginRounds++;
    }

    // ── RSS after the load ──────────────────────────────────────────────────────────────────────
    const rss = new Map<AppProcess, ChildStats>();
    const settled = new Map<AppProcess, ChildStats>();
    for (const a of started_) rss.set(a, await a.stats());
    for (const a of started_) settled.set(a, await a.stats({ gc: true }));
    const load1 = loadavg();

    return report({
      cases,
      vsFloor,
      vsPlain,
      sessionRounds,
      loginApps,
      loginCpu,
      loginMs,
      loginRounds,
      perRound,
      rss,
      settled,
      apps: started_,
      floor,
      lkSqlite,
      demo,
      load0,
      loadAfterSessions,
      load1,
      started,
    });
  } finally {
    await Promise.all(apps.map((a) => a.close()));
    removeBuild();
  }
}

/** What {@link run} measured, for {@link report}. */
interface Measured {
  readonly cases: readonly LoadCase[];
  readonly vsFloor: readonly { readonly app: AppProcess; readonly signedIn: LoadCase; readonly anonymous: LoadCase }[];
  readonly vsPlain: readonly { readonly app: AppProcess; readonly latchkey: LoadCase; readonly plain: LoadCase }[];
  readonly sessionRounds: number;
  readonly loginApps: readonly AppProcess[];
  readonly loginCpu: ReadonlyMap<AppProcess, number[]>;
  readonly loginMs: ReadonlyMap<AppProcess, number[]>;
  readonly loginRounds: number;
  readonly perRound: number;
  readonly rss: ReadonlyMap<AppProcess, ChildStats>;
  readonly settled: ReadonlyMap<AppProcess, ChildStats>;
  readonly apps: readonly AppProcess[];
  readonly floor: AppProcess;
  readonly lkSqlite: AppProcess;
  readonly demo: AppProcess;
  readonly load0: number[];
  readonly loadAfterSessions: number[];
  readonly load1: number[];
  readonly started: number;
}

/** The Markdown report of a run. */
function report(measured: Measured): string {
  const {
    cases,
    vsFloor,
    vsPlain,
    sessionRounds,
    loginApps,
    loginCpu,
    loginMs,
    loginRounds,
    perRound,
    rss,
    settled,
    apps: started_,
    floor,
    lkSqlite,
    demo,
    load0,
    loadAfterSessions,
    load1,
    started,
  } = measured;
  const lines: string[] = [];
  lines.push(
    `Every app in its own process (\`bench/apps/\`, bundled by esbuild and run by plain \`node\`, no TypeScript loader), all signed in against one oidc-provider in another process; autocannon (${CONNECTIONS} connections) in a child process. \`GET /auth/session\`: ${sessionRounds} rounds of ${ROUND_SECONDS} s per case after a warm-up round, the ${cases.length} cases in a fresh random order each round. CPU is the app process's own (\`process.cpuUsage()\` over IPC) per request; "capacity ratio" is (baseline CPU per request ÷ case CPU per request), the median over rounds, the headline: unlike rps it hardly moves when other processes compete for the cores. rps ratio: median of the per-round rps ratios.`,
    '',
    `**\`GET /auth/session\` against the floor** (node:http + openid-client 6 + a \`Map\`; target ≥ ${TARGET_FLOOR} of the floor, signed in):`,
    '',
    '| app | request | rps | CPU µs/request | capacity ratio to floor | rps ratio to floor | target |',
    '| --- | --- | ---: | ---: | ---: | ---: | --- |',
  );
  const floorRow = vsFloor[0]!;
  for (const row of vsFloor) {
    for (const kind of ['signedIn', 'anonymous'] as const) {
      const c = row[kind];
      const m = compareLoad(c, floorRow[kind]);
      const target =
        row.app === floor ? 'baseline' : kind === 'signedIn' ? `≥ ${TARGET_FLOOR}: ${verdict(m.capacity >= TARGET_FLOOR)}` : '(same bar, not a stated target)';
      lines.push(
        `| ${row.app.name} | ${kind === 'signedIn' ? 'signed in' : 'anonymous (401)'} | ${fmt(m.rps)} | ${m.cpu.toFixed(1)} | **${m.capacity.toFixed(2)}** | ${m.rpsRatio.toFixed(2)} | ${target} |`,
      );
    }
  }
  lines.push(
    '',
    `**Latchkey's \`GET /auth/session\` against a plain route of the same framework and process** (\`GET /plain/session\` answering the same JSON; memory session store; target ≥ ${TARGET_FRAMEWORK}):`,
    '',
    '| framework | plain route rps | /auth/session rps | CPU µs/request plain → /auth/session | capacity ratio | rps ratio | target |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
  );
  for (const row of vsPlain) {
    const m = compareLoad(row.latchkey, row.plain);
    const p = compareLoad(row.plain, row.plain);
    lines.push(
      `| ${row.app.name} | ${fmt(p.rps)} | ${fmt(m.rps)} | ${p.cpu.toFixed(1)} → ${m.cpu.toFixed(1)} | **${m.capacity.toFixed(2)}** | ${m.rpsRatio.toFixed(2)} | ≥ ${TARGET_FRAMEWORK}: ${verdict(m.capacity >= TARGET_FRAMEWORK)} |`,
    );
  }
  const floorLogin = loginCpu.get(floor)!;
  lines.push(
    '',
    `**App CPU per complete login** (login redirect, the provider's authorize step and auto-approved interactions, callback with token and userinfo calls, \`GET /auth/session\`): ${loginRounds} rounds of ${perRound} logins per app, ${LOGIN_CONCURRENCY} at a time, after ${LOGIN_WARMUP} warm-up logins each, apps in a fresh random order each round; the provider's CPU is in its own process and not counted. Target: Latchkey with SQLite ≤ ${TARGET_LOGIN.toFixed(1)}× the floor.`,
    '',
    '| app | logins | app CPU ms per login (median round) | CPU ratio to floor (median round) | ratio of totals | wall ms per round of logins (median) | target |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- |',
  );
  const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
  for (const a of loginApps) {
    const cpu = loginCpu.get(a)!;
    const ratio = median(cpu.map((v, i) => v / floorLogin[i]!));
    const target = a === floor ? 'baseline' : a === lkSqlite ? `≤ ${TARGET_LOGIN.toFixed(1)}×: ${verdict(ratio <= TARGET_LOGIN)}` : '(for information)';
    lines.push(
      `| ${a.name} | ${cpu.length * perRound} | ${(median(cpu) / 1000).toFixed(2)} | **${ratio.toFixed(2)}×** | ${(sum(cpu) / sum(floorLogin)).toFixed(2)}× | ${fmt(median(loginMs.get(a)!))} | ${target} |`,
    );
  }
  const floorRss = rss.get(floor)!;
  lines.push(
    '',
    `**RSS after the load** (every app had the \`/auth/session\` rounds; floor, Latchkey node:http SQLite and the demo also the logins): the RSS when the load ended, after a full garbage collection (what stays), and the peak (\`process.resourceUsage().maxRSS\`): a point reading depends on where the collector stands, so all three are shown. Target: the demo ≤ ${TARGET_RSS}× the floor.`,
    '',
    '| app | RSS MB after load | ratio to floor | RSS MB after a full GC | ratio to floor | peak RSS MB | ratio to floor | heap used MB after GC | target |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  );
  for (const a of started_) {
    const s = rss.get(a)!;
    const g = settled.get(a)!;
    const f = floorRss;
    const fg = settled.get(floor)!;
    const now = s.rssBytes / f.rssBytes;
    const afterGc = g.rssBytes / fg.rssBytes;
    const peak = s.maxRssBytes / f.maxRssBytes;
    const target =
      a === floor
        ? 'baseline'
        : a === demo
          ? `≤ ${TARGET_RSS}×: after load ${verdict(now <= TARGET_RSS)}, after GC ${verdict(afterGc <= TARGET_RSS)}, peak ${verdict(peak <= TARGET_RSS)}`
          : '';
    const mb = (b: number): string => (b / 2 ** 20).toFixed(0);
    lines.push(
      `| ${a.name} | ${mb(s.rssBytes)} | **${now.toFixed(2)}×** | ${mb(g.rssBytes)} | ${afterGc.toFixed(2)}× | ${mb(s.maxRssBytes)} | ${peak.toFixed(2)}× | ${mb(g.heapUsedBytes)} | ${target} |`,
    );
  }
  const la = (l: number[]): string => l.map((x) => x.toFixed(1)).join(' / ');
  lines.push(
    '',
    `Load average (1 / 5 / 15 min) at the start ${la(load0)}, after the session rounds ${la(loadAfterSessions)}, at the end ${la(load1)}, on ${availableParallelism()} cores; ${((Date.now() - started) / 1000).toFixed(0)} s in all. Above the core count, rps figures are noise; the CPU ratios are the figures to quote.`,
  );
  return lines.join('\n');
}
