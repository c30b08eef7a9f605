/**
 * The index page at `/`: every flavor's issuer, the test users, and whether any client is accepted.
 *
 * @module
 */
import type { DevIdpContext } from '../context.js';
import { baseOf, issuerAt } from '../instances.js';
import { htmlResponse, indexPage } from '../pages.js';
import { FLAVOR_NAMES, type FlavorName } from '../types.js';

function issuerNote(flavor: FlavorName): string {
  if (flavor === 'github') return 'OAuth 2.0 only; RFC 8414 metadata at /github/.well-known/oauth-authorization-server';
  if (flavor === 'microsoft') return 'any tenant: /microsoft/<tenant>/v2.0';
  return 'OpenID Connect discovery';
}

/**
 * Serves the index page.
 *
 * @param ctx - the dev IdP context.
 * @param request - the `GET /` request (its origin names the issuers when no `baseUrl` is set).
 */
export function homeEndpoint(ctx: DevIdpContext, request: Request): Response {
  const base = baseOf(ctx, request);
  const issuers = FLAVOR_NAMES.map((f) => ({ title: ctx.flavors[f].title, issuer: issuerAt(base, f), note: issuerNote(f) }));
  return htmlResponse(indexPage({ issuers, users: ctx.users.list(), acceptAnyClient: ctx.acceptAnyClient }));
}
