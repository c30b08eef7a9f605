/**
 * `latchkey/dev`: the development identity provider — a small, real OpenID Provider with Google,
 * GitHub, Microsoft and Apple emulations, for development without credentials and for tests
 * without a network.
 *
 * @module
 */
export { runDevIdp } from './cli.js';
export { APPLE_MAX_SECRET_LIFETIME_SECONDS } from './flavors/apple.js';
export { CONSUMERS_TENANT_ID } from './flavors/microsoft.js';
export type { DevIdp, DevUserDirectory } from './idp.js';
export { createDevIdp, FLAVORS } from './idp.js';
export type { PublishedJwks } from './keys.js';
export type { RunningDevIdp, StartDevIdpOptions } from './server.js';
export { isAllowedHost, startDevIdp } from './server.js';
export type { DevClient, DevIdpOptions, DevUser, FlavorName, LogoutDelivery, SimulatedFailure } from './types.js';
export { DEFAULT_USERS, DEV_TENANT_ID, FLAVOR_NAMES } from './types.js';
