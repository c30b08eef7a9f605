/**
 * DPoPHandle proofs (verified with jose against the embedded key) and resourceRequest against a
 * loopback resource server that demands nonces.
 */
import { once } from 'node:events';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { calculateJwkThumbprint, decodeJwt, decodeProtectedHeader, EmbeddedJWK, type JWK, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DPoPHandle, resourceRequest } from '../../src/core/dpop.js';
import { base64url, sha256 } from '../../src/internal/encoding.js';

let server: http.Server;
let base: string;
const hits: { auth?: string; dpop?: string }[] = [];

beforeAll(async () => {
  // A resource server: DPoP tokens need a proof with nonce "rs-n" (401 use_dpop_nonce otherwise).
  server = http.createServer((req, res) => {
    const auth = req.headers.authorization;
    const dpop = req.headers.dpop as string | undefined;
    hits.push({ ...(auth ? { auth } : {}), ...(dpop ? { dpop } : {}) });
    if (req.url === '/loop') {
      res.writeHead(401, { 'www-authenticate': 'DPoP error="use_dpop_nonce"', 'dpop-nonce': `n${hits.length}` }).end();
      return;
    }
    if (auth?.startsWith('DPoP ') && (!dpop || decodeJwt(dpop).nonce !== 'rs-n')) {
      res.writeHead(401, { 'www-authenticate': 'DPoP error="use_dpop_nonce"', 'dpop-nonce': 'rs-n' }).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true }));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => {
    server.closeAllConnections();
    server.close(() => r());
  });
});

describe('DPoPHandle', () => {
  for (const alg of ['ES256', 'EdDSA'] as const) {
    it(`${alg}: a proof verifies with its embedded public key; typ, htm, htu (no query/fragment), iat, jti, ath`, async () => {
      const dpop = await DPoPHandle.generate(alg, { clock: () => 1_700_000_000_000 });
      const proof = await dpop.proof('GET', 'https://rs.example/api/x?secret=1#frag', 'the-access-token');
      const { payload, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', currentDate: new Date(1_700_000_000_000) });
      expect(protectedHeader.alg).toBe(alg);
      expect(protectedHeader.jwk).not.toHaveProperty('d');
      expect(payload).toMatchObject({ htm: 'GET', htu: 'https://rs.example/api/x', iat: 1_700_000_000, ath: base64url(await sha256('the-access-token')) });
      expect(await dpop.thumbprint()).toBe(await calculateJwkThumbprint(protectedHeader.jwk as JWK));
    });
  }

  it('remembers nonces per origin', async () => {
    const dpop = await DPoPHandle.generate();
    dpop.rememberNonce('https://a.example/token', new Headers({ 'dpop-nonce': 'na' }));
    expect(decodeJwt(await dpop.proof('POST', 'https://a.example/other')).nonce).toBe('na');
    expect(decodeJwt(await dpop.proof('POST', 'https://b.example/token')).nonce).toBeUndefined();
    // A malformed nonce (not NQCHAR) is ignored.
    dpop.rememberNonce('https://b.example/', new Headers({ 'dpop-nonce': 'bad"nonce' }));
    expect(dpop.hasNonce('https://b.example/')).toBe(false);
    expect(decodeProtectedHeader(await dpop.proof('POST', 'https://a.example/')).typ).toBe('dpop+jwt');
  });

  it('refuses MAC and none algorithms', async () => {
    const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])) as CryptoKeyPair;
    expect(() => new DPoPHandle(pair, 'HS256')).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
    expect(() => new DPoPHandle(pair, 'none')).toThrow(expect.objectContaining({ code: 'CONFIG_INVALID' }));
  });
});

describe('resourceRequest', () => {
  it('Bearer: the token in the Authorization header, no proof', async () => {
    hits.length = 0;
    const result = await resourceRequest(`${base}/api`, 'bearer-at', 'Bearer', { expect: 'json' });
    expect(result.json).toEqual({ ok: true });
    expect(hits).toEqual([{ auth: 'Bearer bearer-at' }]);
  });

  it('DPoP: 401 use_dpop_nonce, one retry with the nonce and ath', async () => {
    hits.length = 0;
    const dpop = await DPoPHandle.generate();
    const result = await resourceRequest(`${base}/api`, 'dpop-at', 'DPoP', { expect: 'json' }, { dpop });
    expect(result.json).toEqual({ ok: true });
    expect(hits).toHaveLength(2);
    expect(hits[1]!.auth).toBe('DPoP dpop-at');
    expect(decodeJwt(hits[1]!.dpop!)).toMatchObject({ nonce: 'rs-n', ath: base64url(await sha256('dpop-at')), htu: `${base}/api` });
    // The nonce is remembered: the next call needs no retry.
    hits.length = 0;
    await resourceRequest(`${base}/api`, 'dpop-at', 'DPoP', { expect: 'json' }, { dpop });
    expect(hits).toHaveLength(1);
  });

  it('a server that asks again after the retry: DPOP_NONCE_ERROR after exactly two requests', async () => {
    hits.length = 0;
    const dpop = await DPoPHandle.generate();
    await expect(resourceRequest(`${base}/loop`, 'dpop-at', 'DPoP', { expect: 'json' }, { dpop })).rejects.toMatchObject({ code: 'DPOP_NONCE_ERROR' });
    expect(hits).toHaveLength(2);
  });

  it('a DPoP token without a handle is CONFIG_INVALID, and nothing is sent', async () => {
    hits.length = 0;
    await expect(resourceRequest(`${base}/api`, 'dpop-at', 'DPoP', { expect: 'json' })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    expect(hits).toHaveLength(0);
  });
});
