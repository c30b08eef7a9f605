/**
 * Sign in with Apple: OpenID Connect with `response_mode=form_post`, a client secret that is an
 * ES256 JWT, and the user's name sent once, on the first sign-in, beside the code.
 *
 * Register: Apple Developer → Certificates, Identifiers & Profiles → Identifiers → a Services ID
 * with "Sign in with Apple"; add your domain and the return URL
 * `https://<your-app>/auth/apple/callback`; then Keys → a key with "Sign in with Apple" (the .p8
 * file and its Key ID). Apple requires https return URLs.
 *
 * @see [Apple - Authenticating users with Sign in with Apple](https://developer.apple.com/documentation/sign_in_with_apple/sign_in_with_apple_rest_api/authenticating_users_with_sign_in_with_apple)
 * @module
 */
import { appleClientSecret } from './internal/apple-secret.js';
import { envValue, requireSetting } from './internal/env.js';
import { basePreset, checkUrl, type OidcPresetOptions, trimSlash } from './internal/preset.js';
import { isTrue, joinName, obj, standardClaimsProfile, str } from './internal/profile.js';
import type { ProfileContext, ProviderConfig } from './types.js';

/** Apple's issuer (also the `aud` of the client-secret JWT). */
export const APPLE_ISSUER = 'https://appleid.apple.com';
const APPLE_SCOPES = ['openid', 'name', 'email'] as const;

/** Options of {@link apple}. Env: `APPLE_CLIENT_ID`, `APPLE_TEAM_ID`, `APPLE_KEY_ID`, `APPLE_PRIVATE_KEY`. */
export interface AppleOptions extends Omit<OidcPresetOptions, 'clientSecret'> {
  /** The Services ID, e.g. `com.example.web`. */
  readonly clientId?: string;
  /** The Apple Developer Team ID. */
  readonly teamId?: string;
  /** The Key ID of the Sign in with Apple key. */
  readonly keyId?: string;
  /** The .p8 key as PEM text (PKCS #8). */
  readonly privateKey?: string;
  /** Lifetime of each signed client secret, in seconds (default 1 day, at most six months). */
  readonly clientSecretLifetimeSeconds?: number;
}

/**
 * The Apple preset.
 *
 * Quirks handled: `form_post` responses; the ES256 client-secret JWT (cached, re-signed before it
 * expires); the name from the `user` callback parameter (first sign-in only: store it then);
 * `email_verified` and `is_private_email` sent as the strings `"true"`/`"false"`; private-relay
 * addresses (`…@privaterelay.appleid.com`) kept as the email, flagged in `raw.is_private_email`.
 *
 * @param options Services ID, team id, key id, private key.
 * @returns A ProviderConfig (kind `oidc`, responseMode `form_post`).
 * @throws {ConfigurationError} `CONFIG_INVALID` naming the missing setting.
 * @example apple({ clientId: 'com.example.web', teamId: 'ABCDE12345', keyId: 'XYZ987', privateKey })
 * @see [Apple - Requesting an authorization (response_mode)](https://developer.apple.com/documentation/sign_in_with_apple/request_an_authorization_to_the_sign_in_with_apple_server)
 */
export function apple(options: AppleOptions = {}): ProviderConfig {
  const env = options.env;
  const clientId = requireSetting(options.clientId, env, 'APPLE_CLIENT_ID', 'clientId', 'Apple');
  const teamId = requireSetting(options.teamId, env, 'APPLE_TEAM_ID', 'teamId', 'Apple');
  const keyId = requireSetting(options.keyId, env, 'APPLE_KEY_ID', 'keyId', 'Apple');
  const privateKey = requireSetting(options.privateKey, env, 'APPLE_PRIVATE_KEY', 'privateKey', 'Apple');
  const issuer = trimSlash(options.issuer ? checkUrl(options.issuer, 'issuer', 'Apple') : (envValue(env, 'APPLE_ISSUER') ?? APPLE_ISSUER));
  return {
    ...basePreset(options, { id: 'apple', name: 'Apple', scopes: APPLE_SCOPES }),
    kind: 'oidc',
    issuer,
    clientId,
    clientSecret: appleClientSecret({ teamId, clientId, keyId, privateKey, audience: issuer, lifetimeSeconds: options.clientSecretLifetimeSeconds ?? 86_400 }),
    // Apple: client_id and client_secret are body parameters of the token request.
    tokenEndpointAuthMethod: 'client_secret_post',
    // Apple: form_post is required when the name or email scope is requested.
    responseMode: 'form_post',
    supportsRefresh: true,
    mapProfile: (raw, ctx) => {
      const user = firstSignInUser(ctx);
      const given = str(obj(user?.name)?.firstName);
      const family = str(obj(user?.name)?.lastName);
      return standardClaimsProfile(raw, ctx, 'Apple', {
        emailVerified: isTrue(raw.email_verified),
        name: joinName(given, family),
        givenName: given,
        familyName: family,
      });
    },
    docs: { consoleUrl: 'https://developer.apple.com/account/resources/identifiers/list/serviceId', notes: 'The name arrives only on the first sign-in.' },
  };
}

/** The `user` JSON Apple posts with the code on the first sign-in (name and email), if any. */
function firstSignInUser(ctx: ProfileContext): Record<string, unknown> | undefined {
  const text = ctx.callbackParams.user;
  if (typeof text !== 'string' || text.length > 4096) return undefined;
  try {
    return obj(JSON.parse(text));
  } catch {
    return undefined;
  }
}
