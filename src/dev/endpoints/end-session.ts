/**
 * The end-session endpoint (OpenID Connect RP-Initiated Logout 1.0): checks `id_token_hint`,
 * `client_id` and `post_logout_redirect_uri`, asks the user to confirm when there is no hint, ends
 * the browser session (delivering back-channel logout tokens), and redirects or shows "signed out".
 *
 * @module
 */
import { compactVerify, decodeJwt, decodeProtectedHeader, importJWK } from 'jose';
import { currentSession, endBrowserSession, sessionCookie } from '../browser-sessions.js';
import type { DevIdpContext } from '../context.js';
import type { ResolvedInstance } from '../instances.js';
import { errorPage, htmlResponse, logoutConfirmPage, signedOutPage } from '../pages.js';
import { isAcceptableDevRedirect, readParams } from '../request-helpers.js';

/** The claims of an `id_token_hint` if this instance issued it and its signature verifies. */
async function verifyIdTokenHint(ctx: DevIdpContext, hint: string, resolved: ResolvedInstance): Promise<Record<string, unknown> | undefined> {
  try {
    const header = decodeProtectedHeader(hint);
    const jwk = ctx.keys.publicJwkFor(header.kid);
    if (!jwk || header.alg !== 'RS256') return undefined;
    await compactVerify(hint, await importJWK(jwk, 'RS256'));
    const claims = decodeJwt(hint);
    // RP-Initiated Logout 1.0 §2: the hint must be an ID token this OP issued (expiry is not checked).
    const iss = String(claims.iss ?? '');
    const instance = resolved.instance;
    const mine = instance.flavor.issuedBy ? instance.flavor.issuedBy(instance, iss) : iss === instance.issuer;
    return mine ? claims : undefined;
  } catch {
    return undefined;
  }
}

function badRequestPage(description: string): Response {
  return htmlResponse(errorPage('invalid_request', description), 400);
}

/** Whether a client (or, in `acceptAnyClient` mode, any loopback URI) may be sent back to `uri`. */
function isAllowedPostLogoutRedirect(ctx: DevIdpContext, clientId: string, uri: string): boolean {
  const client = ctx.clients.get(clientId);
  return client ? (client.post_logout_redirect_uris ?? []).includes(uri) : ctx.acceptAnyClient && isAcceptableDevRedirect(uri);
}

/**
 * Handles a GET or POST to the end-session endpoint.
 *
 * @param ctx - the dev IdP context.
 * @param request - the logout request (`id_token_hint`, `client_id`, `post_logout_redirect_uri`, `state`, `confirm`).
 * @param resolved - the flavor instance it landed on.
 * @returns a confirmation page, an error page, the "signed out" page, or a 302 to the post-logout URI.
 * @see [OpenID Connect RP-Initiated Logout 1.0, section 2](https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout)
 */
export async function endSessionEndpoint(ctx: DevIdpContext, request: Request, resolved: ResolvedInstance): Promise<Response> {
  const params = await readParams(request);
  if (!params) return badRequestPage('A parameter was repeated.');
  let hintClaims: Record<string, unknown> | undefined;
  if (params.id_token_hint !== undefined) {
    hintClaims = await verifyIdTokenHint(ctx, params.id_token_hint, resolved);
    if (!hintClaims) return badRequestPage('id_token_hint is not an ID token issued here.');
  }
  const aud = hintClaims?.aud;
  const hintClient = typeof aud === 'string' ? aud : Array.isArray(aud) && typeof aud[0] === 'string' ? aud[0] : undefined;
  if (hintClient !== undefined && params.client_id !== undefined && params.client_id !== hintClient) {
    return badRequestPage('client_id does not match the id_token_hint.');
  }
  const clientId = hintClient ?? params.client_id;
  const postLogout = params.post_logout_redirect_uri;
  if (postLogout !== undefined) {
    if (clientId === undefined) return badRequestPage('post_logout_redirect_uri needs id_token_hint or client_id.');
    // RP-Initiated Logout 1.0 §3: the URI must have been registered by the client.
    if (!isAllowedPostLogoutRedirect(ctx, clientId, postLogout)) return badRequestPage('post_logout_redirect_uri is not registered for this client.');
  }
  let session = currentSession(ctx, request, resolved);
  if (!session && typeof hintClaims?.sid === 'string') session = ctx.store.sessions.get(hintClaims.sid);
  // Without a hint the user confirms, so a cross-site link cannot sign them out silently.
  if (!hintClaims && params.confirm !== 'yes' && session) {
    const { confirm: _ignored, ...rest } = params;
    const action = `${resolved.instance.prefix}${resolved.instance.flavor.paths.endSession}`;
    return htmlResponse(logoutConfirmPage(action, rest, ctx.users.get(session.userId)?.name));
  }
  if (session) await endBrowserSession(ctx, session);
  const headers = { 'set-cookie': sessionCookie(resolved, undefined) };
  if (postLogout === undefined) return htmlResponse(signedOutPage(), 200, headers);
  const target = new URL(postLogout);
  if (params.state !== undefined) target.searchParams.set('state', params.state);
  return new Response(null, { status: 302, headers: { location: target.href, 'cache-control': 'no-store', ...headers } });
}
