/**
 * `GET /auth/sessions` → 200 `{ sessions: [{ handle, label, provider, createdAt, lastSeenAt,
 * expiresAt, current }] }`: the signed-in user's sessions (devices), the requesting one first, then
 * the most recently seen; never a session id or a token. 401 JSON when signed out; 404
 * `SESSIONS_UNSUPPORTED` under sealed cookie sessions (they keep no server-side list).
 *
 * @module
 */
import type { AuthContext } from '../context.js';
import { sessionViewsOf } from '../devices.js';
import { type AuthAnswer, type AuthRequest, answerToWeb, webShape } from '../http-shapes.js';
import { jsonAnswer } from '../responses.js';
import { signedInGet } from './signed-in.js';

/**
 * The sessions route.
 *
 * @param ctx - the auth context.
 * @param request - the request (`Cookie`, `Authorization`).
 * @returns the sessions as JSON, or the 401.
 * @throws SessionError `SESSIONS_UNSUPPORTED`; StorageError `STORAGE_UNAVAILABLE`.
 */
export async function serveSessions(ctx: AuthContext, request: AuthRequest): Promise<AuthAnswer> {
  const session = await signedInGet(ctx, request);
  if (!('user' in session)) return session;
  return jsonAnswer({ sessions: await sessionViewsOf(ctx, session) });
}

/**
 * {@link serveSessions} over a Web `Request` and `Response`.
 *
 * @param ctx - the auth context.
 * @param request - the request.
 * @returns the response.
 */
export async function sessionsRoute(ctx: AuthContext, request: Request): Promise<Response> {
  return answerToWeb(await serveSessions(ctx, webShape(request)));
}
