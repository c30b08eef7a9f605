/**
 * `POST /auth/sessions/revoke` (same-origin + CSRF token, as `POST /auth/logout`; form or JSON body
 * `handle=…` or `others=1`, `returnTo?`) → one session of the user ended (by the handle of
 * `GET /auth/sessions`), or every other one (the requesting session kept): 200 `{ revoked, signedOut }`,
 * or a 303 to `returnTo` for a browser's form. Revoking the requesting session signs it out (its
 * cookie is cleared). An unknown handle is 404 `SESSION_HANDLE_UNKNOWN`; under sealed cookie
 * sessions 404 `SESSIONS_UNSUPPORTED`.
 *
 * @module
 */
import { SessionError } from '../../errors.js';
import type { AuthContext } from '../context.js';
import { sessionHandle, sessionsOfUser } from '../devices.js';
import { type AuthAnswer, type AuthRequest, answerToWeb, webShape } from '../http-shapes.js';
import type { Session } from '../sessions/types.js';
import { doneAnswer, signedInPost } from './signed-in.js';

/**
 * The revoke route.
 *
 * @param ctx - the auth context.
 * @param request - the request.
 * @param body - the body text.
 * @returns the JSON answer or the 303.
 * @throws SessionError `CSRF_FAILED`, `UNAUTHENTICATED`, `BAD_REQUEST`, `SESSIONS_UNSUPPORTED`,
 *   `SESSION_HANDLE_UNKNOWN`, `RETURN_TO_INVALID`; StorageError.
 */
export async function serveSessionsRevoke(ctx: AuthContext, request: AuthRequest, body: string): Promise<AuthAnswer> {
  const post = await signedInPost(ctx, request, body, 'Revoking a session');
  const { session: current, params } = post;
  const handle = params.get('handle');
  const others = params.get('others');
  if ((handle === null) === (others !== '1')) {
    throw new SessionError('BAD_REQUEST', 'Say which sessions to end: `handle` (from GET /auth/sessions) or `others=1`, not both.');
  }
  const listed = await sessionsOfUser(ctx, current.user.id);
  let targets: Session[];
  if (handle !== null) {
    const handles = await Promise.all(listed.map((s) => sessionHandle(s.id)));
    const i = handles.indexOf(handle);
    // The requesting session may not be listed yet by an eventually consistent store.
    const found = i === -1 ? ((await sessionHandle(current.id)) === handle ? current : undefined) : listed[i];
    if (!found) throw new SessionError('SESSION_HANDLE_UNKNOWN');
    targets = [found];
  } else {
    targets = listed.filter((s) => s.id !== current.id);
  }
  for (const s of targets) {
    await ctx.sessions.destroy(s);
    ctx.bearer.drop([s.id]);
  }
  const signedOut = targets.some((s) => s.id === current.id);
  ctx.emit(
    {
      type: 'sessions-revoked',
      userId: current.user.id,
      providerId: current.providerId,
      sessions: targets.length,
      scope: handle !== null ? 'one' : 'others',
      signedOut,
    },
    request,
  );
  return doneAnswer(ctx, request, post, { revoked: targets.length, signedOut }, signedOut ? [ctx.sessions.clearCookie()] : []);
}

/**
 * {@link serveSessionsRevoke} over a Web `Request` and `Response`.
 *
 * @param ctx - the auth context.
 * @param request - the request.
 * @param url - its URL.
 * @param body - the body text.
 * @returns the response.
 */
export async function sessionsRevokeRoute(ctx: AuthContext, request: Request, url: URL, body: string): Promise<Response> {
  return answerToWeb(await serveSessionsRevoke(ctx, webShape(request, url), body));
}
