/**
 * The dispatch of the auth routes, driven by the route table of `edge.ts`, over the request and
 * answer shapes of `http-shapes.ts`: the lean handler the Node-family adapters call with a request
 * built lazily from the Node request ({@link answerRequest}), the Web-standard handler
 * (`Request -> Response`, a thin conversion over the same path), the {@link AuthEdge}, and the one
 * switch from a route name to its module in `routes/`.
 *
 * @module
 */
import { SessionError } from '../errors.js';
import type { AuthContext } from './context.js';
import { type AuthEdge, type AuthRoute, type EdgeRefusal, MAX_BODY_BYTES, MAX_BODY_MS, readBoundedText, refusalAnswer, screenRequest } from './edge.js';
import { type AuthAnswer, type AuthRequest, answerToWeb, requestFromWeb } from './http-shapes.js';
import { errorAnswer } from './responses.js';
import { serveBackchannelLogout } from './routes/backchannel-logout.js';
import { serveCallback } from './routes/callback.js';
import { serveLogin } from './routes/login.js';
import { serveLoginChooser } from './routes/login-chooser.js';
import { serveLogout } from './routes/logout.js';
import { serveLogoutCallback } from './routes/logout-callback.js';
import { serveSession } from './routes/session.js';
import { serveToken } from './routes/token.js';

/** A refusal of the edge (404, 405 with `Allow`, 413), reported and rendered. */
function refuse(ctx: AuthContext, refusal: EdgeRefusal, accept: string | null | undefined): AuthAnswer {
  ctx.report(refusal.error, refusal.route?.name ?? 'unknown');
  return refusalAnswer(refusal, accept);
}

/**
 * The answer to an error a route threw, reported. Errors are plain typed errors: a route that must
 * send cookies or headers with a refusal returns that answer itself.
 */
function failed(ctx: AuthContext, error: unknown, route: string, accept: string | null | undefined): AuthAnswer {
  ctx.report(error, route);
  if (error instanceof SessionError) return refusalAnswer({ error }, accept);
  return errorAnswer(error, accept ?? null);
}

/**
 * The HTTP edge of an `Auth`, for adapters that see the native request first.
 *
 * @param ctx - the auth context.
 * @param handler - the Web handler of the same `Auth`.
 * @returns the frozen edge.
 */
export function createAuthEdge(ctx: AuthContext, handler: (request: Request) => Promise<Response>): AuthEdge {
  return Object.freeze({
    handler,
    bodyLimit: MAX_BODY_BYTES,
    bodyTimeoutMs: MAX_BODY_MS,
    screen(method: string, pathname: string, contentLength: string | null | undefined, accept: string | null | undefined) {
      const d = screenRequest(ctx.routePrefix, method, pathname, contentLength);
      return 'error' in d ? answerToWeb(refuse(ctx, d, accept)) : d;
    },
    screenAnswer(method: string, pathname: string, contentLength: string | null | undefined, accept: string | null | undefined) {
      const d = screenRequest(ctx.routePrefix, method, pathname, contentLength);
      return 'error' in d ? refuse(ctx, d, accept) : d;
    },
    tooLarge: (accept: string | null | undefined) => answerToWeb(refuse(ctx, { route: undefined, error: new SessionError('PAYLOAD_TOO_LARGE') }, accept)),
    failure: (error: unknown, accept: string | null | undefined) => answerToWeb(failed(ctx, error, 'adapter', accept)),
    answer: (request: AuthRequest) => answerRequest(ctx, request),
    failureAnswer: (error: unknown, accept: string | null | undefined) => failed(ctx, error, 'adapter', accept),
  });
}

/**
 * Calls the module of a route the edge let through.
 *
 * @param ctx - the auth context.
 * @param route - the route (name and provider id) from {@link screenRequest}.
 * @param request - the request.
 * @param body - the body text (read within the budget; empty for GET).
 * @returns the route's answer.
 * @throws LatchkeyError whatever the route throws (rendered by the handler).
 */
export function dispatchRoute(ctx: AuthContext, route: AuthRoute, request: AuthRequest, body: string): Promise<AuthAnswer> | AuthAnswer {
  switch (route.name) {
    case 'session':
      return serveSession(ctx, request);
    case 'token':
      return serveToken(ctx, request);
    case 'login-chooser':
      return serveLoginChooser(ctx, request);
    case 'logout':
      return serveLogout(ctx, request, body);
    case 'logout/callback':
      return serveLogoutCallback(ctx, request);
    case 'login':
      return serveLogin(ctx, request, route.providerId);
    case 'callback':
      return serveCallback(ctx, request, route.providerId, body);
    case 'backchannel-logout':
      return serveBackchannelLogout(ctx, request, route.providerId, body);
  }
}

/**
 * Answers an auth request: screened by the edge (before anything else), the body read once within
 * the budget, dispatched; whatever goes wrong is an answer.
 *
 * @param ctx - the auth context.
 * @param request - the request shape.
 * @returns the answer; never rejects.
 */
export async function answerRequest(ctx: AuthContext, request: AuthRequest): Promise<AuthAnswer> {
  let route = 'unknown';
  // Never rejects: whatever goes wrong is an answer.
  try {
    // Only a POST's declared length matters (and a Node request's header object is then built).
    const method = request.method;
    const decision = screenRequest(ctx.routePrefix, method, request.path, method === 'POST' ? request.header('content-length') : null);
    if ('error' in decision) {
      if (decision.error.code === 'PAYLOAD_TOO_LARGE') request.refuseBody?.();
      return refuse(ctx, decision, request.header('accept'));
    }
    route = decision.route.name;
    // Every POST body is read here, once, within the budget; the routes get the text.
    const body = decision.readsBody ? await request.readBody(MAX_BODY_BYTES, MAX_BODY_MS) : '';
    const answer = dispatchRoute(ctx, decision.route, request, body);
    return answer instanceof Promise ? await answer : answer;
  } catch (error) {
    let accept: string | null = null;
    try {
      accept = request.header('accept');
    } catch {
      // A header getter that fails renders JSON.
    }
    return failed(ctx, error, route, accept);
  }
}

/**
 * The Web-standard handler of every auth route: the Web `Request` as a request shape, the answer
 * as a Web `Response`.
 *
 * @param ctx - the auth context.
 * @param request - the request.
 * @returns the response; never rejects.
 */
export async function handleRequest(ctx: AuthContext, request: Request): Promise<Response> {
  let url: URL;
  try {
    url = new URL(request.url);
  } catch {
    let accept: string | null = null;
    try {
      accept = request.headers.get('accept');
    } catch {
      // JSON then.
    }
    return answerToWeb(errorAnswer(new SessionError('BAD_REQUEST'), accept));
  }
  const shape = requestFromWeb(request, url, (limit, timeoutMs) => readBoundedText(request.body, limit, timeoutMs));
  return answerToWeb(await answerRequest(ctx, shape));
}
