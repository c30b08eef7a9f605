import * as nodeBuffer from 'node:buffer';
import * as nodeCrypto from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { type NodeBufferLike, type NodeCryptoLike, nativeCrypto, SymmetricKey, symmetric, webCrypto } from '../../src/internal/crypto.js';

const native = nativeCrypto(nodeCrypto as unknown as NodeCryptoLike, nodeBuffer as unknown as NodeBufferLike);
const bytes = (n: number): Uint8Array => new Uint8Array(nodeCrypto.randomBytes(n));
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('symmetric primitives: node:crypto and Web Crypto give the same bytes', () => {
  it('uses node:crypto on Node (process.getBuiltinModule is there)', () => {
    expect(symmetric.kind).toBe('native');
  });

  it('digests agree (SHA-256/384/512), and match a known vector', async () => {
    for (const name of ['SHA-256', 'SHA-384', 'SHA-512'] as const) {
      for (const n of [0, 1, 55, 64, 1000]) {
        const data = bytes(n);
        expect(hex(await native.digest(name, data))).toBe(hex(await webCrypto.digest(name, data)));
      }
    }
    // FIPS 180-2 appendix B.1: SHA-256("abc").
    expect(hex(await native.digest('SHA-256', new TextEncoder().encode('abc')))).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('HMAC-SHA-256 agrees, and matches RFC 4231 test case 2', async () => {
    const key = new SymmetricKey(bytes(32));
    for (const n of [0, 10, 300]) {
      const data = bytes(n);
      expect(hex(await native.hmacSha256(key, data))).toBe(hex(await webCrypto.hmacSha256(key, data)));
    }
    const rfc = new SymmetricKey(new TextEncoder().encode('Jefe'));
    const mac = await native.hmacSha256(rfc, new TextEncoder().encode('what do ya want for nothing?'));
    expect(hex(mac)).toBe('5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843');
  });

  it('AES-256-GCM sealed by either opens with the other; a flipped bit or other data opens with neither', async () => {
    const key = new SymmetricKey(bytes(32));
    for (const n of [0, 1, 16, 333]) {
      const iv = bytes(12);
      const aad = bytes(9);
      const plain = bytes(n);
      const a = await native.aesGcmEncrypt(key, iv, plain, aad);
      const b = await webCrypto.aesGcmEncrypt(key, iv, plain, aad);
      expect(hex(a)).toBe(hex(b));
      expect(a.length).toBe(n + 16);
      expect(hex(await webCrypto.aesGcmDecrypt(key, iv, a, aad))).toBe(hex(plain));
      expect(hex(await native.aesGcmDecrypt(key, iv, b, aad))).toBe(hex(plain));
      const flipped = Uint8Array.from(a);
      flipped[flipped.length - 1]! ^= 1;
      for (const impl of [native, webCrypto]) {
        await expect(impl.aesGcmDecrypt(key, iv, flipped, aad)).rejects.toThrow();
        await expect(impl.aesGcmDecrypt(key, iv, a, bytes(9))).rejects.toThrow();
        await expect(impl.aesGcmDecrypt(new SymmetricKey(bytes(32)), iv, a, aad)).rejects.toThrow();
      }
    }
    await expect(native.aesGcmDecrypt(key, bytes(12), bytes(5), bytes(1))).rejects.toThrow();
  });

  it('base64url agrees on every length, without padding', () => {
    for (let n = 0; n < 70; n++) {
      const b = bytes(n);
      const s = native.base64url(b);
      expect(s).toBe(webCrypto.base64url(b));
      expect(s).toMatch(/^[A-Za-z0-9_-]*$/);
    }
    const big = new Uint8Array(bytes(40).buffer, 7, 20); // a view into a larger buffer
    expect(native.base64url(big)).toBe(webCrypto.base64url(big));
  });
});
