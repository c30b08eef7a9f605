/**
 * The dispatch of the auth routes, driven by the route table of `edge.ts`: the Web-standard
 * handler (`Request -> Response`, never rejects), the {@link AuthEdge} adapters use before a Web
 * `Request` exists, and the one switch from a route name to its module in `routes/`.
 *
 * @module
 */
import { SessionError } from '../errors.js';
import type { AuthContext } from './context.js';
import { type AuthEdge, type AuthRoute, type EdgeRefusal, MAX_BODY_BYTES, MAX_BODY_MS, readBoundedText, refusalResponse, screenRequest } from './edge.js';
import { errorResponse } from './responses.js';
import { backchannelLogoutRoute } from './routes/backchannel-logout.js';
import { callbackRoute } from './routes/callback.js';
import { loginRoute } from './routes/login.js';
import { loginChooserRoute } from './routes/login-chooser.js';
import { logoutRoute } from './routes/logout.js';
import { logoutCallbackRoute } from './routes/logout-callback.js';
import { sessionRoute } from './routes/session.js';
import { tokenRoute } from './routes/token.js';

/** A refusal of the edge (404, 405 with `Allow`, 413), reported and rendered. */
function refuse(ctx: AuthContext, refusal: EdgeRefusal, accept: string | null | undefined): Response {
  ctx.report(refusal.error, refusal.route?.name ?? 'unknown');
  return refusalResponse(refusal, accept);
}

/** The answer to an error a route threw, reported, with the cookies it carries. */
function failed(ctx: AuthContext, error: unknown, route: string, accept: string | null | undefined): Response {
  ctx.report(error, route);
  const setCookies = (error as { setCookies?: string[] } | null)?.setCookies ?? [];
  if (error instanceof SessionError) return refusalResponse({ error }, accept, setCookies);
  return errorResponse(error, accept ?? null, setCookies);
}

/**
 * The HTTP edge of an `Auth`, for adapters that see the native request first.
 *
 * @param ctx - the auth context.
 * @returns the frozen edge.
 */
export function createAuthEdge(ctx: AuthContext): AuthEdge {
  return Object.freeze({
    bodyLimit: MAX_BODY_BYTES,
    bodyTimeoutMs: MAX_BODY_MS,
    screen(method: string, pathname: string, contentLength: string | null | undefined, accept: string | null | undefined) {
      const d = screenRequest(ctx.routePrefix, method, pathname, contentLength);
      return 'error' in d ? refuse(ctx, d, accept) : d;
    },
    tooLarge: (accept: string | null | undefined) => refuse(ctx, { route: undefined, error: new SessionError('PAYLOAD_TOO_LARGE') }, accept),
    failure: (error: unknown, accept: string | null | undefined) => failed(ctx, error, 'adapter', accept),
  });
}

/**
 * Calls the module of a route the edge let through.
 *
 * @param ctx - the auth context.
 * @param route - the route (name and provider id) from {@link screenRequest}.
 * @param request - the request.
 * @param url - its parsed URL.
 * @param body - the body text (read within the budget; empty for GET).
 * @returns the route's answer.
 * @throws LatchkeyError whatever the route throws (rendered by the handler).
 */
export function dispatchRoute(ctx: AuthContext, route: AuthRoute, request: Request, url: URL, body: string): Promise<Response> | Response {
  switch (route.name) {
    case 'session':
      return sessionRoute(ctx, request);
    case 'token':
      return tokenRoute(ctx, request);
    case 'login-chooser':
      return loginChooserRoute(ctx, request, url);
    case 'logout':
      return logoutRoute(ctx, request, url, body);
    case 'logout/callback':
      return logoutCallbackRoute(ctx, request, url);
    case 'login':
      return loginRoute(ctx, request, url, route.providerId);
    case 'callback':
      return callbackRoute(ctx, request, url, route.providerId, body);
    case 'backchannel-logout':
      return backchannelLogoutRoute(ctx, request, route.providerId, body);
  }
}

/**
 * The Web-standard handler of every auth route: screened by the edge, the body read once within
 * the budget, dispatched; whatever goes wrong is an answer.
 *
 * @param ctx - the auth context.
 * @param request - the request.
 * @returns the response; never rejects.
 */
export async function handleRequest(ctx: AuthContext, request: Request): Promise<Response> {
  let accept: string | null = null;
  let route = 'unknown';
  // Never rejects: whatever goes wrong is an answer.
  try {
    accept = request.headers.get('accept');
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return errorResponse(new SessionError('BAD_REQUEST'), accept);
    }
    const decision = screenRequest(ctx.routePrefix, request.method, url.pathname, request.headers.get('content-length'));
    if ('error' in decision) return refuse(ctx, decision, accept);
    route = decision.route.name;
    // Every POST body is read here, once, within the budget; the routes get the text.
    const body = decision.readsBody ? await readBoundedText(request.body, MAX_BODY_BYTES) : '';
    return await dispatchRoute(ctx, decision.route, request, url, body);
  } catch (error) {
    return failed(ctx, error, route, accept);
  }
}
