/**
 * A real local Redis Cluster for tests: three masters and one replica each, six `redis-server`
 * child processes on loopback ports in a temp dir, joined with `redis-cli --cluster create`.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One node of the cluster as `CLUSTER NODES` reports it. */
export interface ClusterNode {
  readonly id: string;
  readonly port: number;
  readonly master: boolean;
  /** For a replica: the id of its master. */
  readonly masterId: string | null;
  readonly failed: boolean;
}

/** A running test cluster. */
export interface TestCluster {
  readonly ports: readonly number[];
  /** `redis://127.0.0.1:P` of every node. */
  readonly rootNodes: readonly string[];
  /** The nodes as the node on `askPort` sees them. */
  nodes(askPort?: number): Promise<ClusterNode[]>;
  /** `redis-cli -p port args…` output. */
  cli(port: number, ...args: string[]): Promise<string>;
  /** SIGKILLs the node on `port`. */
  kill(port: number): void;
  /** Kills every node and removes the temp dir. */
  stop(): Promise<void>;
}

/** True when both `port` and its cluster bus port (`port + 10000`) can be bound on loopback. */
async function free(port: number): Promise<boolean> {
  const tryListen = (p: number) =>
    new Promise<boolean>((resolve) => {
      const s = createServer();
      s.once('error', () => resolve(false));
      s.listen(p, '127.0.0.1', () => s.close(() => resolve(true)));
    });
  return (await tryListen(port)) && (await tryListen(port + 10000));
}

async function freePorts(n: number): Promise<number[]> {
  const out: number[] = [];
  let p = 20000 + Math.floor(Math.random() * 20000);
  while (out.length < n) {
    if (await free(p)) out.push(p);
    p += 1;
  }
  return out;
}

/** Parses `CLUSTER NODES`. */
function parseNodes(text: string): ClusterNode[] {
  return text
    .trim()
    .split('\n')
    .map((line) => {
      const [id, addr, flags, masterId] = line.split(' ');
      const f = (flags ?? '').split(',');
      return {
        id: id!,
        port: Number(addr!.split('@')[0]!.split(':')[1]),
        master: f.includes('master'),
        masterId: masterId === '-' ? null : masterId!,
        failed: f.includes('fail') || f.includes('fail?'),
      };
    });
}

/**
 * Starts a 3-master, 3-replica cluster and waits for `cluster_state:ok` on every node.
 *
 * @returns the cluster handle.
 */
export async function startRedisCluster(): Promise<TestCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-cluster-'));
  const ports = await freePorts(6);
  const procs = new Map<number, ChildProcess>();
  const cli = async (port: number, ...args: string[]) => (await run('redis-cli', ['-h', '127.0.0.1', '-p', String(port), ...args], { timeout: 10_000 })).stdout;
  const stop = async () => {
    for (const p of procs.values()) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL');
    await sleep(100);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) {
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', `nodes-${port}.conf`];
      args.push('--cluster-node-timeout', '2000', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--maxmemory', '64mb', '--dir', dir);
      procs.set(port, spawn('redis-server', args, { cwd: dir, stdio: 'ignore' }));
    }
    for (const port of ports) {
      for (let i = 0; ; i++) {
        if ((await cli(port, 'PING').catch(() => '')).trim() === 'PONG') break;
        if (i > 100) throw new Error(`redis-server on ${port} did not start`);
        await sleep(50);
      }
    }
    await run('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '1', '--cluster-yes'], { timeout: 30_000 });
    for (const port of ports) {
      for (let i = 0; ; i++) {
        if ((await cli(port, 'CLUSTER', 'INFO')).includes('cluster_state:ok')) break;
        if (i > 200) throw new Error(`cluster not ok on ${port}`);
        await sleep(100);
      }
    }
    // Every replica attached and in sync (a failover needs one).
    for (let i = 0; ; i++) {
      const nodes = parseNodes(await cli(ports[0]!, 'CLUSTER', 'NODES'));
      if (nodes.filter((n) => n.master).length === 3 && nodes.filter((n) => !n.master && n.masterId).length === 3) break;
      if (i > 200) throw new Error('replicas did not attach');
      await sleep(100);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    ports,
    rootNodes: ports.map((p) => `redis://127.0.0.1:${p}`),
    nodes: async (askPort = ports[0]!) => parseNodes(await cli(askPort, 'CLUSTER', 'NODES')),
    cli,
    kill: (port) => void procs.get(port)?.kill('SIGKILL'),
    stop,
  };
}
