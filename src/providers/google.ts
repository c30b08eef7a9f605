/**
 * Sign in with Google: OpenID Connect with discovery, plus Google's quirks as named hooks.
 *
 * Register: Google Cloud console → APIs & Services → Credentials → Create credentials → OAuth client
 * ID → Web application; add the authorized redirect URI `https://<your-app>/auth/google/callback`.
 *
 * @see [Google Identity - OpenID Connect](https://developers.google.com/identity/openid-connect/openid-connect)
 * @module
 */
import { ValidationError } from '../errors.js';
import { resolveCredentials } from './internal/env.js';
import { basePreset, checkUrl, type OidcPresetOptions } from './internal/preset.js';
import { standardClaimsProfile } from './internal/profile.js';
import type { ProviderConfig } from './types.js';

/** Google's issuer (its discovery document names this exact value). */
export const GOOGLE_ISSUER = 'https://accounts.google.com';
/** The scheme-less issuer Google also puts in ID tokens (OpenID Connect guide, "Validating an ID token"). */
export const GOOGLE_ISSUER_ALIAS = 'accounts.google.com';
const GOOGLE_SCOPES = ['openid', 'email', 'profile'] as const;
/**
 * Where Google access tokens are meant to go: Google APIs are served from `www.googleapis.com` and
 * per-API hosts under `googleapis.com` (`calendar-json.googleapis.com`, `openidconnect.googleapis.com`, …).
 *
 * @see [Google APIs Explorer - service endpoints](https://developers.google.com/discovery/v1/reference/apis)
 */
const GOOGLE_API_ORIGINS = ['https://www.googleapis.com', 'https://*.googleapis.com'] as const;
/** The base of `auth.api(user, 'google')` paths: `/oauth2/v3/userinfo`, `/calendar/v3/users/me/calendarList`, … */
const GOOGLE_API_BASE_URL = 'https://www.googleapis.com';

/** Options of {@link google}. */
export interface GoogleOptions extends OidcPresetOptions {
  /** Ask for a refresh token: `access_type=offline` plus `prompt=consent` (Google sends one only on consent). */
  readonly offline?: boolean;
  /** Show the account chooser even with one signed-in account (`prompt=select_account`). */
  readonly selectAccount?: boolean;
  /**
   * Restrict sign-in to a Google Workspace domain (`example.com`), or `'*'` for any Workspace
   * domain. Sent as `hd` to the UI AND checked on the ID token `hd` claim: the UI hint alone can be
   * edited by the user.
   */
  readonly hostedDomain?: string;
  /** Pre-fill the account (`login_hint`, an email address or `sub`). */
  readonly loginHint?: string;
  /** Incremental authorization: keep scopes granted before (`include_granted_scopes=true`). */
  readonly includeGrantedScopes?: boolean;
}

/**
 * The Google preset. With no options, credentials come from `GOOGLE_CLIENT_ID` and
 * `GOOGLE_CLIENT_SECRET`.
 *
 * Quirks handled: the issuer alias `accounts.google.com`; the `hd` claim checked against
 * `hostedDomain`; granted scopes rewritten by Google (`email` → `…/auth/userinfo.email`) kept as
 * data, never an error; a refresh token only with `access_type=offline` and `prompt=consent`.
 *
 * @param options Credentials and Google options.
 * @returns A ProviderConfig for `createAuth({ providers })`.
 * @throws {ConfigurationError} `CONFIG_INVALID` when `GOOGLE_CLIENT_ID` / `GOOGLE_CLIENT_SECRET` are missing.
 * @example google({ hostedDomain: 'example.com', offline: true })
 * @see [Google Identity - Authentication URI parameters](https://developers.google.com/identity/openid-connect/openid-connect#authenticationuriparameters)
 */
export function google(options: GoogleOptions = {}): ProviderConfig {
  const { clientId, clientSecret } = resolveCredentials('GOOGLE', 'Google', options, 'required');
  const issuer = options.issuer ? checkUrl(options.issuer, 'issuer', 'Google') : GOOGLE_ISSUER;
  const hd = options.hostedDomain?.toLowerCase();
  const params: Record<string, string> = {};
  if (hd !== undefined) params.hd = hd;
  if (options.includeGrantedScopes) params.include_granted_scopes = 'true';
  return {
    ...basePreset(options, {
      id: 'google',
      name: 'Google',
      scopes: GOOGLE_SCOPES,
      authorizationParams: params,
      apiOrigins: GOOGLE_API_ORIGINS,
      // Another issuer (an emulator, the development IdP) serves Google's API paths under itself.
      apiBaseUrl: issuer === GOOGLE_ISSUER ? GOOGLE_API_BASE_URL : issuer,
    }),
    kind: 'oidc',
    issuer,
    clientId,
    clientSecret,
    ...(options.selectAccount ? { prompt: 'select_account' } : {}),
    ...(options.loginHint !== undefined ? { loginHint: options.loginHint } : {}),
    supportsRefresh: true,
    // Google sends a refresh token only when access_type=offline AND the consent screen was shown.
    offlineAccess: { params: { access_type: 'offline' }, prompt: options.selectAccount ? 'consent select_account' : 'consent' },
    hooks: {
      // The alias is Google's own: only accepted when talking to the real Google issuer.
      ...(issuer === GOOGLE_ISSUER ? { issuerAliases: [GOOGLE_ISSUER_ALIAS] } : {}),
      ...(hd !== undefined ? { validateIdTokenClaims: (claims) => checkHostedDomain(claims.hd, hd) } : {}),
    },
    mapProfile: (raw, ctx) => standardClaimsProfile(raw, ctx, 'Google'),
    docs: { consoleUrl: 'https://console.cloud.google.com/apis/credentials' },
  };
}

/**
 * Refuses an ID token whose `hd` (hosted domain) claim is not the configured Workspace domain;
 * `'*'` accepts any Workspace domain but refuses consumer accounts (no `hd`).
 *
 * @throws {ValidationError} `ID_TOKEN_CLAIM_INVALID` with `claim: 'hd'`.
 * @see [Google Identity - ID token claims (`hd`)](https://developers.google.com/identity/openid-connect/openid-connect#id_token-hd)
 */
export function checkHostedDomain(actual: unknown, expected: string): void {
  const ok = typeof actual === 'string' && (expected === '*' ? actual.length > 0 : actual.toLowerCase() === expected);
  if (!ok) {
    throw new ValidationError(
      'ID_TOKEN_CLAIM_INVALID',
      `The Google account is not in the hosted domain "${expected}" (the ID token "hd" claim is ${typeof actual === 'string' ? `"${actual.slice(0, 100)}"` : 'absent'}).`,
      { claim: 'hd', expected, actual: typeof actual === 'string' ? actual.slice(0, 100) : undefined },
    );
  }
}
