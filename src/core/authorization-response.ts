/**
 * The authorization response (the callback): repeated parameters refused, the one-time `state`,
 * the RFC 9207 `iss` mix-up defence, then provider errors, then the `code`. Errors from the
 * provider are only believed after `state` and `iss` passed.
 *
 * @module
 */
import { ProviderError, ValidationError } from '../errors.js';
import { BoundedMap } from '../internal/bounded-map.js';
import { timingSafeEqual } from '../internal/encoding.js';
import type { AuthorizationTransaction, ServerMetadata } from './types.js';

/** A validated authorization response. */
export interface AuthorizationResponse {
  /** The authorization code, for `authorizationCodeGrant`. */
  readonly code: string;
  /** The `iss` parameter, when present (already checked). */
  readonly iss?: string;
}

/** Options of {@link validateAuthorizationResponse}. */
export interface ValidateAuthorizationResponseOptions {
  /** Remembers used `state` values so a transaction cannot be used twice. */
  readonly usedStates?: UsedStates;
  /** The current time in milliseconds. Default `Date.now`. */
  readonly clock?: () => number;
}

/**
 * A bounded memory of the `state` values already used, so that replaying a callback (or finishing
 * the same transaction twice) fails even when the app layer failed to discard the transaction.
 *
 * @see [RFC 9700 - Best Current Practice for OAuth 2.0 Security, section 4.2.4](https://www.rfc-editor.org/rfc/rfc9700.html#section-4.2.4)
 */
export class UsedStates {
  /** State → the end of its memory (ms); expired entries go first, then the oldest. */
  readonly #seen: BoundedMap<string, number>;
  readonly #ttlMs: number;

  /**
   * @param options `max` entries kept (default 10 000) and how long, `ttlMs` (default 1 hour).
   */
  constructor(options: { readonly max?: number; readonly ttlMs?: number } = {}) {
    this.#seen = new BoundedMap({ maxEntries: options.max ?? 10_000, expiresAt: (until) => until });
    this.#ttlMs = options.ttlMs ?? 3_600_000;
  }

  /** Marks `state` used; returns false when it already was. */
  consume(state: string, now: number): boolean {
    if (this.#seen.has(state, now)) return false;
    this.#seen.set(state, now + this.#ttlMs, now);
    return true;
  }
}

/**
 * Validates the parameters the provider sent to the redirect URI (query string, or the POSTed
 * form for `form_post`).
 *
 * Order: repeated parameters; `state` present and equal, used once; `iss` (RFC 9207) equal to the
 * issuer the request went to when present, required when the provider advertises it; then an
 * `error` becomes a {@link ProviderError}; then `code` must be present. Unknown parameters are
 * ignored (RFC 6749 §4.1.2).
 *
 * @param metadata The server metadata of the provider the request went to.
 * @param params The callback parameters.
 * @param transaction The transaction kept since `createAuthorizationRequest`.
 * @param options A used-state memory and a clock.
 * @returns The authorization code; next, call `authorizationCodeGrant`.
 * @throws {ValidationError} `AUTHORIZATION_RESPONSE_INVALID`, `STATE_MISSING`, `STATE_MISMATCH`,
 *   `ISS_MISMATCH`, `ISS_MISSING`, `CODE_MISSING`.
 * @throws {ProviderError} `AUTHORIZATION_ERROR` for an error response (`error`, `error_description`).
 * @see [RFC 6749 - The OAuth 2.0 Authorization Framework, section 4.1.2](https://www.rfc-editor.org/rfc/rfc6749.html#section-4.1.2)
 * @see [RFC 9207 - OAuth 2.0 Authorization Server Issuer Identification, section 2.4](https://www.rfc-editor.org/rfc/rfc9207.html#section-2.4)
 */
export function validateAuthorizationResponse(
  metadata: ServerMetadata,
  params: URLSearchParams,
  transaction: AuthorizationTransaction,
  options: ValidateAuthorizationResponseOptions = {},
): AuthorizationResponse {
  // RFC 6749 §3.1: request and response parameters must not be included more than once.
  const seen = new Set<string>();
  for (const key of params.keys()) {
    if (seen.has(key)) {
      throw new ValidationError('AUTHORIZATION_RESPONSE_INVALID', `The callback repeats the "${key.slice(0, 40)}" parameter.`, { claim: key.slice(0, 40) });
    }
    seen.add(key);
  }

  // RFC 6749 §10.12 / RFC 9700 §4.7.1: the state must be present and equal to this browser's.
  const state = params.get('state');
  if (state === null || state === '') throw new ValidationError('STATE_MISSING', 'The callback carries no "state".', { claim: 'state' });
  if (!timingSafeEqual(state, transaction.state)) {
    throw new ValidationError('STATE_MISMATCH', 'The callback "state" does not match the one sent for this login.', { claim: 'state' });
  }
  // RFC 9700 §4.2.4: the state is one-time; a second use of the same transaction fails.
  if (options.usedStates && !options.usedStates.consume(state, (options.clock ?? Date.now)())) {
    throw new ValidationError('STATE_MISMATCH', 'This login transaction was already used; start the login again.', { claim: 'state' });
  }

  // RFC 9700 §4.4.2: the transaction must belong to this provider.
  if (transaction.issuer !== metadata.issuer) {
    throw new ValidationError('ISS_MISMATCH', 'The login transaction was started with another provider.', {
      claim: 'iss',
      expected: metadata.issuer,
      actual: transaction.issuer,
    });
  }
  const iss = params.get('iss');
  if (iss !== null) {
    // RFC 9207 §2.4: compare iss whenever present (even if support is not advertised), simple string comparison.
    if (iss !== transaction.issuer) {
      throw new ValidationError('ISS_MISMATCH', `The callback "iss" names another provider than "${transaction.issuer}".`, {
        claim: 'iss',
        expected: transaction.issuer,
        actual: iss.slice(0, 200),
      });
    }
  } else if (metadata.authorization_response_iss_parameter_supported === true) {
    // RFC 9207 §2.4: a provider that advertises support must send iss; reject a response without it.
    throw new ValidationError('ISS_MISSING', 'The provider advertises RFC 9207 but the callback has no "iss".', { claim: 'iss' });
  }

  // RFC 6749 §4.1.2.1: an error response, believed only now that state and iss passed.
  const error = params.get('error');
  if (error !== null) {
    const description = params.get('error_description');
    const uri = params.get('error_uri');
    throw new ProviderError('AUTHORIZATION_ERROR', {
      error: error || 'unknown_error',
      ...(description !== null ? { error_description: description } : {}),
      ...(uri !== null ? { error_uri: uri } : {}),
    });
  }

  // RFC 6749 §4.1.2: a successful response carries the code.
  const code = params.get('code');
  if (code === null || code === '') throw new ValidationError('CODE_MISSING', 'The callback carries no authorization "code".', { claim: 'code' });
  return iss !== null ? { code, iss } : { code };
}
