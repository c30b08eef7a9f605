/**
 * ID token validation: every step of OpenID Connect Core 1.0 §3.1.3.7, and the §12.2 rules for an
 * ID token that comes back from a refresh.
 *
 * @module
 */
import { ConfigurationError, ValidationError } from '../errors.js';
import { type ShaName, symmetric } from '../internal/crypto.js';
import { base64url, timingSafeEqual, utf8 } from '../internal/encoding.js';
import { getRemoteJwks, type RemoteJwks } from './jwks.js';
import { assertHmacSecretLength, verifyJwt } from './jwt.js';
import {
  type ClientMetadata,
  type CoreOptions,
  DEFAULT_CLOCK_TOLERANCE_SECONDS,
  type IdTokenClaims,
  type ProtocolHooks,
  type ServerMetadata,
} from './types.js';

/** What an ID token is validated against. */
export interface IdTokenContext extends CoreOptions {
  /** The provider metadata (its `issuer`, and `jwks_uri` when no `jwks` is given). */
  readonly metadata: ServerMetadata;
  /** The client: `client_id`, `client_secret` (HS*), `id_token_signed_response_alg`, `additional_audiences`. */
  readonly client: ClientMetadata;
  /** The provider key set; default: the shared one for `metadata.jwks_uri`. */
  readonly jwks?: RemoteJwks;
  /** Provider quirks: issuer aliases, templated issuer, extra claim checks. */
  readonly hooks?: ProtocolHooks;
  /** The `nonce` sent in the authorization request; when set, the claim must be present and equal. */
  readonly expectedNonce?: string;
  /** The `max_age` sent, in seconds; when set, `auth_time` is required and checked. */
  readonly maxAge?: number;
  /** The access token issued with the ID token; when given, an `at_hash` claim is checked. */
  readonly accessToken?: string;
}

const EVENT_HASH: Readonly<Record<string, ShaName>> = { '256': 'SHA-256', '384': 'SHA-384', '512': 'SHA-512' };

/**
 * Validates an ID token and returns its claims.
 *
 * @param idToken The compact JWS from the token endpoint (or a refresh).
 * @param ctx The metadata, the client, the keys and what was sent in the request.
 * @returns The validated claims.
 * @throws {ValidationError} `JWT_MALFORMED`, `JWT_ALG_NOT_ALLOWED`, `JWT_SIGNATURE_INVALID`,
 *   `JWKS_NO_MATCHING_KEY`, `JWKS_MULTIPLE_MATCHING_KEYS`, `ID_TOKEN_ISS_MISMATCH`,
 *   `ID_TOKEN_AUD_MISMATCH`, `ID_TOKEN_AZP_MISMATCH`, `ID_TOKEN_EXPIRED`, `ID_TOKEN_IAT_INVALID`,
 *   `ID_TOKEN_NONCE_MISMATCH`, `ID_TOKEN_SUB_MISSING`, `ID_TOKEN_AUTH_TIME_INVALID`,
 *   `ID_TOKEN_CLAIM_INVALID`, `JWT_TYPE_INVALID` (a `typ` other than `JWT`), the key set codes
 *   (`JWKS_INVALID`, `JWKS_LIMIT_EXCEEDED`, `JWKS_TOO_MANY_CANDIDATES`), or whatever
 *   `hooks.validateIdTokenClaims` throws.
 * @throws {ConfigurationError} `CONFIG_INVALID` for a `clockToleranceSeconds` outside 0..300, or
 *   an HS* token with a client secret shorter than the hash (RFC 7518 §3.2).
 * @throws {TransportError} When the JWKS must be fetched and cannot be (`HTTP_*`).
 * @see [OpenID Connect Core 1.0, section 3.1.3.7](https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation)
 */
export async function validateIdToken(idToken: string, ctx: IdTokenContext): Promise<IdTokenClaims> {
  const { client, metadata } = ctx;
  const alg = client.id_token_signed_response_alg ?? 'RS256';
  const jwks = ctx.jwks ?? (metadata.jwks_uri ? getRemoteJwks(metadata.jwks_uri, { http: ctx.http, clock: ctx.clock }) : undefined);
  const tolerance = clockTolerance(ctx.clockToleranceSeconds);
  // OIDC Core 3.1.3.7 steps 6-8: verify the signature with the registered alg (default RS256); HS* keys are the client secret.
  // RFC 8725 §3.11 / RFC 9068 §2.1 / Back-Channel Logout 1.0 §2.4: a `typ`, if present, must be
  // JWT: an explicitly typed token of another kind (at+jwt, logout+jwt, …) is never an ID token.
  const { payload, header } = await verifyJwt(idToken, { jwks, clientSecret: client.client_secret, allowedAlgs: [alg], typ: 'JWT' });
  const now = Math.floor((ctx.clock ?? Date.now)() / 1000);

  // OIDC Core 3.1.3.7 step 2: iss must exactly match the issuer (or a preset's declared alias / templated tenant).
  checkIssuer(payload, metadata, ctx.hooks, 'ID_TOKEN_ISS_MISMATCH');
  // OIDC Core 3.1.3.7 step 3: aud must contain client_id; other audiences must be trusted.
  checkAudience(payload.aud, client, 'ID_TOKEN_AUD_MISMATCH');
  // OIDC Core 3.1.3.7 steps 4-5: azp, when present, must be this client.
  if (payload.azp !== undefined && payload.azp !== client.client_id) {
    throw new ValidationError('ID_TOKEN_AZP_MISMATCH', `The ID token azp is not the client id "${client.client_id}".`, {
      claim: 'azp',
      expected: client.client_id,
      actual: shortString(payload.azp),
    });
  }
  // OIDC Core 3.1.3.7 step 9: exp must be in the future (with the clock tolerance).
  const exp = payload.exp;
  if (!isNumericDate(exp)) throw new ValidationError('ID_TOKEN_CLAIM_INVALID', 'The ID token has no numeric "exp" claim.', { claim: 'exp' });
  if (now - tolerance >= exp)
    throw new ValidationError('ID_TOKEN_EXPIRED', 'The ID token has expired.', { claim: 'exp', expected: `> ${now - tolerance}`, actual: exp });
  // OIDC Core 3.1.3.7 step 10: iat must be present; one from the future is refused.
  const iat = payload.iat;
  if (!isNumericDate(iat)) throw new ValidationError('ID_TOKEN_IAT_INVALID', 'The ID token has no numeric "iat" claim.', { claim: 'iat' });
  if (iat > now + tolerance)
    throw new ValidationError('ID_TOKEN_IAT_INVALID', 'The ID token "iat" is in the future.', { claim: 'iat', expected: `<= ${now + tolerance}`, actual: iat });
  // RFC 7519 §4.1.5: a token must not be used before nbf.
  if (payload.nbf !== undefined && (!isNumericDate(payload.nbf) || payload.nbf > now + tolerance)) {
    throw new ValidationError('ID_TOKEN_CLAIM_INVALID', 'The ID token is not valid yet ("nbf").', { claim: 'nbf' });
  }
  // OIDC Core 3.1.3.7 step 11: the nonce sent must come back unchanged (never echoed in errors).
  if (ctx.expectedNonce !== undefined) {
    if (typeof payload.nonce !== 'string' || !timingSafeEqual(payload.nonce, ctx.expectedNonce)) {
      throw new ValidationError(
        'ID_TOKEN_NONCE_MISMATCH',
        payload.nonce === undefined ? 'The ID token has no nonce although one was sent.' : 'The ID token nonce differs from the one sent.',
        {
          claim: 'nonce',
        },
      );
    }
  }
  // OIDC Core §2: sub is required (a non-empty string).
  if (typeof payload.sub !== 'string' || payload.sub.length === 0)
    throw new ValidationError('ID_TOKEN_SUB_MISSING', 'The ID token has no "sub" claim.', { claim: 'sub' });
  // OIDC Core 3.1.3.7 step 13: with max_age, auth_time is required and must be recent enough.
  const authTime = payload.auth_time;
  if (authTime !== undefined && !isNumericDate(authTime))
    throw new ValidationError('ID_TOKEN_AUTH_TIME_INVALID', 'The ID token "auth_time" is not a number.', { claim: 'auth_time' });
  if (ctx.maxAge !== undefined) {
    if (authTime === undefined)
      throw new ValidationError('ID_TOKEN_AUTH_TIME_INVALID', 'max_age was requested but the ID token has no "auth_time".', { claim: 'auth_time' });
    if ((authTime as number) + ctx.maxAge < now - tolerance) {
      throw new ValidationError('ID_TOKEN_AUTH_TIME_INVALID', 'The end-user authenticated longer ago than max_age allows.', {
        claim: 'auth_time',
        expected: `>= ${now - tolerance - ctx.maxAge}`,
        actual: authTime,
      });
    }
  }
  // OIDC Core 3.1.3.8 / 3.2.2.9: an at_hash, when present, must match the access token.
  if (payload.at_hash !== undefined && ctx.accessToken !== undefined) {
    const expected = await leftHalfHash(ctx.accessToken, typeof header.alg === 'string' ? header.alg : alg);
    if (typeof payload.at_hash !== 'string' || !timingSafeEqual(payload.at_hash, expected)) {
      throw new ValidationError('ID_TOKEN_CLAIM_INVALID', 'The ID token "at_hash" does not match the access token.', { claim: 'at_hash' });
    }
  }
  const claims = payload as IdTokenClaims;
  ctx.hooks?.validateIdTokenClaims?.(claims);
  return claims;
}

/**
 * Checks a refreshed ID token against the original one: same `iss`, `sub`, `aud` and `azp`, the
 * original `auth_time` kept, and a `nonce` absent or equal to the original (oidc-provider repeats
 * it). Run it after {@link validateIdToken} on the refreshed token (without `expectedNonce`).
 *
 * @param refreshed The refreshed ID token's validated claims.
 * @param original The claims of the ID token from the original authentication.
 * @throws {ValidationError} `REFRESH_ID_TOKEN_MISMATCH` (with `claim`).
 * @see [OpenID Connect Core 1.0, section 12.2](https://openid.net/specs/openid-connect-core-1_0.html#RefreshTokenResponse)
 */
export function checkRefreshedIdTokenClaims(refreshed: IdTokenClaims, original: IdTokenClaims): void {
  // OIDC Core 12.2: iss MUST be the same as in the original ID token.
  if (refreshed.iss !== original.iss) throw mismatch('iss', original.iss, refreshed.iss);
  // OIDC Core 12.2: sub MUST be the same.
  if (refreshed.sub !== original.sub) throw mismatch('sub');
  // OIDC Core 12.2: aud MUST be the same (as a set).
  if (!sameAudience(refreshed.aud, original.aud)) throw mismatch('aud', original.aud, refreshed.aud);
  // OIDC Core 12.2: azp MUST be the same (present in both with one value, or absent in both).
  if (refreshed.azp !== original.azp) throw mismatch('azp', original.azp, refreshed.azp);
  // OIDC Core 12.2: auth_time, if present, MUST be the time of the original authentication.
  if (refreshed.auth_time !== undefined && refreshed.auth_time !== original.auth_time) throw mismatch('auth_time', original.auth_time, refreshed.auth_time);
  // OIDC Core 12.2: nonce SHOULD be absent; if present it MUST be the original nonce (never echoed).
  if (refreshed.nonce !== undefined && (original.nonce === undefined || !timingSafeEqual(String(refreshed.nonce), original.nonce))) {
    throw new ValidationError('REFRESH_ID_TOKEN_MISMATCH', 'The refreshed ID token carries a nonce other than the original one.', { claim: 'nonce' });
  }
}

/**
 * Checks an `iss` claim against the metadata issuer, a declared alias, or the issuer the preset's
 * `resolveIdTokenIssuer` computes for a templated (multi-tenant) provider. Shared with the logout
 * token and userinfo JWT checks.
 *
 * @throws {ValidationError} with `code` (e.g. `ID_TOKEN_ISS_MISMATCH`).
 * @see [OpenID Connect Core 1.0, section 3.1.3.7 step 2](https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation)
 */
export function checkIssuer(
  payload: Readonly<Record<string, unknown>>,
  metadata: ServerMetadata,
  hooks: ProtocolHooks | undefined,
  code: 'ID_TOKEN_ISS_MISMATCH' | 'LOGOUT_TOKEN_INVALID' | 'USERINFO_INVALID',
): void {
  const iss = payload.iss;
  const expected = hooks?.resolveIdTokenIssuer ? hooks.resolveIdTokenIssuer(payload) : metadata.issuer;
  if (typeof iss === 'string' && (iss === expected || (hooks?.issuerAliases?.includes(iss) ?? false))) return;
  throw new ValidationError(code, iss === undefined ? 'The token has no "iss" claim.' : `The token iss is not the issuer "${expected}".`, {
    claim: 'iss',
    expected,
    actual: shortString(iss),
  });
}

/**
 * Checks an `aud` claim: it must contain the client id, and every other audience must be one the
 * client trusts (`additional_audiences`).
 *
 * @throws {ValidationError} with `code` (e.g. `ID_TOKEN_AUD_MISMATCH`).
 * @see [OpenID Connect Core 1.0, section 3.1.3.7 step 3](https://openid.net/specs/openid-connect-core-1_0.html#IDTokenValidation)
 */
export function checkAudience(aud: unknown, client: ClientMetadata, code: 'ID_TOKEN_AUD_MISMATCH' | 'LOGOUT_TOKEN_INVALID' | 'USERINFO_INVALID'): void {
  const list = typeof aud === 'string' ? [aud] : Array.isArray(aud) && aud.every((a) => typeof a === 'string') ? (aud as string[]) : undefined;
  if (!list?.includes(client.client_id)) {
    throw new ValidationError(
      code,
      aud === undefined ? 'The token has no "aud" claim.' : `The token aud does not contain the client id "${client.client_id}".`,
      {
        claim: 'aud',
        expected: client.client_id,
        actual: list?.slice(0, 5).map((a) => a.slice(0, 100)),
      },
    );
  }
  const untrusted = list.filter((a) => a !== client.client_id && !(client.additional_audiences?.includes(a) ?? false));
  if (untrusted.length > 0) {
    throw new ValidationError(code, `The token aud names ${untrusted.length} audience(s) this client does not trust.`, {
      claim: 'aud',
      expected: [client.client_id, ...(client.additional_audiences ?? [])],
      actual: list.slice(0, 5).map((a) => a.slice(0, 100)),
    });
  }
}

/** The largest accepted `clockToleranceSeconds` (5 minutes). */
export const MAX_CLOCK_TOLERANCE_SECONDS = 300;

/**
 * The clock tolerance to apply: `value`, or the default (30 s) when it is undefined.
 *
 * @param value The configured `clockToleranceSeconds`.
 * @returns The tolerance in seconds.
 * @throws {ConfigurationError} `CONFIG_INVALID` unless `value` is a finite number from 0 to 300
 *   (NaN would make every time comparison false and so disable the exp, iat and nbf checks).
 * @see [RFC 7519 - JSON Web Token, section 4.1.4](https://www.rfc-editor.org/rfc/rfc7519.html#section-4.1.4)
 */
export function clockTolerance(value: number | undefined): number {
  if (value === undefined) return DEFAULT_CLOCK_TOLERANCE_SECONDS;
  // RFC 7519 §4.1.4: "some small leeway, usually no more than a few minutes".
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_CLOCK_TOLERANCE_SECONDS) {
    throw new ConfigurationError(
      `clockToleranceSeconds must be a number of seconds from 0 to ${MAX_CLOCK_TOLERANCE_SECONDS}; got ${typeof value === 'number' ? String(value) : typeof value}.`,
    );
  }
  return value;
}

/**
 * Configuration-time checks of the options that token verification reads: the clock tolerance,
 * and a client secret long enough for an HS* `idTokenSignedResponseAlg` or
 * `userinfoSignedResponseAlg` (a secret function is checked when a token is verified).
 *
 * @param options The client options.
 * @throws {ConfigurationError} `CONFIG_INVALID` naming the option to change.
 * @see [RFC 7518 - JSON Web Algorithms, section 3.2](https://www.rfc-editor.org/rfc/rfc7518.html#section-3.2)
 */
export function checkVerificationOptions(options: {
  readonly clockToleranceSeconds?: number;
  readonly clientSecret?: string | (() => Promise<string>);
  readonly idTokenSignedResponseAlg?: string;
  readonly userinfoSignedResponseAlg?: string;
}): void {
  clockTolerance(options.clockToleranceSeconds);
  if (typeof options.clientSecret !== 'string') return;
  for (const alg of [options.idTokenSignedResponseAlg, options.userinfoSignedResponseAlg])
    if (alg !== undefined) assertHmacSecretLength(alg, options.clientSecret);
}

/** True for a JSON number usable as a NumericDate (RFC 7519 §2). */
export function isNumericDate(v: unknown): v is number {
  return typeof v === 'number' && Number.isFinite(v);
}

async function leftHalfHash(value: string, alg: string): Promise<string> {
  // OIDC Core 3.2.2.9: hash with the JWS alg's hash, keep the left-most half, base64url-encode.
  const bits = alg === 'EdDSA' || alg === 'Ed25519' ? '512' : (/(\d{3})$/.exec(alg)?.[1] ?? '256');
  const digest = await symmetric.digest(EVENT_HASH[bits] ?? 'SHA-256', utf8(value));
  return base64url(digest.subarray(0, digest.length / 2));
}

function audienceList(aud: string | readonly string[]): readonly string[] {
  return typeof aud === 'string' ? [aud] : aud;
}

function sameAudience(a: string | readonly string[], b: string | readonly string[]): boolean {
  const x = new Set(audienceList(a));
  const y = new Set(audienceList(b));
  return x.size === y.size && [...x].every((v) => y.has(v));
}

function mismatch(claim: string, expected?: unknown, actual?: unknown): ValidationError {
  return new ValidationError('REFRESH_ID_TOKEN_MISMATCH', `The refreshed ID token "${claim}" differs from the original ID token's (OIDC Core 12.2).`, {
    claim,
    expected,
    actual,
  });
}

function shortString(v: unknown): string | undefined {
  return typeof v === 'string' ? v.slice(0, 200) : undefined;
}
