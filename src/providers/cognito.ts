/**
 * Sign in with Amazon Cognito user pools: OpenID Connect with discovery on the user pool issuer.
 *
 * Register: AWS console → Cognito → User pools → your pool → App integration → App clients →
 * Create app client (confidential, with a secret); a Cognito or custom domain; Allowed callback
 * URLs: `https://<your-app>/auth/cognito/callback`; OpenID Connect scopes `openid email profile`.
 *
 * @see [Amazon Cognito - User pool endpoints](https://docs.aws.amazon.com/cognito/latest/developerguide/cognito-userpools-server-contract-reference.html)
 * @module
 */
import { oidcPreset, tenantIssuer } from './internal/builders.js';
import { envValue } from './internal/env.js';
import type { PresetOptions } from './internal/preset.js';
import { isTrue, standardClaimsProfile } from './internal/profile.js';
import type { ProviderConfig } from './types.js';

/** Options of {@link cognito}. */
export interface CognitoOptions extends PresetOptions {
  /** The user pool id, e.g. `us-east-1_AbCdEf123` (env `COGNITO_USER_POOL_ID`). */
  readonly userPoolId?: string;
  /** The AWS region (env `COGNITO_REGION`). Default: the prefix of `userPoolId`. */
  readonly region?: string;
  /** Or the issuer directly (env `COGNITO_ISSUER`). */
  readonly issuer?: string;
}

/**
 * The Cognito preset. Credentials default to `COGNITO_CLIENT_ID` / `COGNITO_CLIENT_SECRET`.
 * Quirk: `email_verified` may arrive as the string `"true"`. Refresh tokens are always issued.
 * The hosted-UI domain comes from discovery.
 *
 * @param options Credentials and the user pool.
 * @returns A ProviderConfig (kind `oidc`).
 * @throws {ConfigurationError} `CONFIG_INVALID` when credentials or the user pool are missing.
 * @see [Amazon Cognito - ID token claims](https://docs.aws.amazon.com/cognito/latest/developerguide/amazon-cognito-user-pools-using-the-id-token.html)
 */
export function cognito(options: CognitoOptions = {}): ProviderConfig {
  const issuer = tenantIssuer(
    options.issuer,
    options.env,
    'COGNITO',
    'Cognito',
    () => {
      const pool = options.userPoolId ?? envValue(options.env, 'COGNITO_USER_POOL_ID');
      const region = options.region ?? envValue(options.env, 'COGNITO_REGION') ?? pool?.split('_')[0];
      return pool && region ? `https://cognito-idp.${region}.amazonaws.com/${pool}` : undefined;
    },
    '`userPoolId` (COGNITO_USER_POOL_ID)',
  );
  return oidcPreset(options, {
    prefix: 'COGNITO',
    id: 'cognito',
    name: 'Amazon Cognito',
    issuer,
    scopes: ['openid', 'email', 'profile'],
    secret: 'optional',
    supportsRefresh: true,
    mapProfile: (raw, ctx) => standardClaimsProfile(raw, ctx, 'Cognito', { emailVerified: isTrue(raw.email_verified) }),
    docs: { consoleUrl: 'https://console.aws.amazon.com/cognito/home' },
  });
}
