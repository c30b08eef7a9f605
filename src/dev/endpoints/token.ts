/**
 * The token endpoint (RFC 6749 §3.2): client authentication, then the `authorization_code` grant
 * (one-time codes, exact `redirect_uri`, PKCE S256) or the `refresh_token` grant (rotation with
 * reuse detection), and the tokens: access, refresh, and an ID token for `openid` at OIDC flavors.
 *
 * @module
 */
import { base64url, sha256, timingSafeEqual } from '../../internal/encoding.js';
import { claimsContext, stripTokenPrefix } from '../access-tokens.js';
import { authenticateClient, tokenEndpointResponse } from '../client-auth.js';
import type { DevIdpContext } from '../context.js';
import type { TokenAnswer } from '../flavors/flavor.js';
import type { ResolvedInstance } from '../instances.js';
import { oauthError, readParams, sleep, splitScopes } from '../request-helpers.js';
import type { TokenFamily } from '../store.js';
import type { DevUser } from '../types.js';

function grantError(error: string, description: string): TokenAnswer {
  return { status: 400, body: { error, error_description: description } };
}

/** Issues an access token, a refresh token when asked, and an ID token when the grant has `openid` at an OIDC flavor. */
async function issueTokens(
  ctx: DevIdpContext,
  resolved: ResolvedInstance,
  family: TokenFamily,
  user: DevUser,
  refresh: 'new' | 'rotate' | 'none',
  nonce: string | undefined,
): Promise<TokenAnswer> {
  const flavor = resolved.instance.flavor;
  const ttl = ctx.accessTokenTtlSeconds;
  const prefixes = flavor.tokenPrefixes ?? {};
  const accessToken = (prefixes.access ?? '') + ctx.store.issueAccessToken(family, ttl);
  const body: Record<string, string | number> = { access_token: accessToken, token_type: flavor.tokenType, expires_in: ttl };
  const scope = flavor.responseScope(family.scopes);
  if (scope !== undefined) body.scope = scope;
  if (refresh !== 'none') body.refresh_token = (prefixes.refresh ?? '') + ctx.store.rotateRefreshToken(family);
  if (flavor.kind === 'oidc' && family.scopes.includes('openid')) {
    const iat = ctx.nowSeconds();
    const subject = await flavor.subject(user, family.clientId);
    const claims = claimsContext(
      resolved,
      {
        clientId: family.clientId,
        scopes: family.scopes,
        issuer: family.issuer,
        subject,
        authTime: family.authTime,
        issuedAt: iat,
        sid: family.sid,
        maxAgeRequested: family.maxAgeRequested,
        accessToken,
        ...(nonce !== undefined ? { nonce } : {}),
      },
      user,
    );
    const extra = (await flavor.idTokenClaims?.(user, claims)) ?? {};
    // OIDC Core 2: iss, sub, aud, exp, iat always; nonce when the request had one.
    body.id_token = await ctx.keys.sign({
      ...extra,
      iss: family.issuer,
      sub: subject,
      aud: family.clientId,
      exp: iat + ttl,
      iat,
      ...(nonce !== undefined ? { nonce } : {}),
    });
  }
  return { status: 200, body };
}

/** The `authorization_code` grant (RFC 6749 §4.1.3). */
async function codeGrant(ctx: DevIdpContext, params: Record<string, string>, clientId: string, resolved: ResolvedInstance): Promise<TokenAnswer> {
  const flavor = resolved.instance.flavor;
  if (!params.code) return grantError('invalid_request', 'code is missing.');
  const looked = ctx.store.consumeCode(params.code);
  // RFC 6749 §4.1.2: a reused code is refused and the tokens it produced are revoked.
  if (looked.status === 'reused') return grantError('invalid_grant', 'The authorization code was already used.');
  if (looked.status !== 'ok') return grantError('invalid_grant', 'The authorization code is invalid or expired.');
  const grant = looked.grant;
  if (grant.flavor !== flavor.name) return grantError('invalid_grant', 'The authorization code was issued by another issuer.');
  if (grant.clientId !== clientId) return grantError('invalid_grant', 'The authorization code was issued to another client.');
  // RFC 6749 §4.1.3: redirect_uri must be identical to the one in the authorization request.
  if (params.redirect_uri === undefined ? !flavor.redirectUriOptionalAtToken : params.redirect_uri !== grant.redirectUri) {
    return grantError('invalid_grant', 'redirect_uri does not match the authorization request.');
  }
  if (grant.codeChallenge !== undefined) {
    // RFC 7636 §4.6: BASE64URL(SHA256(code_verifier)) must equal the code_challenge.
    const verifier = params.code_verifier;
    if (verifier === undefined) return grantError('invalid_grant', 'code_verifier is missing.');
    if (!/^[A-Za-z0-9\-._~]{43,128}$/.test(verifier)) return grantError('invalid_grant', 'code_verifier is malformed.');
    if (!timingSafeEqual(base64url(await sha256(verifier)), grant.codeChallenge)) return grantError('invalid_grant', 'PKCE verification failed.');
  } else if (params.code_verifier !== undefined && flavor.rejectsVerifierWithoutChallenge) {
    // Google quirk: a verifier without a challenge is an error.
    return grantError('invalid_request', 'code_verifier or verifier is not needed.');
  }
  const user = ctx.users.get(grant.userId);
  if (!user) return grantError('invalid_grant', 'The user no longer exists.');
  const family = ctx.store.createFamily({
    flavor: flavor.name,
    clientId,
    userId: user.id,
    scopes: grant.scopes,
    issuer: grant.issuer,
    sid: grant.sid,
    authTime: grant.authTime,
    maxAgeRequested: grant.maxAgeRequested,
  });
  ctx.store.linkCodeToFamily(params.code, family.id);
  return issueTokens(ctx, resolved, family, user, grant.refresh ? 'new' : 'none', grant.nonce);
}

/** The `refresh_token` grant (RFC 6749 §6), with rotation and reuse detection. */
async function refreshGrant(ctx: DevIdpContext, params: Record<string, string>, clientId: string, resolved: ResolvedInstance): Promise<TokenAnswer> {
  const flavor = resolved.instance.flavor;
  if (!params.refresh_token) return grantError('invalid_request', 'refresh_token is missing.');
  const looked = ctx.store.lookupRefreshToken(stripTokenPrefix(flavor, 'refresh', params.refresh_token));
  if (looked.status === 'reused') {
    // RFC 9700 §4.14.2: a rotated-out refresh token came back: revoke the whole family.
    ctx.store.revokeFamily(looked.family.id);
    return grantError('invalid_grant', 'The refresh token was already used; the grant is revoked.');
  }
  if (looked.status !== 'current') return grantError('invalid_grant', 'The refresh token is invalid or revoked.');
  const family = looked.family;
  if (family.clientId !== clientId || family.flavor !== flavor.name) return grantError('invalid_grant', 'The refresh token was issued to another client.');
  const requested = splitScopes(params.scope);
  // RFC 6749 §6: a narrower scope may be requested, never a wider one.
  if (requested.some((s) => !family.scopes.includes(s))) return grantError('invalid_scope', 'The scope exceeds the original grant.');
  const user = ctx.users.get(family.userId);
  if (!user) return grantError('invalid_grant', 'The user no longer exists.');
  return issueTokens(ctx, resolved, family, user, flavor.rotatesRefreshTokens ? 'rotate' : 'none', undefined);
}

/**
 * Handles a request to the token endpoint.
 *
 * @param ctx - the dev IdP context.
 * @param request - the POST with an urlencoded body (other methods get 405).
 * @param resolved - the flavor instance it landed on.
 * @returns the tokens, or an RFC 6749 §5.2 error (`invalid_client`, `invalid_grant`, ...), shaped by the flavor.
 * @see [RFC 6749 - OAuth 2.0, section 3.2](https://www.rfc-editor.org/rfc/rfc6749.html#section-3.2)
 */
export async function tokenEndpoint(ctx: DevIdpContext, request: Request, resolved: ResolvedInstance): Promise<Response> {
  if (request.method !== 'POST') return oauthError('invalid_request', 'Use POST.', 405, { allow: 'POST' });
  const simulated = ctx.failures.take('token');
  if (simulated?.delayMs) await sleep(simulated.delayMs);
  if (simulated?.error)
    return tokenEndpointResponse(resolved, request, { status: 500, body: { error: 'server_error', error_description: 'Simulated by the dev IdP.' } });
  const params = await readParams(request);
  if (!params)
    return tokenEndpointResponse(resolved, request, { status: 400, body: { error: 'invalid_request', error_description: 'A parameter was repeated.' } });
  const auth = await authenticateClient(ctx, request, params, resolved);
  if ('answer' in auth) return tokenEndpointResponse(resolved, request, auth.answer);
  const flavor = resolved.instance.flavor;
  const grantType = params.grant_type ?? (flavor.grantTypeOptional && params.code !== undefined ? 'authorization_code' : undefined);
  const answer =
    grantType === 'authorization_code'
      ? await codeGrant(ctx, params, auth.clientId, resolved)
      : grantType === 'refresh_token' && !flavor.noRefreshGrant
        ? await refreshGrant(ctx, params, auth.clientId, resolved)
        : grantError('unsupported_grant_type', 'Unsupported grant_type.');
  return tokenEndpointResponse(resolved, request, answer);
}
