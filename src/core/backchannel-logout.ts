/**
 * Back-channel logout token validation: every step of OpenID Connect Back-Channel Logout 1.0
 * §2.6. The app layer answers 400 to any failure and 200 (with `Cache-Control: no-store`) on success.
 *
 * @module
 */
import { ValidationError } from '../errors.js';
import { checkAudience, checkIssuer, clockTolerance, isNumericDate } from './id-token.js';
import { getRemoteJwks, type RemoteJwks } from './jwks.js';
import { verifyJwt } from './jwt.js';
import type { ClientMetadata, CoreOptions, LogoutTokenClaims, ProtocolHooks, ServerMetadata } from './types.js';

/** The event member a logout token's `events` claim must contain (Back-Channel Logout 1.0 §2.4). */
export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/** What a logout token is validated against. */
export interface LogoutTokenContext extends CoreOptions {
  /** The provider metadata (its `issuer`, and `jwks_uri` when no `jwks` is given). */
  readonly metadata: ServerMetadata;
  /** The client: `client_id`, `client_secret` (HS*), `id_token_signed_response_alg`, `additional_audiences`. */
  readonly client: ClientMetadata;
  /** The provider key set; default: the shared one for `metadata.jwks_uri`. */
  readonly jwks?: RemoteJwks;
  /** Provider quirks (issuer aliases, templated issuer). */
  readonly hooks?: ProtocolHooks;
  /**
   * Replay detection (§2.6 step 8): records `jti` until `expiresAtSeconds` and returns true when it
   * was already seen, which rejects the token.
   */
  readonly seenJti?: (jti: string, expiresAtSeconds: number) => boolean | Promise<boolean>;
}

/**
 * Validates a back-channel logout token and returns its claims.
 *
 * @param logoutToken The `logout_token` form parameter POSTed by the provider.
 * @param ctx The metadata, the client, the keys and the replay hook.
 * @returns The validated claims: end the sessions matching `sid` and/or `sub`.
 * @throws {ValidationError} `JWT_MALFORMED`, `JWT_ALG_NOT_ALLOWED` (including `alg: none`),
 *   `JWT_SIGNATURE_INVALID`, `JWKS_NO_MATCHING_KEY`, `JWKS_MULTIPLE_MATCHING_KEYS`, and
 *   `LOGOUT_TOKEN_INVALID` (with `claim`) for the claim checks and a wrong `typ`.
 * @throws {TransportError} When the JWKS must be fetched and cannot be (`HTTP_*`).
 * @see [OpenID Connect Back-Channel Logout 1.0, section 2.6](https://openid.net/specs/openid-connect-backchannel-1_0.html#Validation)
 */
export async function validateLogoutToken(logoutToken: string, ctx: LogoutTokenContext): Promise<LogoutTokenClaims> {
  const { client, metadata } = ctx;
  // Back-Channel Logout 2.6 step 3: the alg is validated as for ID tokens, and `none` MUST NOT be used.
  const allowedAlgs = [client.id_token_signed_response_alg ?? 'RS256'].filter((a) => a !== 'none');
  if (allowedAlgs.length === 0) allowedAlgs.push('RS256');
  const jwks = ctx.jwks ?? (metadata.jwks_uri ? getRemoteJwks(metadata.jwks_uri, { http: ctx.http, clock: ctx.clock }) : undefined);
  // Back-Channel Logout 2.6 step 2 and §2.4: the signature as for ID tokens; typ, if any, logout+jwt (or JWT).
  // Anyone can POST a logout token: its kid spends a refetch budget of its own, never the one a
  // rotated key needs at sign-in (OIDC Core 10.1.1).
  const { payload } = await verifyJwt(logoutToken, {
    jwks,
    clientSecret: client.client_secret,
    allowedAlgs,
    typ: 'logout+jwt',
    errorCode: 'LOGOUT_TOKEN_INVALID',
    refetchBudget: 'untrusted',
  });
  const now = Math.floor((ctx.clock ?? Date.now)() / 1000);
  const tolerance = clockTolerance(ctx.clockToleranceSeconds);

  // Back-Channel Logout 2.6 step 4: iss, aud, iat and exp as for ID tokens.
  checkIssuer(payload, metadata, ctx.hooks, 'LOGOUT_TOKEN_INVALID');
  checkAudience(payload.aud, client, 'LOGOUT_TOKEN_INVALID');
  if (!isNumericDate(payload.iat) || payload.iat > now + tolerance) throw invalid('iat', 'is missing or in the future');
  if (!isNumericDate(payload.exp)) throw invalid('exp', 'is missing');
  if (now - tolerance >= payload.exp) throw invalid('exp', 'is in the past: the token has expired');
  // Back-Channel Logout 2.4: jti is REQUIRED.
  if (typeof payload.jti !== 'string' || payload.jti.length === 0) throw invalid('jti', 'is missing');
  // Back-Channel Logout 2.6 step 5: sub, sid, or both.
  const hasSub = typeof payload.sub === 'string' && payload.sub.length > 0;
  const hasSid = typeof payload.sid === 'string' && payload.sid.length > 0;
  if (!hasSub && !hasSid) throw invalid('sub', 'and "sid" are both missing');
  if (payload.sub !== undefined && !hasSub) throw invalid('sub', 'is not a string');
  if (payload.sid !== undefined && !hasSid) throw invalid('sid', 'is not a string');
  // Back-Channel Logout 2.6 step 6: events must be a JSON object with the back-channel-logout member, itself a JSON object.
  const events = payload.events;
  if (typeof events !== 'object' || events === null || Array.isArray(events)) throw invalid('events', 'is missing or not a JSON object');
  const event = (events as Record<string, unknown>)[BACKCHANNEL_LOGOUT_EVENT];
  if (typeof event !== 'object' || event === null || Array.isArray(event)) throw invalid('events', `has no "${BACKCHANNEL_LOGOUT_EVENT}" member`);
  // Back-Channel Logout 2.6 step 7: a nonce is forbidden (it would let an ID token pass as a logout token).
  if (payload.nonce !== undefined) throw invalid('nonce', 'is present; logout tokens must not carry one');
  // Back-Channel Logout 2.6 step 8: refuse a jti already received.
  if (await ctx.seenJti?.(payload.jti, payload.exp)) throw invalid('jti', 'was already received (replay)');
  return payload as LogoutTokenClaims;
}

function invalid(claim: string, what: string): ValidationError {
  return new ValidationError('LOGOUT_TOKEN_INVALID', `The logout token "${claim}" ${what}.`, { claim });
}
