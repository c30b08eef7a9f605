/**
 * The one way a route's failure becomes an answer: reported once (`ctx.report`: `hooks.onError`,
 * and the logger for a logged failure, with a fresh reference id), then rendered with that
 * reference id, the developer detail in development, and the page's links.
 *
 * @module
 */
import type { AuthContext } from './context.js';
import { SIGN_IN_ROUTES } from './error-log.js';
import type { AuthAnswer, AuthRequest } from './http-shapes.js';
import { pageView } from './page-options.js';
import { type ErrorRenderOptions, errorAnswer } from './responses.js';

/**
 * How a failure on a route is rendered.
 *
 * @param ctx - the auth context.
 * @param route - the route or helper (a failed sign-in's page offers "Try again").
 * @param referenceId - the reference id of its log line, if it was logged.
 * @param acceptLanguage - the request's `Accept-Language`, for the page's language.
 * @returns the render options.
 */
export function renderOptions(ctx: AuthContext, route: string, referenceId: string | undefined, acceptLanguage?: string | null): ErrorRenderOptions {
  return {
    referenceId,
    development: ctx.config.development,
    homeHref: `${new URL(ctx.config.baseUrl).pathname.replace(/\/$/, '')}/`,
    retryHref: SIGN_IN_ROUTES.has(route) ? ctx.loginPath : undefined,
    view: pageView(ctx.config.pages, acceptLanguage),
  };
}

/**
 * Reports a failure and renders it.
 *
 * @param ctx - the auth context.
 * @param error - the thrown value.
 * @param where - the route, the provider id (if any), the `Accept` header and `Set-Cookie` values to send anyway.
 * @returns the error page or JSON.
 */
export function failureAnswer(
  ctx: AuthContext,
  error: unknown,
  where: {
    readonly route: string;
    readonly provider?: string | undefined;
    readonly accept: string | null | undefined;
    readonly setCookies?: readonly string[];
    readonly request?: AuthRequest;
  },
): AuthAnswer {
  const referenceId = ctx.report(error, where.route, where.provider, where.request);
  return errorAnswer(error, where.accept, where.setCookies ?? [], renderOptions(ctx, where.route, referenceId, where.request?.header('accept-language')));
}
