/**
 * h3 adapter (h3 v2, the server engine of Nitro v3): one middleware that answers the auth routes,
 * records the request state in `event.context` (`latchkey`: `{ user, session, csrfToken }`, and
 * `user`) and guards the paths given in `protect` (302 to sign in for browsers, 401 JSON for API
 * calls, 503 when the session store failed). Web APIs only (`event.req` is a `Request`), so it
 * runs wherever h3 does. h3 v1 (`event.node`, Nitro 2) is not served by it.
 *
 * ```ts
 * const lk = latchkey(auth, { protect: ['/dashboard'] });
 * const app = new H3().use(lk.middleware);              // or, in Nitro: server/middleware/auth.ts
 * app.get('/api/me', async (event) => {
 *   const user = await lk.requireUser(event);           // the user, or the 302/401 Response
 *   return user instanceof Response ? user : { user };
 * });
 * // types: declare module 'h3' { interface H3EventContext extends LatchkeyContext {} }
 * ```
 *
 * @module
 */
import type { H3Event } from 'h3';
import type { Auth } from '../app/create-auth.js';
import type { LatchkeyState } from '../app/guards.js';
import type { SessionUser } from '../app/sessions/types.js';
import { answerAuthRoute, isAuthPath, type Protect, protects, stateOrAnswer } from './internal/web.js';

/** What the middleware records in `event.context`: extend h3's `H3EventContext` with it. */
export interface LatchkeyContext {
  /** The request state: the user, the session and the CSRF token `POST /auth/logout` needs. */
  latchkey: LatchkeyState;
  /** The signed-in user, or null. */
  user: SessionUser | null;
}

/** Options of the h3 adapter. */
export interface H3Options {
  /** The paths that need a signed-in user: prefixes (`/dashboard` covers `/dashboard/*`) or a predicate. */
  readonly protect?: Protect<H3Event>;
}

/** The h3 adapter. */
export interface H3Latchkey {
  /**
   * The middleware (`app.use(lk.middleware)`, or the default export of a Nitro server middleware):
   * answers `/auth/*`, sets `event.context.latchkey` / `user` on every other request, answers a
   * `protect`ed path without a user, and resolves undefined to let h3 go on.
   */
  readonly middleware: (event: H3Event) => Promise<Response | undefined>;
  /**
   * For a route outside `protect`: the user, or the `Response` to return (302 for browsers, 401
   * JSON for API calls, 503 when the store failed).
   */
  readonly requireUser: (event: H3Event) => Promise<SessionUser | Response>;
}

/**
 * Creates the h3 middleware.
 *
 * @param auth - from `createAuth` (its `basePath` is where the middleware answers, default `/auth`).
 * @param options - the protected paths.
 * @returns the middleware and the route guard.
 */
export function latchkey(auth: Auth, options: H3Options = {}): H3Latchkey {
  // `event.url.pathname` is h3's canonical path, the one its router and `use()` matchers compare.
  const isProtected = protects(options.protect, (event: H3Event) => event.url.pathname);
  return {
    async middleware(event) {
      if (isAuthPath(auth, event.url.pathname)) return answerAuthRoute(auth, event.req as Request);
      const state = await stateOrAnswer(auth, event.req as Request, { adapter: 'h3', required: isProtected(event), url: event.url });
      if (state instanceof Response) return state;
      const context = event.context as unknown as LatchkeyContext;
      context.latchkey = state;
      context.user = state.user;
      return undefined;
    },
    async requireUser(event) {
      const known = (event.context as unknown as Partial<LatchkeyContext>).user;
      if (known) return known;
      const state = await stateOrAnswer(auth, event.req as Request, { adapter: 'h3', required: true, url: event.url });
      return state instanceof Response ? state : (state.user as SessionUser);
    },
  };
}
