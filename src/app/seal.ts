/**
 * Sealing: authenticated encryption of cookie payloads (AES-256-GCM, `src/internal/crypto.ts`) and signing
 * of the short-lived access tokens `POST /auth/token` issues (HS256 through jose), with keys derived
 * once per secret by HKDF-SHA-256 and a different key per purpose. Several secrets enable rotation:
 * the newest seals, every configured one opens.
 *
 * Sealed format: `<kid>.<iv>.<ciphertext>` in base64url, where `kid` names the secret (a hash prefix,
 * not the secret) and the purpose is bound as additional authenticated data, so a transaction cookie
 * can never be replayed as a session cookie.
 *
 * @see [RFC 5869 - HMAC-based Extract-and-Expand Key Derivation Function (HKDF)](https://www.rfc-editor.org/rfc/rfc5869.html)
 * @module
 */
import { jwtVerify, SignJWT } from 'jose';
import { SymmetricKey, symmetric } from '../internal/crypto.js';
import { base64url, fromBase64url, fromUtf8, sha256, utf8 } from '../internal/encoding.js';

/** What a sealed value is for; each purpose has its own key. */
export type SealPurpose = 'session' | 'transaction' | 'logout' | 'csrf' | 'access-token';

const PURPOSES: readonly SealPurpose[] = ['session', 'transaction', 'logout', 'csrf', 'access-token'];

interface KeySet {
  readonly kid: string;
  readonly aes: ReadonlyMap<SealPurpose, SymmetricKey>;
  readonly hmac: SymmetricKey;
  readonly jwtKey: Uint8Array;
}

/** The minimum secret length, in characters. */
export const MIN_SECRET_LENGTH = 32;

/**
 * The keys of every configured secret. Create once with {@link Keyring.create}: derivation runs at
 * start-up, never per request.
 */
export class Keyring {
  private readonly byKid: ReadonlyMap<string, KeySet>;
  private constructor(private readonly sets: readonly KeySet[]) {
    this.byKid = new Map(sets.map((s) => [s.kid, s]));
  }

  /**
   * Derives the keys of every secret.
   *
   * @param secrets - newest first; each at least {@link MIN_SECRET_LENGTH} characters.
   * @returns the keyring.
   */
  static async create(secrets: readonly string[]): Promise<Keyring> {
    const sets: KeySet[] = [];
    for (const secret of secrets) {
      const ikm = await crypto.subtle.importKey('raw', utf8(secret) as Uint8Array<ArrayBuffer>, 'HKDF', false, ['deriveBits', 'deriveKey']);
      const kid = base64url(await sha256(`latchkey/kid/${secret}`)).slice(0, 8);
      const derive = async (info: string): Promise<Uint8Array<ArrayBuffer>> =>
        new Uint8Array(
          await crypto.subtle.deriveBits(
            { name: 'HKDF', hash: 'SHA-256', salt: utf8('latchkey/v1') as Uint8Array<ArrayBuffer>, info: utf8(info) as Uint8Array<ArrayBuffer> },
            ikm,
            256,
          ),
        );
      const aes = new Map<SealPurpose, SymmetricKey>();
      for (const p of PURPOSES) aes.set(p, new SymmetricKey(await derive(`aes-gcm/${p}`)));
      const hmac = new SymmetricKey(await derive('hmac/csrf'));
      sets.push({ kid, aes, hmac, jwtKey: await derive('jwt/hs256') });
    }
    return new Keyring(sets);
  }

  /**
   * Encrypts a JSON payload with the newest secret.
   *
   * @param purpose - bound into the ciphertext as additional data.
   * @param payload - any JSON value.
   * @returns the sealed string (cookie-safe).
   */
  async seal(purpose: SealPurpose, payload: unknown): Promise<string> {
    const set = this.sets[0]!;
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const ct = await symmetric.aesGcmEncrypt(set.aes.get(purpose)!, iv, utf8(JSON.stringify(payload)), utf8(purpose));
    return `${set.kid}.${base64url(iv)}.${base64url(ct)}`;
  }

  /**
   * Decrypts a sealed string with whichever configured secret sealed it.
   *
   * @param purpose - must equal the sealing purpose.
   * @param sealed - the sealed string, as received (untrusted).
   * @returns the payload, or undefined when malformed, tampered, for another purpose or sealed with
   *   a secret no longer configured. Never throws for bad input.
   */
  async open(purpose: SealPurpose, sealed: string): Promise<unknown> {
    if (sealed.length > 8192) return undefined;
    const parts = sealed.split('.');
    if (parts.length !== 3) return undefined;
    const set = this.byKid.get(parts[0]!);
    if (!set) return undefined;
    try {
      const iv = fromBase64url(parts[1]!);
      const ct = fromBase64url(parts[2]!);
      // RFC 4648 §3.5 / RFC 7515 §2: only the canonical encoding (no padding, zero spare bits) opens,
      // so one sealed value has one spelling (`…w`, `…x`, `…y`, `…z` and `…w=` would all decode alike).
      if (iv.length !== 12 || base64url(iv) !== parts[1] || base64url(ct) !== parts[2]) return undefined;
      const pt = await symmetric.aesGcmDecrypt(set.aes.get(purpose)!, iv, ct, utf8(purpose));
      return JSON.parse(fromUtf8(pt));
    } catch {
      return undefined;
    }
  }

  /**
   * HMAC-SHA-256 of a value with the newest secret's CSRF key, base64url.
   *
   * @param value - e.g. a session id.
   * @returns the MAC (every configured secret's MAC is accepted by {@link Keyring.macs}).
   */
  async mac(value: string): Promise<string> {
    return base64url(await symmetric.hmacSha256(this.sets[0]!.hmac, utf8(value)));
  }

  /**
   * The MACs of a value under every configured secret (for verification during rotation).
   *
   * @param value - the MACed value.
   * @returns one MAC per secret, newest first.
   */
  async macs(value: string): Promise<string[]> {
    const out: string[] = [];
    for (const s of this.sets) out.push(base64url(await symmetric.hmacSha256(s.hmac, utf8(value))));
    return out;
  }

  /**
   * Signs a short-lived access token (JWT, HS256, `typ: at+jwt`) with the newest secret.
   *
   * @param claims - the token claims (`sub`, `sid`, …).
   * @param options - issuer, audience, lifetime and the current time (epoch ms, default now).
   * @returns the compact JWT.
   * @see [RFC 9068 - JWT Profile for OAuth 2.0 Access Tokens](https://www.rfc-editor.org/rfc/rfc9068.html#section-2.1)
   */
  async signAccessToken(
    claims: Record<string, unknown>,
    options: { issuer: string; audience: string; expiresInSeconds: number; now?: number },
  ): Promise<string> {
    const set = this.sets[0]!;
    const iat = Math.floor((options.now ?? Date.now()) / 1000);
    return new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: set.kid })
      .setIssuer(options.issuer)
      .setAudience(options.audience)
      .setIssuedAt(iat)
      .setExpirationTime(iat + options.expiresInSeconds)
      .sign(set.jwtKey);
  }

  /**
   * Verifies an access token from {@link Keyring.signAccessToken}.
   *
   * @param token - the compact JWT (untrusted).
   * @param options - the expected issuer and audience, and the current time (epoch ms, default now).
   * @returns the claims, or undefined when invalid or expired. Never throws for bad input.
   */
  async verifyAccessToken(token: string, options: { issuer: string; audience: string; now?: number }): Promise<Record<string, unknown> | undefined> {
    if (token.length > 4096) return undefined;
    try {
      const header = JSON.parse(fromUtf8(fromBase64url(token.split('.')[0] ?? ''))) as { kid?: unknown };
      const set = typeof header.kid === 'string' ? this.byKid.get(header.kid) : undefined;
      if (!set) return undefined;
      const { payload } = await jwtVerify(token, set.jwtKey, {
        algorithms: ['HS256'],
        typ: 'at+jwt',
        issuer: options.issuer,
        audience: options.audience,
        requiredClaims: ['exp', 'iat', 'sub'],
        ...(options.now !== undefined ? { currentDate: new Date(options.now) } : {}),
      });
      return payload as Record<string, unknown>;
    } catch {
      return undefined;
    }
  }
}
