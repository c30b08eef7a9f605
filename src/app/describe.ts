/**
 * What an `Auth` says about itself for `latchkey doctor --config`: the URLs to register at each
 * provider, the providers' issuers, and the settings that matter in production. Never a secret or
 * a token: secrets are described by their length and whether they look guessable.
 *
 * @module
 */
import type { ProviderConfig } from '../providers/types.js';
import { MemorySessionStore, MemoryUserStore } from '../storage/memory.js';
import type { AuthOptions, ResolvedConfig } from './config.js';
import { isWeakSecret } from './secret-strength.js';

/** One configured provider, as {@link AuthDescription} lists it. */
export interface ProviderDescription {
  readonly id: string;
  readonly name: string;
  readonly kind: 'oidc' | 'oauth2';
  /** The issuer Latchkey discovers (or names, with explicit endpoints): the app's override included. */
  readonly issuer: string;
  /** Whether the endpoints are configured explicitly (no discovery). */
  readonly explicitEndpoints: boolean;
  /** The redirect URI to register (from `callbackPath` when set). */
  readonly redirectUri: string;
  /** The callback path, as the app routes it. */
  readonly callbackPath: string;
  /** The back-channel logout URI to register (OpenID Connect providers). */
  readonly backchannelLogoutUri: string;
  /** How the client authenticates at the token endpoint. */
  readonly clientAuthentication: 'client_secret' | 'private_key_jwt' | 'none';
  /** Where to register the app, when the preset knows. */
  readonly consoleUrl?: string;
}

/** The introspection view of an `Auth` (`auth.describe()`): no secret, no token. */
export interface AuthDescription {
  readonly baseUrl: string;
  /** The path prefix of the auth routes, e.g. `/auth`. */
  readonly routePrefix: string;
  /** The post-logout redirect URI to register at OpenID Connect providers. */
  readonly postLogoutRedirectUri: string;
  /** Whether the cookies are `Secure` (true exactly when `baseUrl` is https). */
  readonly secureCookies: boolean;
  readonly sessionStrategy: 'cookie' | 'server';
  readonly trustProxy: boolean;
  /** Whether users and server sessions live in this process's memory (lost on restart, not shared). */
  readonly memoryStores: { readonly users: boolean; readonly sessions: boolean };
  /** Each configured secret, newest first: its length and whether it looks guessable (see `isWeakSecret`). */
  readonly secrets: readonly { readonly length: number; readonly weak: boolean }[];
  readonly providers: readonly ProviderDescription[];
}

function clientAuthentication(p: ProviderConfig): ProviderDescription['clientAuthentication'] {
  if (p.clientPrivateKey !== undefined || p.tokenEndpointAuthMethod === 'private_key_jwt') return 'private_key_jwt';
  return p.tokenEndpointAuthMethod === 'none' ? 'none' : 'client_secret';
}

/**
 * Describes an `Auth` from its options and validated configuration.
 *
 * @param options - the `createAuth` options (for the stores).
 * @param config - the validated configuration.
 * @param routePrefix - the auth routes' prefix as the app sees it.
 * @returns the frozen description.
 */
export function describeAuth(options: AuthOptions, config: ResolvedConfig, routePrefix: string): AuthDescription {
  const users = options.store?.users;
  const sessions = options.store?.sessions;
  const providers = [...config.providers.values()].map(
    (p): ProviderDescription =>
      Object.freeze({
        id: p.id,
        name: p.name,
        kind: p.kind,
        issuer: p.issuer,
        explicitEndpoints: p.metadata !== undefined,
        redirectUri: config.redirectUris[p.id]!,
        callbackPath: new URL(config.redirectUris[p.id]!).pathname,
        backchannelLogoutUri: `${config.baseUrl}${config.basePath}/${p.id}/backchannel-logout`,
        clientAuthentication: clientAuthentication(p),
        ...(p.docs?.consoleUrl ? { consoleUrl: p.docs.consoleUrl } : {}),
      }),
  );
  return Object.freeze({
    baseUrl: config.baseUrl,
    routePrefix,
    postLogoutRedirectUri: config.postLogoutRedirectUri,
    secureCookies: config.cookies.secure,
    sessionStrategy: config.strategy,
    trustProxy: config.trustProxy,
    memoryStores: Object.freeze({
      users: users === undefined || users instanceof MemoryUserStore,
      sessions: config.strategy === 'server' && (sessions === undefined || sessions instanceof MemorySessionStore),
    }),
    secrets: Object.freeze(config.secrets.map((s) => Object.freeze({ length: s.length, weak: isWeakSecret(s) }))),
    providers: Object.freeze(providers),
  });
}
