/**
 * The flavors' own routes (GitHub's REST API, Google's Calendar-like API): the engine hands them the
 * path relative to the instance prefix and a way to authenticate the request's access token.
 *
 * @module
 */
import { familyForAccessToken } from '../access-tokens.js';
import type { DevIdpContext } from '../context.js';
import { type FlavorApi, json } from '../flavors/flavor.js';
import { avatarUrl, type ResolvedInstance } from '../instances.js';

/**
 * The services a flavor's routes get from the engine.
 *
 * @param ctx - the dev IdP context.
 * @param resolved - the flavor instance.
 */
export function flavorApi(ctx: DevIdpContext, resolved: ResolvedInstance): FlavorApi {
  return {
    authenticate(request) {
      const family = familyForAccessToken(ctx, resolved, request);
      const user = family ? ctx.users.get(family.userId) : undefined;
      return family && user ? { user, scopes: family.scopes, clientId: family.clientId } : undefined;
    },
    avatarUrl: (user) => avatarUrl(resolved.instance.base, user),
  };
}

/**
 * Hands a request to the flavor's own routes; a JSON 404 when the flavor has none for this path.
 *
 * @param ctx - the dev IdP context.
 * @param request - the request.
 * @param resolved - the flavor instance (its `rest` is the path the flavor sees).
 */
export async function flavorRoutesEndpoint(ctx: DevIdpContext, request: Request, resolved: ResolvedInstance): Promise<Response> {
  const answer = await resolved.instance.flavor.route?.(resolved.rest, request, flavorApi(ctx, resolved));
  return answer ?? json({ error: 'not_found' }, 404);
}
