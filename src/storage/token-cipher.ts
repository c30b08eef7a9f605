/**
 * Encryption at rest for provider tokens: AES-256-GCM (`src/internal/crypto.ts`), with keys derived by
 * HKDF-SHA-256 from the app secrets. The first secret encrypts; every secret decrypts, so a
 * rotation (new secret first, old ones after) keeps old rows readable. Each ciphertext names the
 * key that made it and is bound to a context (the account id), so a ciphertext copied to another
 * account's row does not decrypt there.
 *
 * Format: `lk1.<keyId>.<iv>.<ciphertext+tag>`, base64url parts.
 *
 * @module
 */
import { ConfigurationError, StorageError } from '../errors.js';
import { SymmetricKey, symmetric } from '../internal/crypto.js';
import { base64url, fromBase64url, fromUtf8, randomBytes, utf8 } from '../internal/encoding.js';
import type { AccountTokens } from './types.js';

/** Encrypts and decrypts token fields for storage. */
export interface TokenCipher {
  /** The id of the key that encrypts (derived from the first secret). */
  currentKeyId(): Promise<string>;
  /**
   * Encrypts `plaintext` bound to `context`.
   *
   * @returns the ciphertext string and the id of the key used.
   */
  encrypt(plaintext: string, context: string): Promise<{ ciphertext: string; keyId: string }>;
  /**
   * Decrypts a ciphertext made by any configured key for the same `context`.
   *
   * @throws StorageError `TOKEN_DECRYPT_FAILED` for an unknown key, a tampered value or another context.
   */
  decrypt(ciphertext: string, context: string): Promise<string>;
}

/** Options of {@link createTokenCipher}. */
export interface TokenCipherOptions {
  /** The app secrets, newest first; each at least 32 characters. */
  readonly secrets: readonly string[];
}

const PREFIX = 'lk1';
const SALT = bytes('latchkey/token-cipher/v1');

/** UTF-8 bytes typed for Web Crypto. */
function bytes(s: string): Uint8Array<ArrayBuffer> {
  return utf8(s) as Uint8Array<ArrayBuffer>;
}

interface DerivedKey {
  readonly id: string;
  readonly key: SymmetricKey;
}

async function derive(secret: string): Promise<DerivedKey> {
  const material = await crypto.subtle.importKey('raw', utf8(secret) as Uint8Array<ArrayBuffer>, 'HKDF', false, ['deriveBits']);
  const idBits = await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: SALT, info: bytes('key-id') }, material, 64);
  // The same 256 bits `deriveKey` to AES-256-GCM would give (RFC 5869 output, first 32 bytes).
  const keyBits = await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt: SALT, info: bytes('aes-256-gcm') }, material, 256);
  return { id: base64url(new Uint8Array(idBits)), key: new SymmetricKey(new Uint8Array(keyBits)) };
}

function decryptFailed(reason: string, cause?: unknown): StorageError {
  return new StorageError('TOKEN_DECRYPT_FAILED', `A stored token could not be decrypted: ${reason}.`, { cause });
}

/**
 * Creates a token cipher from the app secrets (newest first).
 *
 * @param options - the secrets.
 * @returns the cipher; keys are derived on first use and kept non-extractable.
 * @throws ConfigurationError `CONFIG_INVALID` when there is no secret or one is shorter than 32 characters.
 * @see [RFC 5869 - HMAC-based Extract-and-Expand Key Derivation Function (HKDF)](https://www.rfc-editor.org/rfc/rfc5869.html#section-2)
 */
export function createTokenCipher(options: TokenCipherOptions): TokenCipher {
  if (options.secrets.length === 0) throw new ConfigurationError('The token cipher needs at least one secret.');
  for (const s of options.secrets) {
    if (typeof s !== 'string' || s.length < 32) throw new ConfigurationError('Each secret must be at least 32 characters (use `npx latchkey secret`).');
  }
  const secrets = [...options.secrets];
  let keys: Promise<DerivedKey[]> | undefined;
  const getKeys = (): Promise<DerivedKey[]> => {
    keys ??= Promise.all(secrets.map(derive));
    return keys;
  };

  return {
    async currentKeyId() {
      return (await getKeys())[0]!.id;
    },
    async encrypt(plaintext, context) {
      const { id, key } = (await getKeys())[0]!;
      const iv = randomBytes(12);
      const ct = await symmetric.aesGcmEncrypt(key, iv, utf8(plaintext), utf8(`${PREFIX}|${id}|${context}`));
      return { ciphertext: `${PREFIX}.${id}.${base64url(iv)}.${base64url(ct)}`, keyId: id };
    },
    async decrypt(ciphertext, context) {
      const parts = ciphertext.split('.');
      if (parts.length !== 4 || parts[0] !== PREFIX) throw decryptFailed('unknown format');
      const [, id, ivPart, ctPart] = parts as [string, string, string, string];
      const entry = (await getKeys()).find((k) => k.id === id);
      if (!entry) throw decryptFailed('its key is not among the configured secrets');
      let iv: Uint8Array;
      let body: Uint8Array;
      try {
        iv = fromBase64url(ivPart);
        body = fromBase64url(ctPart);
      } catch (err) {
        throw decryptFailed('malformed value', err);
      }
      if (iv.length !== 12 || body.length < 16) throw decryptFailed('malformed value');
      try {
        const pt = await symmetric.aesGcmDecrypt(entry.key, iv, body, utf8(`${PREFIX}|${id}|${context}`));
        return fromUtf8(pt);
      } catch (err) {
        throw decryptFailed('authentication failed (altered, or moved from another row)', err);
      }
    },
  };
}

/**
 * Encrypts an account's tokens as one JSON value bound to the account id.
 *
 * @param cipher - the token cipher.
 * @param accountId - the account the tokens belong to (the encryption context).
 * @param tokens - the tokens, or null.
 * @returns the ciphertext and key id, or nulls for null tokens.
 */
export async function sealTokens(
  cipher: TokenCipher,
  accountId: string,
  tokens: AccountTokens | null,
): Promise<{ ciphertext: string | null; keyId: string | null }> {
  if (tokens === null) return { ciphertext: null, keyId: null };
  return cipher.encrypt(JSON.stringify(tokens), `account:${accountId}`);
}

/**
 * Decrypts an account's tokens sealed by {@link sealTokens}.
 *
 * @param cipher - the token cipher.
 * @param accountId - the account the row belongs to.
 * @param ciphertext - the stored value, or null.
 * @returns the tokens, or null.
 * @throws StorageError `TOKEN_DECRYPT_FAILED`.
 */
export async function openTokens(cipher: TokenCipher, accountId: string, ciphertext: string | null): Promise<AccountTokens | null> {
  if (ciphertext === null) return null;
  const json = await cipher.decrypt(ciphertext, `account:${accountId}`);
  try {
    return JSON.parse(json) as AccountTokens;
  } catch (err) {
    throw decryptFailed('not JSON', err);
  }
}
