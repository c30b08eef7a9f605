/**
 * Spawning `worker.ts` in a child Node process (`node --import tsx`) and reading its lines.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url));

/** A running worker. */
export interface Worker {
  readonly child: ChildProcess;
  /** Resolves with the first line starting with `prefix` (rest of the line), or rejects on exit / timeout. */
  line(prefix: string, timeoutMs?: number): Promise<string>;
  send(line: string): void;
  /** Gives a `standby` worker its job. */
  assign(job: Record<string, unknown>): void;
  kill(signal?: NodeJS.Signals): void;
  /** Resolves when the process has exited. */
  exited(): Promise<void>;
}

/** Starts a worker with `job` (see worker.ts); without one, a `standby` worker waiting for {@link Worker.assign}. */
export function startWorker(job: Record<string, unknown> = { mode: 'standby' }): Worker {
  const child = spawn(process.execPath, ['--import', 'tsx', WORKER], {
    env: { ...process.env, VAULT_WORKER: JSON.stringify(job) },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const seen: string[] = [];
  const waiters: { prefix: string; resolve: (rest: string) => void }[] = [];
  let buffer = '';
  let stderr = '';
  let exit: Promise<void> | undefined;
  const exitedOnce = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stderr!.on('data', (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-4000);
  });
  child.stdout!.on('data', (d: Buffer) => {
    buffer += d.toString();
    let i = buffer.indexOf('\n');
    while (i !== -1) {
      const l = buffer.slice(0, i);
      buffer = buffer.slice(i + 1);
      seen.push(l);
      for (const w of [...waiters]) {
        if (l.startsWith(w.prefix)) {
          waiters.splice(waiters.indexOf(w), 1);
          w.resolve(l.slice(w.prefix.length).trim());
        }
      }
      i = buffer.indexOf('\n');
    }
  });
  return {
    child,
    line(prefix, timeoutMs = 20_000) {
      const found = seen.find((l) => l.startsWith(prefix));
      if (found !== undefined) return Promise.resolve(found.slice(prefix.length).trim());
      return new Promise<string>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`worker: no "${prefix}" within ${timeoutMs} ms; output: ${seen.join(' | ')}; stderr: ${stderr}`)),
          timeoutMs,
        );
        waiters.push({
          prefix,
          resolve: (rest) => {
            clearTimeout(timer);
            resolve(rest);
          },
        });
        void exitedOnce.then(() => {
          setTimeout(() => {
            clearTimeout(timer);
            reject(new Error(`worker exited before "${prefix}"; output: ${seen.join(' | ')}; stderr: ${stderr}`));
          }, 50);
        });
      });
    },
    send(line) {
      child.stdin!.write(`${line}\n`);
    },
    assign(job) {
      child.stdin!.write(`${JSON.stringify(job)}\n`);
    },
    kill(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    exited() {
      exit ??= child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : exitedOnce;
      return exit;
    },
  };
}
