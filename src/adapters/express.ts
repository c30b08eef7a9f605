/**
 * Express adapter (Express 4 and 5): a middleware answering the auth routes and guard middlewares
 * that put the user in `res.locals.user` and the request state (`{ user, session, csrfToken }`) in
 * `res.locals.latchkey`, where templates see it.
 *
 * ```ts
 * const lk = latchkey(auth);
 * app.use(lk.router);                                   // /auth/*
 * app.get('/me', lk.requireUser, (req, res) => res.json(res.locals.user));
 * app.get('/calendars', lk.requireUser, async (req, res) => res.json(await auth.api(res.locals.user, 'google').get('/calendar/v3/users/me/calendarList')));
 * app.use(lk.reauthRequired);                           // after the routes: REAUTH_REQUIRED → re-consent
 * ```
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Auth } from '../app/create-auth.js';
import type { LatchkeyState } from '../app/guards.js';
import type { Session } from '../app/sessions/types.js';
import { answerAuthRequest, credentialHeaders, guardFacts, type ParsedBody, sendGuardAnswer, sendPlain } from './internal/node-http.js';

/** The parts of an Express request the adapter reads (Express 4 and 5 alike). */
export type ExpressRequestLike = IncomingMessage & { originalUrl?: string; body?: unknown };
/** The parts of an Express response the adapter uses. */
export type ExpressResponseLike = ServerResponse & { locals: Record<string, unknown> };
/** An Express middleware. */
export type Middleware = (req: ExpressRequestLike, res: ExpressResponseLike, next: (error?: unknown) => void) => void;
/** An Express error-handling middleware (four parameters). */
export type ErrorMiddleware = (error: unknown, req: ExpressRequestLike, res: ExpressResponseLike, next: (error?: unknown) => void) => void;

/** The Express adapter. */
export interface ExpressLatchkey {
  /**
   * Answers `/auth/*` (every method; never passes an error on); passes every other request on.
   * Mount it before body parsers (bodies are then read within the 64 KB budget from the stream) or
   * after them (a parsed body over the budget is answered 413 too).
   */
  readonly router: Middleware;
  /**
   * Sets `res.locals.user` and `res.locals.latchkey` (`{ user, session, csrfToken }`, the token a
   * sign-out form posts), or answers 302 (browsers) / 401 (API calls).
   */
  readonly requireUser: Middleware;
  /** Sets `res.locals.user` (the user or null) and `res.locals.latchkey`; never fails. */
  readonly optionalUser: Middleware;
  /**
   * Error middleware, mounted after the routes (`app.use(lk.reauthRequired)`): `REAUTH_REQUIRED`
   * (the provider grant is gone, or more scopes are needed) becomes a 302 to re-consent for
   * browsers, or a 401 JSON `{ code: 'REAUTH_REQUIRED', provider, scopes, loginUrl }` for API
   * clients; any other error is passed on. Express 5 routes it async rejections; in Express 4,
   * pass the error with `next(error)`.
   */
  readonly reauthRequired: ErrorMiddleware;
}

/**
 * A body a parser mounted first already consumed (`express.urlencoded()`, `express.json()`,
 * `express.text()`, `express.raw()`): a form is re-encoded for the Web handler, text and bytes are
 * handed on as they are. Its size as parsed (a form or JSON object measured as JSON) is what the
 * budget checks, so a parser with a large `limit` does not widen it.
 */
function parsedBody(req: ExpressRequestLike): ParsedBody | undefined {
  const b = req.body;
  if (!req.readableEnded || b === undefined || b === null) return undefined;
  if (typeof b === 'string') return { text: b, bytes: Buffer.byteLength(b) };
  if (Buffer.isBuffer(b)) return { text: b.toString('utf8'), bytes: b.length };
  if (typeof b !== 'object') return undefined;
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(b as Record<string, unknown>)) if (typeof v === 'string') p.append(k, v);
  const text = p.toString();
  return { text, bytes: Math.max(Buffer.byteLength(text), Buffer.byteLength(JSON.stringify(b) ?? '')) };
}

/**
 * Creates the Express adapter.
 *
 * @param auth - from `createAuth`.
 * @returns the router and guard middlewares.
 */
export function latchkey(auth: Auth): ExpressLatchkey {
  const prefix = `${auth.routePrefix}/`;
  /** Records the user and the request state in `res.locals`, then continues. */
  const record = (res: ExpressResponseLike, state: LatchkeyState, next: (error?: unknown) => void): void => {
    res.locals.user = state.user;
    res.locals.latchkey = state;
    next();
  };
  const pass = (res: ExpressResponseLike, session: Session | null, next: (error?: unknown) => void): void => {
    const state = auth.requestState(session);
    if (state instanceof Promise) state.then((x) => record(res, x, next), next);
    else record(res, state, next);
  };
  const guard =
    (required: boolean): Middleware =>
    (req, res, next) => {
      const { cookie, authorization } = credentialHeaders(req);
      const s = auth.authenticate(cookie, authorization);
      // The common case first, with no closure allocated: a cached session.
      if (s !== null && !(s instanceof Promise)) {
        pass(res, s, next);
        return;
      }
      const done = (session: Session | null, error?: unknown): void => {
        if (!session && required) {
          void sendGuardAnswer(res, auth.guardAnswer(guardFacts(req, req.originalUrl ?? req.url, 'express'), error));
          return;
        }
        pass(res, session, next);
      };
      if (s instanceof Promise)
        s.then(
          (x) => done(x),
          (error: unknown) => done(null, error),
        );
      else done(null);
    };
  return {
    router(req, res, next) {
      const url = req.originalUrl ?? req.url ?? '/';
      if (!url.startsWith(prefix)) {
        next();
        return;
      }
      let parsed: ParsedBody | undefined;
      try {
        parsed = parsedBody(req);
      } catch {
        // An unmeasurable parsed body (a cycle, a BigInt) is over any budget.
        parsed = { text: '', bytes: Number.POSITIVE_INFINITY };
      }
      void answerAuthRequest(auth, req, res, url, parsed);
    },
    requireUser: guard(true),
    optionalUser: guard(false),
    reauthRequired(error, req, res, next) {
      const answer = res.headersSent ? undefined : auth.reauthResponse(error, guardFacts(req, req.originalUrl ?? req.url));
      if (answer === undefined) next(error);
      else sendPlain(res, answer);
    },
  };
}
