/**
 * `GET /auth/logout/callback` → the provider's answer to RP-initiated logout, checked against the
 * sealed logout cookie (`state`), then 302 to the logout's `returnTo`.
 *
 * @module
 */
import { ValidationError } from '../../errors.js';
import type { AuthContext } from '../context.js';
import { expireCookie, readCookie } from '../cookies.js';
import { failureAnswer } from '../failures.js';
import { type AuthAnswer, type AuthRequest, answerToWeb, webShape } from '../http-shapes.js';
import { redirectAnswer } from '../responses.js';
import { safeReturnTo } from '../return-to.js';

/**
 * The logout callback route.
 *
 * @param ctx - the auth context.
 * @param request - the request (its `Cookie` and `Accept` headers; `state` and any error from the provider in the query).
 * @returns the redirect to `returnTo`, or the error answer (`LOGOUT_STATE_MISMATCH` when no live
 *   logout was started from this browser, or the provider's answer fails its check), with the
 *   logout cookie cleared either way.
 */
export async function serveLogoutCallback(ctx: AuthContext, request: AuthRequest): Promise<AuthAnswer> {
  const { config } = ctx;
  const clear = [expireCookie(config.cookies.logout, config.cookies.secure, config.cookies.sameSite)];
  const raw = readCookie(request.cookie, config.cookies.logout);
  const data =
    raw === undefined
      ? undefined
      : ((await (await ctx.keyring()).open('logout', raw)) as { state?: unknown; returnTo?: unknown; providerId?: unknown; exp?: unknown } | undefined);
  // Every refusal is this route's own answer, with the logout cookie cleared (no error carries it back).
  const refuse = (error: unknown, provider?: string): AuthAnswer =>
    failureAnswer(ctx, error, { route: 'logout/callback', provider, accept: request.header('accept'), setCookies: clear, request });
  if (!data || typeof data.state !== 'string' || typeof data.returnTo !== 'string' || typeof data.exp !== 'number' || !(ctx.clock() < data.exp)) {
    const message = 'No logout was started from this browser (or it expired); you are signed out here anyway.';
    return refuse(new ValidationError('LOGOUT_STATE_MISMATCH', message, { claim: 'state' }));
  }
  const p = typeof data.providerId === 'string' ? config.providers.get(data.providerId) : undefined;
  if (!p)
    return refuse(new ValidationError('LOGOUT_STATE_MISMATCH', 'The logout names an unknown provider; you are signed out here anyway.', { claim: 'state' }));
  try {
    (await ctx.client(p)).validateEndSessionCallback(request.query, data.state);
  } catch (error) {
    return refuse(error, p.id);
  }
  return redirectAnswer(safeReturnTo(data.returnTo, config.origin, config.allowedOrigins), clear);
}

/**
 * {@link serveLogoutCallback} over a Web `Request` and `Response`.
 *
 * @param ctx - the auth context.
 * @param request - the request.
 * @param url - its URL.
 * @returns the response.
 */
export async function logoutCallbackRoute(ctx: AuthContext, request: Request, url: URL): Promise<Response> {
  return answerToWeb(await serveLogoutCallback(ctx, webShape(request, url)));
}
