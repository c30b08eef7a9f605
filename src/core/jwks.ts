/**
 * The provider's JSON Web Key Set, fetched from `jwks_uri`, cached, and refetched when a token names
 * a key (`kid`) the cache does not hold, so a freshly rotated signing key is picked up at once. A
 * per-`kid` cooldown and a global per-minute budget stop a token spraying random `kid` values from
 * hammering the provider. Keys that cannot be used for verification are ignored (RFC 7517 §5).
 *
 * A key set is untrusted input that costs CPU to use: the set is refused (`JWKS_LIMIT_EXCEEDED`)
 * when it holds more than {@link JWKS_DEFAULTS}.maxKeys keys or an RSA key above the modulus or
 * exponent limits, a token that more than `maxCandidates` keys could verify is refused
 * (`JWKS_TOO_MANY_CANDIDATES`) before any key is tried, keys are read from their public members
 * only, and a set that failed to load is not fetched again before `failedLoadRetryMs`.
 *
 * @module
 */
import { importJWK } from 'jose';
import { ConfigurationError, LatchkeyError, ValidationError } from '../errors.js';
import { BoundedMap } from '../internal/bounded-map.js';
import { fromBase64url } from '../internal/encoding.js';
import { fetchJsonObject, isPlainObject } from './http.js';
import type { CoreOptions } from './types.js';

/** Options of a {@link RemoteJwks}. */
export interface RemoteJwksOptions extends CoreOptions {
  /** How long a fetched key set is used before it is fetched again, in ms. Default 10 minutes. */
  readonly cacheMaxAgeMs?: number;
  /** The least time between two refetches triggered by the same unknown `kid`, in ms. Default 60 000. */
  readonly refetchCooldownMs?: number;
  /** At most this many unknown-`kid` refetches in any rolling minute, per {@link RefetchBudget}. Default 10. */
  readonly maxRefetchesPerMinute?: number;
  /** A set with more keys than this is refused (`JWKS_LIMIT_EXCEEDED`). Default 100. */
  readonly maxKeys?: number;
  /**
   * A token that more keys than this could verify (no `kid` and many keys of its type, or a `kid`
   * repeated) is refused (`JWKS_TOO_MANY_CANDIDATES`) without trying any. Default 5.
   */
  readonly maxCandidates?: number;
  /** An RSA key with a longer modulus refuses the set (`JWKS_LIMIT_EXCEEDED`). Default 8192 bits. */
  readonly maxRsaModulusBits?: number;
  /** After a failed load (no keys held), the set is not fetched again for this long, in ms. Default 5000. */
  readonly failedLoadRetryMs?: number;
}

/** The limits of a {@link RemoteJwks} an `OidcClient` accepts as `keySetLimits`. */
export type KeySetLimits = Pick<RemoteJwksOptions, 'maxKeys' | 'maxCandidates' | 'maxRsaModulusBits' | 'failedLoadRetryMs'>;

/** Defaults of {@link RemoteJwksOptions}. */
export const JWKS_DEFAULTS = {
  cacheMaxAgeMs: 10 * 60_000,
  refetchCooldownMs: 60_000,
  maxRefetchesPerMinute: 10,
  maxKeys: 100,
  maxCandidates: 5,
  maxRsaModulusBits: 8192,
  failedLoadRetryMs: 5000,
} as const;

/** RFC 7518 §3.3: RSA keys of 2048 bits or larger MUST be used; smaller keys are ignored. */
export const MIN_RSA_MODULUS_BITS = 2048;

/** The largest RSA public exponent accepted (2^32 - 1); a larger one refuses the set. */
export const MAX_RSA_EXPONENT = 0xffff_ffff;

/** When a refresh of an expired key set fails, the stale keys are used and the refresh retried after this long (ms). */
const STALE_RETRY_MS = 30_000;

/** A JWS header, as far as key selection needs it. */
export interface KeySelector {
  readonly alg?: string;
  readonly kid?: string;
}

/**
 * Whose unknown `kid`s may trigger refetches: each budget has its own cooldowns and per-minute
 * count. `default`: tokens from the provider's own endpoints (ID tokens, signed userinfo).
 * `untrusted`: tokens anyone can post (back-channel logout tokens), which must never spend the
 * budget a rotated key needs to be picked up at sign-in.
 */
export type RefetchBudget = 'default' | 'untrusted';

/** The unknown-`kid` refetches of one {@link RefetchBudget}. */
interface RefetchState {
  /** When each `kid` last triggered a refetch (ms); bounded under a kid-spraying attack, the oldest going first so the most recent kids keep their cooldown. */
  readonly kidRefetchAt: BoundedMap<string, number>;
  /** Times of the refetches in the current rolling minute (ms). */
  refetchTimes: number[];
}

interface Entry {
  /** The key's public members only (see {@link publicMembers}). */
  readonly jwk: Readonly<Record<string, unknown>>;
  readonly kid?: string;
  readonly kty: string;
  /** Imported keys per JWS alg; `null` when the import failed (the key is then ignored). */
  readonly imported: Map<string, CryptoKey | null>;
}

const EC_CURVES: Readonly<Record<string, string>> = { ES256: 'P-256', ES384: 'P-384', ES512: 'P-521' };

/**
 * The JWK `kty` (and `crv`) an algorithm's keys have, or undefined for algorithms no JWKS key can
 * serve (HS*, none).
 *
 * @see [RFC 7518 - JSON Web Algorithms, section 3.1](https://www.rfc-editor.org/rfc/rfc7518.html#section-3.1)
 */
export function keyTypeForAlg(alg: string): { readonly kty: string; readonly crv?: string } | undefined {
  if (/^(?:RS|PS)(?:256|384|512)$/.test(alg)) return { kty: 'RSA' };
  const crv = EC_CURVES[alg];
  if (crv) return { kty: 'EC', crv };
  if (alg === 'EdDSA') return { kty: 'OKP' };
  if (alg === 'Ed25519') return { kty: 'OKP', crv: 'Ed25519' };
  return undefined;
}

/**
 * A provider's key set, fetched through `src/core/http.ts`. One instance per `jwks_uri`; share it
 * between validations (see {@link getRemoteJwks}) so that keys are fetched and imported once.
 *
 * @see [RFC 7517 - JSON Web Key (JWK), section 5](https://www.rfc-editor.org/rfc/rfc7517.html#section-5)
 * @see [OpenID Connect Core 1.0, section 10.1.1 (rotation of asymmetric signing keys)](https://openid.net/specs/openid-connect-core-1_0.html#RotateSigKeys)
 */
export class RemoteJwks {
  /** The `jwks_uri` this key set is fetched from. */
  readonly uri: string;
  private readonly options: RemoteJwksOptions;
  private entries: readonly Entry[] = [];
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private loaded = false;
  private inflight: Promise<void> | undefined;
  /** The last failed load while no keys are held, replayed until `failedLoadRetryMs` has passed. */
  private failure: { readonly at: number; readonly error: unknown } | undefined;
  /** Unknown-`kid` refetches, per budget. */
  private readonly budgets = new Map<RefetchBudget, RefetchState>();

  /**
   * @param jwksUri The provider's `jwks_uri` (https, or http to a loopback host).
   * @param options Cache lifetime, refetch limits, key set limits, transport and clock.
   * @throws {ConfigurationError} `CONFIG_INVALID` for a limit that is not a positive integer, or a
   *   `maxRsaModulusBits` below 2048.
   */
  constructor(jwksUri: string, options: RemoteJwksOptions = {}) {
    this.uri = jwksUri;
    this.options = options;
    checkLimits(options);
  }

  /**
   * The keys that may have signed a JWS with this header: the key with the header's `kid`, or,
   * when the header has no `kid`, every usable key of the algorithm's type. On an unknown `kid` the
   * set is refetched once (at once, unless this `kid` already caused a refetch within the cooldown or
   * the per-minute budget is spent). When the cache has expired and the refresh fails, the last keys
   * the provider published stay in use and the refresh is retried 30 s later.
   *
   * @param header The JWS protected header (`alg` and `kid`).
   * @param budget Whose refetch budget an unknown `kid` spends (default `default`; `untrusted`
   *   for tokens anyone can send, such as logout tokens).
   * @returns The candidate keys, possibly empty.
   * @throws {TransportError} When the key set cannot be fetched (`HTTP_*`).
   * @throws {ValidationError} `JWKS_INVALID` when the key set is not a JWK Set,
   *   `JWKS_LIMIT_EXCEEDED` when it exceeds a limit, `JWKS_TOO_MANY_CANDIDATES` when more than
   *   `maxCandidates` keys match the header.
   * @see [OpenID Connect Core 1.0, section 10.1.1](https://openid.net/specs/openid-connect-core-1_0.html#RotateSigKeys)
   */
  async candidates(header: KeySelector, budget: RefetchBudget = 'default'): Promise<CryptoKey[]> {
    const maxAge = this.options.cacheMaxAgeMs ?? JWKS_DEFAULTS.cacheMaxAgeMs;
    let fetchedNow = false;
    if (!this.loaded) {
      // A set that failed to load is not fetched again on every token: the failure is replayed.
      const failure = this.failure;
      if (failure && this.now() - failure.at < (this.options.failedLoadRetryMs ?? JWKS_DEFAULTS.failedLoadRetryMs)) throw failure.error;
      await this.reload();
      fetchedNow = true;
    } else if (this.now() - this.fetchedAt > maxAge) {
      try {
        await this.reload();
        fetchedNow = true;
      } catch {
        // The provider's JWKS endpoint is failing: keep using the keys it published last, and try
        // again in STALE_RETRY_MS rather than on every token (an unknown kid still refetches).
        this.fetchedAt = this.now() - maxAge + Math.min(STALE_RETRY_MS, maxAge);
      }
    }
    // No JWKS key can serve this algorithm (HS*, none, unknown): nothing to refetch for.
    if (typeof header.alg !== 'string' || !keyTypeForAlg(header.alg)) return [];
    let found = await this.select(header);
    // OIDC Core 10.1.1: a signing key the cache does not know means the provider rotated: refetch once.
    // (Not when the set was fetched for this very call: it is as fresh as a refetch would be.)
    if (found.length === 0 && !fetchedNow && this.mayRefetch(header.kid ?? '', budget)) {
      await this.reload();
      found = await this.select(header);
    }
    return found;
  }

  /**
   * The candidates for a header when the answer is already in the cache (fresh key set, keys
   * imported, at least one match), without any asynchronous step; `undefined` when
   * {@link candidates} must be awaited instead. The hot path of token validation.
   *
   * @param header The JWS protected header (`alg` and `kid`).
   * @see [RFC 7517 - JSON Web Key (JWK), section 5](https://www.rfc-editor.org/rfc/rfc7517.html#section-5)
   */
  cachedCandidates(header: KeySelector): CryptoKey[] | undefined {
    if (!this.loaded || this.now() - this.fetchedAt > (this.options.cacheMaxAgeMs ?? JWKS_DEFAULTS.cacheMaxAgeMs)) return undefined;
    const alg = header.alg;
    const type = typeof alg === 'string' ? keyTypeForAlg(alg) : undefined;
    if (!type) return undefined;
    const out: CryptoKey[] = [];
    for (const e of this.matching(header, alg!, type)) {
      const key = e.imported.get(alg!);
      if (key === undefined) return undefined; // not imported yet
      if (key) out.push(key);
    }
    return out.length > 0 ? out : undefined;
  }

  /**
   * A jose-style key resolver: the first candidate for the header.
   *
   * @throws {ValidationError} `JWKS_NO_MATCHING_KEY` when no key matches.
   */
  readonly getKey = async (header: KeySelector): Promise<CryptoKey> => {
    const [key] = await this.candidates(header);
    if (!key) throw new ValidationError('JWKS_NO_MATCHING_KEY', 'No key in the provider JWKS matches the token header.', { claim: 'kid' });
    return key;
  };

  /**
   * Fetches the key set now (concurrent callers share one request) and replaces the cache.
   *
   * @throws {TransportError} When the key set cannot be fetched (`HTTP_*`).
   * @throws {ValidationError} `JWKS_INVALID` when the body is not a JWK Set, `JWKS_LIMIT_EXCEEDED`
   *   when it exceeds a limit (the keys held so far are kept).
   * @see [RFC 7517 - JSON Web Key (JWK), section 5](https://www.rfc-editor.org/rfc/rfc7517.html#section-5)
   */
  reload(): Promise<void> {
    if (!this.inflight) {
      this.inflight = this.fetchKeys().then(
        () => {
          this.inflight = undefined;
          this.failure = undefined;
        },
        (error: unknown) => {
          this.inflight = undefined;
          if (!this.loaded) this.failure = { at: this.now(), error };
          throw error;
        },
      );
    }
    return this.inflight;
  }

  private now(): number {
    return (this.options.clock ?? Date.now)();
  }

  /** Decides, and records, whether an unknown `kid` may trigger a refetch now, on that budget. */
  private mayRefetch(kid: string, budget: RefetchBudget): boolean {
    const now = this.now();
    let state = this.budgets.get(budget);
    if (!state) {
      state = { kidRefetchAt: new BoundedMap<string, number>({ maxEntries: 1000 }), refetchTimes: [] };
      this.budgets.set(budget, state);
    }
    const last = state.kidRefetchAt.get(kid);
    if (last !== undefined && now - last < (this.options.refetchCooldownMs ?? JWKS_DEFAULTS.refetchCooldownMs)) return false;
    state.refetchTimes = state.refetchTimes.filter((t) => now - t < 60_000);
    if (state.refetchTimes.length >= (this.options.maxRefetchesPerMinute ?? JWKS_DEFAULTS.maxRefetchesPerMinute)) return false;
    state.refetchTimes.push(now);
    state.kidRefetchAt.set(kid, now);
    return true;
  }

  private async fetchKeys(): Promise<void> {
    const body = await fetchJsonObject({ url: this.uri }, this.options.http);
    let entries: Entry[];
    try {
      entries = this.parseKeys(body);
    } catch (cause) {
      if (cause instanceof LatchkeyError) throw cause;
      // Whatever a hostile document makes fail (e.g. a RangeError) is a malformed key set.
      throw new ValidationError('JWKS_INVALID', 'The provider JWKS could not be read.', { cause });
    }
    this.entries = entries;
    this.fetchedAt = this.now();
    this.loaded = true;
  }

  /** The usable signature keys of a JWK Set document, or a refusal of the whole set. */
  private parseKeys(body: Readonly<Record<string, unknown>>): Entry[] {
    // RFC 7517 §5: a JWK Set is a JSON object with a "keys" array.
    if (!Array.isArray(body.keys)) throw new ValidationError('JWKS_INVALID', 'The provider JWKS has no "keys" array (RFC 7517 §5).', { claim: 'keys' });
    const maxKeys = this.options.maxKeys ?? JWKS_DEFAULTS.maxKeys;
    // Each key costs an import and a verification: real providers publish a handful.
    if (body.keys.length > maxKeys) {
      throw new ValidationError('JWKS_LIMIT_EXCEEDED', `The provider JWKS holds ${body.keys.length} keys; at most ${maxKeys} are accepted (maxKeys).`, {
        claim: 'keys',
      });
    }
    const previous = new Map<string, Entry>();
    for (const e of this.entries) previous.set(JSON.stringify(e.jwk), e);
    const entries: Entry[] = [];
    for (const member of body.keys) {
      // RFC 7517 §5: members that are not usable JWKs are ignored, not fatal.
      if (!isPlainObject(member) || typeof member.kty !== 'string') continue;
      // Private or symmetric material never belongs in a published JWKS; refuse to use it.
      if (member.kty === 'oct' || member.d !== undefined) continue;
      const jwk = publicMembers(member);
      if (!jwk) continue;
      // RFC 7517 §4.2: a key for encryption is not a signature key.
      if (jwk.use !== undefined && jwk.use !== 'sig') continue;
      // RFC 7517 §4.3: key_ops, when present, must allow verification.
      if (jwk.key_ops !== undefined && !(jwk.key_ops as readonly string[]).includes('verify')) continue;
      // RFC 7518 §6: the public parameters of the key type must be base64url strings.
      if (!hasPublicParameters(jwk)) continue;
      if (jwk.kty === 'RSA' && !this.acceptableRsaKey(jwk)) continue;
      const reuse = previous.get(JSON.stringify(jwk));
      entries.push(reuse ?? { jwk, kid: typeof jwk.kid === 'string' ? jwk.kid : undefined, kty: jwk.kty as string, imported: new Map() });
    }
    return entries;
  }

  /**
   * False for an RSA key to ignore (below 2048 bits, an even or tiny exponent); throws
   * `JWKS_LIMIT_EXCEEDED` for one whose use would cost too much (modulus above
   * `maxRsaModulusBits`, exponent above 2^32 - 1).
   */
  private acceptableRsaKey(jwk: Readonly<Record<string, unknown>>): boolean {
    const maxBits = this.options.maxRsaModulusBits ?? JWKS_DEFAULTS.maxRsaModulusBits;
    const n = jwk.n as string;
    const e = jwk.e as string;
    // Verification costs grow with the modulus size times the exponent size: bound both.
    const bits = n.length > Math.ceil((maxBits + 8) / 6 + 4) ? Number.POSITIVE_INFINITY : bitLength(decoded(n));
    if (bits > maxBits) {
      throw new ValidationError('JWKS_LIMIT_EXCEEDED', `The provider JWKS holds an RSA key with a modulus over ${maxBits} bits (maxRsaModulusBits).`, {
        claim: 'n',
      });
    }
    const exponent = e.length > 8 ? Number.POSITIVE_INFINITY : unsignedValue(decoded(e));
    if (exponent > MAX_RSA_EXPONENT) {
      throw new ValidationError('JWKS_LIMIT_EXCEEDED', 'The provider JWKS holds an RSA key with a public exponent above 2^32 - 1 (65537 is usual).', {
        claim: 'e',
      });
    }
    // RFC 7518 §3.3: a key of 2048 bits or larger MUST be used; RFC 8017 §3.1: e is odd and at least 3.
    return bits >= MIN_RSA_MODULUS_BITS && exponent >= 3 && exponent % 2 === 1;
  }

  /** The entries that may have signed a JWS with this header, at most `maxCandidates` of them. */
  private matching(header: KeySelector, alg: string, type: { readonly kty: string; readonly crv?: string }): Entry[] {
    const found = this.entries.filter((e) => matches(e, header, alg, type));
    const max = this.options.maxCandidates ?? JWKS_DEFAULTS.maxCandidates;
    // Each candidate costs a verification: a kid-less token against a large set is refused outright.
    if (found.length > max) {
      throw new ValidationError(
        'JWKS_TOO_MANY_CANDIDATES',
        `${found.length} keys of the provider JWKS could have signed this token (${header.kid === undefined ? 'no kid' : 'a repeated kid'}, alg ${alg}); at most ${max} are tried (maxCandidates).`,
        { claim: 'kid' },
      );
    }
    return found;
  }

  private async select(header: KeySelector): Promise<CryptoKey[]> {
    const alg = header.alg;
    if (typeof alg !== 'string') return [];
    const type = keyTypeForAlg(alg);
    if (!type) return [];
    const out: CryptoKey[] = [];
    for (const e of this.matching(header, alg, type)) {
      let key = e.imported.get(alg);
      if (key === undefined) {
        key = await importKey(e.jwk, alg);
        e.imported.set(alg, key);
      }
      if (key) out.push(key);
    }
    return out;
  }
}

/** True when the JWKS entry may have signed a JWS with this header. */
function matches(e: Entry, header: KeySelector, alg: string, type: { readonly kty: string; readonly crv?: string }): boolean {
  // OIDC Core 10.1: with a kid, only that key; without, every key of the right type.
  if (header.kid !== undefined && e.kid !== header.kid) return false;
  if (e.kty !== type.kty) return false;
  if (type.crv !== undefined && e.jwk.crv !== type.crv) return false;
  // RFC 7517 §4.4: a key bound to another algorithm is not a candidate.
  return e.jwk.alg === undefined || e.jwk.alg === alg;
}

const PUBLIC_PARAMETERS: Readonly<Record<string, readonly string[]>> = { RSA: ['n', 'e'], EC: ['x', 'y'], OKP: ['x'] };
const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** The JWK members key selection and import read (RFC 7517 §4, RFC 7518 §6); all others are ignored. */
const STRING_MEMBERS = ['kty', 'kid', 'use', 'alg', 'crv', 'n', 'e', 'x', 'y'] as const;

/**
 * A copy of a JWK with its public string members and `key_ops` only, or undefined when one of
 * them has the wrong type (the key is then ignored). Other members (`x5c`, extensions, …) are
 * never read, so however deeply nested they are, nothing recurses into them.
 */
function publicMembers(jwk: Readonly<Record<string, unknown>>): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const name of STRING_MEMBERS) {
    const value = jwk[name];
    if (value === undefined) continue;
    if (typeof value !== 'string') return undefined;
    out[name] = value;
  }
  const ops = jwk.key_ops;
  if (ops !== undefined) {
    // RFC 7517 §4.3: key_ops is an array of strings.
    if (!Array.isArray(ops) || ops.length > 16 || !ops.every((op) => typeof op === 'string')) return undefined;
    out.key_ops = [...ops];
  }
  return out;
}

/** The octets of a base64url string; empty when it does not decode (the key is then ignored). */
function decoded(value: string): Uint8Array {
  try {
    return fromBase64url(value);
  } catch {
    return new Uint8Array(0);
  }
}

/** The number of significant bits of a big-endian unsigned integer. */
function bitLength(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length && bytes[i] === 0) i++;
  if (i === bytes.length) return 0;
  return (bytes.length - i - 1) * 8 + (32 - Math.clz32(bytes[i]!));
}

/** The value of a big-endian unsigned integer of at most 6 bytes. */
function unsignedValue(bytes: Uint8Array): number {
  let value = 0;
  for (const b of bytes) value = value * 256 + b;
  return value;
}

function hasPublicParameters(jwk: Readonly<Record<string, unknown>>): boolean {
  const required = PUBLIC_PARAMETERS[jwk.kty as string];
  if (!required) return false; // RFC 7517 §5: unknown key types (AKP, …) are ignored
  return required.every((p) => typeof jwk[p] === 'string' && BASE64URL.test(jwk[p] as string));
}

async function importKey(jwk: Readonly<Record<string, unknown>>, alg: string): Promise<CryptoKey | null> {
  try {
    const { alg: _a, use: _u, key_ops: _k, ...material } = jwk;
    const key = await importJWK({ ...material, kty: String(jwk.kty) }, alg);
    return key instanceof Uint8Array ? null : key;
  } catch {
    // RFC 7517 §5: a key that cannot be imported (bad parameters, unsupported curve) is ignored.
    return null;
  }
}

function checkLimits(options: RemoteJwksOptions): void {
  for (const name of ['maxKeys', 'maxCandidates', 'maxRsaModulusBits'] as const) {
    const value = options[name];
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 1))
      throw new ConfigurationError(`The key set limit ${name} must be a positive integer.`);
  }
  if (options.maxRsaModulusBits !== undefined && options.maxRsaModulusBits < MIN_RSA_MODULUS_BITS) {
    throw new ConfigurationError(`maxRsaModulusBits must be at least ${MIN_RSA_MODULUS_BITS} (RFC 7518 §3.3).`);
  }
  const retry = options.failedLoadRetryMs;
  if (retry !== undefined && (!Number.isFinite(retry) || retry < 0))
    throw new ConfigurationError('failedLoadRetryMs must be a number of milliseconds (0 or more).');
}

/**
 * One key set per `jwks_uri`, least recently used first out: a spray of issuers (templated,
 * multi-tenant) evicts the idle ones, not the key sets in use.
 */
const shared = new BoundedMap<string, RemoteJwks>({ maxEntries: 100, refreshOnGet: true });

/**
 * The shared {@link RemoteJwks} for a `jwks_uri` (one per URI per process, so keys are fetched and
 * imported once). The options of the first caller win.
 *
 * @param jwksUri The provider's `jwks_uri`.
 * @param options Options used when the instance is created.
 * @see [RFC 7517 - JSON Web Key (JWK), section 5](https://www.rfc-editor.org/rfc/rfc7517.html#section-5)
 */
export function getRemoteJwks(jwksUri: string, options: RemoteJwksOptions = {}): RemoteJwks {
  let jwks = shared.get(jwksUri);
  if (!jwks) {
    jwks = new RemoteJwks(jwksUri, options);
    shared.set(jwksUri, jwks);
  }
  return jwks;
}
