/**
 * RP-Initiated Logout 1.0: the URL that sends the browser to the provider's `end_session_endpoint`,
 * and the check of the `state` that comes back on the post-logout redirect.
 *
 * @module
 */
import { ConfigurationError, ValidationError } from '../errors.js';
import { timingSafeEqual } from '../internal/encoding.js';
import type { ServerMetadata } from './types.js';

/** Parameters of {@link buildEndSessionUrl}. */
export interface EndSessionParams {
  /** The client id (RP-Initiated Logout §2: sent with or instead of `id_token_hint`). */
  readonly clientId: string;
  /** The ID token of the session to end (RECOMMENDED). */
  readonly idTokenHint?: string;
  /** Where the provider sends the browser after logout; must be registered. */
  readonly postLogoutRedirectUri?: string;
  /** An opaque value the provider passes back; check it with {@link validateEndSessionResponse}. */
  readonly state?: string;
  /** `logout_hint`, `ui_locales` and other extra parameters. */
  readonly extraParams?: Readonly<Record<string, string>>;
}

/**
 * Builds the provider logout URL.
 *
 * @param metadata The server metadata (`end_session_endpoint`).
 * @param params The client id, `id_token_hint`, `post_logout_redirect_uri`, `state`.
 * @returns The URL to send the browser to.
 * @throws {ConfigurationError} `END_SESSION_UNSUPPORTED` when the provider has no `end_session_endpoint` (Google).
 * @see [OpenID Connect RP-Initiated Logout 1.0, section 2](https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout)
 */
export function buildEndSessionUrl(metadata: ServerMetadata, params: EndSessionParams): URL {
  if (!metadata.end_session_endpoint) {
    throw new ConfigurationError('The provider publishes no end_session_endpoint; only the local session can be ended.', 'END_SESSION_UNSUPPORTED');
  }
  const url = new URL(metadata.end_session_endpoint);
  for (const [key, value] of Object.entries(params.extraParams ?? {})) url.searchParams.set(key, value);
  // RP-Initiated Logout §2: id_token_hint RECOMMENDED; client_id helps when the hint is absent or expired.
  if (params.idTokenHint !== undefined) url.searchParams.set('id_token_hint', params.idTokenHint);
  url.searchParams.set('client_id', params.clientId);
  // RP-Initiated Logout §3: post_logout_redirect_uri must be pre-registered; state comes back with it.
  if (params.postLogoutRedirectUri !== undefined) url.searchParams.set('post_logout_redirect_uri', params.postLogoutRedirectUri);
  if (params.state !== undefined) url.searchParams.set('state', params.state);
  return url;
}

/**
 * Checks the `state` on the post-logout redirect. A missing or different `state` means the
 * confirmation cannot be trusted; the local session is ended anyway.
 *
 * @param params The query parameters of the post-logout redirect.
 * @param expectedState The `state` sent in the logout request.
 * @throws {ValidationError} `LOGOUT_STATE_MISMATCH` when `state` is missing, repeated or different.
 * @see [OpenID Connect RP-Initiated Logout 1.0, section 3](https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RedirectionAfterLogout)
 */
export function validateEndSessionResponse(params: URLSearchParams, expectedState: string): void {
  const states = params.getAll('state');
  // RP-Initiated Logout §3: the state sent must come back unchanged (exactly once).
  if (states.length !== 1 || states[0] === '') {
    throw new ValidationError(
      'LOGOUT_STATE_MISMATCH',
      states.length === 0 ? 'The post-logout redirect carries no "state".' : 'The post-logout redirect carries a malformed "state".',
      { claim: 'state' },
    );
  }
  if (!timingSafeEqual(states[0]!, expectedState)) {
    throw new ValidationError('LOGOUT_STATE_MISMATCH', 'The post-logout redirect "state" differs from the one sent.', { claim: 'state' });
  }
}
