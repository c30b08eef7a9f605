/**
 * Public types of the development identity provider: test users, registered clients, options and
 * the failure simulation.
 *
 * @module
 */
import type { JWK } from 'jose';

/** The provider emulations one dev IdP hosts, each under its own path prefix and issuer. */
export type FlavorName = 'generic' | 'google' | 'github' | 'microsoft' | 'apple';

/** Every flavor, in display order. */
export const FLAVOR_NAMES: readonly FlavorName[] = ['generic', 'google', 'github', 'microsoft', 'apple'];

/**
 * A test user. Each flavor maps it to its own claim shapes (Google `hd`, GitHub numeric `id`,
 * Microsoft `oid`/`tid`, Apple private-relay email).
 */
export interface DevUser {
  /** A stable id, lower-case letters, digits and dashes (`alice`). Used to derive subjects. */
  readonly id: string;
  /** The display name (`Alice Example`). */
  readonly name: string;
  readonly givenName?: string;
  readonly familyName?: string;
  /** The email address, or `null` for a user without one. */
  readonly email: string | null;
  /** Whether the provider asserts the email as verified. */
  readonly emailVerified: boolean;
  /** A Google Workspace domain: Google emits `hd` for this user. */
  readonly hostedDomain?: string;
  /** The user hides their email: Apple emits a private-relay address, GitHub a `null` public email. */
  readonly hideEmail?: boolean;
  /** A BCP 47 locale, e.g. `en`. */
  readonly locale?: string;
  /** A picture URL. Default: an SVG avatar served by the dev IdP itself. */
  readonly picture?: string;
  /** The Microsoft tenant (a GUID) the user belongs to. Default {@link DEV_TENANT_ID}. */
  readonly tenantId?: string;
}

/** The tenant id Microsoft-flavor users belong to unless they name another. */
export const DEV_TENANT_ID = '6b1f3c0e-5d4a-4c3b-9a2e-1d0c0ffee000';

/** The users a dev IdP starts with unless `users` is given. */
export const DEFAULT_USERS: readonly DevUser[] = [
  { id: 'alice', name: 'Alice Example', givenName: 'Alice', familyName: 'Example', email: 'alice@example.org', emailVerified: true, locale: 'en' },
  {
    id: 'bob',
    name: 'Bob Builder',
    givenName: 'Bob',
    familyName: 'Builder',
    email: 'bob@example.com',
    emailVerified: true,
    hostedDomain: 'example.com',
    locale: 'en-GB',
  },
  { id: 'carol', name: 'Carol Unverified', givenName: 'Carol', familyName: 'Unverified', email: 'carol@example.net', emailVerified: false, locale: 'fr' },
  { id: 'dana', name: 'Dana Private', givenName: 'Dana', familyName: 'Private', email: 'dana@example.org', emailVerified: true, hideEmail: true, locale: 'de' },
];

/**
 * A registered client. Fields keep their OAuth wire spelling.
 *
 * @see [OpenID Connect Dynamic Client Registration 1.0](https://openid.net/specs/openid-connect-registration-1_0.html#ClientMetadata)
 */
export interface DevClient {
  readonly client_id: string;
  /** Absent for public clients (`token_endpoint_auth_method: none`). */
  readonly client_secret?: string;
  /** Exact-match redirect URIs. */
  readonly redirect_uris: readonly string[];
  readonly post_logout_redirect_uris?: readonly string[];
  /** Where logout tokens are POSTed after a logout (OpenID Back-Channel Logout 1.0). */
  readonly backchannel_logout_uri?: string;
  /** Default: `client_secret_basic` when there is a secret (`client_secret_post` also accepted), else `none`. */
  readonly token_endpoint_auth_method?: 'client_secret_basic' | 'client_secret_post' | 'none';
  /**
   * Apple flavor: the key that verifies this client's ES256 client-secret JWT (`iss` = team id,
   * `sub` = client id, `aud` = the Apple-flavor issuer).
   */
  readonly apple?: { readonly teamId: string; readonly keyId?: string; readonly publicKey: JWK | CryptoKey };
}

/** What `simulate()` makes the next authorization or token request do. */
export interface SimulatedFailure {
  /** The OAuth error to answer with. `access_denied` applies to authorization requests only. */
  readonly error?: 'access_denied' | 'server_error' | 'temporarily_unavailable';
  /** Delay the answer by this many milliseconds. */
  readonly delayMs?: number;
  /** Which request consumes it. Default: `authorization` for `access_denied`, otherwise the next of either. */
  readonly endpoint?: 'authorization' | 'token' | 'any';
}

/** Options of {@link createDevIdp}. Never mutated. */
export interface DevIdpOptions {
  /**
   * The public origin, e.g. `http://127.0.0.1:4000`. Default: the origin of each request. Set it
   * when the IdP is reached under several names, so issuers stay stable.
   */
  readonly baseUrl?: string;
  /** Test users. Default {@link DEFAULT_USERS}. */
  readonly users?: readonly DevUser[];
  /** Registered clients. */
  readonly clients?: readonly DevClient[];
  /**
   * Development convenience: accept any `client_id` with any secret, and any http(s) redirect URI
   * on a loopback host, for clients that are not registered. Default false.
   */
  readonly acceptAnyClient?: boolean;
  /**
   * Generic flavor: `always` issues a refresh token on every code exchange (development default);
   * `offline_access` only when that scope was requested.
   */
  readonly genericRefreshTokens?: 'always' | 'offline_access';
  /** Access and ID token lifetime in seconds. Default 3600. */
  readonly accessTokenTtlSeconds?: number;
  /** The delay of the sign-in page's "answer slowly" option, in milliseconds. Default 3000. */
  readonly slowMs?: number;
  /** Keys kept in the JWKS after rotations (the current one included). Default 3. */
  readonly maxPublishedKeys?: number;
  /** A clock, for tests. Default `Date.now`. */
  readonly now?: () => number;
}

/** One back-channel logout delivery attempt, as `idp.logoutDeliveries` records it (no token kept). */
export interface LogoutDelivery {
  readonly clientId: string;
  readonly uri: string;
  readonly sid: string;
  /** The HTTP status, or 0 when the request failed. */
  readonly status: number;
  readonly ok: boolean;
}
