/**
 * `POST /auth/token` (and its CORS preflight) → a short-lived access token (JWT) for a single-page
 * app, from the session cookie. Cross-origin callers must be in `accessToken.allowedOrigins`.
 *
 * @module
 */
import { SessionError } from '../../errors.js';
import type { AuthContext } from '../context.js';
import { type AuthAnswer, type AuthRequest, answerToWeb, webShape } from '../http-shapes.js';
import { authAnswer, jsonAnswer } from '../responses.js';

/** The CORS headers for the request's origin: `{}` when same-origin, undefined when the origin is not allowed. */
function corsHeaders(ctx: AuthContext, request: AuthRequest): Record<string, string> | undefined {
  const origin = request.header('origin');
  if (origin === null || origin === ctx.config.origin) return {};
  if (!ctx.config.allowedOrigins.includes(origin)) return undefined;
  return { 'access-control-allow-origin': origin, 'access-control-allow-credentials': 'true', vary: 'Origin' };
}

/**
 * The token route.
 *
 * @param ctx - the auth context.
 * @param request - the request (`POST`, or the `OPTIONS` preflight).
 * @returns the token JSON, the 204 preflight answer, or a 401 without a session.
 * @throws SessionError `CSRF_FAILED` for an origin that may not request tokens, or a cross-site request.
 */
export async function serveToken(ctx: AuthContext, request: AuthRequest): Promise<AuthAnswer> {
  const { config } = ctx;
  const cors = corsHeaders(ctx, request);
  if (!cors) throw new SessionError('CSRF_FAILED', 'This origin may not request tokens; add it to `accessToken.allowedOrigins`.');
  if (request.method === 'OPTIONS') {
    return authAnswer(null, 204, {
      ...cors,
      'access-control-allow-methods': 'POST',
      'access-control-allow-headers': 'content-type, x-csrf-token',
      'access-control-max-age': '600',
    });
  }
  const site = request.header('sec-fetch-site');
  if (Object.keys(cors).length === 0 && site !== null && site !== 'same-origin') throw new SessionError('CSRF_FAILED');
  const session = await ctx.sessions.lookup(request.cookie);
  if (!session) return jsonAnswer({ error: 'unauthenticated', code: 'UNAUTHENTICATED', message: 'Sign in first.' }, 401, [], cors);
  const { data: _data, idToken: _idToken, id: _id, ...compact } = session;
  const token = await (await ctx.keyring()).signAccessToken(
    { sub: session.user.id, sid: session.id, ses: compact },
    { issuer: config.baseUrl, audience: ctx.audience, expiresInSeconds: config.accessTokenSeconds, now: ctx.clock() },
  );
  return jsonAnswer({ access_token: token, token_type: 'Bearer', expires_in: config.accessTokenSeconds }, 200, [], cors);
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
