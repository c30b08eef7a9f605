/**
 * `GET /auth/:provider/login?returnTo=/path[&intent=link][&scope=a%20b][&remember=1]` → 302 to the provider,
 * with one transaction cookie per login (state, nonce, PKCE verifier, `returnTo`). `scope` asks
 * for more scopes (incremental consent, after `REAUTH_REQUIRED` with `scopes`), only among the
 * provider's `scopes` and `optionalScopes`.
 *
 * @module
 */
import { SessionError } from '../../errors.js';
import type { ProviderConfig } from '../../providers/types.js';
import type { AuthContext } from '../context.js';
import { nestsSignIn } from '../edge.js';
import { type AuthAnswer, type AuthRequest, answerToWeb, webShape } from '../http-shapes.js';
import { externalOrigin } from '../request-origin.js';
import { redirectAnswer } from '../responses.js';
import { safeReturnTo } from '../return-to.js';

/**
 * The login route.
 *
 * @param ctx - the auth context.
 * @param request - the request (`returnTo`, `intent`, its `Cookie` and, behind a trusted proxy, forwarded headers).
 * @param id - the provider id from the path.
 * @returns the redirect to the provider's authorization endpoint, with the transaction cookie.
 * @throws LatchkeyError `PROVIDER_UNKNOWN`; SessionError `BAD_REQUEST` (bad `intent` or `returnTo`), `UNAUTHENTICATED` (linking without a session); transport errors from discovery or PAR.
 */
export async function serveLogin(ctx: AuthContext, request: AuthRequest, id: string): Promise<AuthAnswer> {
  const { config, sessions, transactions } = ctx;
  const p = ctx.provider(id);
  // Behind a trusted proxy, a login that reached us under another host would set its transaction
  // cookie where the callback (on baseUrl) cannot see it: send the browser to the canonical URL.
  if (config.trustProxy && externalOrigin(request, true, config.origin) !== config.origin) {
    return redirectAnswer(`${config.baseUrl}${config.basePath}/${id}/login${request.search}`);
  }
  const rawReturnTo = request.query.get('returnTo');
  const returnTo = rawReturnTo === null ? '/' : safeReturnTo(rawReturnTo, config.origin, config.allowedOrigins);
  if (nestsSignIn(ctx.routePrefix, returnTo)) {
    throw new SessionError('RETURN_TO_INVALID', '`returnTo` names a sign-in route, so sign-ins would nest: give the page to return to after sign-in.');
  }
  let linkUserId: string | undefined;
  const intent = request.query.get('intent');
  if (intent !== null && intent !== 'link') throw new SessionError('BAD_REQUEST', '`intent` may only be "link".');
  if (intent === 'link') {
    const current = await sessions.lookup(request.cookie);
    if (!current) throw new SessionError('UNAUTHENTICATED', 'Linking a provider needs a signed-in user: sign in first, then link.');
    linkUserId = current.user.id;
  }
  // `remember=1` (the chooser's checkbox): a session that outlives the browser under `session.remember: 'ask'`.
  const remember = isYes(request.query.get('remember'));
  const c = await ctx.client(p);
  const scopes = [...p.scopes, ...(p.offline ? (p.offlineAccess?.scopes ?? []) : []), ...askedScopes(p, request.query.get('scope'))];
  const extraParams = { ...(p.authorizationParams ?? {}), ...(p.offline ? (p.offlineAccess?.params ?? {}) : {}) };
  // Offline access may need its own prompt (Google issues a refresh token only with prompt=consent).
  const prompt = p.offline ? (p.offlineAccess?.prompt ?? p.prompt) : p.prompt;
  const { url: target, transaction } = await c.authorizationUrl({
    scope: [...new Set(scopes)],
    ...(prompt !== undefined ? { prompt } : {}),
    ...(p.loginHint !== undefined ? { loginHint: p.loginHint } : {}),
    ...(p.responseMode !== undefined ? { responseMode: p.responseMode } : {}),
    ...(p.usePar !== undefined ? { usePar: p.usePar } : {}),
    extraParams,
  });
  const setCookies = await transactions.create(
    {
      providerId: id,
      transaction,
      returnTo,
      ...(linkUserId !== undefined ? { intent: 'link' as const, linkUserId } : {}),
      ...(remember ? { remember: true as const } : {}),
    },
    request.cookie,
  );
  return redirectAnswer(target.href, setCookies);
}

/** Whether a flag parameter says yes (`1`, `true`, `on`: a checkbox without a value sends `on`). */
export function isYes(value: string | null): boolean {
  return value === '1' || value === 'true' || value === 'on';
}

/**
 * The scopes a login's `scope` parameter asks for (RFC 6749 §3.3: space-delimited). Only the
 * provider's `scopes` and `optionalScopes` may be named: a link must not make a user grant the
 * app more than it planned.
 *
 * @throws SessionError `BAD_REQUEST` naming the first scope that is not allowed.
 */
function askedScopes(p: ProviderConfig, raw: string | null): string[] {
  if (raw === null) return [];
  const asked = raw.split(' ').filter((s) => s !== '');
  const allowed = new Set([...p.scopes, ...(p.optionalScopes ?? []), ...(p.offlineAccess?.scopes ?? [])]);
  const refused = asked.find((s) => !allowed.has(s));
  if (refused !== undefined) {
    throw new SessionError(
      'BAD_REQUEST',
      `\`scope\` may name only the ${p.id} provider's \`scopes\` and \`optionalScopes\`; add "${refused.slice(0, 100)}" to its \`optionalScopes\` to ask for it.`,
    );
  }
  return asked;
}

/**
 * {@link serveLogin} over a Web `Request` and `Response`.
 *
 * @param ctx - the auth context.
 * @param request - the request.
 * @param url - its URL.
 * @param id - the provider id from the path.
 * @returns the response.
 * @throws LatchkeyError `PROVIDER_UNKNOWN`; SessionError `BAD_REQUEST`, `UNAUTHENTICATED`.
 */
export async function loginRoute(ctx: AuthContext, request: Request, url: URL, id: string): Promise<Response> {
  return answerToWeb(await serveLogin(ctx, webShape(request, url), id));
}
