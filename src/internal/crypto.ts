/**
 * The symmetric primitives Latchkey uses per request (SHA-2 digests, HMAC-SHA-256, AES-256-GCM) and
 * base64url, behind one interface with two implementations:
 * - **native**: the runtime's `node:crypto` (and `node:buffer`), called synchronously, where the
 *   runtime provides them through `process.getBuiltinModule` (Node >= 20.16, Bun, Deno);
 * - **web**: Web Crypto (`crypto.subtle`) everywhere else (Workers, browsers, older Node).
 * Both produce the same bytes (AES-GCM output is the ciphertext followed by the 16-byte tag, as Web
 * Crypto returns it), so a value sealed by one opens with the other; the tests check that.
 *
 * Why: each Web Crypto call in Node costs ~30-50 µs of CPU (a promise, a job object, a trip through
 * the thread pool) against ~2-7 µs for the same `node:crypto` call, and a sign-in makes about ten of
 * them (PKCE, the transaction cookie, the session id, tokens at rest, the CSRF token). Only calls of
 * the runtime's own crypto: no cryptography is implemented here.
 *
 * No `node:` import: the Web-only layers may use this module. The modules are looked up at run
 * time; {@link NodeCryptoLike} and {@link NodeBufferLike} describe the little of them used here.
 *
 * @module
 */
const encoder = new TextEncoder();

/** SHA-2 digests used by Latchkey. */
export type ShaName = 'SHA-256' | 'SHA-384' | 'SHA-512';

/** The operations, all returning promises so the two implementations are interchangeable. */
export interface SymmetricCrypto {
  /** Which implementation this is. */
  readonly kind: 'native' | 'web';
  /** A SHA-2 digest. */
  digest(name: ShaName, data: Uint8Array): Promise<Uint8Array>;
  /** HMAC-SHA-256 of `data` under `key`. */
  hmacSha256(key: SymmetricKey, data: Uint8Array): Promise<Uint8Array>;
  /** AES-256-GCM encryption: ciphertext followed by the 16-byte tag. */
  aesGcmEncrypt(key: SymmetricKey, iv: Uint8Array, plaintext: Uint8Array, additionalData: Uint8Array): Promise<Uint8Array>;
  /**
   * AES-256-GCM decryption of ciphertext followed by its tag.
   *
   * @throws Error when the tag does not verify (tampered, wrong key, wrong additional data).
   */
  aesGcmDecrypt(key: SymmetricKey, iv: Uint8Array, sealed: Uint8Array, additionalData: Uint8Array): Promise<Uint8Array>;
  /** base64url without padding (RFC 4648 §5). */
  base64url(bytes: Uint8Array): string;
}

/**
 * A 256-bit symmetric key: the raw bytes (for `node:crypto`) and, imported on first use, the Web
 * Crypto keys for the web implementation. Never serialised, never logged.
 */
export class SymmetricKey {
  #aes: Promise<CryptoKey> | undefined;
  #hmac: Promise<CryptoKey> | undefined;

  /** @param raw - the key bytes (32 for AES-256-GCM; any length for HMAC). */
  constructor(readonly raw: Uint8Array) {}

  /** The Web Crypto AES-GCM key (imported once). */
  aesKey(): Promise<CryptoKey> {
    this.#aes ??= crypto.subtle.importKey('raw', this.raw as Uint8Array<ArrayBuffer>, 'AES-GCM', false, ['encrypt', 'decrypt']);
    return this.#aes;
  }

  /** The Web Crypto HMAC-SHA-256 key (imported once). */
  hmacKey(): Promise<CryptoKey> {
    this.#hmac ??= crypto.subtle.importKey('raw', this.raw as Uint8Array<ArrayBuffer>, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
    return this.#hmac;
  }
}

/** The part of `node:crypto` used here. */
export interface NodeCryptoLike {
  createHash(algorithm: string): { update(data: Uint8Array): { digest(): Uint8Array } };
  createHmac(algorithm: string, key: Uint8Array): { update(data: Uint8Array): { digest(): Uint8Array } };
  createCipheriv(algorithm: 'aes-256-gcm', key: Uint8Array, iv: Uint8Array, options: { authTagLength: number }): AeadCipherLike & { getAuthTag(): Uint8Array };
  createDecipheriv(
    algorithm: 'aes-256-gcm',
    key: Uint8Array,
    iv: Uint8Array,
    options: { authTagLength: number },
  ): AeadCipherLike & { setAuthTag(tag: Uint8Array): unknown };
}

/** A `node:crypto` AEAD cipher or decipher, as far as used here. */
export interface AeadCipherLike {
  setAAD(data: Uint8Array): unknown;
  update(data: Uint8Array): Uint8Array;
  final(): Uint8Array;
}

/** The part of `node:buffer` used here. */
export interface NodeBufferLike {
  readonly Buffer: {
    concat(list: readonly Uint8Array[]): Uint8Array;
    from(buffer: ArrayBufferLike, byteOffset: number, length: number): { toString(encoding: 'base64url'): string };
  };
}

const TAG_BYTES = 16;
const NODE_SHA: Record<ShaName, string> = { 'SHA-256': 'sha256', 'SHA-384': 'sha384', 'SHA-512': 'sha512' };

/** Web Crypto: works on every runtime with `crypto.subtle`. */
export const webCrypto: SymmetricCrypto = {
  kind: 'web',
  async digest(name, data) {
    return new Uint8Array(await crypto.subtle.digest(name, data as Uint8Array<ArrayBuffer>));
  },
  async hmacSha256(key, data) {
    return new Uint8Array(await crypto.subtle.sign('HMAC', await key.hmacKey(), data as Uint8Array<ArrayBuffer>));
  },
  async aesGcmEncrypt(key, iv, plaintext, additionalData) {
    const ct = await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv: iv as Uint8Array<ArrayBuffer>, additionalData: additionalData as Uint8Array<ArrayBuffer> },
      await key.aesKey(),
      plaintext as Uint8Array<ArrayBuffer>,
    );
    return new Uint8Array(ct);
  },
  async aesGcmDecrypt(key, iv, sealed, additionalData) {
    const pt = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: iv as Uint8Array<ArrayBuffer>, additionalData: additionalData as Uint8Array<ArrayBuffer> },
      await key.aesKey(),
      sealed as Uint8Array<ArrayBuffer>,
    );
    return new Uint8Array(pt);
  },
  base64url(bytes) {
    let bin = '';
    for (let i = 0; i < bytes.length; i++) bin += String.fromCharCode(bytes[i]!);
    return btoa(bin).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
  },
};

/**
 * The `node:crypto` implementation over the given modules.
 *
 * @param nodeCrypto - the runtime's `node:crypto`.
 * @param nodeBuffer - the runtime's `node:buffer`.
 * @returns the implementation.
 */
export function nativeCrypto(nodeCrypto: NodeCryptoLike, nodeBuffer: NodeBufferLike): SymmetricCrypto {
  const { Buffer } = nodeBuffer;
  return {
    kind: 'native',
    async digest(name, data) {
      return nodeCrypto.createHash(NODE_SHA[name]).update(data).digest();
    },
    async hmacSha256(key, data) {
      return nodeCrypto.createHmac('sha256', key.raw).update(data).digest();
    },
    async aesGcmEncrypt(key, iv, plaintext, additionalData) {
      const cipher = nodeCrypto.createCipheriv('aes-256-gcm', key.raw, iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(additionalData);
      return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    },
    async aesGcmDecrypt(key, iv, sealed, additionalData) {
      if (sealed.length < TAG_BYTES) throw new Error('AES-GCM input shorter than its tag');
      const decipher = nodeCrypto.createDecipheriv('aes-256-gcm', key.raw, iv, { authTagLength: TAG_BYTES });
      decipher.setAAD(additionalData);
      decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
      return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - TAG_BYTES)), decipher.final()]);
    },
    base64url(bytes) {
      return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64url');
    },
  };
}

/** `node:crypto` and `node:buffer` when the runtime offers them without an import, else undefined. */
function loadNative(): SymmetricCrypto | undefined {
  try {
    const runtime = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
    if (typeof runtime?.getBuiltinModule !== 'function') return undefined;
    const nodeCrypto = runtime.getBuiltinModule('node:crypto') as Partial<NodeCryptoLike> | undefined;
    const nodeBuffer = runtime.getBuiltinModule('node:buffer') as Partial<NodeBufferLike> | undefined;
    if (typeof nodeCrypto?.createCipheriv !== 'function' || typeof nodeBuffer?.Buffer?.concat !== 'function') return undefined;
    return nativeCrypto(nodeCrypto as NodeCryptoLike, nodeBuffer as NodeBufferLike);
  } catch {
    return undefined;
  }
}

/** The implementation this runtime uses: native where available, else Web Crypto. */
export const symmetric: SymmetricCrypto = loadNative() ?? webCrypto;

/** SHA-256 of a string or bytes. */
export function sha256(data: string | Uint8Array): Promise<Uint8Array> {
  return symmetric.digest('SHA-256', typeof data === 'string' ? encoder.encode(data) : data);
}
