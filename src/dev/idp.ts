/**
 * The development identity provider: a small, real OpenID Provider as a Web-standard
 * `(request: Request) => Promise<Response>` handler. One handler hosts several flavors under path
 * prefixes, each its own issuer: generic OIDC at `/oidc`, `/google`, `/github`,
 * `/microsoft/<tenant>/v2.0` and `/apple`.
 *
 * It implements the code flow with PKCE, RFC 9207 `iss`, `prompt=none`, `max_age`, query and
 * form_post response modes, one-time codes, refresh-token rotation with reuse detection, userinfo,
 * RFC 7009 revocation, RP-initiated logout with back-channel logout delivery, and simulated
 * failures. It is for development and tests only: state lives in memory.
 *
 * This file only assembles: `context.ts` builds the one frozen context, `router.ts` picks the
 * endpoint, and each endpoint is its own module under `endpoints/`.
 *
 * @module
 */
import { logoutUser } from './browser-sessions.js';
import { createDevIdpContext, type DevUserDirectory } from './context.js';
import { issuerAt, metadataAt } from './instances.js';
import type { PublishedJwks } from './keys.js';
import { handleDevIdpRequest } from './router.js';
import type { DevClient, DevIdpOptions, FlavorName, LogoutDelivery, SimulatedFailure } from './types.js';

export type { DevUserDirectory } from './context.js';
export { FLAVORS } from './context.js';

/** A running development identity provider. */
export interface DevIdp {
  /** The Web-standard handler; mount it anywhere or serve it with `startDevIdp`. */
  readonly handler: (request: Request) => Promise<Response>;
  /**
   * The issuer URL to configure a client with (the discovery location). For Microsoft it is
   * `…/microsoft/<tenant>/v2.0` (default tenant `common`, whose discovery names the templated
   * `{tenantid}` issuer).
   *
   * @throws {ConfigurationError} `CONFIG_INVALID` when no `baseUrl` is known.
   */
  issuerFor(flavor: FlavorName, options?: { readonly tenant?: string }): string;
  /**
   * The discovery (or, for GitHub, RFC 8414) document of a flavor, as it is served: handy for
   * presets that take explicit endpoints. GitHub's API base is `<issuer>/api`; Google's Calendar-like
   * API is under `<issuer>/calendar/v3`.
   *
   * @throws {ConfigurationError} `CONFIG_INVALID` when no `baseUrl` is known.
   */
  metadataFor(flavor: FlavorName, options?: { readonly tenant?: string }): Record<string, unknown>;
  /** The test users. */
  readonly users: DevUserDirectory;
  /** Registers a client (or replaces the one with the same `client_id`). */
  registerClient(client: DevClient): void;
  /** Adds a new signing key and signs with it from now on; older keys stay published. Returns the new `kid`. */
  rotateKeys(): Promise<string>;
  /** The published JWKS. */
  jwks(): Promise<PublishedJwks>;
  /** Makes the next authorization or token request fail or answer slowly. Calls queue up. */
  simulate(failure: SimulatedFailure): void;
  /**
   * OP-initiated logout: ends every browser session of `userId` and delivers back-channel logout
   * tokens. Resolves with the number of sessions ended.
   */
  logoutUser(userId: string): Promise<number>;
  /** Every back-channel logout delivery attempted so far (no tokens kept). */
  readonly logoutDeliveries: readonly LogoutDelivery[];
}

/**
 * Creates a development identity provider.
 *
 * @param options - users, clients, `acceptAnyClient`, lifetimes and the public `baseUrl`.
 * @returns the handler plus controls: `issuerFor`, `users`, `rotateKeys`, `simulate`, `logoutUser`.
 * @throws {ConfigurationError} `CONFIG_INVALID` for an invalid user id or client.
 * @example
 * ```ts
 * const idp = createDevIdp({ baseUrl: 'http://127.0.0.1:4000', acceptAnyClient: true });
 * const response = await idp.handler(new Request('http://127.0.0.1:4000/oidc/.well-known/openid-configuration'));
 * ```
 * @see [OpenID Connect Core 1.0](https://openid.net/specs/openid-connect-core-1_0.html#CodeFlowAuth)
 */
export function createDevIdp(options: DevIdpOptions = {}): DevIdp {
  const ctx = createDevIdpContext(options);
  return {
    handler: (request) => handleDevIdpRequest(ctx, request),
    issuerFor: (flavor, opts) => issuerAt(ctx.baseUrl, flavor, opts),
    metadataFor: (flavor, opts) => metadataAt(ctx, flavor, opts),
    users: ctx.users,
    registerClient: (client) => ctx.clients.register(client),
    rotateKeys: () => ctx.keys.rotate(),
    async jwks() {
      await ctx.keys.ensureReady();
      return ctx.keys.jwks();
    },
    simulate: (failure) => ctx.failures.add(failure),
    logoutUser: (userId) => logoutUser(ctx, userId),
    logoutDeliveries: ctx.logoutDeliveries,
  };
}
