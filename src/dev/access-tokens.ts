/**
 * Access tokens presented to the dev IdP (userinfo, revocation, the flavors' own APIs): stripping a
 * flavor's token prefix, finding the grant behind a Bearer token, and the context claim builders get.
 *
 * @module
 */
import type { DevIdpContext } from './context.js';
import type { ClaimsContext, Flavor } from './flavors/flavor.js';
import { avatarUrl, type ResolvedInstance } from './instances.js';
import { bearerToken } from './request-helpers.js';
import type { TokenFamily } from './store.js';
import type { DevUser } from './types.js';

/**
 * Strips a flavor's token prefix (`gho_`, `ya29.`) before looking a token up.
 *
 * @param flavor - the flavor that issued the token.
 * @param kind - which prefix: access or refresh token.
 * @param tokenValue - the token as the client sent it.
 */
export function stripTokenPrefix(flavor: Flavor, kind: 'access' | 'refresh', tokenValue: string): string {
  const p = flavor.tokenPrefixes?.[kind] ?? '';
  return p && tokenValue.startsWith(p) ? tokenValue.slice(p.length) : tokenValue;
}

/**
 * The token family (grant) behind the request's access token at this flavor, if the token is live.
 *
 * @param ctx - the dev IdP context.
 * @param resolved - the flavor instance the request landed on.
 * @param request - the request with `Authorization: Bearer …` (or GitHub's `token …`).
 */
export function familyForAccessToken(ctx: DevIdpContext, resolved: ResolvedInstance, request: Request): TokenFamily | undefined {
  const raw = bearerToken(request, resolved.instance.flavor.acceptsTokenScheme === true);
  if (raw === undefined) return undefined;
  const family = ctx.store.lookupAccessToken(stripTokenPrefix(resolved.instance.flavor, 'access', raw));
  return family && family.flavor === resolved.instance.flavor.name ? family : undefined;
}

/**
 * What a flavor's claim builders (ID token, userinfo) receive.
 *
 * @param resolved - the flavor instance.
 * @param fields - the token's client, scopes, issuer, subject and times.
 * @param user - the user the claims describe.
 */
export function claimsContext(resolved: ResolvedInstance, fields: Omit<ClaimsContext, 'instance' | 'avatarUrl'>, user: DevUser): ClaimsContext {
  return { ...fields, instance: resolved.instance, avatarUrl: avatarUrl(resolved.instance.base, user) };
}
