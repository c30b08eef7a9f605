/**
 * The revocation endpoint (RFC 7009): revoking a refresh token revokes its whole grant; revoking an
 * access token revokes that token. It answers 200 whether or not the token was known.
 *
 * @module
 */
import { stripTokenPrefix } from '../access-tokens.js';
import { authenticateClient, tokenEndpointResponse } from '../client-auth.js';
import type { DevIdpContext } from '../context.js';
import type { ResolvedInstance } from '../instances.js';
import { oauthError, readParams } from '../request-helpers.js';

/**
 * Handles a request to the revocation endpoint.
 *
 * @param ctx - the dev IdP context.
 * @param request - the POST with `token` (and client authentication where the flavor requires it).
 * @param resolved - the flavor instance it landed on.
 * @returns 200 with no body, or an OAuth error (405, missing `token`, client authentication).
 * @see [RFC 7009 - OAuth 2.0 Token Revocation, section 2](https://www.rfc-editor.org/rfc/rfc7009.html#section-2)
 */
export async function revocationEndpoint(ctx: DevIdpContext, request: Request, resolved: ResolvedInstance): Promise<Response> {
  if (request.method !== 'POST') return oauthError('invalid_request', 'Use POST.', 405, { allow: 'POST' });
  const params = await readParams(request);
  const tokenValue = params?.token ?? new URL(request.url).searchParams.get('token') ?? undefined;
  if (!params || tokenValue === undefined) return oauthError('invalid_request', 'token is missing.');
  const flavor = resolved.instance.flavor;
  let clientId: string | undefined;
  if (flavor.revocationNeedsClientAuth) {
    const auth = await authenticateClient(ctx, request, params, resolved);
    if ('answer' in auth) return tokenEndpointResponse(resolved, request, auth.answer);
    clientId = auth.clientId;
  }
  const familyId = ctx.store.familyOfRefreshToken(stripTokenPrefix(flavor, 'refresh', tokenValue));
  if (familyId !== undefined) {
    const looked = ctx.store.lookupRefreshToken(stripTokenPrefix(flavor, 'refresh', tokenValue));
    const family = 'family' in looked ? looked.family : undefined;
    // RFC 7009 §2.1: the token must belong to the requesting client; revoking a refresh token revokes the grant.
    if (!family || clientId === undefined || family.clientId === clientId) ctx.store.revokeFamily(familyId);
  } else {
    const family = ctx.store.lookupAccessToken(stripTokenPrefix(flavor, 'access', tokenValue));
    if (family && (clientId === undefined || family.clientId === clientId)) ctx.store.revokeAccessToken(stripTokenPrefix(flavor, 'access', tokenValue));
  }
  // RFC 7009 §2.2: 200 whether or not the token was valid.
  return new Response(null, { status: 200, headers: { 'cache-control': 'no-store' } });
}
