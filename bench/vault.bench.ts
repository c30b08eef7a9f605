/**
 * `auth.fetch` overhead: `auth.fetch(userId, provider, url)` with a valid stored token (the hot
 * path: no refresh, no lock; the token injected by `OidcClient.fetchResource`) versus a plain
 * `fetch` with the same `Authorization` header, to the same local resource server (node:http on
 * 127.0.0.1, which checks the token). Both read the body.
 *
 * `auth` is a real `createAuth` with its tokens in SQLite (the embedded default), encrypted at
 * rest. Cases run in short rounds, in a fresh random order each round, so drift and noise fall on
 * every case alike; the headline is the median of the per-round CPU ratios to the baseline (see
 * `interleaved`). A second plain-fetch case (the A/A control) shows how far two identical cases
 * drift apart in this run: the noise floor.
 * Bounded in time and count.
 */
import { once } from 'node:events';
import { rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createAuth } from '../src/app/create-auth.js';
import type { OidcClient } from '../src/core/client.js';
import { oauth2 } from '../src/providers/oauth2.js';
import { createSqlStore } from '../src/storage/sql/index.js';
import { type InterleavedResult, interleaved } from './lib.js';

const TOKEN = 'bench-access-token-0123456789abcdef';
const BODY = JSON.stringify({ items: Array.from({ length: 10 }, (_, i) => ({ id: i, summary: `event ${i}` })) });
const BATCH = 16;

export default async function vaultBench(): Promise<string> {
  const server = http.createServer((req, res) => {
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(BODY);
  });
  server.keepAliveTimeout = 60_000;
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const url = `${base}/calendar/v3/events`;
  const dir = join(tmpdir(), `latchkey-vault-bench-${process.pid}`);
  const store = await createSqlStore({ url: `sqlite:${join(dir, 'bench.db')}`, secrets: ['bench-secret-0123456789abcdefghijklmnopqrstuvwxyz'] });
  try {
    const { user } = await store.users.createUserWithAccount(
      { email: 'bench@example.test', emailVerified: true, name: 'Bench', image: null },
      {
        providerId: 'local',
        issuer: base,
        subject: 'bench',
        scopes: ['calendar'],
        tokens: { accessToken: TOKEN, tokenType: 'Bearer', refreshToken: 'rt', expiresAt: Date.now() + 86_400_000 },
      },
    );
    const provider = oauth2({
      id: 'local',
      authorizationEndpoint: `${base}/authorize`,
      tokenEndpoint: `${base}/token`,
      clientId: 'bench',
      clientSecret: 'bench-secret',
      profile: async () => ({ id: 'bench' }),
      mapProfile: (raw) => ({
        issuer: base,
        subject: String(raw.id),
        email: null,
        emailVerified: false,
        name: null,
        givenName: null,
        familyName: null,
        picture: null,
        locale: null,
        raw,
      }),
    });
    const options = { baseUrl: 'http://127.0.0.1:1', secret: 'bench-app-secret-0123456789abcdefghijklmnop', providers: [provider] };
    const auth = createAuth({ ...options, store: { users: store.users, sessions: store.sessions } });
    // The same app with the vault's in-process token cache off: a store read (SQL + decryption) per call.
    const authNoCache = createAuth({ ...options, store: { users: store.users, sessions: store.sessions }, tokens: { cacheSeconds: 0 } });
    const client: OidcClient = await auth.client('local');

    const expectOk = async (what: string, res: Response): Promise<void> => {
      if (res.status !== 200) throw new Error(`${what}: HTTP ${res.status}`);
      await res.text();
    };
    const plain = async (): Promise<void> => expectOk('plain fetch', await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` }, redirect: 'manual' }));
    const viaAuth = async (): Promise<void> => expectOk('auth.fetch', await auth.fetch(user.id, 'local', url));
    const viaAuthNoCache = async (): Promise<void> => expectOk('auth.fetch (no cache)', await authNoCache.fetch(user.id, 'local', url));
    const core = async (): Promise<void> => expectOk('fetchResource', await client.fetchResource(url, { accessToken: TOKEN, tokenType: 'Bearer' }));
    // The same request with a per-request timeout, as a careful hand-written call would carry.
    const plainWithTimeout = async (): Promise<void> =>
      expectOk(
        'plain fetch + timeout',
        await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` }, redirect: 'manual', signal: AbortSignal.timeout(10_000) }),
      );
    const batch = (fn: () => Promise<void>) => async () => {
      await Promise.all(Array.from({ length: BATCH }, fn));
    };

    const sequential = await interleaved(
      [
        { name: 'plain fetch (baseline)', fn: plain },
        { name: 'plain fetch again (A/A control)', fn: plain },
        { name: '**auth.fetch** (SQLite store, default token cache)', fn: viaAuth },
        { name: 'OidcClient.fetchResource (no vault)', fn: core },
        { name: 'auth.fetch with `cacheSeconds: 0` (SQLite read per call)', fn: viaAuthNoCache },
        { name: 'plain fetch + AbortSignal.timeout', fn: plainWithTimeout },
      ],
      { rounds: 600, opsPerRound: 10, warmupMs: 10_000, maxMs: 90_000 },
    );
    const concurrent = await interleaved(
      [
        { name: `plain fetch ×${BATCH} (baseline)`, fn: batch(plain) },
        { name: `plain fetch ×${BATCH} again (A/A control)`, fn: batch(plain) },
        { name: `**auth.fetch** ×${BATCH}`, fn: batch(viaAuth) },
        { name: `OidcClient.fetchResource ×${BATCH}`, fn: batch(core) },
      ],
      { rounds: 300, opsPerRound: 1, warmupMs: 4_000, maxMs: 40_000 },
    );
    const pct = (ratio: number) => `${((ratio - 1) * 100).toFixed(1)}%`;
    const summary = (r: InterleavedResult, i: number): string => {
      const c = r.cases[i]!;
      const verdict =
        c.cpuRatioMedianCi[1] < 1.1
          ? 'within the 10% target, with the whole interval below it'
          : c.cpuRatioMedian < 1.1
            ? 'within the 10% target, but the interval reaches past it'
            : 'over the 10% target';
      return `CPU overhead of auth.fetch over plain fetch: **${pct(c.cpuRatioMedian)}** (90% CI ${pct(c.cpuRatioMedianCi[0])} to ${pct(c.cpuRatioMedianCi[1])}; ${verdict}); over a plain fetch that carries a timeout, as Latchkey's requests all do: see that row. Noise floor (A/A control): ${pct(r.cases[1]!.cpuRatioMedian)}.`;
    };
    return [
      "Valid stored token (hot path), local resource server on 127.0.0.1, body read in every case. CPU is this process's (client and in-process server together), per request. The headline ratio is the median over rounds of (case CPU ÷ baseline CPU in the same round), with a bootstrap 90% confidence interval; the ratio of totals and the wall-clock rate ratio are shown beside it.",
      `Load average at the end: ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' / ')}.`,
      '',
      `**Sequential** (one request at a time; ${sequential.rounds} rounds of ${sequential.opsPerRound}):`,
      '',
      sequential.table,
      '',
      summary(sequential, 2),
      '',
      `**Concurrent** (batches of ${BATCH}; one op = one batch; ${concurrent.rounds} rounds of ${concurrent.opsPerRound}):`,
      '',
      concurrent.table,
      '',
      summary(concurrent, 2),
    ].join('\n');
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
