/**
 * Runs the demo as `npm start` does (`tsx demo/server.ts`) in a child process, on 127.0.0.1 port 0
 * with a temporary data folder, and reads its URL from what it prints. Vitest does not apply the
 * tsconfig `paths` that map `latchkey/*` to `src/`, tsx does: so the demo runs under tsx, exactly
 * like a newcomer's `npm start`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
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

/** Starts the demo; resolves once it printed that it is ready. */
export async function startDemoProcess(extraEnv: Record<string, string> = {}, timeoutMs = 45_000): Promise<DemoProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'latchkey-demo-'));
  const started = Date.now();
  const env: Record<string, string> = {};
  // A clean environment: no provider credentials leak in from the developer's shell.
  for (const k of ['PATH', 'HOME', 'TMPDIR', 'LANG', 'SYSTEMROOT']) if (process.env[k] !== undefined) env[k] = process.env[k]!;
  Object.assign(env, { PORT: '0', HOST: '127.0.0.1', DEV_IDP_PORT: '0', DEMO_DATA_DIR: dataDir, NODE_ENV: 'development' }, extraEnv);
  const child: ChildProcess = spawn(process.execPath, [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), join(root, 'demo', 'server.ts')], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const close = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
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
