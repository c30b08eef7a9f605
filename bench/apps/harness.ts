/**
 * The parent side of the app benchmarks: bundles the scripts of `bench/apps/` with esbuild (once per
 * run, into a temporary folder whose `node_modules` links to the project's; packages stay external) and starts each as a
 * plain `node` child process, as a deployed app runs: no TypeScript loader in the measured process
 * (tsx's loader and source maps would add the same ~15-25 MB to every app, and its stack-trace hook
 * would tax every thrown error). It asks each app for its own CPU time and RSS over IPC, drives load with autocannon in another child process, and completes
 * logins with the tests' headless `UserAgent`. Every wait is bounded.
 *
 * `AUTH_BENCH_CPU_PROF=<folder>` starts every app with `--cpu-prof`: each writes
 * `<folder>/<app>.cpuprofile` when it stops (open it in Chrome DevTools or speedscope).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserAgent } from '../../test/support/user-agent.js';
import type { ChildStats } from './child.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
let outDir = '';
const SCRIPTS = ['op', 'floor', 'latchkey', 'demo'] as const;

let built: Promise<void> | undefined;

/** Bundles the app scripts (Latchkey's `src/`, `demo/` and `test/support/` inlined; packages external). */
function buildApps(): Promise<void> {
  built ??= (async () => {
    const esbuild = await import('esbuild');
    outDir = mkdtempSync(join(tmpdir(), 'latchkey-bench-apps-'));
    // Bare imports in the bundles resolve from here, as they would from the project.
    symlinkSync(join(root, 'node_modules'), join(outDir, 'node_modules'), 'dir');
    await esbuild.build({
      entryPoints: SCRIPTS.map((s) => join(root, 'bench', 'apps', `${s}.ts`)),
      outdir: outDir,
      outExtension: { '.js': '.mjs' },
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      tsconfig: join(root, 'tsconfig.json'),
      logLevel: 'error',
      plugins: [
        {
          name: 'packages-external',
          setup(b) {
            // Bare specifiers are packages, resolved at run time from node_modules, except the
            // demo's `latchkey/*` imports, which the tsconfig paths map to src/.
            b.onResolve({ filter: /^[^./]/ }, (args) => (args.path === 'latchkey' || args.path.startsWith('latchkey/') ? undefined : { external: true }));
          },
        },
      ],
    });
  })();
  return built;
}

/**
 * The V8 flags `npm start` gives the demo (`--max-semi-space-size=…` in package.json's `start`
 * script), so the benchmark runs the demo as a newcomer's machine does.
 */
function demoNodeFlags(): string[] {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: { start: string } };
  return pkg.scripts.start.split(/\s+/).filter((arg) => /^--max-[a-z-]+-size=\d+$/.test(arg));
}

/** Removes the bundles (call once every app is closed). */
export function removeBuild(): void {
  if (outDir) rmSync(outDir, { recursive: true, force: true });
  outDir = '';
  built = undefined;
}
const START_TIMEOUT_MS = 60_000;
const REPLY_TIMEOUT_MS = 10_000;
const LOGIN_TIMEOUT_MS = 30_000;

/** A running benchmark app. */
export interface AppProcess {
  readonly name: string;
  readonly url: string;
  readonly pid: number;
  /** Its own CPU time and memory, now (after a full garbage collection with `gc`). */
  stats(options?: { readonly gc?: boolean }): Promise<ChildStats>;
  /** Sets a value in the app (see `child.ts`). */
  set(key: string, value: unknown): Promise<void>;
  /** Disconnects (the app then stops by itself), SIGKILL after 5 s. */
  close(): Promise<void>;
}

type Reply = { type: 'reply'; id: number; value?: unknown; error?: string } | { type: 'ready'; url: string };

/**
 * Starts `bench/apps/<script>.ts` (bundled) with `vars` in a clean environment; resolves when it is ready.
 *
 * @param name - a label for messages.
 * @param script - the file name in `bench/apps/` without `.ts`.
 * @param vars - its environment variables.
 */
export async function startApp(name: string, script: (typeof SCRIPTS)[number], vars: Record<string, string>): Promise<AppProcess> {
  await buildApps();
  const env: Record<string, string> = { NODE_ENV: 'production' };
  for (const k of ['PATH', 'HOME', 'TMPDIR', 'LANG']) if (process.env[k] !== undefined) env[k] = process.env[k]!;
  Object.assign(env, vars);
  const profDir = process.env.AUTH_BENCH_CPU_PROF;
  const prof = profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`, `--cpu-prof-name=${name.replace(/[^a-z0-9]+/gi, '-')}.cpuprofile`] : [];
  const flags = script === 'demo' ? demoNodeFlags() : [];
  const child: ChildProcess = spawn(process.execPath, ['--expose-gc', ...flags, ...prof, join(outDir, `${script}.mjs`)], {
    cwd: root,
    env,
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  let errText = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (d: string) => {
    errText = (errText + d).slice(-4000);
  });
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();
  let nextId = 1;
  let readyUrl: ((url: string) => void) | undefined;
  child.on('message', (m: Reply) => {
    if (m.type === 'ready') return readyUrl?.(m.url);
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    clearTimeout(p.timer);
    if (m.error !== undefined) p.reject(new Error(`${name}: ${m.error}`));
    else p.resolve(m.value);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const request = (message: Record<string, unknown>): Promise<unknown> =>
    new Promise((resolve, reject) => {
      const id = nextId++;
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`${name} did not answer ${String(message.type)} in ${REPLY_TIMEOUT_MS} ms`));
      }, REPLY_TIMEOUT_MS);
      pending.set(id, { resolve, reject, timer });
      child.send({ ...message, id });
    });
  const close = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    if (child.connected) child.disconnect();
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} did not start in ${START_TIMEOUT_MS} ms:\n${errText}`)), START_TIMEOUT_MS);
      readyUrl = (u) => {
        clearTimeout(timer);
        resolve(u);
      };
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${name} exited (${code}) before it was ready:\n${errText}`));
      });
    });
    return {
      name,
      url,
      pid: child.pid!,
      stats: async (options) => (await request({ type: 'stats', gc: options?.gc === true })) as ChildStats,
      set: async (key, value) => void (await request({ type: 'set', key, value })),
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/**
 * The load generator: autocannon, driven programmatically in a child process so that its CPU is
 * neither the app's nor this process's. Prints totals and the count of answers with the wrong status.
 */
const LOADER = `
const autocannon = require('autocannon');
const [url, cookie, seconds, connections, expected] = process.argv.slice(1);
const headers = { accept: 'application/json' };
if (cookie) headers.cookie = cookie;
autocannon({ url, connections: Number(connections), duration: Number(seconds), headers }).then((r) => {
  const right = expected === '200' ? r['2xx'] : r['4xx'];
  process.stdout.write(JSON.stringify({ total: r.requests.total, rps: r.requests.average, bad: r.errors + r.timeouts + (r['1xx'] + r['2xx'] + r['3xx'] + r['4xx'] + r['5xx'] - right) }));
});
`;

/** One load round against one app. */
export interface LoadSample {
  readonly rps: number;
  readonly requests: number;
  /** The app's CPU (user + system) per request, µs. */
  readonly cpuUs: number;
}

/**
 * Loads `url` for `seconds` with `connections` connections and measures the app's CPU per request.
 *
 * @param expected - the status every answer must have (200 signed in, 401 anonymous).
 * @throws Error when any answer has another status or failed.
 */
export async function loadRound(app: AppProcess, url: string, cookie: string, expected: 200 | 401, seconds: number, connections: number): Promise<LoadSample> {
  const before = await app.stats();
  const child = spawn(process.execPath, ['-e', LOADER, url, cookie, String(seconds), String(connections), String(expected)], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (d: string) => (out += d));
  const killer = setTimeout(() => child.kill('SIGKILL'), (seconds + 30) * 1000);
  const [code] = (await once(child, 'exit')) as [number | null];
  clearTimeout(killer);
  const after = await app.stats();
  if (code !== 0) throw new Error(`load generator exited with ${code}`);
  const r = JSON.parse(out) as { total: number; rps: number; bad: number };
  if (r.bad > 0) throw new Error(`${app.name} ${url}: ${r.bad} of ${r.total} answers failed or were not ${expected}`);
  return { rps: r.rps, requests: r.total, cpuUs: (after.cpuMicros - before.cpuMicros) / Math.max(1, r.total) };
}

/** The cookies a browser would send to the app, without the provider's (same host, other port). */
function appCookies(ua: UserAgent, url: string): string {
  // oidc-provider's cookies all start with `_` (`_session`, `_interaction`, …); over http the
  // apps' cookies have no `__Host-` prefix, so they never do.
  return ua
    .cookies(url)
    .filter((c) => !c.startsWith('_'))
    .join('; ');
}

/**
 * One complete login, as a browser does it: the app's login route, the provider's authorize
 * endpoint and its auto-approved interactions, the app's callback (which makes the token and
 * userinfo calls), then `GET /auth/session` with the new cookie.
 *
 * @param providerId - the app's route id of the OP.
 * @returns the app's session cookie header.
 * @throws Error when the login does not land signed in within `LOGIN_TIMEOUT_MS`.
 */
export async function completeLogin(app: AppProcess, providerId: string): Promise<string> {
  const origin = new URL(app.url).origin;
  const ua = new UserAgent();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${app.name}: a login took over ${LOGIN_TIMEOUT_MS} ms`)), LOGIN_TIMEOUT_MS);
  });
  try {
    const landed = await Promise.race([
      ua.navigate(`${app.url}/auth/${providerId}/login?returnTo=%2Fdone`, {
        autoSubmitForms: true,
        stop: (u) => {
          const x = new URL(u);
          return x.origin === origin && x.pathname === '/done';
        },
      }),
      timeout,
    ]);
    if (!landed.stopped) throw new Error(`${app.name}: the login ended at ${landed.url} (${landed.status}) instead of /done`);
    const sessionUrl = `${app.url}/auth/session`;
    const cookie = appCookies(ua, sessionUrl);
    const r = await Promise.race([fetch(sessionUrl, { headers: { cookie, accept: 'application/json' } }), timeout]);
    const body = await r.text();
    if (r.status !== 200) throw new Error(`${app.name}: GET /auth/session after login answered ${r.status}: ${body.slice(0, 200)}`);
    return cookie;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Runs `count` complete logins, `concurrency` at a time, and returns the app's CPU per login (µs).
 */
export async function loginRound(app: AppProcess, providerId: string, count: number, concurrency: number): Promise<{ cpuUs: number; ms: number }> {
  const before = await app.stats();
  const started = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      next++;
      await completeLogin(app, providerId);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  const ms = performance.now() - started;
  const after = await app.stats();
  return { cpuUs: (after.cpuMicros - before.cpuMicros) / count, ms };
}
