/**
 * DPoP (RFC 9449): proof-of-possession JWTs for the token endpoint and resource servers, the
 * server-provided nonce remembered per origin, and one retry on `use_dpop_nonce`.
 *
 * @module
 */
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';
import { ConfigurationError, type ErrorCode, ProviderError } from '../errors.js';
import { base64url, randomToken, sha256 } from '../internal/encoding.js';
import {
  type ExpectedBody,
  type HttpMethod,
  type HttpOptions,
  type HttpRequest,
  type HttpResult,
  httpRequest,
  parseWwwAuthenticate,
  toHeaderRecord,
} from './http.js';

/** The asymmetric algorithms a {@link DPoPHandle} can be generated with. */
export type DPoPAlgorithm = 'ES256' | 'EdDSA';

/** Options of a {@link DPoPHandle}. */
export interface DPoPHandleOptions {
  /** The current time in milliseconds, for the proof `iat`. Default `Date.now`. */
  readonly clock?: () => number;
}

/**
 * A DPoP key pair and the nonces the servers asked for. One handle per user (or per app), kept for
 * the life of the tokens bound to it: refreshing a DPoP-bound token needs the same key
 * (RFC 9449 §5).
 *
 * @example
 * ```ts
 * const dpop = await DPoPHandle.generate();
 * const proof = await dpop.proof('POST', tokenEndpoint);
 * ```
 * @see [RFC 9449 - OAuth 2.0 Demonstrating Proof of Possession (DPoP)](https://www.rfc-editor.org/rfc/rfc9449.html#section-4)
 */
export class DPoPHandle {
  readonly #keyPair: CryptoKeyPair;
  readonly #alg: string;
  readonly #clock: () => number;
  readonly #nonces = new Map<string, string>();
  #publicJwk?: Promise<JWK>;

  /**
   * Wraps an existing key pair.
   *
   * @param keyPair An asymmetric key pair (its private key may be non-extractable).
   * @param alg The JWS algorithm of the key (`ES256`, `EdDSA`, `PS256`, …); never `none` or a MAC.
   * @param options An injectable clock.
   * @throws {ConfigurationError} `CONFIG_INVALID` for `none` or an HMAC algorithm.
   */
  constructor(keyPair: CryptoKeyPair, alg: string, options: DPoPHandleOptions = {}) {
    // RFC 9449 §4.2: the proof must use an asymmetric algorithm, never `none` or a MAC.
    if (alg === 'none' || /^HS/i.test(alg)) {
      throw new ConfigurationError(`DPoP needs an asymmetric signing algorithm; "${alg}" is not one.`);
    }
    this.#keyPair = keyPair;
    this.#alg = alg;
    this.#clock = options.clock ?? Date.now;
  }

  /**
   * Generates a fresh non-extractable key pair.
   *
   * @param alg `ES256` (default) or `EdDSA` (Ed25519).
   * @returns A new handle.
   * @see [RFC 9449, section 4.2](https://www.rfc-editor.org/rfc/rfc9449.html#section-4.2)
   */
  static async generate(alg: DPoPAlgorithm = 'ES256', options: DPoPHandleOptions = {}): Promise<DPoPHandle> {
    const pair = await generateKeyPair(alg, { extractable: false, ...(alg === 'EdDSA' ? { crv: 'Ed25519' } : {}) });
    return new DPoPHandle(pair as CryptoKeyPair, alg, options);
  }

  /** The JWS algorithm of the proofs. */
  get alg(): string {
    return this.#alg;
  }

  /**
   * Builds a DPoP proof JWT for one request.
   *
   * @param htm The HTTP method of the request.
   * @param htu The request URL; its query and fragment are dropped (RFC 9449 §4.2).
   * @param accessToken The access token presented with the request, which adds `ath`.
   * @returns The compact proof JWT, for the `DPoP` header.
   * @see [RFC 9449, section 4.2](https://www.rfc-editor.org/rfc/rfc9449.html#section-4.2)
   */
  async proof(htm: string, htu: string, accessToken?: string): Promise<string> {
    const target = new URL(htu);
    // RFC 9449 §4.2: htu is the target URI without query and fragment.
    target.search = '';
    target.hash = '';
    const claims: Record<string, unknown> = { htm, htu: target.href, jti: randomToken(16) };
    // RFC 9449 §4.2: ath is base64url(SHA-256(access token)) when a token is presented.
    if (accessToken !== undefined) claims.ath = base64url(await sha256(accessToken));
    // RFC 9449 §8: echo the latest nonce this server sent.
    const nonce = this.#nonces.get(target.origin);
    if (nonce !== undefined) claims.nonce = nonce;
    return (
      new SignJWT(claims)
        // RFC 9449 §4.2: typ dpop+jwt, and the public key in the jwk header.
        .setProtectedHeader({ alg: this.#alg, typ: 'dpop+jwt', jwk: await this.#jwk() })
        .setIssuedAt(Math.floor(this.#clock() / 1000))
        .sign(this.#keyPair.privateKey)
    );
  }

  /**
   * The JWK SHA-256 thumbprint of the public key (`jkt`, RFC 7638), as used in `dpop_jkt` and the
   * `cnf.jkt` of bound tokens.
   *
   * @see [RFC 9449, section 10](https://www.rfc-editor.org/rfc/rfc9449.html#section-10)
   */
  async thumbprint(): Promise<string> {
    return calculateJwkThumbprint(await this.#jwk(), 'sha256');
  }

  /**
   * Remembers the `DPoP-Nonce` of a response, per origin, for the next proofs to that server.
   *
   * @param url The URL the response came from.
   * @param headers The response headers.
   * @see [RFC 9449, section 8](https://www.rfc-editor.org/rfc/rfc9449.html#section-8)
   */
  rememberNonce(url: string | URL, headers: Headers): void {
    const nonce = headers.get('dpop-nonce');
    // RFC 9449 §8.1: the nonce is an opaque NQCHAR string.
    if (nonce && /^[\x21\x23-\x5B\x5D-\x7E]+$/.test(nonce)) this.#nonces.set(new URL(url).origin, nonce);
  }

  /** True when a nonce is remembered for the origin of `url`. */
  hasNonce(url: string | URL): boolean {
    return this.#nonces.has(new URL(url).origin);
  }

  #jwk(): Promise<JWK> {
    this.#publicJwk ??= exportJWK(this.#keyPair.publicKey).then(({ kty, crv, x, y, n, e }) => {
      // RFC 9449 §4.2: the jwk header holds the public key only.
      const jwk: JWK = { kty };
      if (crv !== undefined) jwk.crv = crv;
      if (x !== undefined) jwk.x = x;
      if (y !== undefined) jwk.y = y;
      if (n !== undefined) jwk.n = n;
      if (e !== undefined) jwk.e = e;
      return jwk;
    });
    return this.#publicJwk;
  }
}

/** The request part of {@link resourceRequest}. */
export interface ResourceRequestInit {
  readonly method?: HttpMethod;
  readonly headers?: HeadersInit;
  readonly body?: string | URLSearchParams;
  /** What the body must be on success. */
  readonly expect: ExpectedBody;
  /** The error code for an OAuth error (body or `WWW-Authenticate`). Default `RESOURCE_ERROR`. */
  readonly oauthErrorCode?: ErrorCode;
  /** Statuses that count as success. Default: 200. */
  readonly okStatuses?: readonly number[];
}

/** The options part of {@link resourceRequest}. */
export interface ResourceRequestOptions {
  /** The DPoP key, required when `tokenType` is `DPoP`. */
  readonly dpop?: DPoPHandle;
  readonly http?: HttpOptions;
}

/**
 * True when an error or response asks for a (new) DPoP nonce: `use_dpop_nonce` in an OAuth error
 * body (authorization server, RFC 9449 §8) or in a `WWW-Authenticate: DPoP` challenge (resource
 * server, RFC 9449 §9).
 *
 * @see [RFC 9449, section 8](https://www.rfc-editor.org/rfc/rfc9449.html#section-8)
 */
export function isUseDpopNonce(error: unknown): error is ProviderError {
  return error instanceof ProviderError && error.error === 'use_dpop_nonce' && error.response !== undefined;
}

/**
 * Sends a request with an access token to a resource server (or the userinfo endpoint):
 * `Authorization: Bearer <token>`, or `Authorization: DPoP <token>` with a fresh proof carrying
 * `ath`. When the server answers `use_dpop_nonce`, the nonce is remembered and the request is
 * retried once.
 *
 * @param url The resource URL. The token never goes in the query (RFC 6750 §2.3).
 * @param accessToken The access token.
 * @param tokenType `Bearer` or `DPoP`.
 * @param init Method, headers, body, and what the response must be.
 * @param options The DPoP handle and transport options.
 * @returns The checked response.
 * @throws {ConfigurationError} `CONFIG_INVALID` for a DPoP token without a DPoP handle.
 * @throws {ProviderError} `init.oauthErrorCode` (default `RESOURCE_ERROR`) when the server refuses
 *   the token; `DPOP_NONCE_ERROR` when it asks for a new nonce again after the retry.
 * @throws {TransportError} `HTTP_*` for transport failures.
 * @see [RFC 9449, section 7](https://www.rfc-editor.org/rfc/rfc9449.html#section-7)
 * @see [RFC 6750 - Bearer Token Usage, section 2.1](https://www.rfc-editor.org/rfc/rfc6750.html#section-2.1)
 */
export function resourceRequest(
  url: string | URL,
  accessToken: string,
  tokenType: 'Bearer' | 'DPoP',
  init: ResourceRequestInit,
  options: ResourceRequestOptions = {},
): Promise<HttpResult> {
  const dpop = options.dpop;
  if (tokenType === 'DPoP' && !dpop) {
    return Promise.reject(new ConfigurationError('This access token is DPoP-bound; pass the DPoP handle that obtained it.'));
  }
  const call: TokenCall = { href: typeof url === 'string' ? url : url.href, method: init.method ?? 'GET', accessToken, tokenType, init, http: options.http };
  // A Bearer request is one exchange (no await here: this is the hot path of every API call).
  if (!dpop || tokenType !== 'DPoP') return httpRequest(requestWithToken(call, undefined), call.http);
  return requestWithProof(call, dpop);
}

/** A DPoP-bound request, retried once when the resource server asks for a nonce. */
async function requestWithProof(call: TokenCall, dpop: DPoPHandle): Promise<HttpResult> {
  try {
    const result = await sendWithProof(call, dpop);
    // A caller that accepts 401 as a result still gets the nonce retry.
    if (!challengesForNonce(result.status, result.headers)) return result;
    // The challenged response is discarded; release its body when it was streamed.
    await result.response.body?.cancel().catch(() => {});
  } catch (error) {
    if (!isUseDpopNonce(error)) throw error;
    dpop.rememberNonce(call.href, error.response!.headers);
  }
  // RFC 9449 §9: retry once with the nonce the resource server supplied.
  try {
    const result = await sendWithProof(call, dpop);
    if (challengesForNonce(result.status, result.headers)) throw nonceLoop(result.status);
    return result;
  } catch (error) {
    if (isUseDpopNonce(error)) throw nonceLoop(error.httpStatus);
    throw error;
  }
}

/** One resource request of {@link resourceRequest}. */
interface TokenCall {
  readonly href: string;
  readonly method: HttpMethod;
  readonly accessToken: string;
  readonly tokenType: 'Bearer' | 'DPoP';
  readonly init: ResourceRequestInit;
  readonly http: HttpOptions | undefined;
}

/**
 * The caller's headers with the access token in `Authorization` (whatever the caller put there is
 * replaced), and the DPoP proof when given.
 *
 * @see [RFC 6750, section 2.1](https://www.rfc-editor.org/rfc/rfc6750.html#section-2.1)
 * @see [RFC 9449, section 7.1](https://www.rfc-editor.org/rfc/rfc9449.html#section-7.1)
 */
export function withAccessToken(headers: HeadersInit | undefined, tokenType: 'Bearer' | 'DPoP', accessToken: string, proof?: string): Record<string, string> {
  const out = toHeaderRecord(headers);
  // RFC 9449 §7.1 / RFC 6750 §2.1: the token goes in the Authorization header with its scheme.
  out.authorization = `${tokenType} ${accessToken}`;
  if (proof !== undefined) out.dpop = proof;
  return out;
}

/** The request with the token in its `Authorization` header (and the DPoP proof, when given). */
function requestWithToken(call: TokenCall, proof: string | undefined): HttpRequest {
  const { init } = call;
  const headers = withAccessToken(init.headers, call.tokenType, call.accessToken, proof);
  return {
    url: call.href,
    method: call.method,
    headers,
    expect: init.expect,
    oauthErrorCode: init.oauthErrorCode ?? 'RESOURCE_ERROR',
    body: init.body,
    okStatuses: init.okStatuses,
  };
}

/** Sends the request with a fresh DPoP proof and remembers the nonce the server returned. */
async function sendWithProof(call: TokenCall, dpop: DPoPHandle): Promise<HttpResult> {
  const proof = await dpop.proof(call.method, call.href, call.accessToken);
  const result = await httpRequest(requestWithToken(call, proof), call.http);
  dpop.rememberNonce(call.href, result.headers);
  return result;
}

function challengesForNonce(status: number, headers: Headers): boolean {
  if (status !== 401) return false;
  // RFC 9449 §9 / RFC 9110 §11.1: the auth scheme is matched case-insensitively (parsed lower-case).
  const challenge = parseWwwAuthenticate(headers.get('www-authenticate'));
  return challenge?.scheme === 'dpop' && challenge.error === 'use_dpop_nonce';
}

/**
 * The `DPOP_NONCE_ERROR` thrown when a server asks for a new DPoP nonce again right after a retry.
 *
 * @see [RFC 9449, section 8.2](https://www.rfc-editor.org/rfc/rfc9449.html#section-8.2)
 */
export function nonceLoop(httpStatus?: number): ProviderError {
  return new ProviderError('DPOP_NONCE_ERROR', {
    error: 'use_dpop_nonce',
    error_description: 'the server asked for a new DPoP nonce again after a retry',
    ...(httpStatus !== undefined ? { httpStatus } : {}),
  });
}
