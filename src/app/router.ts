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
import { isCorsRoute, preflightAnswer, withCorsHeaders } from './cors.js';
import { type AuthEdge, type AuthRoute, type EdgeRefusal, MAX_BODY_BYTES, MAX_BODY_MS, readBoundedText, refusalAnswer, screenRequest } from './edge.js';
import { failureAnswer, renderOptions } from './failures.js';
import { type AuthAnswer, type AuthRequest, answerToWeb, requestFromWeb } from './http-shapes.js';
import { markServed } from './mount-check.js';
import type { LimitedRoute } from './rate-limit.js';
import { errorAnswer } from './responses.js';
import { serveAccounts } from './routes/accounts.js';
import { serveBackchannelLogout } from './routes/backchannel-logout.js';
import { serveCallback } from './routes/callback.js';
import { serveLogin } from './routes/login.js';
import { serveLoginChooser } from './routes/login-chooser.js';
import { serveLogout, serveLogoutPage } from './routes/logout.js';
import { serveLogoutCallback } from './routes/logout-callback.js';
import { serveSession } from './routes/session.js';
import { serveSessions } from './routes/sessions.js';
import { serveSessionsRevoke } from './routes/sessions-revoke.js';
import { serveToken } from './routes/token.js';
import { serveUnlink } from './routes/unlink.js';

/** A refusal of the edge (404, 405 with `Allow`, 413), reported and rendered. */
function refuse(ctx: AuthContext, refusal: EdgeRefusal, accept: string | null | undefined, request?: AuthRequest): AuthAnswer {
  const route = refusal.route?.name ?? 'unknown';
  const provider = refusal.route?.providerId || undefined;
  return refusalAnswer(refusal, accept, [], renderOptions(ctx, route, ctx.report(refusal.error, route, provider, request)));
}

/**
 * The answer to an error a route threw, reported. Errors are plain typed errors: a route that must
 * send cookies or headers with a refusal returns that answer itself.
 */
function failed(ctx: AuthContext, error: unknown, route: string, accept: string | null | undefined, provider?: string, request?: AuthRequest): AuthAnswer {
  if (error instanceof SessionError) {
    return refusalAnswer({ error }, accept, [], renderOptions(ctx, route, ctx.report(error, route, provider, request)));
  }
  return failureAnswer(ctx, error, { route, provider, accept, ...(request !== undefined ? { request } : {}) });
}

/**
 * A rate-limited route: over its budget, 429 `RATE_LIMITED` with `Retry-After` (RFC 6585 §4) as
 * the page or JSON; a failing shared store lets the request through (reported).
 */
function limited(
  ctx: AuthContext,
  name: LimitedRoute,
  request: AuthRequest,
  provider: string | undefined,
  serve: () => Promise<AuthAnswer> | AuthAnswer,
): Promise<AuthAnswer> | AuthAnswer {
  const verdict = ctx.rateLimiter?.check(name, request);
  if (verdict === undefined) return serve();
  return verdict.then(
    (retryAfter) => {
      if (retryAfter === undefined) return serve();
      const a = failureAnswer(ctx, new SessionError('RATE_LIMITED'), { route: name, provider, accept: request.header('accept'), request });
      return { ...a, headers: { ...a.headers, 'retry-after': String(retryAfter) } };
    },
    (error: unknown) => {
      ctx.report(error, name, provider);
      return serve();
    },
  );
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
      const d = screenRequest(ctx.routePrefix, method, pathname, contentLength, ctx.config.callbackRoutes);
      return 'error' in d ? answerToWeb(refuse(ctx, d, accept)) : d;
    },
    screenAnswer(method: string, pathname: string, contentLength: string | null | undefined, accept: string | null | undefined) {
      const d = screenRequest(ctx.routePrefix, method, pathname, contentLength, ctx.config.callbackRoutes);
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
      return limited(ctx, 'token', request, undefined, () => serveToken(ctx, request));
    case 'login-chooser':
      return serveLoginChooser(ctx, request);
    case 'logout':
      return request.method === 'GET' ? serveLogoutPage(ctx, request) : serveLogout(ctx, request, body);
    case 'logout/callback':
      return serveLogoutCallback(ctx, request);
    case 'login':
      return limited(ctx, 'login', request, route.providerId, () => serveLogin(ctx, request, route.providerId));
    case 'callback':
      return limited(ctx, 'callback', request, route.providerId, () => serveCallback(ctx, request, route.providerId, body));
    case 'backchannel-logout':
      return serveBackchannelLogout(ctx, request, route.providerId, body);
    case 'accounts':
      return serveAccounts(ctx, request);
    case 'unlink':
      return serveUnlink(ctx, request, route.providerId, body);
    case 'sessions':
      return serveSessions(ctx, request);
    case 'sessions/revoke':
      return serveSessionsRevoke(ctx, request, body);
  }
}

/**
 * Answers an auth request: screened by the edge (before anything else), the body read once within
 * the budget, dispatched; whatever goes wrong is an answer. Synchronous when the route answers
 * synchronously (`GET /auth/session` from the caches), so an adapter can write it at once. The
 * CORS routes (`cors.ts`) answer their `OPTIONS` preflight here, and every answer of theirs,
 * errors included, gets its CORS headers.
 *
 * @param ctx - the auth context.
 * @param request - the request shape.
 * @returns the answer, or a promise of it that never rejects.
 */
export function answerRequest(ctx: AuthContext, request: AuthRequest): AuthAnswer | Promise<AuthAnswer> {
  let route: AuthRoute | undefined;
  // Never throws, never rejects: whatever goes wrong is an answer.
  try {
    // Only a POST's declared length matters (and a Node request's header object is then built).
    const method = request.method;
    const decision = screenRequest(
      ctx.routePrefix,
      method,
      request.path,
      method === 'POST' ? request.header('content-length') : null,
      ctx.config.callbackRoutes,
    );
    if ('error' in decision) {
      if (decision.error.code === 'PAYLOAD_TOO_LARGE') request.refuseBody?.();
      return refuse(ctx, decision, request.header('accept'), request);
    }
    const target = decision.route;
    route = target;
    markServed(ctx);
    // The edge serves OPTIONS only on the CORS routes: a preflight, answered without the route.
    if (method === 'OPTIONS') return preflightAnswer(ctx.config, target.methods, request);
    // Every POST body is read here, once, within the budget; the routes get the text.
    if (decision.readsBody) {
      return settled(
        ctx,
        request.readBody(MAX_BODY_BYTES, MAX_BODY_MS).then((body) => dispatchRoute(ctx, target, request, body)),
        target,
        request,
      );
    }
    const answer = dispatchRoute(ctx, target, request, '');
    return answer instanceof Promise ? settled(ctx, answer, target, request) : withCors(ctx, target, request, answer);
  } catch (error) {
    return withCors(ctx, route, request, failedRequest(ctx, error, route, request));
  }
}

/** A route's pending answer, with a rejection turned into the failure answer, and its CORS headers. */
function settled(ctx: AuthContext, answer: Promise<AuthAnswer>, route: AuthRoute, request: AuthRequest): Promise<AuthAnswer> {
  return answer.then(
    (a) => withCors(ctx, route, request, a),
    (error: unknown) => withCors(ctx, route, request, failedRequest(ctx, error, route, request)),
  );
}

/** The CORS headers of a CORS route's answer (`cors.ts`); other routes' answers as they are. */
function withCors(ctx: AuthContext, route: AuthRoute | undefined, request: AuthRequest, answer: AuthAnswer): AuthAnswer {
  if (route === undefined || !isCorsRoute(route.name)) return answer;
  try {
    return withCorsHeaders(ctx.config, request, answer);
  } catch {
    // A header getter that fails: the answer without CORS headers (the browser withholds it).
    return answer;
  }
}

/** {@link failed}, rendered for the request's `Accept` (JSON when even reading that header fails). */
function failedRequest(ctx: AuthContext, error: unknown, route: AuthRoute | undefined, request: AuthRequest): AuthAnswer {
  let accept: string | null = null;
  try {
    accept = request.header('accept');
  } catch {
    // A header getter that fails renders JSON.
  }
  return failed(ctx, error, route?.name ?? 'unknown', accept, route?.providerId || undefined, request);
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
    return answerToWeb(errorAnswer(new SessionError('BAD_REQUEST'), accept, [], renderOptions(ctx, 'unknown', undefined)));
  }
  const shape = requestFromWeb(request, url, (limit, timeoutMs) => readBoundedText(request.body, limit, timeoutMs));
  return answerToWeb(await answerRequest(ctx, shape));
}
