/**
 * The profile of a completed login: the UserInfo request (OIDC Core §5.3), its `sub` bound to the
 * ID token's (§5.3.2), then the provider's own profile hook or the merged claims, then its mapping
 * to the normalized {@link Profile}. The app's callback route calls {@link buildProfile} after
 * `OidcClient.callback`; presets supply the hooks ({@link ProfileSource}).
 *
 * @module
 */
import { ProviderError, ValidationError } from '../errors.js';
import type { Profile } from '../internal/profile.js';
import type { OidcClient } from './client.js';
import { readLimitedText } from './http.js';
import type { TokenSet } from './types.js';

/** What a profile hook receives. */
export interface ProfileContext {
  /** The validated tokens of this sign-in (ID token claims included for OIDC). */
  readonly tokens: TokenSet;
  /** The validated userinfo claims, when the provider has a userinfo endpoint and it was called. */
  readonly userinfo?: Readonly<Record<string, unknown>>;
  /** The issuer the login went to. */
  readonly issuer: string;
  /** Authenticated GET of a provider API URL with the access token, returning parsed JSON. */
  readonly fetchJson: (url: string, init?: { headers?: Record<string, string> }) => Promise<unknown>;
  /** Extra callback parameters (Apple posts `user` JSON on the first sign-in only). */
  readonly callbackParams: Readonly<Record<string, string>>;
}

/** How a provider builds its profile (a `ProviderConfig` is one). */
export interface ProfileSource {
  /** `oidc`: the UserInfo endpoint is called (unless `userinfo: false`). `oauth2`: never. */
  readonly kind: 'oidc' | 'oauth2';
  /** Whether to call the UserInfo endpoint after an OIDC sign-in. Default true. */
  readonly userinfo?: boolean;
  /** Builds the raw profile. Default: the userinfo claims merged over the ID token claims. */
  readonly fetchProfile?: (ctx: ProfileContext) => Promise<Record<string, unknown>>;
  /** Maps the raw profile to the normalized {@link Profile}. */
  readonly mapProfile: (raw: Readonly<Record<string, unknown>>, ctx: ProfileContext) => Profile;
}

/** The profile of a login and the raw claims or API JSON it was mapped from. */
export interface BuiltProfile {
  readonly profile: Profile;
  readonly raw: Record<string, unknown>;
}

/** The callback parameters a profile hook may read: all but the protocol's own `code`, `state`, `iss`. */
function extraCallbackParams(params: URLSearchParams): Record<string, string> {
  const extra: Record<string, string> = {};
  for (const [k, v] of params) if (k !== 'code' && k !== 'state' && k !== 'iss') extra[k] = v;
  return extra;
}

/**
 * Builds the profile of a completed login.
 *
 * @param client - the provider's client (the one that ran the callback).
 * @param tokens - the validated token set of the code exchange.
 * @param source - the provider's profile hooks.
 * @param params - the callback parameters (all but `code`, `state`, `iss` reach the hooks).
 * @returns the profile and the raw claims it was mapped from.
 * @throws {ProviderError} `USERINFO_ERROR`, `RESOURCE_ERROR` (a provider API refused).
 * @throws {ValidationError} `USERINFO_SUB_MISMATCH`, `USERINFO_INVALID`; whatever the hooks throw.
 * @see [OpenID Connect Core 1.0, section 5.3](https://openid.net/specs/openid-connect-core-1_0.html#UserInfo)
 */
export async function buildProfile(client: OidcClient, tokens: TokenSet, source: ProfileSource, params: URLSearchParams): Promise<BuiltProfile> {
  let userinfo: Record<string, unknown> | undefined;
  // OIDC Core §5.3.2: the userinfo `sub` must equal the ID token's (checked by `OidcClient.userinfo`),
  // so the merged claims below can never describe another user than the ID token does.
  if (source.kind === 'oidc' && source.userinfo !== false && client.metadata.userinfo_endpoint) userinfo = await client.userinfo(tokens);
  const ctx: ProfileContext = {
    tokens,
    ...(userinfo !== undefined ? { userinfo } : {}),
    issuer: client.metadata.issuer,
    callbackParams: extraCallbackParams(params),
    fetchJson: (target, init) => fetchProviderJson(client, tokens, target, init?.headers),
  };
  const raw = source.fetchProfile ? await source.fetchProfile(ctx) : { ...(tokens.idTokenClaims ?? {}), ...(userinfo ?? {}) };
  return { profile: source.mapProfile(raw, ctx), raw };
}

/** An authenticated GET of a provider API (through `fetchResource`: its origin rules, DPoP), parsed as JSON within the body bound. */
async function fetchProviderJson(client: OidcClient, tokens: TokenSet, target: string, headers: Record<string, string> | undefined): Promise<unknown> {
  const res = await client.fetchResource(target, tokens, headers ? { headers } : {});
  if (!res.ok) {
    await res.body?.cancel().catch(() => {});
    throw new ProviderError('RESOURCE_ERROR', { error: `http_${res.status}`, httpStatus: res.status });
  }
  // The provider's body is bounded like every other back-channel response.
  const text = await readLimitedText(res, target);
  try {
    return JSON.parse(text) as unknown;
  } catch (cause) {
    throw new ValidationError('USERINFO_INVALID', 'A provider API answered with something that is not JSON.', { cause });
  }
}
