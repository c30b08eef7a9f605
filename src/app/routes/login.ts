/**
 * `GET /auth/:provider/login?returnTo=/path[&intent=link]` → 302 to the provider, with one
 * transaction cookie per login (state, nonce, PKCE verifier, `returnTo`).
 *
 * @module
 */
import { SessionError } from '../../errors.js';
import type { AuthContext } from '../context.js';
import { externalOrigin } from '../request-origin.js';
import { redirectResponse } from '../responses.js';
import { safeReturnTo } from '../return-to.js';

/**
 * The login route.
 *
 * @param ctx - the auth context.
 * @param request - the request (its `Cookie` and, behind a trusted proxy, forwarded headers).
 * @param url - the request URL (`returnTo`, `intent`).
 * @param id - the provider id from the path.
 * @returns the redirect to the provider's authorization endpoint, with the transaction cookie.
 * @throws LatchkeyError `PROVIDER_UNKNOWN`; SessionError `BAD_REQUEST` (bad `intent` or `returnTo`), `UNAUTHENTICATED` (linking without a session); transport errors from discovery or PAR.
 */
export async function loginRoute(ctx: AuthContext, request: Request, url: URL, id: string): Promise<Response> {
  const { config, sessions, transactions } = ctx;
  const p = ctx.provider(id);
  // Behind a trusted proxy, a login that reached us under another host would set its transaction
  // cookie where the callback (on baseUrl) cannot see it: send the browser to the canonical URL.
  if (config.trustProxy && externalOrigin(request, true, config.origin) !== config.origin) {
    return redirectResponse(`${config.baseUrl}${config.basePath}/${id}/login${url.search}`);
  }
  const rawReturnTo = url.searchParams.get('returnTo');
  const returnTo = rawReturnTo === null ? '/' : safeReturnTo(rawReturnTo, config.origin);
  let linkUserId: string | undefined;
  const intent = url.searchParams.get('intent');
  if (intent !== null && intent !== 'link') throw new SessionError('BAD_REQUEST', '`intent` may only be "link".');
  if (intent === 'link') {
    const current = await sessions.lookup(request.headers.get('cookie'));
    if (!current) throw new SessionError('UNAUTHENTICATED', 'Linking a provider needs a signed-in user: sign in first, then link.');
    linkUserId = current.user.id;
  }
  const c = await ctx.client(p);
  const scopes = [...p.scopes, ...(p.offline ? (p.offlineAccess?.scopes ?? []) : [])];
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
    { providerId: id, transaction, returnTo, ...(linkUserId !== undefined ? { intent: 'link' as const, linkUserId } : {}) },
    request.headers.get('cookie'),
  );
  return redirectResponse(target.href, setCookies);
}
