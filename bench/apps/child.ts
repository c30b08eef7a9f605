/**
 * The child side of a benchmark app: every script in `bench/apps/` runs as its own process (started
 * by `harness.ts` with an IPC channel), listens on 127.0.0.1 port 0 and reports `ready` with its
 * URL. The parent asks for `stats` (this process's own `process.cpuUsage()` and RSS) around each
 * measured round, so CPU is the app's alone. An app stops by itself when the parent goes away (the
 * IPC channel closes) or after `MAX_LIFETIME_MS`, whichever comes first.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A process never outlives a benchmark run by more than this. */
const MAX_LIFETIME_MS = 20 * 60_000;

/** A message from the parent. */
export type ParentMessage =
  | { readonly type: 'stats'; readonly id: number; readonly gc?: boolean }
  | { readonly type: 'set'; readonly id: number; readonly key: string; readonly value: unknown };

/** What `stats` answers. */
export interface ChildStats {
  readonly cpuMicros: number;
  readonly rssBytes: number;
  /** The peak RSS of the process so far. */
  readonly maxRssBytes: number;
  readonly heapUsedBytes: number;
  /** The V8 heap reserved (used + free pages, the young generation's semi-spaces included). */
  readonly heapTotalBytes: number;
  /** Memory outside the V8 heap held by JS objects (Buffers, ArrayBuffers). */
  readonly externalBytes: number;
}

/** Values the parent set with `set` (the plain route's body, the OP's clients). */
export const settings = new Map<string, unknown>();

/** Called after a `set`, before it is acknowledged. */
let onSet: (key: string, value: unknown) => void | Promise<void> = () => undefined;

/** Registers what runs when the parent sets a value. */
export function whenSet(fn: (key: string, value: unknown) => void | Promise<void>): void {
  onSet = fn;
}

/** The environment variable `name`, or an error naming it. */
export function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`bench app: ${name} is not set`);
  return v;
}

/** Wires the IPC channel and the lifetime bound; call once, first thing. */
export function startChild(close: () => Promise<void> = async () => undefined): void {
  if (!process.send) throw new Error('bench app: start me through bench/apps/harness.ts (an IPC channel is needed)');
  const stop = (): void => {
    void close().finally(() => process.exit(0));
  };
  process.once('disconnect', stop);
  setTimeout(stop, MAX_LIFETIME_MS).unref();
  process.on('message', (m: ParentMessage) => {
    if (m.type === 'stats') {
      // With `gc`, a full collection first (the parent starts apps with --expose-gc): what stays.
      if (m.gc) (globalThis as { gc?: () => void }).gc?.();
      const cpu = process.cpuUsage();
      const mem = process.memoryUsage();
      const stats: ChildStats = {
        cpuMicros: cpu.user + cpu.system,
        rssBytes: mem.rss,
        maxRssBytes: process.resourceUsage().maxRSS * 1024,
        heapUsedBytes: mem.heapUsed,
        heapTotalBytes: mem.heapTotal,
        externalBytes: mem.external,
      };
      process.send!({ type: 'reply', id: m.id, value: stats });
    } else if (m.type === 'set') {
      settings.set(m.key, m.value);
      void Promise.resolve(onSet(m.key, m.value)).then(
        () => process.send!({ type: 'reply', id: m.id, value: true }),
        (error: unknown) => process.send!({ type: 'reply', id: m.id, error: error instanceof Error ? error.message : String(error) }),
      );
    }
  });
}

/** Tells the parent this app is ready at `url`. */
export function ready(url: string): void {
  process.send!({ type: 'ready', url });
}

/** Listens on 127.0.0.1 port 0 and returns the server and its base URL. */
export async function listenLoopback(listener: http.RequestListener): Promise<{ server: http.Server; base: string }> {
  const server = http.createServer(listener);
  server.keepAliveTimeout = 30_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

/** Closes a server and its connections. */
export function closeServer(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}
