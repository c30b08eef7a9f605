/**
 * Express adapter (Express 4 and 5): a middleware answering the auth routes and guard middlewares
 * that put the user in `res.locals.user`.
 *
 * ```ts
 * const lk = latchkey(auth);
 * app.use(lk.router);                                   // /auth/*
 * app.get('/me', lk.requireUser, (req, res) => res.json(res.locals.user));
 * ```
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Auth } from '../app/create-auth.js';
import type { SessionUser } from '../app/sessions/types.js';
import { credentialHeaders, guardFacts, sendPlain, sendWebResponse, toWebRequest } from './node.js';

/** The parts of an Express request the adapter reads (Express 4 and 5 alike). */
export type ExpressRequestLike = IncomingMessage & { originalUrl?: string; body?: unknown };
/** The parts of an Express response the adapter uses. */
export type ExpressResponseLike = ServerResponse & { locals: Record<string, unknown> };
/** An Express middleware. */
export type Middleware = (req: ExpressRequestLike, res: ExpressResponseLike, next: (error?: unknown) => void) => void;

/** The Express adapter. */
export interface ExpressLatchkey {
  /** Answers `/auth/*`; passes every other request on. Mount before body parsers or after, both work. */
  readonly router: Middleware;
  /** Sets `res.locals.user`, or answers 302 (browsers) / 401 (API calls). */
  readonly requireUser: Middleware;
  /** Sets `res.locals.user` to the user or null; never fails. */
  readonly optionalUser: Middleware;
}

/** A body already consumed by `express.urlencoded()` is re-encoded for the Web handler. */
function parsedBody(req: ExpressRequestLike): string | undefined {
  const b = req.body;
  if (!req.readableEnded || b === null || typeof b !== 'object') return undefined;
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(b as Record<string, unknown>)) if (typeof v === 'string') p.append(k, v);
  return p.toString();
}

/**
 * Creates the Express adapter.
 *
 * @param auth - from `createAuth`.
 * @returns the router and guard middlewares.
 */
export function latchkey(auth: Auth): ExpressLatchkey {
  const prefix = `${auth.routePrefix}/`;
  const guard =
    (required: boolean): Middleware =>
    (req, res, next) => {
      const { cookie, authorization } = credentialHeaders(req);
      const s = auth.authenticate(cookie, authorization);
      // The common case first, with no closure allocated: a cached session.
      if (s !== null && !(s instanceof Promise)) {
        res.locals.user = s.user;
        next();
        return;
      }
      const done = (user: SessionUser | null, error?: unknown): void => {
        if (!user && required) {
          sendPlain(res, auth.unauthenticated(guardFacts(req, req.originalUrl ?? req.url), error));
          return;
        }
        res.locals.user = user;
        next();
      };
      if (s instanceof Promise) s.then((x) => done(x?.user ?? null), (error: unknown) => done(null, error));
      else done(null);
    };
  return {
    router(req, res, next) {
      const url = req.originalUrl ?? req.url ?? '/';
      if (!url.startsWith(prefix)) {
        next();
        return;
      }
      auth
        .handler(toWebRequest(auth, req, url, parsedBody(req)))
        .then((r) => sendWebResponse(res, r))
        .catch(next);
    },
    requireUser: guard(true),
    optionalUser: guard(false),
  };
}
