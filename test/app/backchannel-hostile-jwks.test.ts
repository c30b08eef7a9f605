/**
 * Issue 18 item 2 at the app layer: the unauthenticated back-channel logout route verifies a
 * token against the provider's key set, so a hostile key set (from the misbehaving OP) must be
 * refused there quickly with a typed error, without refetching the set per request, while a
 * normal set keeps working (200). Served through the Node adapter on 127.0.0.1:0.
 */
import { randomBytes } from 'node:crypto';
import type http from 'node:http';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { latchkey } from '../../src/adapters/node.js';
import { type Auth, createAuth } from '../../src/app/create-auth.js';
import { type MisbehavingOp, startMisbehavingOp } from '../support/misbehaving-op.js';
import { listen, opProvider, type RpServer, SECRET_A } from './support.js';

let op: MisbehavingOp;
let rp: RpServer;
let auth: Auth;

function nodeApp(): http.RequestListener {
  return (req, res) => {
    void latchkey(auth)
      .handle(req, res)
      .then((handled) => {
        if (!handled) res.writeHead(404).end();
      });
  };
}

beforeAll(async () => {
  op = await startMisbehavingOp();
  rp = await listen(nodeApp);
});
afterAll(async () => {
  await rp.close();
  await op.close();
});
beforeEach(() => {
  op.reset();
  // A fresh app per test: its provider client (and key set cache) is created on first use.
  auth = createAuth({ baseUrl: rp.base, secret: SECRET_A, providers: [opProvider(op.issuer, { clientId: op.clientId, clientSecret: op.clientSecret })] });
});
afterEach(() => op.reset());

const b64u = (b: Uint8Array): string => Buffer.from(b).toString('base64url');
const bigUint = (bits: number, odd = false): string => {
  const bytes = randomBytes(bits / 8);
  bytes[0] = bytes[0]! | 0x80;
  if (odd) bytes[bytes.length - 1] = bytes[bytes.length - 1]! | 1;
  return b64u(bytes);
};

/** This process's CPU time (the app, the OP and libuv's pool all run here) and the wall time of one POST. */
async function postLogout(token: string): Promise<{ status: number; body: Record<string, unknown>; ms: number; wallMs: number }> {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const r = await fetch(`${rp.base}/auth/op/backchannel-logout`, {
    method: 'POST',
    body: new URLSearchParams({ logout_token: token }),
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  const text = await r.text();
  const used = process.cpuUsage(cpu);
  return {
    status: r.status,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : {},
    ms: (used.user + used.system) / 1000,
    wallMs: performance.now() - start,
  };
}

/** An unauthenticated caller's token: no kid, a 3072-bit random signature. */
function forgedLogoutToken(): string {
  const enc = (o: unknown): string => b64u(Buffer.from(JSON.stringify(o)));
  return `${enc({ alg: 'RS256', typ: 'logout+jwt' })}.${enc({ iss: op.issuer, aud: op.clientId, sub: 'alice' })}.${b64u(randomBytes(384))}`;
}

it('a normal key set: a valid logout token is accepted (200)', async () => {
  const { status } = await postLogout(await op.makeLogoutToken());
  expect(status).toBe(200);
  // A kid-less token against the default set (one RSA key and three spares) still verifies.
  op.faults.extraJwksKeys = 3;
  expect((await postLogout(await op.makeLogoutToken({}, { kid: null }))).status).toBe(200);
});

it('700 big RSA keys: each forged token is refused fast with JWKS_LIMIT_EXCEEDED, and the set is fetched once', async () => {
  op.faults.hostileJwksKeys = Array.from({ length: 700 }, () => ({ kty: 'RSA', n: bigUint(3072), e: bigUint(3072, true) }));
  for (let i = 0; i < 5; i++) {
    const { status, body, ms, wallMs } = await postLogout(forgedLogoutToken());
    expect(status).toBe(502);
    expect(body).toMatchObject({ error: 'temporarily_unavailable', code: 'JWKS_LIMIT_EXCEEDED' });
    // CPU time, far below the seconds the committed code spent per token; wall time catches a hang.
    expect(ms).toBeLessThan(200);
    expect(wallMs).toBeLessThan(1500);
  }
  expect(op.requestsTo('/jwks')).toHaveLength(1);
});

it('a key with a huge exponent, or a deeply nested member in the set, gives a typed answer, never a 500', async () => {
  op.faults.hostileJwksKeys = [{ kty: 'RSA', kid: 'huge-e', n: bigUint(2048), e: bigUint(4096, true) }];
  const huge = await postLogout(await op.makeLogoutToken());
  expect(huge.status).toBe(502);
  expect(huge.body).toMatchObject({ code: 'JWKS_LIMIT_EXCEEDED' });

  auth = createAuth({ baseUrl: rp.base, secret: SECRET_A, providers: [opProvider(op.issuer, { clientId: op.clientId, clientSecret: op.clientSecret })] });
  op.faults.hostileJwksKeys = [];
  const good = (await (await fetch(`${op.issuer}/jwks`)).json()) as { keys: Record<string, unknown>[] };
  const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
  op.faults.jwksBody = `{"keys":[${JSON.stringify(good.keys[0]).slice(0, -1)},"x5c":${deep}}]}`;
  // The nested member is ignored: the set loads and the logout is processed.
  expect((await postLogout(await op.makeLogoutToken())).status).toBe(200);
});
