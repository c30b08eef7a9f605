/**
 * The development identity provider's signing keys: RS256 key pairs generated in memory, a
 * published JWKS, and rotation on demand (the new key signs at once; older keys stay published so
 * tokens already issued keep verifying).
 *
 * @module
 */
import { exportJWK, generateKeyPair, type JWK, type JWTPayload, SignJWT } from 'jose';
import { randomToken } from '../internal/encoding.js';

/** One signing key: its id, private half and public JWK. */
interface SigningKey {
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicJwk: JWK;
}

/** The JWKS document the IdP publishes. */
export interface PublishedJwks {
  readonly keys: readonly JWK[];
}

/**
 * A small RS256 key ring. The newest key signs; up to `maxPublished` keys are published.
 *
 * @see [RFC 7517 - JSON Web Key (JWK)](https://www.rfc-editor.org/rfc/rfc7517.html#section-5)
 */
export class KeyRing {
  readonly #maxPublished: number;
  #keys: SigningKey[] = [];
  #ready: Promise<void> | undefined;

  /**
   * @param maxPublished How many keys (the current one included) stay in the JWKS. Default 3.
   */
  constructor(maxPublished = 3) {
    this.#maxPublished = Math.max(1, maxPublished);
  }

  /** Generates the first key unless one exists. Safe to call concurrently. */
  ensureReady(): Promise<void> {
    this.#ready ??= this.#keys.length > 0 ? Promise.resolve() : this.rotate().then(() => undefined);
    return this.#ready;
  }

  /**
   * Adds a new key and signs with it from now on; the oldest keys beyond `maxPublished` are dropped.
   *
   * @returns The new key's `kid`.
   */
  async rotate(): Promise<string> {
    const { privateKey, publicKey } = await generateKeyPair('RS256', { modulusLength: 2048, extractable: true });
    const kid = `dev-${randomToken(9)}`;
    const publicJwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' };
    this.#keys = [{ kid, privateKey, publicJwk }, ...this.#keys].slice(0, this.#maxPublished);
    this.#ready = Promise.resolve();
    return kid;
  }

  /** The `kid` of the key that signs now. */
  get currentKid(): string | undefined {
    return this.#keys[0]?.kid;
  }

  /** The public JWKS (newest key first). */
  jwks(): PublishedJwks {
    return { keys: this.#keys.map((k) => ({ ...k.publicJwk })) };
  }

  /**
   * Signs a JWT with the current key (RS256, `kid` set).
   *
   * @param payload The claims.
   * @param typ The `typ` header, e.g. `JWT` or `logout+jwt`.
   * @returns The compact JWS.
   */
  async sign(payload: JWTPayload, typ = 'JWT'): Promise<string> {
    await this.ensureReady();
    const key = this.#keys[0]!;
    return new SignJWT(payload).setProtectedHeader({ alg: 'RS256', kid: key.kid, typ }).sign(key.privateKey);
  }

  /** The public key for a `kid`, to verify tokens this IdP issued (an `id_token_hint`). */
  publicJwkFor(kid: string | undefined): JWK | undefined {
    return this.#keys.find((k) => k.kid === kid)?.publicJwk;
  }
}
