/**
 * The signed-in user's own routes: `GET /auth/accounts` and `GET /auth/sessions` answer the
 * session of the cookie (or a Bearer token from `POST /auth/token`), or a 401 JSON.
 *
 * What the user's own state-changing routes (`POST /auth/:provider/unlink`,
 * `POST /auth/sessions/revoke`) check before they change anything, exactly as `POST /auth/logout`
 * does: the browser says the request is same-origin (`Origin` / `Sec-Fetch-Site`), a session
 * cookie names a live session, and the session's CSRF token comes in `X-CSRF-Token` or the form
 * field `csrfToken`. Unlike logout they are same-origin only: no origin of `cors.origins` is
 * trusted for them, and their answers carry no CORS headers. Also their answer: JSON, or a 303
 * back to the page for a form posted by a browser.
 *
 * @module
 */
import { SessionError } from '../../errors.js';
import type { AuthContext } from '../context.js';
import type { AuthAnswer, AuthRequest } from '../http-shapes.js';
import { isSameOrigin } from '../request-origin.js';
import { authAnswer, jsonAnswer, wantsHtml } from '../responses.js';
import { safeReturnTo } from '../return-to.js';
import type { Session } from '../sessions/types.js';

/** A checked request: its session and its parameters (form fields, or a JSON object's string values). */
export interface SignedInPost {
  readonly session: Session;
  readonly params: URLSearchParams;
  /** Whether the body was a form (a browser's form post: the answer may be a 303). */
  readonly isForm: boolean;
}

/**
 * The parameters of a POST body: `application/x-www-form-urlencoded`, or a JSON object whose
 * string, number and boolean members are read as text; an empty body has none.
 *
 * @param request - the request (`Content-Type`).
 * @param body - the body text, read within the budget.
 * @returns the parameters and whether they came from a form.
 * @throws SessionError `BAD_REQUEST` for any other body.
 */
export function readParams(request: AuthRequest, body: string): { params: URLSearchParams; isForm: boolean } {
  const type = (request.header('content-type') ?? '').toLowerCase();
  if (type.startsWith('application/x-www-form-urlencoded')) return { params: new URLSearchParams(body), isForm: true };
  if (body.trim() === '') return { params: new URLSearchParams(), isForm: false };
  if (type.startsWith('application/json')) {
    let value: unknown;
    try {
      value = JSON.parse(body);
    } catch {
      throw new SessionError('BAD_REQUEST', 'The JSON body does not parse.');
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new SessionError('BAD_REQUEST', 'The JSON body must be an object.');
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(value)) {
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') params.set(k, String(v));
    }
    return { params, isForm: false };
  }
  throw new SessionError('BAD_REQUEST', 'Expected an application/x-www-form-urlencoded or application/json body.');
}

/**
 * Checks a POST of the signed-in user: same origin, a live session, its CSRF token.
 *
 * @param ctx - the auth context.
 * @param request - the request (`Origin`, `Sec-Fetch-Site`, `Cookie`, `X-CSRF-Token`, `Content-Type`).
 * @param body - the body text.
 * @param what - what the route does, for the messages ("Unlinking an account").
 * @returns the session and the parameters.
 * @throws SessionError `CSRF_FAILED` (cross-origin, or no valid token), `UNAUTHENTICATED`, `BAD_REQUEST`.
 */
export async function signedInPost(ctx: AuthContext, request: AuthRequest, body: string, what: string): Promise<SignedInPost> {
  // Fetch Metadata §2.1 and RFC 6454 §7: a browser says where a POST comes from; only this site may.
  if (!isSameOrigin(request, ctx.config.origin)) {
    throw new SessionError('CSRF_FAILED', `${what} must be posted from this site (Origin or Sec-Fetch-Site says otherwise).`);
  }
  const { params, isForm } = readParams(request, body);
  const session = await ctx.sessions.lookup(request.cookie);
  if (!session) throw new SessionError('UNAUTHENTICATED', `${what} needs a signed-in user.`);
  if (!(await ctx.checkCsrf(session, request.header('x-csrf-token') ?? params.get('csrfToken')))) {
    throw new SessionError('CSRF_FAILED', `${what} needs the CSRF token from GET /auth/session (header X-CSRF-Token or form field csrfToken).`);
  }
  return { session, params, isForm };
}

/**
 * The answer of a done POST: for a form posted by a browser (`Accept: text/html`), a 303 back to
 * `returnTo` (a same-origin path, default `/`); otherwise the JSON.
 *
 * @param ctx - the auth context.
 * @param request - the request (`Accept`).
 * @param post - the checked request.
 * @param json - the JSON answer.
 * @param setCookies - `Set-Cookie` values.
 * @returns the answer.
 * @throws SessionError `RETURN_TO_INVALID` for a `returnTo` that is not a same-origin path.
 */
export function doneAnswer(ctx: AuthContext, request: AuthRequest, post: SignedInPost, json: unknown, setCookies: readonly string[] = []): AuthAnswer {
  if (!post.isForm || !wantsHtml(request.header('accept'))) return jsonAnswer(json, 200, setCookies);
  const raw = post.params.get('returnTo');
  // RFC 9110 §15.4.4: 303, so the browser follows with a GET.
  return authAnswer(null, 303, { location: raw === null ? '/' : safeReturnTo(raw, ctx.config.origin) }, setCookies);
}

/**
 * The session of a GET of the user's own routes (cookie, or a Bearer token), or the 401 answer.
 *
 * @param ctx - the auth context.
 * @param request - the request (`Cookie`, `Authorization`).
 * @returns the session, or the 401 JSON answer (with `WWW-Authenticate: Bearer`, RFC 6750 §3).
 * @throws LatchkeyError `STORAGE_UNAVAILABLE` (answered 503, not "signed out").
 */
export async function signedInGet(ctx: AuthContext, request: AuthRequest): Promise<Session | AuthAnswer> {
  const session = await ctx.authenticate(request.cookie, request.header('authorization'));
  if (session) return session;
  return jsonAnswer({ error: 'unauthenticated', code: 'UNAUTHENTICATED', message: 'Sign in first.' }, 401, [], {
    'www-authenticate': `Bearer realm="${ctx.realm}"`,
  });
}
