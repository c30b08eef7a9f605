/**
 * What a provider emulation ("flavor") declares: its endpoint paths, metadata, claim shapes,
 * token-response shape and quirks. The shared engine (`../endpoints/`, one module per endpoint) runs
 * the protocol; a flavor only supplies data and small hooks, so no `switch (flavor)` appears in it.
 *
 * @module
 */
import { base64url, sha256 } from '../../internal/encoding.js';
import type { DevClient, DevUser, FlavorName } from '../types.js';

/** One hosted instance of a flavor: where it lives and which issuer discovery names. */
export interface FlavorInstance {
  readonly flavor: Flavor;
  /** The IdP origin, e.g. `http://127.0.0.1:4000`. */
  readonly base: string;
  /** The path prefix of this instance, e.g. `/oidc` or `/microsoft/common`. */
  readonly prefix: string;
  /** The issuer discovery names (Microsoft multi-tenant: the templated `{tenantid}` form). */
  readonly issuer: string;
  /** Microsoft: the tenant path segment (`common`, `organizations`, `consumers` or a tenant id). */
  readonly tenant?: string;
}

/** Endpoint paths, relative to the instance prefix. */
export interface FlavorPaths {
  readonly discovery?: string;
  readonly authorize: string;
  readonly token: string;
  readonly userinfo?: string;
  readonly jwks?: string;
  readonly revoke?: string;
  readonly endSession?: string;
}

/** What claim builders receive. */
export interface ClaimsContext {
  readonly instance: FlavorInstance;
  readonly clientId: string;
  readonly scopes: readonly string[];
  /** The issuer the tokens carry (concrete). */
  readonly issuer: string;
  readonly subject: string;
  readonly authTime: number;
  /** The `iat` of the token being built, in seconds. */
  readonly issuedAt: number;
  readonly sid: string;
  readonly nonce?: string;
  readonly maxAgeRequested: boolean;
  readonly accessToken: string;
  /** The default picture URL served by the IdP. */
  readonly avatarUrl: string;
}

/** A token endpoint answer before the flavor shapes it on the wire. */
export interface TokenAnswer {
  readonly status: number;
  readonly body: Readonly<Record<string, string | number>>;
  /** `WWW-Authenticate` for 401 `invalid_client` (RFC 6749 §5.2). */
  readonly wwwAuthenticate?: string;
}

/** Services the engine gives to flavor-specific routes (GitHub API, Google Calendar). */
export interface FlavorApi {
  /** The user and scopes behind the request's access token (Bearer, or GitHub's `token` scheme). */
  authenticate(request: Request): { readonly user: DevUser; readonly scopes: readonly string[]; readonly clientId: string } | undefined;
  readonly avatarUrl: (user: DevUser) => string;
}

/** A provider emulation. */
export interface Flavor {
  readonly name: FlavorName;
  /** Display name, e.g. `Google`. */
  readonly title: string;
  /** An accent colour for the sign-in page. */
  readonly accent: string;
  /** `oidc`: ID tokens (when `openid` is requested). `oauth2`: access tokens only. */
  readonly kind: 'oidc' | 'oauth2';
  /** `required`: a request without an S256 `code_challenge` is refused. `optional`: verified when sent. */
  readonly pkce: 'required' | 'optional';
  /** Whether `openid` must be in the scope. */
  readonly requireOpenid: boolean;
  /** GitHub: `response_type` may be omitted (it means `code`). */
  readonly responseTypeOptional?: boolean;
  /** GitHub: the token request may omit `grant_type` (it means `authorization_code`). */
  readonly grantTypeOptional?: boolean;
  /** GitHub: the token request may omit `redirect_uri`. */
  readonly redirectUriOptionalAtToken?: boolean;
  /** GitHub: access tokens are also accepted with the legacy `Authorization: token …` scheme. */
  readonly acceptsTokenScheme?: boolean;
  /** GitHub: no `refresh_token` grant at all. */
  readonly noRefreshGrant?: boolean;
  /** Google: a `code_verifier` sent when no `code_challenge` was sent is an error. */
  readonly rejectsVerifierWithoutChallenge?: boolean;
  /** Whether an `iss` (of an `id_token_hint`) is one this instance issued. Default: equal to `instance.issuer`. */
  issuedBy?(instance: FlavorInstance, iss: string): boolean;
  /** RFC 9207: `iss` on every authorization response. */
  readonly issParameter: boolean;
  readonly paths: FlavorPaths;
  /** Client authentication methods the token and revocation endpoints accept. */
  readonly clientAuthMethods: readonly ('client_secret_basic' | 'client_secret_post' | 'none')[];
  /** Whether a refresh grant returns a new refresh token (and retires the old one). */
  readonly rotatesRefreshTokens: boolean;
  /** Whether revocation requires client authentication (Google's does not). */
  readonly revocationNeedsClientAuth: boolean;
  /** Prefixes of issued tokens (GitHub `gho_`, Google `ya29.`): real providers' shapes. */
  readonly tokenPrefixes?: { readonly access?: string; readonly refresh?: string };
  /** The discovery (or RFC 8414) document. */
  metadata(instance: FlavorInstance): Record<string, unknown>;
  /** Flavor-specific checks of an authorization request; returns an OAuth error to redirect with. */
  checkAuthorizationRequest?(params: Readonly<Record<string, string>>): { error: string; error_description: string } | undefined;
  /** Whether a code exchange issues a refresh token. */
  wantsRefreshToken(input: {
    scopes: readonly string[];
    params: Readonly<Record<string, string>>;
    firstConsent: boolean;
    genericPolicy: 'always' | 'offline_access';
  }): boolean;
  /** The issuer the tokens of `user` carry (Microsoft: the user's concrete tenant). */
  tokenIssuer(instance: FlavorInstance, user: DevUser): string;
  /** The `sub` of `user` for `clientId` (Microsoft: pairwise per client). */
  subject(user: DevUser, clientId: string): Promise<string>;
  /** ID token claims beyond `iss`, `sub`, `aud`, `exp`, `iat` (which the engine sets). */
  idTokenClaims?(user: DevUser, ctx: ClaimsContext): Promise<Record<string, unknown>>;
  /** The userinfo response; absent when the provider has no userinfo endpoint. */
  userinfo?(user: DevUser, ctx: ClaimsContext): Promise<Record<string, unknown>>;
  /** The `scope` of a token response (Google rewrites it, GitHub joins with commas); `undefined` omits it. */
  responseScope(scopes: readonly string[]): string | undefined;
  /** The `token_type` value (GitHub writes `bearer`). */
  readonly tokenType: string;
  /** Serializes a token endpoint answer. Default: JSON with the given status. */
  tokenResponse?(answer: TokenAnswer, request: Request): Response;
  /** Extra authorization response parameters (Apple's `user` JSON on the first sign-in). */
  authorizationResponseExtras?(user: DevUser, input: { scopes: readonly string[]; firstConsent: boolean }): Promise<Record<string, string>>;
  /** Verifies a client secret that is not a shared secret (Apple's ES256 JWT). */
  verifyClientSecret?(secret: string, clientId: string, client: DevClient | undefined, instance: FlavorInstance, nowSeconds: number): Promise<boolean>;
  /** Flavor-specific routes, given the path relative to the prefix. */
  route?(rest: string, request: Request, api: FlavorApi): Promise<Response | undefined>;
}

/** Builds an absolute endpoint URL of an instance. */
export function endpoint(instance: FlavorInstance, path: string | undefined): string | undefined {
  return path === undefined ? undefined : `${instance.base}${instance.prefix}${path}`;
}

/** Lower-case hex of the SHA-256 of a string. */
export async function hexDigest(s: string): Promise<string> {
  const bytes = await sha256(s);
  let out = '';
  for (const b of bytes) out += b.toString(16).padStart(2, '0');
  return out;
}

/** A decimal string of `length` digits derived from a string (Google-like numeric subjects). */
export async function digitsFrom(s: string, length: number): Promise<string> {
  const bytes = await sha256(s);
  let out = '1';
  for (let i = 0; out.length < length; i++) out += String(bytes[i % bytes.length]! % 10);
  return out;
}

/** A UUID-shaped id derived from a string (Microsoft `oid`). */
export async function guidFrom(s: string): Promise<string> {
  const h = await hexDigest(s);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** `at_hash`: base64url of the left half of SHA-256 of the access token (OIDC Core 3.1.3.6, RS256). */
export async function atHash(accessToken: string): Promise<string> {
  return base64url((await sha256(accessToken)).slice(0, 16));
}

/** A JSON response with `Cache-Control: no-store`. */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...headers },
  });
}

/** Standard OIDC profile and email claims of a user, filtered by scope (OIDC Core 5.4). */
export function standardClaims(user: DevUser, scopes: readonly string[], avatarUrl: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (scopes.includes('profile')) {
    out.name = user.name;
    if (user.givenName !== undefined) out.given_name = user.givenName;
    if (user.familyName !== undefined) out.family_name = user.familyName;
    out.picture = user.picture ?? avatarUrl;
    if (user.locale !== undefined) out.locale = user.locale;
  }
  if (scopes.includes('email') && user.email !== null) {
    out.email = user.email;
    out.email_verified = user.emailVerified;
  }
  return out;
}
