/**
 * `POST /auth/token` → a short-lived access token (JWT) for a single-page app, from the session
 * cookie. Cross-origin callers must be in `cors.origins`; the CORS headers and the `OPTIONS`
 * preflight are answered around this route by the router (`cors.ts`).
 *
 * @module
 */
import { SessionError } from '../../errors.js';
import type { AuthContext } from '../context.js';
import { isTrustedOrigin } from '../cors.js';
import { type AuthAnswer, type AuthRequest, answerToWeb, webShape } from '../http-shapes.js';
import { jsonAnswer } from '../responses.js';

/**
 * The token route.
 *
 * @param ctx - the auth context.
 * @param request - the request.
 * @returns the token JSON, or a 401 without a session.
 * @throws SessionError `CSRF_FAILED` for an origin that may not request tokens, or a cross-site request.
 */
export async function serveToken(ctx: AuthContext, request: AuthRequest): Promise<AuthAnswer> {
  const { config } = ctx;
  // A token is as good as the session: only the app itself and the origins of `cors.origins` may ask.
  if (!isTrustedOrigin(config, request)) throw new SessionError('CSRF_FAILED', 'This origin may not request tokens; add it to `cors.origins`.');
  const session = await ctx.sessions.lookup(request.cookie);
  if (!session) return jsonAnswer({ error: 'unauthenticated', code: 'UNAUTHENTICATED', message: 'Sign in first.' }, 401);
  const { data: _data, idToken: _idToken, id: _id, ...compact } = session;
  const token = await (await ctx.keyring()).signAccessToken(
    { sub: session.user.id, sid: session.id, ses: compact },
    { issuer: config.baseUrl, audience: ctx.audience, expiresInSeconds: config.accessTokenSeconds, now: ctx.clock() },
  );
  return jsonAnswer({ access_token: token, token_type: 'Bearer', expires_in: config.accessTokenSeconds });
}

/**
 * {@link serveToken} over a Web `Request` and `Response`.
 *
 * @param ctx - the auth context.
 * @param request - the request.
 * @returns the response.
 * @throws SessionError `CSRF_FAILED`.
 */
export async function tokenRoute(ctx: AuthContext, request: Request): Promise<Response> {
  return answerToWeb(await serveToken(ctx, webShape(request)));
}
