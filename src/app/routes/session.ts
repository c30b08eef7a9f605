/**
 * `GET /auth/session` → 200 `{ user, expiresAt, provider, csrfToken, data }` (the idle expiry slides)
 * or 401 `{ error: "unauthenticated" }` with `WWW-Authenticate: Bearer`.
 *
 * @module
 */
import type { AuthContext } from '../context.js';
import { readCookie } from '../cookies.js';
import { type AuthAnswer, type AuthRequest, answerToWeb, webShape } from '../http-shapes.js';
import { jsonAnswer, jsonTextAnswer } from '../responses.js';
import type { Session } from '../sessions/types.js';

/**
 * The session route: synchronous end to end when the session, its CSRF token and its idle expiry
 * are answered from the caches (the polled case), a promise otherwise.
 *
 * @param ctx - the auth context.
 * @param request - the request (its `Cookie` and `Authorization` headers).
 * @returns the session as JSON, or the 401.
 * @throws LatchkeyError `STORAGE_UNAVAILABLE` when the store fails (answered 503, not "signed out").
 */
export function serveSession(ctx: AuthContext, request: AuthRequest): AuthAnswer | Promise<AuthAnswer> {
  const cookieHeader = request.cookie;
  // Not getSession: a store outage must answer 503, not "signed out".
  const found = ctx.authenticate(cookieHeader, request.header('authorization'));
  if (found instanceof Promise) return found.then((session) => sessionAnswer(ctx, cookieHeader, session));
  return sessionAnswer(ctx, cookieHeader, found);
}

/** The answer for the session found (or not), once the idle expiry moved and the CSRF token is known. */
function sessionAnswer(ctx: AuthContext, cookieHeader: string | null, session: Session | null): AuthAnswer | Promise<AuthAnswer> {
  const { config, sessions } = ctx;
  const value = readCookie(cookieHeader, config.cookies.session);
  if (!session) {
    return jsonAnswer(UNAUTHENTICATED, 401, value !== undefined ? [sessions.clearCookie()] : [], { 'www-authenticate': `Bearer realm="${ctx.realm}"` });
  }
  const refreshed = value !== undefined ? sessions.touch(session, value) : undefined;
  const csrf = ctx.csrfToken(session);
  if (refreshed instanceof Promise || csrf instanceof Promise) {
    return Promise.all([refreshed, csrf]).then(([cookie, token]) => signedIn(session, token, cookie));
  }
  return signedIn(session, csrf, refreshed);
}

/** The 401 body. */
const UNAUTHENTICATED = { error: 'unauthenticated', code: 'UNAUTHENTICATED', message: 'Sign in first.' } as const;

/** The JSON body last answered for a session object, and what it was made from. */
interface AnsweredBody {
  readonly expiresAt: number;
  readonly csrfToken: string;
  readonly json: string;
}

/**
 * The polled case answers the same cached session object again and again: its JSON is kept with it
 * (weakly: it goes with the session) and made again only when the expiry or the CSRF token moved.
 * Session objects are replaced, never changed in place, when the user or the data change.
 */
const answeredBodies = new WeakMap<Session, AnsweredBody>();

/** The 200 answer: the session as the app's client reads it, and the re-issued cookie if any. */
function signedIn(session: Session, csrfToken: string, refreshed: string | undefined): AuthAnswer {
  const expiresAt = Math.min(session.idleExpiresAt, session.absoluteExpiresAt);
  let answered = answeredBodies.get(session);
  if (answered === undefined || answered.expiresAt !== expiresAt || answered.csrfToken !== csrfToken) {
    const body = { user: session.user, expiresAt: new Date(expiresAt).toISOString(), provider: session.providerId, csrfToken, data: session.data };
    answered = { expiresAt, csrfToken, json: JSON.stringify(body) };
    answeredBodies.set(session, answered);
  }
  return jsonTextAnswer(answered.json, 200, refreshed ? [refreshed] : []);
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
