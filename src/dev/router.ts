/**
 * The dev IdP's dispatch: which endpoint module answers a request. `/` and `/avatars/…` are served
 * for the whole IdP; every other path belongs to a flavor instance and is matched against that
 * flavor's endpoint paths, then its interaction pages, then its own routes.
 *
 * @module
 */
import type { DevIdpContext } from './context.js';
import { authorizeEndpoint } from './endpoints/authorize.js';
import { AVATAR_PATH, avatarEndpoint } from './endpoints/avatar.js';
import { discoveryEndpoint } from './endpoints/discovery.js';
import { endSessionEndpoint } from './endpoints/end-session.js';
import { flavorRoutesEndpoint } from './endpoints/flavor-routes.js';
import { homeEndpoint } from './endpoints/home.js';
import { INTERACTION_PATH, interactionEndpoint } from './endpoints/interaction.js';
import { jwksEndpoint } from './endpoints/jwks.js';
import { revocationEndpoint } from './endpoints/revocation.js';
import { tokenEndpoint } from './endpoints/token.js';
import { userinfoEndpoint } from './endpoints/userinfo.js';
import { json } from './flavors/flavor.js';
import { baseOf, type InstanceEndpoint, type ResolvedInstance, resolveInstance } from './instances.js';

/** The endpoint of a flavor instance that answers this request, if any of the standard ones does. */
function instanceEndpointFor(request: Request, resolved: ResolvedInstance): InstanceEndpoint {
  const paths = resolved.instance.flavor.paths;
  const rest = resolved.rest;
  if (rest === paths.discovery && request.method === 'GET') return discoveryEndpoint;
  if (rest === paths.jwks && request.method === 'GET') return jwksEndpoint;
  if (rest === paths.authorize) return authorizeEndpoint;
  if (rest === paths.token) return tokenEndpoint;
  if (rest === paths.userinfo) return userinfoEndpoint;
  if (rest === paths.revoke) return revocationEndpoint;
  if (rest === paths.endSession) return endSessionEndpoint;
  if (INTERACTION_PATH.test(rest)) return interactionEndpoint;
  return flavorRoutesEndpoint;
}

/**
 * Answers one request: finds its endpoint and calls it.
 *
 * @param ctx - the dev IdP context.
 * @param request - the incoming request.
 * @returns the endpoint's answer; a JSON 404 for a path no endpoint owns. Exceptions propagate.
 */
export async function routeDevIdpRequest(ctx: DevIdpContext, request: Request): Promise<Response> {
  const path = new URL(request.url).pathname;
  if (path === '/' && request.method === 'GET') return homeEndpoint(ctx, request);
  if (AVATAR_PATH.test(path)) return avatarEndpoint(ctx, request);
  const resolved = resolveInstance(ctx, baseOf(ctx, request), path);
  if (!resolved) return json({ error: 'not_found' }, 404);
  return instanceEndpointFor(request, resolved)(ctx, request, resolved);
}

/**
 * The Web-standard handler over {@link routeDevIdpRequest}: an unexpected failure becomes a generic
 * JSON 500 that echoes nothing of the request or the error.
 *
 * @param ctx - the dev IdP context.
 * @param request - the incoming request.
 */
export async function handleDevIdpRequest(ctx: DevIdpContext, request: Request): Promise<Response> {
  try {
    return await routeDevIdpRequest(ctx, request);
  } catch {
    // Never echo internals (or request data) back.
    return json({ error: 'server_error', error_description: 'The dev IdP failed to handle this request.' }, 500);
  }
}
