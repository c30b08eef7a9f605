/**
 * `auth.fetch` overhead: `vault.fetch(user, provider, url)` with a valid stored token (the hot
 * path: one store read, no lock, no refresh; the token injected by `OidcClient.fetchResource`)
 * versus a plain `fetch` with the same `Authorization` header, to the same local resource server
 * (node:http on 127.0.0.1, which checks the token). Both read the body. Interleaved rounds, medians,
 * one run; bounded in time and count. Sequential calls and batches of 16 concurrent calls.
 */
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { OidcClient } from '../src/core/client.js';
import { MemoryUserStore } from '../src/storage/memory.js';
import { createTokenVault } from '../src/vault/vault.js';
import { compare, table } from './lib.js';

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
  try {
    const users = new MemoryUserStore();
    const { user } = await users.createUserWithAccount(
      { email: 'bench@example.test', emailVerified: true, name: 'Bench', image: null },
      { providerId: 'local', issuer: base, subject: 'bench', scopes: ['calendar'], tokens: { accessToken: TOKEN, tokenType: 'Bearer', refreshToken: 'rt', expiresAt: Date.now() + 86_400_000 } },
    );
    const client = await OidcClient.create({
      issuer: base,
      kind: 'oauth2',
      metadata: { issuer: base, authorization_endpoint: `${base}/authorize`, token_endpoint: `${base}/token` },
      clientId: 'bench',
      clientSecret: 'bench-secret',
      redirectUri: 'http://127.0.0.1:1/cb',
    });
    const vault = createTokenVault({ users, clientFor: async () => client });

    const plain = async (): Promise<void> => {
      const res = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` }, redirect: 'manual' });
      if (res.status !== 200) throw new Error(`plain fetch: ${res.status}`);
      await res.text();
    };
    const viaVault = async (): Promise<void> => {
      const res = await vault.fetch(user.id, 'local', url);
      if (res.status !== 200) throw new Error(`vault.fetch: ${res.status}`);
      await res.text();
    };
    const batch = (fn: () => Promise<void>) => () => Promise.all(Array.from({ length: BATCH }, fn));

    const sequential = await compare(
      [
        { name: 'plain fetch', fn: plain },
        { name: 'vault.fetch', fn: viaVault },
      ],
      { rounds: 7, roundMs: 600, warmupMs: 600, maxOpsPerRound: 100_000 },
    );
    const concurrent = await compare(
      [
        { name: `plain fetch ×${BATCH}`, fn: batch(plain) },
        { name: `vault.fetch ×${BATCH}`, fn: batch(viaVault) },
      ],
      { rounds: 7, roundMs: 600, warmupMs: 600, maxOpsPerRound: 20_000 },
    );
    const overhead = (r: typeof sequential) => (r[0]!.opsPerSecond / r[1]!.opsPerSecond - 1) * 100;
    const verdict = (o: number) => (o < 10 ? 'within' : 'over');
    return [
      'Valid stored token (hot path), local resource server on 127.0.0.1, body read in both cases.',
      '',
      '**Sequential** (one request at a time):',
      '',
      table(sequential),
      '',
      `Overhead of vault.fetch: **${overhead(sequential).toFixed(1)}%** (${verdict(overhead(sequential))} the 10% target).`,
      '',
      `**Concurrent** (batches of ${BATCH}; ops/s counts batches):`,
      '',
      table(concurrent),
      '',
      `Overhead of vault.fetch: **${overhead(concurrent).toFixed(1)}%** (${verdict(overhead(concurrent))} the 10% target).`,
    ].join('\n');
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
