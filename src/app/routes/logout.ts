/**
 * `GET /auth/logout` → a confirmation page whose form posts here with the CSRF token (no effect:
 * a link, a prefetch or a crawler never signs anyone out); signed out, a page saying so.
 *
 * `POST /auth/logout[?federated=1]` (same-origin or an origin of `cors.origins`, + CSRF token) → the session ended (and, with
 * `tokens.revokeOnLogout`, the provider grant revoked); RP-initiated logout at the provider when
 * federated, which returns to `GET /auth/logout/callback`.
 *
 * @module
 */
import { SessionError } from '../../errors.js';
import { randomToken } from '../../internal/encoding.js';
import type { AuthContext } from '../context.js';
import { serializeCookie } from '../cookies.js';
import { isTrustedOrigin } from '../cors.js';
import { type AuthAnswer, type AuthRequest, answerToWeb, webShape } from '../http-shapes.js';
import { pageView } from '../page-options.js';
import { logoutPage, signedOutPage } from '../pages.js';
import { authAnswer, jsonAnswer, wantsHtml } from '../responses.js';
import { returnToOr, safeReturnTo } from '../return-to.js';
import { readForm } from './form.js';

/**
 * The logout route.
 *
 * @param ctx - the auth context.
 * @param request - the request (`Origin`/`Sec-Fetch-Site`, `Cookie`, `X-CSRF-Token`, `Accept`; `returnTo`, `federated`).
 * @param body - the form body, read within the budget (`csrfToken`, `returnTo`, `federated`).
 * @returns 303 (browsers) or `{ loggedOut, redirectTo }` JSON, with the session cookie cleared.
 * @throws SessionError `CSRF_FAILED` (cross-site, or a session without its CSRF token), `BAD_REQUEST` (bad `returnTo`).
 */
export async function serveLogout(ctx: AuthContext, request: AuthRequest, body: string): Promise<AuthAnswer> {
  const { config, sessions } = ctx;
  // CSRF: the browser must say the request is same-origin or from an origin of `cors.origins`
  // (Origin / Sec-Fetch-Site), and a session-bound token (HMAC of the session id) must come in
  // `X-CSRF-Token` or the form field `csrfToken`, from any origin: an allowed app reads it from
  // GET /auth/session. Without a session there is nothing to end and no token is needed.
  if (!isTrustedOrigin(config, request))
    throw new SessionError('CSRF_FAILED', 'Logout must be posted from this site or an origin of `cors.origins` (Origin or Sec-Fetch-Site says otherwise).');
  const isForm = (request.header('content-type') ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
  const form = isForm ? readForm(request, body) : new URLSearchParams();
  const session = await sessions.lookup(request.cookie);
  const setCookies = [sessions.clearCookie()];
  const rawReturnTo = form.get('returnTo') ?? request.query.get('returnTo');
  const returnTo = rawReturnTo === null ? config.logoutReturnTo : safeReturnTo(rawReturnTo, config.origin, config.allowedOrigins);
  let location = returnTo;
  if (session) {
    if (!(await ctx.checkCsrf(session, request.header('x-csrf-token') ?? form.get('csrfToken')))) {
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
    const federated = config.federatedLogout || request.query.get('federated') === '1' || form.get('federated') === '1';
    ctx.emit({ type: 'sign-out', userId: session.user.id, providerId: session.providerId, federated }, request);
    const p = config.providers.get(session.providerId);
    if (federated && p) {
      const c = await ctx.client(p);
      if (c.metadata.end_session_endpoint) {
        const state = randomToken(32);
        const sealed = await (await ctx.keyring()).seal('logout', { state, returnTo, providerId: p.id, exp: ctx.clock() + config.loginTimeoutMs });
        setCookies.push(
          serializeCookie(config.cookies.logout, sealed, {
            secure: config.cookies.secure,
            maxAgeSeconds: config.loginTimeoutMs / 1000,
            sameSite: config.cookies.sameSite,
          }),
        );
        location = c.endSessionUrl({
          ...(session.idToken !== undefined ? { idTokenHint: session.idToken } : {}),
          state,
          postLogoutRedirectUri: config.postLogoutRedirectUri,
        }).href;
      }
    }
  }
  if (!wantsHtml(request.header('accept'))) return jsonAnswer({ loggedOut: true, redirectTo: location }, 200, setCookies);
  // 303: the browser follows with a GET.
  return authAnswer(null, 303, { location }, setCookies);
}

/**
 * `GET /auth/logout`: the sign-out confirmation (the form to `POST /auth/logout` with the CSRF
 * token, `returnTo` and `federated` carried over), or, without a session, a page saying so. Changes
 * nothing: no cookie is set or cleared.
 *
 * @param ctx - the auth context.
 * @param request - the request (`Cookie`; `returnTo`, `federated`).
 * @returns the 200 HTML page.
 * @throws LatchkeyError `STORAGE_UNAVAILABLE` when the store fails.
 */
export async function serveLogoutPage(ctx: AuthContext, request: AuthRequest): Promise<AuthAnswer> {
  const { config } = ctx;
  const returnTo = returnToOr(request.query.get('returnTo'), config.origin, '') || undefined;
  const session = await ctx.sessions.lookup(request.cookie);
  const view = pageView(config.pages, request.header('accept-language'));
  if (!session) return signedOutPage(returnTo ?? config.logoutReturnTo, ctx.loginPath, view);
  const csrf = ctx.csrfToken(session);
  return logoutPage(
    {
      action: `${ctx.routePrefix}/logout`,
      csrfToken: typeof csrf === 'string' ? csrf : await csrf,
      who: session.user.name ?? session.user.email ?? null,
      returnTo,
      federated: config.federatedLogout || request.query.get('federated') === '1',
      federatedField: request.query.get('federated') === '1',
      cancelHref: returnTo ?? '/',
    },
    view,
  );
}

/**
 * {@link serveLogout} over a Web `Request` and `Response`.
 *
 * @param ctx - the auth context.
 * @param request - the request.
 * @param url - its URL.
 * @param body - the form body.
 * @returns the response.
 * @throws SessionError `CSRF_FAILED`, `BAD_REQUEST`.
 */
export async function logoutRoute(ctx: AuthContext, request: Request, url: URL, body: string): Promise<Response> {
  return answerToWeb(await serveLogout(ctx, webShape(request, url), body));
}
