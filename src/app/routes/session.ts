/**
 * `GET /auth/session` → 200 `{ user, expiresAt, provider, csrfToken, data }` (the idle expiry slides)
 * or 401 `{ error: "unauthenticated" }` with `WWW-Authenticate: Bearer`.
 *
 * @module
 */
import type { AuthContext } from '../context.js';
import { readCookie } from '../cookies.js';
import { type AuthAnswer, type AuthRequest, answerToWeb, webShape } from '../http-shapes.js';
import { jsonAnswer } from '../responses.js';

/**
 * The session route.
 *
 * @param ctx - the auth context.
 * @param request - the request (its `Cookie` and `Authorization` headers).
 * @returns the session as JSON, or the 401.
 * @throws LatchkeyError `STORAGE_UNAVAILABLE` when the store fails (answered 503, not "signed out").
 */
export async function serveSession(ctx: AuthContext, request: AuthRequest): Promise<AuthAnswer> {
  const { config, sessions } = ctx;
  const cookieHeader = request.cookie;
  // Not getSession: a store outage must answer 503, not "signed out".
  const found = ctx.authenticate(cookieHeader, request.header('authorization'));
  const session = found instanceof Promise ? await found : found;
  if (!session) {
    const clear = readCookie(cookieHeader, config.cookies.session) !== undefined ? [sessions.clearCookie()] : [];
    return jsonAnswer({ error: 'unauthenticated', code: 'UNAUTHENTICATED', message: 'Sign in first.' }, 401, clear, {
      'www-authenticate': `Bearer realm="${ctx.realm}"`,
    });
  }
  const value = readCookie(cookieHeader, config.cookies.session);
  const refreshed = value !== undefined ? await sessions.touch(session, value) : undefined;
  const csrf = ctx.csrfToken(session);
  return jsonAnswer(
    {
      user: session.user,
      expiresAt: new Date(Math.min(session.idleExpiresAt, session.absoluteExpiresAt)).toISOString(),
      provider: session.providerId,
      csrfToken: typeof csrf === 'string' ? csrf : await csrf,
      data: session.data,
    },
    200,
    refreshed ? [refreshed] : [],
  );
}

/**
 * {@link serveSession} over a Web `Request` and `Response`.
 *
 * @param ctx - the auth context.
 * @param request - the request.
 * @returns the response.
 * @throws LatchkeyError `STORAGE_UNAVAILABLE`.
 */
export async function sessionRoute(ctx: AuthContext, request: Request): Promise<Response> {
  return answerToWeb(await serveSession(ctx, webShape(request)));
}
