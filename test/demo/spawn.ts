/**
 * Runs the demo as `npm start` does (`tsx demo/server.ts`) in a child process, on 127.0.0.1 port 0
 * with a temporary data folder, and reads its URL from what it prints. Vitest does not apply the
 * tsconfig `paths` that map `latchkey/*` to `src/`, tsx does: so the demo runs under tsx, exactly
 * like a newcomer's `npm start`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A running demo process. */
export interface DemoProcess {
  readonly url: string;
  /** The dev IdP origin the demo printed. */
  readonly devIdpUrl: string;
  /** Everything it printed so far. */
  output(): string;
  /** Milliseconds from spawn to ready. */
  readonly startMs: number;
  readonly dataDir: string;
  /** Stops the process (SIGTERM to its pid, then SIGKILL after 5 s) and removes the data folder. */
  close(): Promise<void>;
}

/** How {@link startDemoProcess} launches the demo. */
export interface DemoLaunch {
  /**
   * `npm start` itself (the package.json script, in its own process group so that close() stops npm,
   * the shell and the demo together) instead of `tsx demo/server.ts`. Default false.
   */
  readonly npmStart?: boolean;
}

/**
 * Starts the demo; resolves once it printed that it is ready. `extraEnv` values override the base
 * environment; an `undefined` value removes the variable (e.g. `{ NODE_ENV: undefined }`).
 */
export async function startDemoProcess(extraEnv: Record<string, string | undefined> = {}, timeoutMs = 45_000, launch: DemoLaunch = {}): Promise<DemoProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-demo-'));
  const started = Date.now();
  const env: Record<string, string> = {};
  // A clean environment: no provider credentials leak in from the developer's shell.
  for (const k of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'SYSTEMROOT']) if (process.env[k] !== undefined) env[k] = process.env[k]!;
  Object.assign(env, { PORT: '0', HOST: '127.0.0.1', DEV_IDP_PORT: '0', DEMO_DATA_DIR: dataDir, NODE_ENV: 'development' });
  for (const [k, v] of Object.entries(extraEnv)) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const child: ChildProcess = launch.npmStart
    ? spawn('npm', ['start', '--silent'], {
        cwd: root,
        env: { ...env, npm_config_update_notifier: 'false' },
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      })
    : spawn(process.execPath, [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(root, 'demo', 'server.ts')], {
        cwd: root,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
  // npm start: signal the whole process group (npm, its shell, the demo), by the group id we created.
  const signal = (sig: NodeJS.Signals): void => {
    if (launch.npmStart && child.pid !== undefined) {
      try {
        process.kill(-child.pid, sig);
      } catch {
        // the group is gone already
      }
    } else child.kill(sig);
  };
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const close = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      signal('SIGTERM');
      const timer = setTimeout(() => signal('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`the demo did not start in ${timeoutMs} ms:\n${out}`)), timeoutMs);
      const check = (): void => {
        const m = /^Open (\S+) and click/m.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      };
      child.stdout!.on('data', check);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`the demo exited (${code}):\n${out}`));
      });
    });
    const devIdpUrl = /Development identity provider on (\S+?),/.exec(out)?.[1] ?? '';
    return { url, devIdpUrl, output: () => out, startMs: Date.now() - started, dataDir, close };
  } catch (error) {
    await close();
    throw error;
  }
}

/** A running example process. */
export interface ExampleProcess {
  /** The URLs it printed, by label (`Express example`, `API`, `SPA`, …). */
  readonly urls: Readonly<Record<string, string>>;
  output(): string;
  close(): Promise<void>;
}

/**
 * Starts `examples/app/<name>/server.ts` under tsx with ports 0 and a temporary SQLite file; resolves
 * once every label in `labels` was printed as `<label> on <url>`. `extraEnv` adds variables.
 */
export async function startExample(
  name: string,
  labels: readonly string[],
  timeoutMs = 45_000,
  extraEnv: Record<string, string> = {},
): Promise<ExampleProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-example-'));
  const env: Record<string, string> = {};
  for (const k of ['PATH', 'HOME', 'TMPDIR', 'LANG']) if (process.env[k] !== undefined) env[k] = process.env[k]!;
  Object.assign(env, { PORT: '0', API_PORT: '0', SPA_PORT: '0', DEV_IDP_PORT: '0', DATABASE_URL: `sqlite:${join(dataDir, 'example.db')}` }, extraEnv);
  const child = spawn(process.execPath, [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(root, 'examples', 'app', name, 'server.ts')], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const close = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  const found = (): Record<string, string> | undefined => {
    const urls: Record<string, string> = {};
    for (const l of labels) {
      const m = new RegExp(`^${l} on (\\S+)`, 'm').exec(out);
      if (!m) return undefined;
      urls[l] = m[1]!;
    }
    return urls;
  };
  const deadline = Date.now() + timeoutMs;
  let urls = found();
  while (!urls && Date.now() < deadline && child.exitCode === null) {
    await new Promise((r) => setTimeout(r, 100));
    urls = found();
  }
  if (!urls) {
    await close();
    throw new Error(`example ${name} did not start:\n${out}`);
  }
  return { urls, output: () => out, close };
}

/** A free TCP port on 127.0.0.1 (listen on 0, read it, close). */
export async function freePort(): Promise<number> {
  const server = createNetServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
