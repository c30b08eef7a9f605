/**
 * App instances in their own processes, for the multi-instance tests: a free loopback port, a
 * fixture started with tsx that prints `ready`, stopping them, and polling until a check holds.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** A loopback port free now. */
export async function freePort(): Promise<number> {
  const s = createServer();
  s.listen(0, '127.0.0.1');
  await once(s, 'listening');
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/**
 * Starts `test/storage/fixtures/<fixture>` with `args`; resolves once it printed `ready`.
 *
 * @param fixture - the file name under `fixtures/`.
 * @param args - its argv.
 * @returns the process.
 */
export async function startApp(fixture: string, args: string[]): Promise<ChildProcess> {
  const script = fileURLToPath(new URL(`./fixtures/${fixture}`, import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout!.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('app process did not start in 30 s')), 30_000);
    child.stdout!.on('data', (d: string) => {
      out += d;
      if (out.includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`app process exited with ${code}`));
    });
  });
  return child;
}

/** Stops the processes: SIGTERM, then SIGKILL after 3 s. */
export async function stopApps(children: readonly ChildProcess[]): Promise<void> {
  for (const c of children) {
    if (c.exitCode !== null) continue;
    c.kill('SIGTERM');
    await Promise.race([once(c, 'exit'), new Promise((r) => setTimeout(r, 3000))]);
    if (c.exitCode === null) c.kill('SIGKILL');
  }
}

/** Polls `check` every 50 ms for up to `ms`; its last answer. */
export async function until(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}
