/**
 * `GET|POST /auth/:provider/callback` → the authorization response checked against the login's
 * transaction cookie, the code exchanged, the profile built by the core (`core/profile.ts`:
 * userinfo, `fetchProfile`, `mapProfile`), the user signed in or linked, a fresh session cookie set, 302 to `returnTo`. A
 * cross-site `form_post` without the transaction cookie is re-posted from our own origin first.
 *
 * @module
 */
import { buildProfile } from '../../core/profile.js';
import { SessionError } from '../../errors.js';
import { signInWithIdentity } from '../../storage/linking.js';
import type { AccountTokens } from '../../storage/types.js';
import type { LoginDecision } from '../config.js';
import type { AuthContext } from '../context.js';
import { readCookie } from '../cookies.js';
import { deviceLabel } from '../devices.js';
import { failureAnswer } from '../failures.js';
import { type AuthAnswer, type AuthRequest, answerToWeb, webShape } from '../http-shapes.js';
import { pageView } from '../page-options.js';
import { REPOST_FIELD, repostPage } from '../pages.js';
import { redirectAnswer } from '../responses.js';
import { returnToOr } from '../return-to.js';
import { readForm } from './form.js';

/**
 * The callback route. Every failure after the transaction is known is answered here (the error
 * page or JSON) with the transaction cookie cleared.
 *
 * @param ctx - the auth context.
 * @param request - the request (method, `Cookie`, `Content-Type`, `Accept`; the query of a `GET` callback).
 * @param id - the provider id from the path.
 * @param body - the body of a `POST` (`form_post`) callback, read within the budget.
 * @returns the redirect to `returnTo` with the session cookie, the re-post page, or the error answer.
 * @throws LatchkeyError `PROVIDER_UNKNOWN`; SessionError `BAD_REQUEST` for a POST that is not a form.
 */
export async function serveCallback(ctx: AuthContext, request: AuthRequest, id: string, body: string): Promise<AuthAnswer> {
  const { config, sessions, transactions, hooks } = ctx;
  const p = ctx.provider(id);
  const params = request.method === 'POST' ? readForm(request, body) : new URLSearchParams(request.search);
  const cookieHeader = request.cookie;
  const state = params.get('state');
  const reposted = params.get(REPOST_FIELD) === '1';
  params.delete(REPOST_FIELD);
  if (request.method === 'POST' && !reposted && state && readCookie(cookieHeader, transactions.cookieName(state)) === undefined) {
    return repostPage(`${ctx.routePrefix}/${id}/callback`, params, pageView(ctx.config.pages, request.header('accept-language')));
  }
  const setCookies = state ? [transactions.clear(state)] : [];
  try {
    // The cookie finds and decrypts the transaction; the core checks the state against it, once.
    const tx = await transactions.open(id, state, cookieHeader);
    const c = await ctx.client(p);
    const tokens = await c.callback(params, tx.transaction);
    // The profile fetch is a core operation (userinfo, its sub bound to the ID token's, the provider's hooks).
    let { profile } = await buildProfile(c, tokens, p, params);
    let decision: LoginDecision;
    if (hooks.onLogin) decision = await hooks.onLogin({ providerId: id, profile, tokens, request: request.toWeb() });
    if (decision === false) throw new SessionError('LOGIN_REJECTED');
    let sessionData: Readonly<Record<string, unknown>> = {};
    if (typeof decision === 'object') {
      if (decision.profile) profile = { ...profile, ...decision.profile };
      if (decision.sessionData) sessionData = decision.sessionData;
    }
    const accountTokens: AccountTokens = {
      accessToken: tokens.accessToken,
      tokenType: tokens.tokenType,
      ...(tokens.refreshToken !== undefined ? { refreshToken: tokens.refreshToken } : {}),
      ...(tokens.idToken !== undefined ? { idToken: tokens.idToken } : {}),
      ...(tokens.expiresAt !== undefined ? { expiresAt: tokens.expiresAt } : {}),
    };
    const {
      user,
      account,
      created: firstLogin,
      linked,
    } = await signInWithIdentity(ctx.users, {
      providerId: id,
      profile,
      tokens: accountTokens,
      scopes: tokens.grantedScopes,
      allowEmailLinking: p.allowEmailLinking ?? false,
      ...(tx.linkUserId !== undefined ? { linkToUserId: tx.linkUserId } : {}),
    });
    // A new session with a fresh id at every login (no fixation); the previous one ends.
    const previous = await sessions.lookup(cookieHeader);
    if (previous) await sessions.destroy(previous);
    const sid = tokens.idTokenClaims?.sid;
    const created = await sessions.create({
      user: { id: user.id, email: user.email, emailVerified: user.emailVerified, name: user.name, image: user.image },
      providerId: id,
      issuer: profile.issuer,
      subject: profile.subject,
      ...(typeof sid === 'string' ? { sid } : {}),
      data: sessionData,
      ...(tokens.idToken !== undefined ? { idToken: tokens.idToken } : {}),
      ...deviceOf(request.header('user-agent')),
      // `session.remember: 'ask'`: the cookie ends with the browser unless the login asked otherwise.
      // A link keeps the signed-in session's choice.
      ...(config.remember === 'ask' && tx.remember !== true && !(tx.intent === 'link' && previous && previous.browserSession !== true)
        ? { browserSession: true as const }
        : {}),
    });
    setCookies.push(created.setCookie);
    ctx.emit({ type: 'sign-in', userId: user.id, providerId: id, accountId: account.id, firstLogin, linked }, request);
    if (linked) ctx.emit({ type: 'link', userId: user.id, providerId: id, accountId: account.id }, request);
    // What is emitted is checked, even from our own sealed cookie (sealed by an older version, say).
    return redirectAnswer(returnToOr(tx.returnTo, config.origin, '/', config.allowedOrigins), setCookies);
  } catch (error) {
    return failureAnswer(ctx, error, { route: 'callback', provider: id, accept: request.header('accept'), setCookies, request });
  }
}

/**
 * {@link serveCallback} over a Web `Request` and `Response`.
 *
 * @param ctx - the auth context.
 * @param request - the request.
 * @param url - its URL.
 * @param id - the provider id from the path.
 * @param body - the body of a `POST` callback.
 * @returns the response.
 * @throws LatchkeyError `PROVIDER_UNKNOWN`; SessionError `BAD_REQUEST`.
 */
export async function callbackRoute(ctx: AuthContext, request: Request, url: URL, id: string, body: string): Promise<Response> {
  return answerToWeb(await serveCallback(ctx, webShape(request, url), id, body));
}

/** The device label of the sign-in's `User-Agent`, kept in the new session (server strategy). */
function deviceOf(userAgent: string | null): { device?: string } {
  const device = deviceLabel(userAgent);
  return device !== undefined ? { device } : {};
}
