/**
 * `signInThrough(provider)`: the steps the app layer takes with a {@link ProviderConfig}, on the
 * real code path: `OidcClient.create` from the preset's data, `authorizationUrl` with the preset's
 * scopes and parameters (plus `offlineAccess` when `offline`), the provider's authorization
 * endpoint (a 302 or a form_post page), `callback`, then the profile: userinfo (OIDC, unless the
 * preset opts out), `fetchProfile` or the merged claims, and `mapProfile`.
 */
import { OidcClient } from '../../src/core/client.js';
import { buildProfile as buildCoreProfile } from '../../src/core/profile.js';
import type { AuthorizationTransaction, TokenSet } from '../../src/core/types.js';
import type { Profile, ProviderConfig } from '../../src/providers/types.js';

export const REDIRECT_URI = 'http://127.0.0.1:9/app/auth/callback';

/** What one sign-in produced. */
export interface SignInResult {
  /** The authorization URL the browser was sent to. */
  readonly authorizationUrl: URL;
  readonly transaction: AuthorizationTransaction;
  /** The callback parameters the provider sent back. */
  readonly callbackParams: URLSearchParams;
  readonly tokens: TokenSet;
  readonly raw: Record<string, unknown>;
  readonly profile: Profile;
  /** The client the sign-in used (for refresh and API calls afterwards). */
  readonly client: OidcClient;
}

/** Creates the client the app layer would create for this preset. */
export function clientFor(p: ProviderConfig): Promise<OidcClient> {
  return OidcClient.create({
    issuer: p.issuer,
    kind: p.kind,
    ...(p.metadata !== undefined ? { metadata: p.metadata } : {}),
    clientId: p.clientId,
    ...(p.clientSecret !== undefined ? { clientSecret: p.clientSecret } : {}),
    ...(p.tokenEndpointAuthMethod !== undefined ? { tokenEndpointAuthMethod: p.tokenEndpointAuthMethod } : {}),
    ...(p.idTokenSignedResponseAlg !== undefined ? { idTokenSignedResponseAlg: p.idTokenSignedResponseAlg } : {}),
    redirectUri: REDIRECT_URI,
    ...(p.hooks !== undefined ? { hooks: p.hooks } : {}),
    ...(p.http !== undefined ? { http: p.http } : {}),
  });
}

/** Builds the authorization URL as the app layer does. */
export async function startLogin(
  p: ProviderConfig,
  client: OidcClient,
  offline = p.offline ?? false,
): Promise<{ url: URL; transaction: AuthorizationTransaction }> {
  const scopes = [...p.scopes, ...(offline ? (p.offlineAccess?.scopes ?? []) : [])];
  const extraParams = { ...(p.authorizationParams ?? {}), ...(offline ? (p.offlineAccess?.params ?? {}) : {}) };
  const prompt = offline ? (p.offlineAccess?.prompt ?? p.prompt) : p.prompt;
  return client.authorizationUrl({
    scope: [...new Set(scopes)],
    ...(p.responseMode !== undefined ? { responseMode: p.responseMode } : {}),
    ...(prompt !== undefined ? { prompt } : {}),
    ...(p.loginHint !== undefined ? { loginHint: p.loginHint } : {}),
    extraParams,
  });
}

/** Visits the authorization URL (no redirect following) and returns the callback parameters. */
export async function authorize(url: URL): Promise<URLSearchParams> {
  const res = await fetch(url, { redirect: 'manual' });
  if (res.status === 302) {
    const location = new URL(res.headers.get('location') ?? '');
    return location.searchParams;
  }
  const html = await res.text();
  if (res.status === 200 && html.includes('<form')) {
    // form_post (OAuth 2.0 Form Post Response Mode §2): the hidden inputs are the response.
    const params = new URLSearchParams();
    for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) {
      params.append(m[1]!, m[2]!.replace(/&quot;/g, '"').replace(/&amp;/g, '&'));
    }
    return params;
  }
  throw new Error(`authorize answered ${res.status}: ${html.slice(0, 200)}`);
}

/** Builds the profile as the app layer does: the core's profile operation. */
export async function buildProfile(
  p: ProviderConfig,
  client: OidcClient,
  tokens: TokenSet,
  params: URLSearchParams,
): Promise<{ raw: Record<string, unknown>; profile: Profile }> {
  return buildCoreProfile(client, tokens, p, params);
}

/** One whole sign-in through the preset. */
export async function signInThrough(p: ProviderConfig, options: { offline?: boolean } = {}): Promise<SignInResult> {
  const client = await clientFor(p);
  const { url, transaction } = await startLogin(p, client, options.offline ?? p.offline ?? false);
  const callbackParams = await authorize(url);
  const tokens = await client.callback(callbackParams, transaction);
  const { raw, profile } = await buildProfile(p, client, tokens, callbackParams);
  return { authorizationUrl: url, transaction, callbackParams, tokens, raw, profile, client };
}

/** The rejection of a promise (fails when it resolves). */
export async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, but the promise resolved');
}
