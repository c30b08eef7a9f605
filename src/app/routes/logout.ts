/**
 * `POST /auth/logout[?federated=1]` (same-origin + CSRF token) → the session ended (and, with
 * `tokens.revokeOnLogout`, the provider grant revoked); RP-initiated logout at the provider when
 * federated, which returns to `GET /auth/logout/callback`.
 *
 * @module
 */
import { SessionError } from '../../errors.js';
import { randomToken } from '../../internal/encoding.js';
import type { AuthContext } from '../context.js';
import { serializeCookie } from '../cookies.js';
import { isSameOrigin } from '../request-origin.js';
import { authResponse, jsonResponse, wantsHtml } from '../responses.js';
import { safeReturnTo } from '../return-to.js';
import { readForm } from './form.js';

/**
 * The logout route.
 *
 * @param ctx - the auth context.
 * @param request - the request (`Origin`/`Sec-Fetch-Site`, `Cookie`, `X-CSRF-Token`, `Accept`).
 * @param url - the request URL (`returnTo`, `federated`).
 * @param body - the form body, read within the budget (`csrfToken`, `returnTo`, `federated`).
 * @returns 303 (browsers) or `{ loggedOut, redirectTo }` JSON, with the session cookie cleared.
 * @throws SessionError `CSRF_FAILED` (cross-site, or a session without its CSRF token), `BAD_REQUEST` (bad `returnTo`).
 */
export async function logoutRoute(ctx: AuthContext, request: Request, url: URL, body: string): Promise<Response> {
  const { config, sessions } = ctx;
  // CSRF: the browser must say the request is same-origin (Origin / Sec-Fetch-Site), and a
  // session-bound token (HMAC of the session id) must come in `X-CSRF-Token` or the form field
  // `csrfToken`. Without a session there is nothing to end and no token is needed.
  if (!isSameOrigin(request, config.origin))
    throw new SessionError('CSRF_FAILED', 'Logout must be posted from this site (Origin or Sec-Fetch-Site says otherwise).');
  const isForm = (request.headers.get('content-type') ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
  const form = isForm ? readForm(request, body) : new URLSearchParams();
  const session = await sessions.lookup(request.headers.get('cookie'));
  const setCookies = [sessions.clearCookie()];
  const rawReturnTo = form.get('returnTo') ?? url.searchParams.get('returnTo');
  const returnTo = rawReturnTo === null ? config.logoutReturnTo : safeReturnTo(rawReturnTo, config.origin);
  let location = returnTo;
  if (session) {
    if (!(await ctx.checkCsrf(session, request.headers.get('x-csrf-token') ?? form.get('csrfToken')))) {
      throw new SessionError('CSRF_FAILED', 'Logout needs the CSRF token from GET /auth/session (header X-CSRF-Token or form field csrfToken).');
    }
    await sessions.destroy(session);
    ctx.bearer.drop([session.id]);
    // The local session is already gone; revoking the grant is best effort.
    if (ctx.revokeOnLogout) {
      // The session names its identity: revoke that account's grant, not another one at the provider.
      const account = await ctx.users.getAccount(session.issuer, session.subject).catch(() => null);
      await ctx.revokeProviderTokens(session.user.id, session.providerId, 'logout', account?.userId === session.user.id ? account.id : undefined);
    }
    const federated = config.federatedLogout || url.searchParams.get('federated') === '1' || form.get('federated') === '1';
    const p = config.providers.get(session.providerId);
    if (federated && p) {
      const c = await ctx.client(p);
      if (c.metadata.end_session_endpoint) {
        const state = randomToken(32);
        const sealed = await (await ctx.keyring()).seal('logout', { state, returnTo, providerId: p.id, exp: ctx.clock() + config.loginTimeoutMs });
        setCookies.push(serializeCookie(config.cookies.logout, sealed, { secure: config.cookies.secure, maxAgeSeconds: config.loginTimeoutMs / 1000 }));
        location = c.endSessionUrl({
          ...(session.idToken !== undefined ? { idTokenHint: session.idToken } : {}),
          state,
          postLogoutRedirectUri: config.postLogoutRedirectUri,
        }).href;
      }
    }
  }
  if (!wantsHtml(request.headers.get('accept'))) return jsonResponse({ loggedOut: true, redirectTo: location }, 200, setCookies);
  // 303: the browser follows with a GET.
  return authResponse(null, 303, { location }, setCookies);
}
