/**
 * `GET /auth/session` → 200 `{ user, expiresAt, provider, csrfToken, data }` (the idle expiry slides)
 * or 401 `{ error: "unauthenticated" }` with `WWW-Authenticate: Bearer`.
 *
 * @module
 */
import type { AuthContext } from '../context.js';
import { readCookie } from '../cookies.js';
import { jsonResponse } from '../responses.js';

/**
 * The session route.
 *
 * @param ctx - the auth context.
 * @param request - the request (its `Cookie` and `Authorization` headers).
 * @returns the session as JSON, or the 401.
 * @throws LatchkeyError `STORAGE_UNAVAILABLE` when the store fails (answered 503, not "signed out").
 */
export async function sessionRoute(ctx: AuthContext, request: Request): Promise<Response> {
  const { config, sessions } = ctx;
  const cookieHeader = request.headers.get('cookie');
  // Not getSession: a store outage must answer 503, not "signed out".
  const session = await ctx.authenticate(cookieHeader, request.headers.get('authorization'));
  if (!session) {
    const clear = readCookie(cookieHeader, config.cookies.session) !== undefined ? [sessions.clearCookie()] : [];
    return jsonResponse({ error: 'unauthenticated', code: 'UNAUTHENTICATED', message: 'Sign in first.' }, 401, clear, {
      'www-authenticate': `Bearer realm="${ctx.realm}"`,
    });
  }
  const value = readCookie(cookieHeader, config.cookies.session);
  const refreshed = value !== undefined ? await sessions.touch(session, value) : undefined;
  return jsonResponse(
    {
      user: session.user,
      expiresAt: new Date(Math.min(session.idleExpiresAt, session.absoluteExpiresAt)).toISOString(),
      provider: session.providerId,
      csrfToken: await ctx.csrfToken(session),
      data: session.data,
    },
    200,
    refreshed ? [refreshed] : [],
  );
}
