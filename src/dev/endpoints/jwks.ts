/**
 * The JWKS endpoint: the public signing keys (current and recently rotated) of every flavor.
 *
 * @module
 */
import type { DevIdpContext } from '../context.js';
import { json } from '../flavors/flavor.js';
import type { ResolvedInstance } from '../instances.js';

/**
 * Serves the published JWK Set (cacheable for a minute), creating the first key on first use.
 *
 * @param ctx - the dev IdP context (its key ring).
 * @param _request - the GET request.
 * @param _resolved - the flavor instance (all flavors share the key ring).
 * @see [RFC 7517 - JSON Web Key, section 5](https://www.rfc-editor.org/rfc/rfc7517.html#section-5)
 */
export async function jwksEndpoint(ctx: DevIdpContext, _request: Request, _resolved: ResolvedInstance): Promise<Response> {
  await ctx.keys.ensureReady();
  return json(ctx.keys.jwks(), 200, { 'cache-control': 'public, max-age=60' });
}
