/**
 * Nuxt 3 and 4 adapter (h3 v1, the server engine of Nitro 2; tested with h3 1.15): one server
 * middleware that answers the auth routes on the Node request and response h3 v1 wraps
 * (`event.node`, no Web `Request` built, as the node:http adapter does), records the request state
 * in `event.context` (`latchkey`: `{ user, session, csrfToken }`, and `user`) and guards the paths
 * given in `protect` (302 to sign in for browsers, 401 JSON for API calls, 503 when the session
 * store failed). h3 v2 (Nitro 3) has its own adapter, `latchkey/adapters/h3`.
 *
 * ```ts
 * // server/utils/auth.ts
 * export const lk = latchkey(auth, { protect: ['/dashboard'] });
 * // server/middleware/latchkey.ts
 * export default defineEventHandler(lk.middleware);
 * // server/api/me.get.ts
 * export default defineEventHandler(async (event) => {
 *   const user = await lk.requireUser(event);           // the user, or the 302/401 Response
 *   return user instanceof Response ? user : { user };
 * });
 * ```
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Auth } from '../app/create-auth.js';
import { type LatchkeyState, toResponse } from '../app/guards.js';
import type { Session, SessionUser } from '../app/sessions/types.js';
import { answerAuthRequest, credentialHeaders, guardFacts, sendGuardAnswer } from './internal/node-http.js';
import { type Protect, protects } from './internal/web.js';

/** The parts of an h3 v1 event (`H3Event`) the adapter reads. */
export interface H3V1EventLike {
  readonly node: { readonly req: IncomingMessage & { originalUrl?: string }; readonly res: ServerResponse };
  /** The path and query as h3 routes them (needless escapes decoded: `/%64ashboard` is `/dashboard`). */
  readonly path: string;
  readonly context: Record<string, unknown>;
}

/** What the middleware records in `event.context`. */
export interface LatchkeyNuxtContext {
  /** The request state: the user, the session and the CSRF token `POST /auth/logout` needs. */
  latchkey: LatchkeyState;
  /** The signed-in user, or null. */
  user: SessionUser | null;
}

/** Options of the Nuxt adapter. */
export interface NuxtOptions {
  /** The paths that need a signed-in user: prefixes (`/dashboard` covers `/dashboard/*`) or a predicate. */
  readonly protect?: Protect<H3V1EventLike>;
}

/** The Nuxt adapter. */
export interface NuxtLatchkey {
  /** A server middleware (`defineEventHandler(lk.middleware)`): the auth routes, `event.context`, `protect`. */
  readonly middleware: (event: H3V1EventLike) => Promise<void>;
  /** For an API route outside `protect`: the user, or the `Response` to return (302 or 401). */
  readonly requireUser: (event: H3V1EventLike) => Promise<SessionUser | Response>;
}

/** The request's path and query as received (`originalUrl` when a prefix was mounted). */
const urlOf = (event: H3V1EventLike): string => event.node.req.originalUrl ?? event.node.req.url ?? '/';

/**
 * Creates the Nuxt (h3 v1) adapter.
 *
 * @param auth - from `createAuth` (its `basePath` is where the middleware answers, default `/auth`).
 * @param options - the protected paths.
 * @returns the server middleware and the endpoint guard.
 */
export function latchkey(auth: Auth, options: NuxtOptions = {}): NuxtLatchkey {
  // The path h3's router matches, so that no spelling of a protected path reaches its page unguarded.
  const isProtected = protects(options.protect, (event: H3V1EventLike) => event.path.split('?')[0]!);
  const sessionOf = async (event: H3V1EventLike): Promise<{ session: Session | null; failure?: unknown }> => {
    const { cookie, authorization } = credentialHeaders(event.node.req);
    try {
      return { session: await auth.authenticate(cookie, authorization) };
    } catch (failure) {
      return { session: null, failure };
    }
  };
  return {
    async middleware(event) {
      const { req, res } = event.node;
      const url = urlOf(event);
      // h3 v1 sees the answer written (`headersSent`) and runs no later handler.
      if (url === auth.routePrefix || url.startsWith(`${auth.routePrefix}/`) || url.startsWith(`${auth.routePrefix}?`)) {
        return answerAuthRequest(auth, req, res, url);
      }
      const { session, failure } = await sessionOf(event);
      if (session === null && isProtected(event)) return sendGuardAnswer(res, auth.guardAnswer(guardFacts(req, url, 'nuxt'), failure));
      const state = await auth.requestState(session);
      event.context.latchkey = state;
      event.context.user = state.user;
    },
    async requireUser(event) {
      const known = event.context.user as SessionUser | null | undefined;
      if (known) return known;
      const { session, failure } = await sessionOf(event);
      return session ? session.user : toResponse(await auth.guardAnswer(guardFacts(event.node.req, urlOf(event), 'nuxt'), failure));
    },
  };
}
