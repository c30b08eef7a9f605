/**
 * `GET /auth/login?returnTo=…[&remember=1]`: the configured providers, as a page of "Sign in with …" links
 * (browsers) or as JSON (`{ providers: [{ id, name, loginUrl }] }`); with one provider, a
 * redirect to its login. `returnTo` is kept only when it is a same-origin path.
 *
 * @module
 */
import type { AuthContext } from '../context.js';
import { nestsSignIn } from '../edge.js';
import { type AuthAnswer, type AuthRequest, answerToWeb, webShape } from '../http-shapes.js';
import { pageView } from '../page-options.js';
import { chooserPage } from '../pages.js';
import { jsonAnswer, redirectAnswer, wantsHtml } from '../responses.js';
import { returnToOr } from '../return-to.js';
import { isYes } from './login.js';

/**
 * The login chooser route.
 *
 * @param ctx - the auth context.
 * @param request - the request (its `Accept` header and `returnTo`).
 * @returns the chooser page, the JSON list, or the redirect to the one provider's login.
 */
export function serveLoginChooser(ctx: AuthContext, request: AuthRequest): AuthAnswer {
  const checked = returnToOr(request.query.get('returnTo'), ctx.config.origin, '/', ctx.config.allowedOrigins);
  // A `returnTo` naming a sign-in route would nest sign-ins: the home page instead.
  const returnTo = nestsSignIn(ctx.routePrefix, checked) ? '/' : checked;
  // `remember=1` given to the chooser goes on to the login (a link from the app's own checkbox).
  const remember = isYes(request.query.get('remember'));
  const query = `?returnTo=${encodeURIComponent(returnTo)}${remember ? '&remember=1' : ''}`;
  const providers = [...ctx.config.providers.values()].map((p) => ({
    id: p.id,
    name: p.name,
    loginUrl: `${ctx.routePrefix}/${encodeURIComponent(p.id)}/login${query}`,
  }));
  if (providers.length === 1) return redirectAnswer(providers[0]!.loginUrl, []);
  if (!wantsHtml(request.header('accept'))) return jsonAnswer({ providers });
  // Asked already (remember=1), or the app remembers always: no checkbox.
  return chooserPage(providers, pageView(ctx.config.pages, request.header('accept-language')), ctx.config.remember === 'ask' && !remember);
}

/**
 * {@link serveLoginChooser} over a Web `Request` and `Response`.
 *
 * @param ctx - the auth context.
 * @param request - the request.
 * @param url - its URL.
 * @returns the response.
 */
export function loginChooserRoute(ctx: AuthContext, request: Request, url: URL): Response {
  return answerToWeb(serveLoginChooser(ctx, webShape(request, url)));
}
