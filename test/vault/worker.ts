/**
 * A child process for the multi-process vault tests, run with `node --import tsx`. Its job comes
 * as JSON in the `VAULT_WORKER` environment variable:
 *
 * - `{ mode: 'standby' }`: loads, prints `STANDBY`, and reads the job as the first line of stdin
 *   (so that tests can start several workers in parallel ahead of time).
 * - `{ mode: 'hold', lock: 'redis' | 'postgres', url, key, ttlMs }`: takes the lock, prints
 *   `HELD`, then idles until killed (the test SIGKILLs it).
 * - `{ mode: 'fetch', … }`: opens the shared SQL store and the Redis lock, builds a vault, prints
 *   `READY`, waits for `GO` on stdin, makes `count` concurrent `vault.fetch` calls, prints one
 *   JSON line `RESULT {…}` (statuses, error codes, subjects seen) and exits.
 * - `{ mode: 'refresh', lock: 'redis' | 'postgres', … }`: the same store, the named lock, a plain
 *   OAuth 2.0 client of the rotating test provider (`rotating-op.ts`) and the lease times the job
 *   gives; prints `READY`, waits for `GO`, makes one `vault.get`, prints `RESULT {…}` (the access
 *   token it got, or the error code) and exits.
 */
import { createInterface } from 'node:readline';
import { isLatchkeyError } from '../../src/errors.js';
import type { DistributedLock } from '../../src/vault/locks/types.js';

interface HoldJob {
  readonly mode: 'hold';
  readonly lock: 'redis' | 'postgres';
  readonly url: string;
  readonly key: string;
  readonly ttlMs: number;
}

interface FetchJob {
  readonly mode: 'fetch';
  readonly postgresUrl: string;
  readonly tablePrefix: string;
  readonly secret: string;
  readonly redisUrl: string;
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUri: string;
  readonly userId: string;
  readonly providerId: string;
  readonly resourceUrl: string;
  readonly count: number;
  /** The negative control: no distributed lock (in-process single flight only). */
  readonly noLock?: boolean;
}

interface RefreshJob {
  readonly mode: 'refresh';
  readonly lock: 'redis' | 'postgres';
  readonly postgresUrl: string;
  readonly tablePrefix: string;
  readonly secret: string;
  readonly redisUrl: string;
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  readonly redirectUri: string;
  readonly userId: string;
  readonly providerId: string;
  readonly lockTtlMs: number;
  readonly lockWaitMs: number;
  readonly timeoutMs: number;
}

/** What a refresh worker reports. */
export interface RefreshReport {
  readonly accessToken?: string;
  readonly error?: string;
}

/** What a fetch worker reports. */
export interface FetchReport {
  readonly statuses: Record<string, number>;
  readonly errors: Record<string, number>;
  readonly subjects: string[];
  /** Refresh-lock acquisitions by this process (single flight: at most one per expired token). */
  readonly locks: number;
}

const queued: string[] = [];
const waiting: ((line: string) => void)[] = [];
createInterface({ input: process.stdin }).on('line', (line) => {
  const w = waiting.shift();
  if (w) w(line);
  else queued.push(line);
});

/** The next line from the parent. */
function nextLine(): Promise<string> {
  const l = queued.shift();
  return l !== undefined ? Promise.resolve(l) : new Promise((resolve) => waiting.push(resolve));
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

async function hold(j: HoldJob): Promise<void> {
  // Imported on demand: a holder starts fast.
  const { createRedisLock } = await import('../../src/vault/locks/redis.js');
  const { createPostgresLock } = await import('../../src/vault/locks/postgres.js');
  const lock: DistributedLock = j.lock === 'redis' ? createRedisLock({ url: j.url }) : createPostgresLock({ url: j.url });
  await lock.acquire(j.key, { ttlMs: j.ttlMs, waitMs: 5000 });
  say('HELD');
  // Idle until SIGKILLed; bounded anyway so a forgotten child cannot live forever.
  setTimeout(() => process.exit(3), 60_000);
}

async function fetchMany(j: FetchJob): Promise<void> {
  const { OidcClient } = await import('../../src/core/client.js');
  const { createSqlStore } = await import('../../src/storage/sql/index.js');
  const { createRedisLock } = await import('../../src/vault/locks/redis.js');
  const { createTokenVault } = await import('../../src/vault/vault.js');
  const store = await createSqlStore({ url: j.postgresUrl, tablePrefix: j.tablePrefix, secrets: [j.secret], notify: false });
  const redisLock = createRedisLock({ url: j.redisUrl });
  let locks = 0;
  const lock: DistributedLock = {
    acquire: (key, o) => {
      if (key.startsWith('latchkey:refresh:')) locks++;
      return redisLock.acquire(key, o);
    },
  };
  const client = await OidcClient.create({ issuer: j.issuer, clientId: j.clientId, clientSecret: j.clientSecret, redirectUri: j.redirectUri });
  const vault = createTokenVault({ users: store.users, clientFor: async () => client, ...(j.noLock ? {} : { lock }) });
  // Warm the pools so that GO releases every call at once.
  await store.users.getUser(j.userId);
  await redisLock.acquire('latchkey:warmup', { ttlMs: 1000, waitMs: 1000 }).then((l) => l.release());
  say('READY');
  // Bounded: the parent sends GO once every worker is READY.
  for (let i = 0; i < 100 && (await nextLine()).trim() !== 'GO'; i++);
  const statuses: Record<string, number> = {};
  const errors: Record<string, number> = {};
  const subjects = new Set<string>();
  await Promise.all(
    Array.from({ length: j.count }, async () => {
      try {
        const res = await vault.fetch(j.userId, j.providerId, j.resourceUrl);
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        if (res.status === 200) subjects.add(((await res.json()) as { sub: string }).sub);
      } catch (e) {
        const code = isLatchkeyError(e) ? e.code : 'UNTYPED';
        errors[code] = (errors[code] ?? 0) + 1;
      }
    }),
  );
  const report: FetchReport = { statuses, errors, subjects: [...subjects], locks };
  say(`RESULT ${JSON.stringify(report)}`);
  await redisLock.close?.();
  await store.close();
  process.exit(0);
}

async function refreshOnce(j: RefreshJob): Promise<void> {
  const { OidcClient } = await import('../../src/core/client.js');
  const { createSqlStore } = await import('../../src/storage/sql/index.js');
  const { createRedisLock } = await import('../../src/vault/locks/redis.js');
  const { createPostgresLock } = await import('../../src/vault/locks/postgres.js');
  const { createTokenVault } = await import('../../src/vault/vault.js');
  const store = await createSqlStore({ url: j.postgresUrl, tablePrefix: j.tablePrefix, secrets: [j.secret], notify: false });
  const lock = j.lock === 'redis' ? createRedisLock({ url: j.redisUrl }) : createPostgresLock({ url: j.postgresUrl });
  const client = await OidcClient.create({
    issuer: j.issuer,
    kind: 'oauth2',
    metadata: { issuer: j.issuer, authorization_endpoint: `${j.issuer}/authorize`, token_endpoint: `${j.issuer}/token` },
    clientId: j.clientId,
    clientSecret: j.clientSecret,
    redirectUri: j.redirectUri,
    http: { timeoutMs: j.timeoutMs },
  });
  const vault = createTokenVault({
    users: store.users,
    clientFor: async () => client,
    lock,
    lockTtlMs: j.lockTtlMs,
    lockWaitMs: j.lockWaitMs,
    cacheSeconds: 0,
  });
  // Warm the pools so that GO starts both refreshes at once.
  await store.users.getUser(j.userId);
  await lock.acquire('latchkey:warmup', { ttlMs: 1000, waitMs: 1000 }).then((l) => l.release());
  say('READY');
  for (let i = 0; i < 100 && (await nextLine()).trim() !== 'GO'; i++);
  let report: RefreshReport;
  try {
    report = { accessToken: (await vault.get(j.userId, j.providerId)).accessToken };
  } catch (e) {
    report = { error: isLatchkeyError(e) ? e.code : 'UNTYPED' };
  }
  say(`RESULT ${JSON.stringify(report)}`);
  await lock.close?.();
  await store.close();
  process.exit(0);
}

try {
  // `standby`: started ahead of time (several in parallel); the job comes as the first stdin line.
  let job = JSON.parse(process.env.VAULT_WORKER ?? '{}') as HoldJob | FetchJob | RefreshJob | { mode: 'standby' };
  if (job.mode === 'standby') {
    await import('../../src/vault/locks/redis.js');
    await import('../../src/vault/locks/postgres.js');
    say('STANDBY');
    job = JSON.parse(await nextLine()) as HoldJob | FetchJob | RefreshJob;
  }
  if (job.mode === 'hold') await hold(job);
  else if (job.mode === 'fetch') await fetchMany(job);
  else if (job.mode === 'refresh') await refreshOnce(job);
  else throw new Error('unknown job');
} catch (e) {
  say(`FAILED ${isLatchkeyError(e) ? e.code : e instanceof Error ? e.message : 'error'}`);
  process.exit(2);
}
