/**
 * The ID-token checks (OIDC Core 3.1.3.7) and a few conformance negatives, executed inside workerd:
 * the Worker (`fixtures/app-worker.ts`, `POST /conformance`) runs the protocol core's relying-party
 * flow against the misbehaving OP, which runs in Node and records what the Worker asked it. The same
 * cases run in Node in `test/conformance/` (named per case below).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { callsAfter, type MisbehavingFaults, type MisbehavingOp, startMisbehavingOp } from '../support/misbehaving-op.js';
import type { ConformanceResult } from './fixtures/conformance.js';
import { type RunningWorker, startWorker } from './miniflare.js';

let op: MisbehavingOp;
let worker: RunningWorker;

beforeAll(async () => {
  op = await startMisbehavingOp();
  worker = await startWorker({
    entry: 'test/workers/fixtures/app-worker.ts',
    bindings: { GOOGLE_ISSUER: op.issuer, AUTH_SECRET: 'workers-conformance-secret-0123456789abcdefghijklmn' },
  });
}, 90_000);
afterAll(async () => {
  await worker?.close();
  await op?.close();
});
beforeEach(() => {
  op.reset();
});

async function runInWorker(alg?: 'RS256' | 'ES256' | 'none'): Promise<ConformanceResult> {
  const r = await fetch(`${worker.base}/conformance`, {
    method: 'POST',
    body: JSON.stringify({ issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret, ...(alg ? { idTokenSignedResponseAlg: alg } : {}) }),
  });
  expect(r.status).toBe(200);
  return (await r.json()) as ConformanceResult;
}

/** Sets faults on the OP (a fresh faults object per case, after `op.reset()`). */
function fault(set: (faults: MisbehavingFaults) => void): void {
  set(op.faults);
}

describe('Workers (workerd): ID token validation', () => {
  it('accepts an RS256 ID token and reads userinfo (idtoken-sig-rs256)', async () => {
    expect(await runInWorker()).toEqual({ reached: 'userinfo', subject: op.subject });
    expect(op.requestsTo('/token')).toHaveLength(1);
    expect(op.requestsTo('/jwks').length).toBeGreaterThanOrEqual(1);
    expect(op.requestsTo('/userinfo')).toHaveLength(1);
  });

  it('accepts an ES256 ID token when the client registered ES256', async () => {
    fault((f) => {
      f.signing = 'es256';
    });
    expect(await runInWorker('ES256')).toEqual({ reached: 'userinfo', subject: op.subject });
  });

  // Each case: the faults, the code, and the Node twin in test/conformance/.
  const refusals: readonly [string, (f: MisbehavingFaults) => void, string, ('RS256' | 'ES256')?][] = [
    ['iss is not the issuer (invalid-iss)', (f) => void (f.idTokenClaims = { iss: `${op.issuer}1` }), 'ID_TOKEN_ISS_MISMATCH'],
    ['aud is another client (invalid-aud)', (f) => void (f.idTokenClaims = { aud: `${op.clientId}1` }), 'ID_TOKEN_AUD_MISMATCH'],
    ['an RS256 signature that does not verify (invalid-sig-rs256)', (f) => void (f.signing = 'bad-signature'), 'JWT_SIGNATURE_INVALID'],
    [
      'an ES256 signature that does not verify (invalid-sig-es256)',
      (f) => {
        f.signing = 'es256';
        f.corruptSignature = true;
      },
      'JWT_SIGNATURE_INVALID',
      'ES256',
    ],
    ['alg none when RS256 was registered (invalid-null-alg)', (f) => void (f.signing = 'none'), 'JWT_ALG_NOT_ALLOWED'],
    ['exp six minutes ago (invalid-expired-exp)', (f) => void (f.idTokenClaims = { exp: Math.floor(Date.now() / 1000) - 6 * 60 }), 'ID_TOKEN_EXPIRED'],
    ['a nonce that is not the one sent (nonce-invalid)', (f) => void (f.idTokenClaims = { nonce: 'altered-by-the-op' }), 'ID_TOKEN_NONCE_MISMATCH'],
  ];
  for (const [name, set, code, alg] of refusals) {
    it(`refuses ${name}, and calls nothing after the token request`, async () => {
      fault(set);
      expect(await runInWorker(alg)).toMatchObject({ reached: 'error', code, errorName: 'ValidationError' });
      expect(op.requestsTo('/token')).toHaveLength(1);
      expect(callsAfter(op, '/token').filter((p) => p !== '/jwks')).toEqual([]);
      expect(op.requestsTo('/userinfo')).toHaveLength(0);
    });
  }

  it("refuses userinfo whose sub is not the ID token's (userinfo-invalid-sub)", async () => {
    fault((f) => {
      f.userinfo.sub = 'mallory';
    });
    expect(await runInWorker()).toMatchObject({ reached: 'callback', subject: op.subject, code: 'USERINFO_SUB_MISMATCH' });
  });

  it('refuses metadata naming a private-network key set, before any request to it (endpoint policy)', async () => {
    fault((f) => {
      f.discoveryOverrides = { jwks_uri: 'https://192.168.1.1/jwks' };
    });
    expect(await runInWorker()).toMatchObject({ reached: 'error', code: 'ENDPOINT_REFUSED' });
    expect(op.requestsTo('/token')).toHaveLength(0);
  });
});
