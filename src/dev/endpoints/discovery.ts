/**
 * The discovery endpoint: OpenID Connect Discovery 1.0 `/.well-known/openid-configuration`, or
 * RFC 8414 `/.well-known/oauth-authorization-server` for the OAuth-only GitHub flavor.
 *
 * @module
 */
import type { DevIdpContext } from '../context.js';
import { json } from '../flavors/flavor.js';
import type { ResolvedInstance } from '../instances.js';

/**
 * Serves the flavor instance's metadata document (cacheable for a minute).
 *
 * @param _ctx - the dev IdP context (unused: the document depends on the instance only).
 * @param _request - the GET request.
 * @param resolved - the flavor instance whose metadata is served.
 * @see [OpenID Connect Discovery 1.0, section 4](https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig)
 */
export async function discoveryEndpoint(_ctx: DevIdpContext, _request: Request, resolved: ResolvedInstance): Promise<Response> {
  return json(resolved.instance.flavor.metadata(resolved.instance), 200, { 'cache-control': 'public, max-age=60' });
}
