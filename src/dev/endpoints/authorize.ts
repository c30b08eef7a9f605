/**
 * The authorization endpoint (RFC 6749 §4.1.1, OIDC Core 3.1.2): checks the client and redirect URI
 * (failures are shown, never redirected), validates the request (errors go back to the client),
 * answers `prompt=none` from the browser session, and otherwise shows the sign-in page, whose form
 * posts go to the interaction endpoint (`./interaction.ts`).
 *
 * @module
 */
import { authorizationResponse, completeAuthorization, isSessionFresh, renderSignIn, responseModeOf } from '../authorization.js';
import { currentSession } from '../browser-sessions.js';
import type { DevClientRegistry, DevIdpContext } from '../context.js';
import type { Flavor } from '../flavors/flavor.js';
import type { ResolvedInstance } from '../instances.js';
import { errorPage, htmlResponse } from '../pages.js';
import { isAcceptableDevRedirect, readParams, sleep, splitScopes } from '../request-helpers.js';
import type { DevClient } from '../types.js';

/** An authorization request error that is sent to the client's redirect URI (RFC 6749 §4.1.2.1). */
class OAuthRedirectError extends Error {
  constructor(
    readonly error: string,
    readonly description: string,
  ) {
    super(description);
  }
}

type CheckedClient = { readonly client: DevClient | undefined; readonly redirectUri: string } | { readonly error: string; readonly description: string };

/**
 * Checks `client_id` and `redirect_uri`; failures here are shown, never redirected (RFC 6749 §4.1.2.1).
 *
 * @param clients - the registered clients.
 * @param acceptAnyClient - whether unregistered clients with loopback redirect URIs are accepted.
 * @param params - the authorization request parameters.
 */
function checkClientAndRedirect(clients: DevClientRegistry, acceptAnyClient: boolean, params: Readonly<Record<string, string>>): CheckedClient {
  const clientId = params.client_id;
  if (!clientId) return { error: 'invalid_request', description: 'client_id is missing.' };
  const client = clients.get(clientId);
  const redirectUri = params.redirect_uri;
  if (client) {
    // Exact string comparison with a registered redirect URI (RFC 9700 §4.1.3).
    if (redirectUri === undefined) {
      if (client.redirect_uris.length === 1) return { client, redirectUri: client.redirect_uris[0]! };
      return { error: 'invalid_request', description: 'redirect_uri is missing.' };
    }
    if (!client.redirect_uris.includes(redirectUri)) return { error: 'invalid_request', description: 'redirect_uri is not registered for this client.' };
    return { client, redirectUri };
  }
  if (!acceptAnyClient) return { error: 'invalid_client', description: `Unknown client_id "${clientId}".` };
  if (redirectUri === undefined || !isAcceptableDevRedirect(redirectUri)) {
    return { error: 'invalid_request', description: 'Unregistered clients may only use an http(s) redirect_uri on a loopback host.' };
  }
  return { client: undefined, redirectUri };
}

/**
 * Validates an authorization request once the redirect URI is known.
 *
 * @param flavor - the flavor whose rules apply (PKCE, `openid`, quirks).
 * @param params - the authorization request parameters.
 * @throws {OAuthRedirectError} the OAuth error to send to the redirect URI.
 */
function validateAuthorizationRequest(flavor: Flavor, params: Readonly<Record<string, string>>): void {
  // RFC 6749 §3.1.1: only response_type=code is offered (OAuth 2.1, RFC 9700 §2.1.2).
  if ((params.response_type ?? (flavor.responseTypeOptional ? 'code' : undefined)) !== 'code')
    throw new OAuthRedirectError('unsupported_response_type', 'Only response_type=code is supported.');
  if (params.response_mode !== undefined && params.response_mode !== 'query' && params.response_mode !== 'form_post') {
    throw new OAuthRedirectError('invalid_request', 'response_mode must be query or form_post.');
  }
  const scopes = splitScopes(params.scope);
  if (flavor.requireOpenid && !scopes.includes('openid')) throw new OAuthRedirectError('invalid_scope', 'The scope must include openid.');
  // RFC 7636 §4.3: S256 only; plain is refused (RFC 9700 §2.1.1).
  if (params.code_challenge !== undefined) {
    if ((params.code_challenge_method ?? 'plain') !== 'S256') throw new OAuthRedirectError('invalid_request', 'code_challenge_method must be S256.');
    if (!/^[A-Za-z0-9_-]{43}$/.test(params.code_challenge)) throw new OAuthRedirectError('invalid_request', 'code_challenge is malformed.');
  } else if (flavor.pkce === 'required') {
    throw new OAuthRedirectError('invalid_request', 'PKCE is required: send code_challenge with code_challenge_method=S256.');
  }
  const prompts = splitScopes(params.prompt);
  if (prompts.includes('none') && prompts.length > 1) throw new OAuthRedirectError('invalid_request', 'prompt=none cannot be combined with other values.');
  if (params.max_age !== undefined && !/^\d{1,9}$/.test(params.max_age))
    throw new OAuthRedirectError('invalid_request', 'max_age must be a non-negative integer.');
  const extra = flavor.checkAuthorizationRequest?.(params);
  if (extra) throw new OAuthRedirectError(extra.error, extra.error_description);
}

/**
 * Handles a GET or POST to the authorization endpoint.
 *
 * @param ctx - the dev IdP context.
 * @param request - the authorization request (query, or an urlencoded POST body).
 * @param resolved - the flavor instance it landed on.
 * @returns an error page (bad client or redirect URI), a redirect or form_post to the client, or the sign-in page.
 * @see [OpenID Connect Core 1.0, section 3.1.2](https://openid.net/specs/openid-connect-core-1_0.html#AuthorizationEndpoint)
 */
export async function authorizeEndpoint(ctx: DevIdpContext, request: Request, resolved: ResolvedInstance): Promise<Response> {
  const params = await readParams(request);
  if (!params) return htmlResponse(errorPage('invalid_request', 'A parameter was repeated.'), 400);
  const checked = checkClientAndRedirect(ctx.clients, ctx.acceptAnyClient, params);
  if ('error' in checked) return htmlResponse(errorPage(checked.error, checked.description), 400);
  const { redirectUri } = checked;
  const state: Record<string, string> = params.state === undefined ? {} : { state: params.state };
  const fail = (error: string, description: string) =>
    authorizationResponse(resolved, redirectUri, responseModeOf(params), { error, error_description: description, ...state });

  const simulated = ctx.failures.take('authorization');
  if (simulated?.delayMs) await sleep(simulated.delayMs);
  if (simulated?.error) return fail(simulated.error, 'Simulated by the dev IdP.');

  try {
    validateAuthorizationRequest(resolved.instance.flavor, params);
  } catch (e) {
    if (e instanceof OAuthRedirectError) return fail(e.error, e.description);
    throw e;
  }
  const session = currentSession(ctx, request, resolved);
  const fresh = isSessionFresh(ctx, session, params);
  const interaction = ctx.store.createInteraction({
    flavor: resolved.instance.flavor.name,
    prefix: resolved.instance.prefix,
    clientId: params.client_id!,
    redirectUri,
    params,
  });
  if (splitScopes(params.prompt).includes('none')) {
    // OIDC Core 3.1.2.6: prompt=none never shows a page; without a usable session, login_required.
    if (!fresh) return fail('login_required', 'No signed-in session (prompt=none).');
    ctx.store.interactions.delete(interaction.id);
    return completeAuthorization(ctx, resolved, interaction, session, ctx.users.get(session.userId)!, {});
  }
  return renderSignIn(ctx, resolved, interaction, fresh ? session : undefined);
}
