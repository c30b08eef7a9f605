/**
 * `GET /auth/login?returnTo=…`: the configured providers, as a page of "Sign in with …" links
 * (browsers) or as JSON (`{ providers: [{ id, name, loginUrl }] }`); with one provider, a
 * redirect to its login. `returnTo` is kept only when it is a same-origin path.
 *
 * @module
 */
import type { AuthContext } from '../context.js';
import { chooserPage } from '../pages.js';
import { jsonResponse, redirectResponse, wantsHtml } from '../responses.js';
import { returnToOr } from '../return-to.js';

/**
 * The login chooser route.
 *
 * @param ctx - the auth context.
 * @param request - the request (its `Accept` header).
 * @param url - the request URL (its `returnTo`).
 * @returns the chooser page, the JSON list, or the redirect to the one provider's login.
 */
export function loginChooserRoute(ctx: AuthContext, request: Request, url: URL): Response {
  const returnTo = returnToOr(url.searchParams.get('returnTo'), ctx.config.origin, '/');
  const query = `?returnTo=${encodeURIComponent(returnTo)}`;
  const providers = [...ctx.config.providers.values()].map((p) => ({
    id: p.id,
    name: p.name,
    loginUrl: `${ctx.routePrefix}/${encodeURIComponent(p.id)}/login${query}`,
  }));
  if (providers.length === 1) return redirectResponse(providers[0]!.loginUrl, []);
  if (!wantsHtml(request.headers.get('accept'))) return jsonResponse({ providers });
  return chooserPage(providers);
}
