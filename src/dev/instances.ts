/**
 * Where a request lands: which flavor instance a path prefix names (`/oidc`, `/google`, `/github`,
 * `/microsoft/<tenant>`, `/apple`), its issuer, the rest of the path, and its browser-session cookie.
 *
 * @module
 */
import { ConfigurationError } from '../errors.js';
import type { DevIdpContext } from './context.js';
import type { FlavorInstance } from './flavors/flavor.js';
import { MULTI_TENANTS, microsoftIssuer } from './flavors/microsoft.js';
import type { DevUser, FlavorName } from './types.js';

/** The first path segment of each flavor, and back. */
const FLAVOR_OF_SEGMENT: Readonly<Record<string, FlavorName>> = { oidc: 'generic', google: 'google', github: 'github', microsoft: 'microsoft', apple: 'apple' };
const SEGMENT_OF_FLAVOR: Readonly<Record<FlavorName, string>> = { generic: 'oidc', google: 'google', github: 'github', microsoft: 'microsoft', apple: 'apple' };

/** A flavor instance a request landed on, with the path relative to its prefix. */
export interface ResolvedInstance {
  readonly instance: FlavorInstance;
  /** The path after the prefix, starting with `/`. */
  readonly rest: string;
  /** The name of this flavor's browser-session cookie (`lkdev_<segment>`). */
  readonly cookieName: string;
  /** The `Path` of that cookie (`/<segment>`). */
  readonly cookiePath: string;
}

/**
 * An endpoint of a flavor instance (discovery, jwks, authorize, token, ...): a function of the dev
 * IdP context, the request and the instance it landed on.
 */
export type InstanceEndpoint = (ctx: DevIdpContext, request: Request, resolved: ResolvedInstance) => Promise<Response>;

/**
 * Finds the flavor instance that a path belongs to.
 *
 * @param ctx - the dev IdP context (for its flavors).
 * @param base - the IdP origin the instance is served at, e.g. `http://127.0.0.1:4000`.
 * @param pathname - the request path, e.g. `/microsoft/common/v2.0/.well-known/openid-configuration`.
 * @returns the instance and the rest of the path, or `undefined` when no flavor owns the path.
 */
export function resolveInstance(ctx: DevIdpContext, base: string, pathname: string): ResolvedInstance | undefined {
  const segments = pathname.split('/');
  const first = segments[1] ?? '';
  const name = FLAVOR_OF_SEGMENT[first];
  if (name === undefined) return undefined;
  const flavor = ctx.flavors[name];
  let prefix = `/${first}`;
  let issuer = `${base}${prefix}`;
  let tenant: string | undefined;
  if (name === 'microsoft') {
    tenant = segments[2] ?? '';
    if (!/^[A-Za-z0-9.-]{1,64}$/.test(tenant)) return undefined;
    prefix = `/microsoft/${tenant}`;
    // Microsoft quirk: multi-tenant discovery names a templated issuer.
    issuer = microsoftIssuer(base, MULTI_TENANTS.includes(tenant) ? '{tenantid}' : tenant);
  }
  const instance: FlavorInstance = tenant === undefined ? { flavor, base, prefix, issuer } : { flavor, base, prefix, issuer, tenant };
  return { instance, rest: pathname.slice(prefix.length) || '/', cookieName: `lkdev_${first}`, cookiePath: `/${first}` };
}

/**
 * The origin a request is answered for: the configured `baseUrl`, else the request's own origin.
 *
 * @param ctx - the dev IdP context.
 * @param request - the incoming request.
 */
export function baseOf(ctx: DevIdpContext, request: Request): string {
  return ctx.baseUrl ?? new URL(request.url).origin;
}

/**
 * The issuer URL (discovery location) of a flavor served at `base`.
 *
 * @param base - the IdP origin; `undefined` when none is known yet.
 * @param flavor - the flavor.
 * @param options - Microsoft: the tenant path segment (default `common`).
 * @throws {ConfigurationError} `CONFIG_INVALID` when `base` is undefined.
 */
export function issuerAt(base: string | undefined, flavor: FlavorName, options: { readonly tenant?: string } = {}): string {
  if (base === undefined) throw new ConfigurationError('The dev IdP has no baseUrl yet: pass `baseUrl` to createDevIdp, or use startDevIdp.');
  if (flavor === 'microsoft') return microsoftIssuer(base, options.tenant ?? 'common');
  return `${base}/${SEGMENT_OF_FLAVOR[flavor]}`;
}

/**
 * The discovery (or RFC 8414) document of a flavor, as the discovery endpoint serves it.
 *
 * @param ctx - the dev IdP context; its `baseUrl` must be set.
 * @param flavor - the flavor.
 * @param options - Microsoft: the tenant path segment (default `common`).
 * @throws {ConfigurationError} `CONFIG_INVALID` when the context has no `baseUrl`.
 */
export function metadataAt(ctx: DevIdpContext, flavor: FlavorName, options: { readonly tenant?: string } = {}): Record<string, unknown> {
  if (ctx.baseUrl === undefined) throw new ConfigurationError('The dev IdP has no baseUrl yet: pass `baseUrl` to createDevIdp, or use startDevIdp.');
  const path = flavor === 'microsoft' ? `/microsoft/${options.tenant ?? 'common'}/` : `/${SEGMENT_OF_FLAVOR[flavor]}/`;
  const resolved = resolveInstance(ctx, ctx.baseUrl, path)!;
  return resolved.instance.flavor.metadata(resolved.instance);
}

/**
 * The picture URL of a user: their own `picture`, else the SVG avatar the IdP serves.
 *
 * @param base - the IdP origin.
 * @param user - the user.
 */
export function avatarUrl(base: string, user: DevUser): string {
  return user.picture ?? `${base}/avatars/${encodeURIComponent(user.id)}.svg`;
}
