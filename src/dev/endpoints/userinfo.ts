/**
 * The userinfo endpoint (OIDC Core 5.3): the claims of the user behind a Bearer access token that
 * was granted `openid`, in the flavor's shape.
 *
 * @module
 */
import { claimsContext, familyForAccessToken } from '../access-tokens.js';
import type { DevIdpContext } from '../context.js';
import { json } from '../flavors/flavor.js';
import type { ResolvedInstance } from '../instances.js';
import { oauthError } from '../request-helpers.js';

/**
 * Handles a GET or POST to the userinfo endpoint.
 *
 * @param ctx - the dev IdP context.
 * @param request - the request with `Authorization: Bearer <access token>`.
 * @param resolved - the flavor instance it landed on (404 when the flavor has no userinfo).
 * @returns the claims, or 401/403 with an RFC 6750 §3 `WWW-Authenticate` challenge.
 * @see [OpenID Connect Core 1.0, section 5.3](https://openid.net/specs/openid-connect-core-1_0.html#UserInfo)
 */
export async function userinfoEndpoint(ctx: DevIdpContext, request: Request, resolved: ResolvedInstance): Promise<Response> {
  const flavor = resolved.instance.flavor;
  if (!flavor.userinfo) return json({ error: 'not_found' }, 404);
  if (request.method !== 'GET' && request.method !== 'POST') return oauthError('invalid_request', 'Use GET or POST.', 405);
  const realm = `Bearer realm="${resolved.instance.issuer}"`;
  // RFC 6750 §2.1 only: the token in the Authorization header.
  if (!request.headers.get('authorization')) return new Response(null, { status: 401, headers: { 'www-authenticate': realm, 'cache-control': 'no-store' } });
  const family = familyForAccessToken(ctx, resolved, request);
  const user = family ? ctx.users.get(family.userId) : undefined;
  if (!family || !user) {
    return json({ error: 'invalid_token', error_description: 'The access token is invalid or expired.' }, 401, {
      'www-authenticate': `${realm}, error="invalid_token"`,
    });
  }
  if (!family.scopes.includes('openid')) {
    return json({ error: 'insufficient_scope' }, 403, { 'www-authenticate': `${realm}, error="insufficient_scope", scope="openid"` });
  }
  const subject = await flavor.subject(user, family.clientId);
  const claims = claimsContext(
    resolved,
    {
      clientId: family.clientId,
      scopes: family.scopes,
      issuer: family.issuer,
      subject,
      authTime: family.authTime,
      issuedAt: ctx.nowSeconds(),
      sid: family.sid,
      maxAgeRequested: false,
      accessToken: '',
    },
    user,
  );
  return json(await flavor.userinfo(user, claims));
}
