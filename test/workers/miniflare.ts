/**
 * Runs a Worker on workerd through miniflare (installed by the runtime matrix in
 * `test/runtimes/`): the app is bundled by esbuild from the sources (package names resolved by the
 * `tsconfig.json` paths, jose's Web build, `node:*` left out), served on 127.0.0.1 port 0, with
 * local KV namespaces and D1 databases that Node can reach too (`kv(name)`, `d1(name)`).
 *
 * ```ts
 * const worker = await startWorker({ entry: 'test/workers/fixtures/app-worker.ts', bindings: { … }, kvNamespaces: ['SESSIONS'], d1Databases: ['DB'] });
 * worker.base;            // 'http://127.0.0.1:<port>', also given to the Worker as env.BASE_URL
 * await worker.kv('SESSIONS'); await worker.d1('DB');
 * await worker.close();
 * ```
 */
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import type { D1DatabaseLike, KvNamespaceLike } from '../../src/storage/cloudflare/index.js';
import { runtimeBinaries } from '../runtimes/install.js';

const repo = resolve(import.meta.dirname, '../..');

/** The compatibility date the Workers run with (a date this workerd release supports). */
export const COMPATIBILITY_DATE = '2025-09-01';

/** The part of miniflare's `Miniflare` class these tests use. */
interface MiniflareLike {
  readonly ready: Promise<URL>;
  setOptions(options: Record<string, unknown>): Promise<void>;
  getKVNamespace(name: string): Promise<KvNamespaceLike>;
  getD1Database(name: string): Promise<D1DatabaseLike>;
  dispose(): Promise<void>;
}
type MiniflareModule = { readonly Miniflare: new (options: Record<string, unknown>) => MiniflareLike };

/** Loads miniflare from the runtime matrix's install folder. */
export async function loadMiniflare(): Promise<MiniflareModule> {
  return (await import(pathToFileURL(join(runtimeBinaries().miniflare, 'dist', 'src', 'index.js')).href)) as MiniflareModule;
}

/**
 * Bundles a Worker entry module for workerd.
 *
 * @param entry - the entry file, relative to the repository.
 * @returns the ES module text.
 */
export async function bundleWorker(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [join(repo, entry)],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser'],
    tsconfig: join(repo, 'tsconfig.json'),
    // The core's lazy node:dns import stays a dynamic import that fails on workerd (and is caught).
    external: ['node:*'],
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

/** A running Worker. */
export interface RunningWorker {
  /** Where it listens: `http://127.0.0.1:<port>` (no trailing slash). */
  readonly base: string;
  kv(name: string): Promise<KvNamespaceLike>;
  d1(name: string): Promise<D1DatabaseLike>;
  close(): Promise<void>;
}

/** Options of {@link startWorker}. */
export interface StartWorkerOptions {
  /** The entry file, relative to the repository. */
  readonly entry: string;
  /** Text bindings (`env.NAME`); the Worker's own URL is added under {@link baseUrlBinding}. */
  readonly bindings?: Readonly<Record<string, string>>;
  /** The name of the binding that carries the Worker's own URL. Default `BASE_URL`. */
  readonly baseUrlBinding?: string;
  readonly kvNamespaces?: readonly string[];
  readonly d1Databases?: readonly string[];
  readonly compatibilityFlags?: readonly string[];
  /** Default {@link COMPATIBILITY_DATE}. */
  readonly compatibilityDate?: string;
}

/**
 * Bundles and starts a Worker on workerd. It listens on a port the system chose; the Worker is
 * then reconfigured on that same port with `BASE_URL` (or `baseUrlBinding`) naming it.
 *
 * @param options - the entry, bindings and storage.
 * @returns the running Worker.
 */
export async function startWorker(options: StartWorkerOptions): Promise<RunningWorker> {
  const [{ Miniflare }, script] = await Promise.all([loadMiniflare(), bundleWorker(options.entry)]);
  const base: Record<string, unknown> = {
    // An explicit module list: miniflare's module locator (for `script`) refuses the core's lazy
    // `import('node:dns')`, which workerd itself only rejects when it runs.
    modules: [{ type: 'ESModule', path: join(repo, 'test-artifacts', 'worker.mjs'), contents: script }],
    compatibilityDate: options.compatibilityDate ?? COMPATIBILITY_DATE,
    compatibilityFlags: [...(options.compatibilityFlags ?? [])],
    kvNamespaces: [...(options.kvNamespaces ?? [])],
    d1Databases: [...(options.d1Databases ?? [])],
    host: '127.0.0.1',
  };
  const urlBinding = options.baseUrlBinding ?? 'BASE_URL';
  const mf = new Miniflare({ ...base, port: 0, bindings: { ...options.bindings, [urlBinding]: 'http://127.0.0.1:1' } });
  try {
    const first = await mf.ready;
    const origin = first.origin;
    await mf.setOptions({ ...base, port: Number(first.port), bindings: { ...options.bindings, [urlBinding]: origin } });
    const url = await mf.ready;
    if (url.origin !== origin) throw new Error(`miniflare moved from ${origin} to ${url.origin}`);
    return {
      base: origin,
      kv: (name) => mf.getKVNamespace(name),
      d1: (name) => mf.getD1Database(name),
      close: () => mf.dispose(),
    };
  } catch (error) {
    await mf.dispose();
    throw error;
  }
}
