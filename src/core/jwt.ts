/**
 * JWS verification shared by ID tokens, signed userinfo responses and logout tokens: the `alg`
 * allow-list, key selection (JWKS by `kid`, or the client secret for HS*), the signature, and the
 * payload decoded as a JSON object. Claims are checked by the callers.
 *
 * @module
 */
import { compactVerify, errors as joseErrors } from 'jose';
import { ConfigurationError, type ErrorCode, ValidationError } from '../errors.js';
import { BoundedMap } from '../internal/bounded-map.js';
import { fromBase64url, fromUtf8, utf8 } from '../internal/encoding.js';
import { isPlainObject } from './http.js';
import type { RefetchBudget, RemoteJwks } from './jwks.js';

/** Options of {@link verifyJwt}. */
export interface VerifyJwtOptions {
  /** The provider's key set, for asymmetric algorithms. */
  readonly jwks?: RemoteJwks;
  /** The client secret, whose UTF-8 octets are the key for HS256/384/512 (OIDC Core 10.1). */
  readonly clientSecret?: string;
  /** The accepted `alg` values. `none` is accepted only when listed here. */
  readonly allowedAlgs: readonly string[];
  /**
   * The explicit type expected in the `typ` header (e.g. `logout+jwt`). When set, a `typ` header,
   * if present, must be this value (with or without `application/`) or `JWT`. `JWT` itself: the
   * header, if present, must be `JWT` (no explicitly typed token of another kind).
   */
  readonly typ?: string;
  /** The code thrown for a wrong `typ` header. Default `JWT_TYPE_INVALID`. */
  readonly errorCode?: ErrorCode;
  /** Whose budget an unknown `kid` refetch spends: `untrusted` for tokens anyone can send (logout tokens). Default `default`. */
  readonly refetchBudget?: RefetchBudget;
}

/** A verified JWS: its decoded header (frozen: shared between tokens) and payload. */
export interface VerifiedJwt {
  readonly payload: Record<string, unknown>;
  readonly header: Record<string, unknown>;
}

const HMAC_HASH: Readonly<Record<string, string>> = { HS256: 'SHA-256', HS384: 'SHA-384', HS512: 'SHA-512' };
/** RFC 7518 §3.2: the least HMAC key size, in octets: the hash output size. */
const HMAC_MIN_KEY_BYTES: Readonly<Record<string, number>> = { HS256: 32, HS384: 48, HS512: 64 };

/**
 * Throws unless `secret` is long enough to be the HMAC key of `alg` (its UTF-8 octets at least
 * the hash output size). A no-op for other algorithms.
 *
 * @param alg A JWS `alg` (`HS256`, `HS384`, `HS512`; others pass).
 * @param secret The client secret.
 * @throws {ConfigurationError} `CONFIG_INVALID` for a shorter secret.
 * @see [RFC 7518 - JSON Web Algorithms, section 3.2](https://www.rfc-editor.org/rfc/rfc7518.html#section-3.2)
 */
export function assertHmacSecretLength(alg: string, secret: string): void {
  const min = HMAC_MIN_KEY_BYTES[alg];
  // RFC 7518 §3.2: "A key of the same size as the hash output ... or larger MUST be used."
  if (min !== undefined && utf8(secret).length < min) {
    throw new ConfigurationError(`The client secret is too short to verify ${alg} tokens: RFC 7518 §3.2 requires at least ${min} bytes.`);
  }
}
/** Imported HMAC keys by algorithm and secret (the configured client secrets: a handful). */
const hmacKeys = new BoundedMap<string, Promise<CryptoKey>>({ maxEntries: 100 });

/**
 * Verifies a compact JWS and decodes its payload. Checks, in order: the shape (three base64url
 * parts, JSON header and payload), `crit`, `typ` (when asked), the `alg` allow-list, then the
 * signature with the right key: the key named by `kid`; without `kid`, every key of the
 * algorithm's type is tried; HS* uses the client secret.
 *
 * @param jwt The compact JWS.
 * @param options The allowed algorithms and the keys.
 * @returns The decoded header and payload; claims are not checked here.
 * @throws {ValidationError} `JWT_MALFORMED`, `JWT_TYPE_INVALID`, `JWT_ALG_NOT_ALLOWED`,
 *   `JWKS_NO_MATCHING_KEY`, `JWKS_MULTIPLE_MATCHING_KEYS`, `JWKS_TOO_MANY_CANDIDATES`,
 *   `JWKS_INVALID`, `JWKS_LIMIT_EXCEEDED`, `JWT_SIGNATURE_INVALID`.
 * @throws {ConfigurationError} `CONFIG_INVALID` when an HS* token comes and no client secret is set
 *   (or one shorter than the hash, RFC 7518 §3.2), or an asymmetric one and no key set is given.
 * @throws {TransportError} When the key set must be fetched and cannot be (`HTTP_*`).
 * @see [RFC 7515 - JSON Web Signature, section 5.2](https://www.rfc-editor.org/rfc/rfc7515.html#section-5.2)
 * @see [OpenID Connect Core 1.0, section 3.1.3.7](https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation)
 */
export async function verifyJwt(jwt: string, options: VerifyJwtOptions): Promise<VerifiedJwt> {
  if (typeof jwt !== 'string') throw malformed('The token is not a string.');
  const parts = jwt.split('.');
  // RFC 7515 §7.1: a compact JWS has exactly three parts (a JWE has five and is not accepted here).
  if (parts.length !== 3)
    throw malformed(parts.length === 5 ? 'The token is encrypted (JWE); encrypted tokens are not supported.' : 'The token is not a compact JWS.');
  const header = decodeHeader(parts[0]!);
  const alg = header.alg;
  // RFC 7515 §4.1.11: Latchkey understands no critical extension, so any `crit` is refused.
  if (header.crit !== undefined)
    throw new ValidationError('JWT_MALFORMED', 'The token header has a "crit" member; no critical extension is supported.', { claim: 'crit' });
  if (options.typ !== undefined && header.typ !== undefined) checkTyp(header.typ, options.typ, options.errorCode ?? 'JWT_TYPE_INVALID');
  // OIDC Core 3.1.3.7 step 7 / RFC 8725 §3.1: only the expected algorithm(s); `none` only if listed.
  if (typeof alg !== 'string' || !options.allowedAlgs.includes(alg)) {
    throw new ValidationError(
      'JWT_ALG_NOT_ALLOWED',
      `The token is signed with alg "${typeof alg === 'string' ? alg.slice(0, 20) : typeof alg}"; expected ${options.allowedAlgs.join(' or ')}.`,
      {
        claim: 'alg',
        expected: options.allowedAlgs,
        actual: typeof alg === 'string' ? alg.slice(0, 20) : undefined,
      },
    );
  }

  if (alg === 'none') {
    // RFC 7519 §6.1: an unsecured JWS has an empty signature.
    if (parts[2] !== '') throw malformed('An unsecured token (alg "none") must have an empty signature.');
    return { header, payload: decodeJsonPart(parts[1]!, 'payload') };
  }

  const hash = HMAC_HASH[alg];
  let candidates: CryptoKey[];
  if (hash !== undefined) {
    // OIDC Core 10.1: for MAC algorithms the key is the UTF-8 octets of the client secret.
    if (!options.clientSecret) throw new ConfigurationError(`The token is signed with ${alg} but no client secret is configured.`);
    assertHmacSecretLength(alg, options.clientSecret);
    candidates = [await hmacKey(options.clientSecret, alg, hash)];
  } else {
    if (!options.jwks) throw new ConfigurationError(`The token is signed with ${alg} but the provider has no jwks_uri.`, 'METADATA_MISSING_ENDPOINT');
    const kid = typeof header.kid === 'string' ? header.kid : undefined;
    // Hot path: a warm cache answers synchronously; otherwise fetch, import or refetch.
    const selector = { alg, kid };
    candidates = options.jwks.cachedCandidates(selector) ?? (await options.jwks.candidates(selector, options.refetchBudget));
    // OIDC Core 10.1: the signing key must be one the provider publishes at its jwks_uri.
    if (candidates.length === 0) {
      throw new ValidationError(
        'JWKS_NO_MATCHING_KEY',
        `No key in the provider JWKS matches the token (${kid === undefined ? 'no kid' : 'kid not found'}, alg ${alg}), even after refetching it.`,
        {
          claim: 'kid',
        },
      );
    }
  }

  for (const key of candidates) {
    try {
      const { payload } = await compactVerify(jwt, key, { algorithms: [alg] });
      return { header, payload: parsePayload(payload) };
    } catch (cause) {
      if (cause instanceof ValidationError) throw cause;
      // OIDC Core 10.1 / conformance kid-absent-multiple-jwks: without a kid, try each candidate key.
      if (cause instanceof joseErrors.JWSSignatureVerificationFailed) continue;
      throw new ValidationError('JWT_MALFORMED', 'The token could not be verified: it is malformed.', { cause });
    }
  }
  if (candidates.length > 1) {
    throw new ValidationError(
      'JWKS_MULTIPLE_MATCHING_KEYS',
      `The token has no kid and none of the ${candidates.length} candidate keys verifies its signature.`,
      { claim: 'signature' },
    );
  }
  throw new ValidationError('JWT_SIGNATURE_INVALID', 'The token signature does not verify.', { claim: 'signature' });
}

/**
 * Decodes a JWS header without verifying anything (for routing decisions only).
 *
 * @throws {ValidationError} `JWT_MALFORMED`.
 */
export function decodeJwtHeader(jwt: string): Record<string, unknown> {
  return decodeJsonPart(String(jwt).split('.')[0] ?? '', 'header');
}

/**
 * Parsed headers by their encoded form: a provider's tokens share a handful of headers. Least
 * recently used first out, so headers sprayed by unverified tokens push out each other, not the
 * headers in use.
 */
const headerCache = new BoundedMap<string, Readonly<Record<string, unknown>>>({ maxEntries: 64, refreshOnGet: true });

function decodeHeader(part: string): Record<string, unknown> {
  const hit = headerCache.get(part);
  if (hit) return hit as Record<string, unknown>;
  const header = Object.freeze(decodeJsonPart(part, 'header'));
  if (part.length <= 1024) {
    headerCache.set(part, header);
  }
  return header;
}

function checkTyp(typ: unknown, expected: string, code: ErrorCode): void {
  // RFC 7515 §4.1.9: the "application/" prefix may be omitted; media types compare case-insensitively.
  const t = typeof typ === 'string' ? typ.toLowerCase().replace(/^application\//, '') : '';
  if (t !== expected.toLowerCase() && t !== 'jwt') {
    throw new ValidationError(code, `The token typ header is not "${expected}".`, {
      claim: 'typ',
      expected,
      actual: typeof typ === 'string' ? typ.slice(0, 40) : undefined,
    });
  }
}

function hmacKey(secret: string, alg: string, hash: string): Promise<CryptoKey> {
  const id = `${alg}\u0000${secret}`;
  let key = hmacKeys.get(id);
  if (!key) {
    key = crypto.subtle.importKey('raw', utf8(secret) as Uint8Array<ArrayBuffer>, { name: 'HMAC', hash }, false, ['verify']);
    hmacKeys.set(id, key);
  }
  return key;
}

function decodeJsonPart(part: string, what: 'header' | 'payload'): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(fromUtf8(fromBase64url(part)));
  } catch (cause) {
    throw malformed(`The token ${what} is not base64url-encoded JSON.`, cause);
  }
  if (!isPlainObject(value)) throw malformed(`The token ${what} is not a JSON object.`);
  return value;
}

function parsePayload(bytes: Uint8Array): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(fromUtf8(bytes));
  } catch (cause) {
    throw malformed('The token payload is not JSON.', cause);
  }
  // RFC 7519 §7.2 step 10: the claims set must be a JSON object.
  if (!isPlainObject(value)) throw malformed('The token payload is not a JSON object.');
  return value;
}

function malformed(message: string, cause?: unknown): ValidationError {
  return new ValidationError('JWT_MALFORMED', message, cause === undefined ? {} : { cause });
}
