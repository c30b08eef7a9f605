/**
 * `POST /auth/:provider/backchannel-logout` → ends the sessions a valid logout token names
 * (OpenID Connect Back-Channel Logout 1.0).
 *
 * @module
 */
import { LatchkeyError, ValidationError } from '../../errors.js';
import type { AuthContext } from '../context.js';
import { renderOptions } from '../failures.js';
import { type AuthAnswer, type AuthRequest, answerToWeb, webShape } from '../http-shapes.js';
import { authAnswer, describeError, jsonAnswer } from '../responses.js';
import { readForm } from './form.js';

/**
 * The back-channel logout route. Never throws for a bad token: every failure is a 400 (or, for a
 * server-side failure such as the store, its 5xx) with an RFC 6749 error body.
 *
 * @param ctx - the auth context.
 * @param request - the request (its `Content-Type`).
 * @param id - the provider id from the path.
 * @param body - the form body, read within the budget (`logout_token`).
 * @returns 200 with an empty body, or the error JSON.
 * @throws LatchkeyError `PROVIDER_UNKNOWN`.
 */
export async function serveBackchannelLogout(ctx: AuthContext, request: AuthRequest, id: string, body: string): Promise<AuthAnswer> {
  const p = ctx.provider(id);
  try {
    const form = readForm(request, body);
    const token = form.get('logout_token');
    if (!token) throw new ValidationError('LOGOUT_TOKEN_INVALID', 'The request has no `logout_token`.', { claim: 'logout_token' });
    const c = await ctx.client(p);
    // Back-Channel Logout 1.0 §2.6: validate; a jti seen before is a replay.
    const claims = await c.validateLogoutToken(token, { seenJti: ctx.jtiSeen });
    // §2.7: end the sessions with that sid, or every session of that sub.
    const by = typeof claims.sid === 'string' ? 'sid' : 'sub';
    let ended: readonly string[] = [];
    if (typeof claims.sid === 'string') ended = await ctx.revoke({ issuer: claims.iss, sid: claims.sid });
    else if (typeof claims.sub === 'string') ended = await ctx.revoke({ issuer: claims.iss, subject: claims.sub });
    // The user, when the token names a subject of a linked account (no session id in the event).
    const account = typeof claims.sub === 'string' ? await ctx.users.getAccount(claims.iss, claims.sub).catch(() => null) : null;
    ctx.emit({ type: 'back-channel-logout', providerId: id, sessions: ended.length, by, ...(account ? { userId: account.userId } : {}) }, request);
    return authAnswer(null, 200);
  } catch (error) {
    const referenceId = ctx.report(error, 'backchannel-logout', id, request);
    const status = error instanceof LatchkeyError && error.status >= 500 && error.code !== 'SESSION_TOO_LARGE' ? error.status : 400;
    const { body: described } = describeError(error, renderOptions(ctx, 'backchannel-logout', referenceId));
    // §2.8: 400 Bad Request, with an RFC 6749 error body.
    return jsonAnswer({ ...described, error: status === 400 ? 'invalid_request' : 'temporarily_unavailable' }, status);
  }
}

/**
 * {@link serveBackchannelLogout} over a Web `Request` and `Response`.
 *
 * @param ctx - the auth context.
 * @param request - the request.
 * @param id - the provider id from the path.
 * @param body - the form body.
 * @returns the response.
 * @throws LatchkeyError `PROVIDER_UNKNOWN`.
 */
export async function backchannelLogoutRoute(ctx: AuthContext, request: Request, id: string, body: string): Promise<Response> {
  return answerToWeb(await serveBackchannelLogout(ctx, webShape(request), id, body));
}
