/**
 * `GET /auth/logout/callback` → the provider's answer to RP-initiated logout, checked against the
 * sealed logout cookie (`state`), then 302 to the logout's `returnTo`.
 *
 * @module
 */
import { ValidationError } from '../../errors.js';
import type { AuthContext } from '../context.js';
import { expireCookie, readCookie } from '../cookies.js';
import { errorResponse, redirectResponse } from '../responses.js';
import { safeReturnTo } from '../return-to.js';

/**
 * The logout callback route.
 *
 * @param ctx - the auth context.
 * @param request - the request (its `Cookie` and `Accept` headers).
 * @param url - the request URL (`state` and any error from the provider).
 * @returns the redirect to `returnTo`, or the error answer, with the logout cookie cleared.
 * @throws ValidationError `LOGOUT_STATE_MISMATCH` when no (live) logout was started from this browser.
 */
export async function logoutCallbackRoute(ctx: AuthContext, request: Request, url: URL): Promise<Response> {
  const { config } = ctx;
  const clear = [expireCookie(config.cookies.logout, config.cookies.secure)];
  const raw = readCookie(request.headers.get('cookie'), config.cookies.logout);
  const data =
    raw === undefined
      ? undefined
      : ((await (await ctx.keyring()).open('logout', raw)) as { state?: unknown; returnTo?: unknown; providerId?: unknown; exp?: unknown } | undefined);
  if (!data || typeof data.state !== 'string' || typeof data.returnTo !== 'string' || typeof data.exp !== 'number' || !(ctx.clock() < data.exp)) {
    throw Object.assign(
      new ValidationError('LOGOUT_STATE_MISMATCH', 'No logout was started from this browser (or it expired); you are signed out here anyway.', {
        claim: 'state',
      }),
      {
        setCookies: clear,
      },
    );
  }
  const p = typeof data.providerId === 'string' ? config.providers.get(data.providerId) : undefined;
  if (!p) throw new ValidationError('LOGOUT_STATE_MISMATCH', 'The logout names an unknown provider; you are signed out here anyway.', { claim: 'state' });
  try {
    (await ctx.client(p)).validateEndSessionCallback(url.searchParams, data.state);
  } catch (error) {
    ctx.report(error, 'logout/callback');
    return errorResponse(error, request.headers.get('accept'), clear);
  }
  return redirectResponse(safeReturnTo(data.returnTo, config.origin), clear);
}
