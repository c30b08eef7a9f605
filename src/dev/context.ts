/**
 * The one context object of a development identity provider: its resolved options, clock, signing
 * keys, in-memory state, flavors, users, clients, queued simulated failures and back-channel logout
 * record. `createDevIdp` builds it once with {@link createDevIdpContext}; every endpoint module in
 * `endpoints/` receives it as its first argument, so a test can build one and call an endpoint alone.
 *
 * @module
 */
import { ConfigurationError } from '../errors.js';
import { appleFlavor } from './flavors/apple.js';
import type { Flavor } from './flavors/flavor.js';
import { genericFlavor } from './flavors/generic.js';
import { githubFlavor } from './flavors/github.js';
import { googleFlavor } from './flavors/google.js';
import { microsoftFlavor } from './flavors/microsoft.js';
import { KeyRing } from './keys.js';
import { DevStore } from './store.js';
import { DEFAULT_USERS, type DevClient, type DevIdpOptions, type DevUser, type FlavorName, type LogoutDelivery, type SimulatedFailure } from './types.js';

/** The flavors by name. */
export const FLAVORS: Readonly<Record<FlavorName, Flavor>> = {
  generic: genericFlavor,
  google: googleFlavor,
  github: githubFlavor,
  microsoft: microsoftFlavor,
  apple: appleFlavor,
};

/** The test users of a running dev IdP. */
export interface DevUserDirectory {
  /** Every user, in display order. */
  list(): readonly DevUser[];
  /** The user with this id. */
  get(id: string): DevUser | undefined;
  /**
   * Adds a user (or replaces the one with the same id).
   *
   * @throws {ConfigurationError} `CONFIG_INVALID` when the id is not lower-case letters, digits and dashes.
   */
  add(user: DevUser): DevUser;
}

/** The registered clients of a dev IdP. */
export interface DevClientRegistry {
  /** The client registered with this `client_id`. */
  get(clientId: string): DevClient | undefined;
  /**
   * Registers a client (or replaces the one with the same `client_id`).
   *
   * @throws {ConfigurationError} `CONFIG_INVALID` without a `client_id` or with a relative redirect URI.
   */
  register(client: DevClient): void;
}

/** The queue of failures that `simulate()` asked for, taken one by one by the endpoints they target. */
export interface SimulatedFailureQueue {
  /** Queues a failure for a later authorization or token request. */
  add(failure: SimulatedFailure): void;
  /** Takes the next queued failure meant for this endpoint, if any. */
  take(endpoint: 'authorization' | 'token'): SimulatedFailure | undefined;
}

/** Everything an endpoint of the dev IdP may use; built once per IdP and frozen. */
export interface DevIdpContext {
  /** The public origin without a trailing slash; `undefined` means "the origin of each request". */
  readonly baseUrl: string | undefined;
  /** Whether unregistered clients with loopback redirect URIs are accepted. */
  readonly acceptAnyClient: boolean;
  /** Lifetime of access and ID tokens, in seconds. */
  readonly accessTokenTtlSeconds: number;
  /** How long the sign-in page's "slow" button waits, in milliseconds. */
  readonly slowMs: number;
  /** When the generic flavor issues refresh tokens. */
  readonly genericRefreshTokens: 'always' | 'offline_access';
  /** The clock, in milliseconds since the epoch. */
  readonly now: () => number;
  /** The clock, in whole seconds since the epoch. */
  readonly nowSeconds: () => number;
  /** The signing keys (RS256) and the published JWKS. */
  readonly keys: KeyRing;
  /** Interactions, browser sessions, codes, token families and grants. */
  readonly store: DevStore;
  /** The provider emulations by name. */
  readonly flavors: Readonly<Record<FlavorName, Flavor>>;
  /** The test users. */
  readonly users: DevUserDirectory;
  /** The registered clients. */
  readonly clients: DevClientRegistry;
  /** Failures queued by `simulate()`. */
  readonly failures: SimulatedFailureQueue;
  /** Every back-channel logout delivery attempted so far (the last 1000, no tokens kept). */
  readonly logoutDeliveries: LogoutDelivery[];
}

const USER_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

function createUserDirectory(): DevUserDirectory {
  const users = new Map<string, DevUser>();
  return {
    list: () => [...users.values()],
    get: (id) => users.get(id),
    add(user) {
      if (!USER_ID.test(user.id)) throw new ConfigurationError(`Dev IdP user id "${user.id}" must be lower-case letters, digits and dashes.`);
      users.set(user.id, user);
      return user;
    },
  };
}

function createClientRegistry(): DevClientRegistry {
  const clients = new Map<string, DevClient>();
  return {
    get: (clientId) => clients.get(clientId),
    register(client) {
      if (!client.client_id) throw new ConfigurationError('A dev IdP client needs a client_id.');
      for (const uri of client.redirect_uris) {
        try {
          new URL(uri);
        } catch {
          throw new ConfigurationError(`Dev IdP client "${client.client_id}": redirect URI "${uri}" is not an absolute URL.`);
        }
      }
      clients.set(client.client_id, client);
    },
  };
}

function createFailureQueue(): SimulatedFailureQueue {
  const queued: SimulatedFailure[] = [];
  return {
    add: (failure) => {
      queued.push({ ...failure });
    },
    take(endpoint) {
      const i = queued.findIndex((f) => {
        const target = f.endpoint ?? (f.error === 'access_denied' ? 'authorization' : 'any');
        return target === 'any' || target === endpoint;
      });
      return i === -1 ? undefined : queued.splice(i, 1)[0];
    },
  };
}

/**
 * Builds the frozen context of a dev IdP from its options: the one function `createDevIdp` uses,
 * exported so that a test can call an endpoint module on its own.
 *
 * @param options - users, clients, `acceptAnyClient`, lifetimes, the clock and the public `baseUrl`.
 * @returns the context every endpoint receives.
 * @throws {ConfigurationError} `CONFIG_INVALID` for an invalid user id or client.
 */
export function createDevIdpContext(options: DevIdpOptions = {}): DevIdpContext {
  const now = options.now ?? Date.now;
  const users = createUserDirectory();
  for (const user of options.users ?? DEFAULT_USERS) users.add(user);
  const clients = createClientRegistry();
  for (const client of options.clients ?? []) clients.register(client);
  return Object.freeze({
    baseUrl: options.baseUrl?.replace(/\/+$/, ''),
    acceptAnyClient: options.acceptAnyClient ?? false,
    accessTokenTtlSeconds: options.accessTokenTtlSeconds ?? 3600,
    slowMs: options.slowMs ?? 3000,
    genericRefreshTokens: options.genericRefreshTokens ?? 'always',
    now,
    nowSeconds: () => Math.floor(now() / 1000),
    keys: new KeyRing(options.maxPublishedKeys ?? 3),
    store: new DevStore(now),
    flavors: FLAVORS,
    users,
    clients,
    failures: createFailureQueue(),
    logoutDeliveries: [],
  });
}
