/**
 * What a provider preset is: data first (issuer or endpoints, scopes, parameters), with the
 * provider's quirks as named hooks on the shared code path.
 *
 * @module
 */
import type { IssuerSource } from '../core/endpoint-policy.js';
import type { HttpOptions } from '../core/http.js';
import type { ProfileContext } from '../core/profile.js';
import type { ClientAuthMethod, PrivateKey, ProtocolHooks, ServerMetadata } from '../core/types.js';
import type { Profile } from '../internal/profile.js';

export type { ProfileContext } from '../core/profile.js';
export type { Profile } from '../internal/profile.js';

/**
 * A configured provider, as `google({...})`, `github({...})` or `oidc({...})` return it, and as
 * `createAuth({ providers })` takes it.
 */
export interface ProviderConfig {
  /** The id used in routes (`/auth/:id/login`). Lower-case letters, digits and dashes. */
  readonly id: string;
  /** The display name on sign-in buttons. */
  readonly name: string;
  /** `oidc`: ID token expected and validated. `oauth2`: no ID token; the profile comes from an API. */
  readonly kind: 'oidc' | 'oauth2';
  /** The issuer to discover (OIDC Discovery or RFC 8414). */
  readonly issuer: string;
  /**
   * Endpoints given explicitly. When present, discovery is skipped, and `metadata.issuer` must
   * equal `issuer`.
   */
  readonly metadata?: ServerMetadata;
  readonly clientId: string;
  /** A secret, or a function producing one (Apple's ES256 client-secret JWT, rotated before expiry). */
  readonly clientSecret?: string | (() => Promise<string>);
  readonly tokenEndpointAuthMethod?: ClientAuthMethod;
  /** For `private_key_jwt`. */
  readonly clientPrivateKey?: PrivateKey;
  /** The ID token signing alg registered, when not RS256. */
  readonly idTokenSignedResponseAlg?: string;
  /** Scopes requested at sign-in. */
  readonly scopes: readonly string[];
  /** Extra authorization parameters sent on every sign-in. */
  readonly authorizationParams?: Readonly<Record<string, string>>;
  /** Extra parameters and scopes that make this provider issue a refresh token (Google `access_type=offline`). */
  readonly offlineAccess?: {
    readonly params?: Readonly<Record<string, string>>;
    readonly scopes?: readonly string[];
    /** The `prompt` to send instead of {@link ProviderConfig.prompt} when asking for offline access (Google `consent`). */
    readonly prompt?: string;
  };
  /**
   * The OIDC `prompt` sent on every sign-in (Google `select_account`, Atlassian `consent`). Passed
   * as `AuthorizationRequestOptions.prompt`: core refuses `prompt` in `extraParams`.
   */
  readonly prompt?: string;
  /** The `login_hint` sent on every sign-in (passed as `AuthorizationRequestOptions.loginHint`). */
  readonly loginHint?: string;
  /**
   * Whether to call the userinfo endpoint after an OIDC sign-in. Default true. False for providers
   * whose userinfo is not a standard GET (Dropbox) or adds nothing to the ID token.
   */
  readonly userinfo?: boolean;
  /** Ask for a refresh token at sign-in (applies `offlineAccess`). */
  readonly offline?: boolean;
  readonly responseMode?: 'query' | 'form_post';
  /** Use PAR even if the provider does not require it. */
  readonly usePar?: boolean;
  /** Bind tokens with DPoP (RFC 9449). */
  readonly dpop?: boolean;
  /** Whether this provider can refresh tokens at all. */
  readonly supportsRefresh?: boolean;
  /** Protocol quirks (issuer aliases, templated issuers, token response fixes, extra claim checks). */
  readonly hooks?: ProtocolHooks;
  /**
   * Builds the raw profile. Default: userinfo claims merged over ID token claims. GitHub-like
   * providers fetch their API here.
   */
  readonly fetchProfile?: (ctx: ProfileContext) => Promise<Record<string, unknown>>;
  /** Maps the raw profile to the normalized {@link Profile}. */
  readonly mapProfile: (raw: Readonly<Record<string, unknown>>, ctx: ProfileContext) => Profile;
  /** Link by verified email for this provider (see docs/storage.md). Default false. */
  readonly allowEmailLinking?: boolean;
  /** Transport options for this provider. */
  readonly http?: HttpOptions;
  /**
   * The origins of this provider's APIs: `auth.fetch` sends the provider's access token to these
   * only (and to the origins of its issuer and userinfo endpoint), and refuses any other URL with
   * `API_ORIGIN_REFUSED` before a request is made. An origin (`https://api.github.com`), or
   * `https://*.googleapis.com` for every host under a domain; http only on loopback. Presets
   * declare their provider's; the `apiOrigins` preset option adds to them.
   */
  readonly apiOrigins?: readonly string[];
  /**
   * The base URL of this provider's API, which `auth.api(user, id)` paths are relative to
   * (`https://www.googleapis.com`, `https://api.github.com`, `https://slack.com/api`). Presets
   * declare their provider's; default: the issuer. Its origin must be one of the API origins.
   */
  readonly apiBaseUrl?: string;
  /**
   * Scopes the app may ask for after sign-in (incremental consent), besides `scopes`: the login
   * route's `scope` parameter (what `reauthUrl({ scopes })` and the adapters' reauth handlers send
   * after `REAUTH_REQUIRED` with `scopes`) may name only these and `scopes`, so that no link can
   * make a user grant the app more than it planned.
   */
  readonly optionalScopes?: readonly string[];
  /**
   * Accept endpoints on private-network, link-local and loopback addresses for this provider (a
   * provider on your own network, such as `https://sso.corp.internal` resolving to 10.x). Default
   * false: discovery metadata or a DNS answer pointing there is refused with `ENDPOINT_REFUSED`
   * and nothing is sent (see docs/security.md, "Endpoints that point inward").
   */
  readonly allowPrivateNetwork?: boolean;
  /**
   * Who chose the issuer. `configured` (default): written in code, so a loopback issuer
   * (`http://127.0.0.1:…`, `http://localhost:…`, `http://[::1]:…`) is a deliberate local provider.
   * `runtime`: taken from data (a tenant, a request): the strict mode, where a loopback issuer needs
   * `allowPrivateNetwork` too.
   */
  readonly issuerSource?: IssuerSource;
  /**
   * Where the provider sends users back, a path under `basePath` such as `/auth/callback/google`
   * (the path a tutorial had you register). Default `<basePath>/<id>/callback`. The redirect URI
   * sent to the provider is `baseUrl` + this path.
   */
  readonly callbackPath?: string;
  /** Documentation data: where to register the app, for `docs/providers.md` and `latchkey doctor`. */
  readonly docs?: { readonly consoleUrl?: string; readonly notes?: string };
}
