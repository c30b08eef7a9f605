/**
 * Elysia adapter (Elysia 1.4, on Bun or any Web-standard runtime): one plugin that answers the
 * auth routes, puts the request state in every handler's context (`latchkey`: `{ user, session,
 * csrfToken }`, and `user`) and guards the paths given in `protect` (302 to sign in for browsers,
 * 401 JSON for API calls, 503 when the session store failed). Both run in `onRequest`, before
 * Elysia routes or parses a body, so a `form_post` callback reaches the handler unread and a
 * protected path is guarded whether or not a route matches it.
 *
 * ```ts
 * const lk = latchkey(auth, { protect: ['/dashboard'] });
 * const app = new Elysia()
 *   .use(lk.plugin)
 *   .get('/dashboard', ({ user }) => `Hello ${user?.email}`)      // `user`, `latchkey` are typed
 *   .get('/api/me', async (ctx) => {
 *     const user = await lk.requireUser(ctx);                    // the user, or the 302/401 Response
 *     return user instanceof Response ? user : { user };
 *   });
 * ```
 *
 * @module
 */
import { Elysia } from 'elysia';
import type { Auth } from '../app/create-auth.js';
import type { LatchkeyState } from '../app/guards.js';
import type { SessionUser } from '../app/sessions/types.js';
import { answerAuthRoute, isAuthPath, type Protect, protects, stateOrAnswer } from './internal/web.js';

/** What the plugin resolves into every handler's context (a type alias: Elysia wants a record). */
export type LatchkeyContext = {
  /** The request state: the user, the session and the CSRF token `POST /auth/logout` needs. */
  latchkey: LatchkeyState;
  /** The signed-in user, or null. */
  user: SessionUser | null;
};

/** Options of the Elysia adapter. */
export interface ElysiaOptions {
  /** The paths that need a signed-in user: prefixes (`/dashboard` covers `/dashboard/*`) or a predicate of the request. */
  readonly protect?: Protect<Request>;
}

/** The plugin's type: an Elysia instance that resolves {@link LatchkeyContext} for the app that uses it. */
export type LatchkeyPlugin = ReturnType<typeof createPlugin>;

/** The Elysia adapter. */
export interface ElysiaLatchkey {
  /** The plugin (`app.use(lk.plugin)`, before the routes it should see): auth routes, context, `protect`. */
  readonly plugin: LatchkeyPlugin;
  /**
   * For a route outside `protect`: the user, or the `Response` to return (302 for browsers, 401
   * JSON for API calls, 503 when the store failed).
   */
  readonly requireUser: (context: { readonly request: Request; readonly user?: SessionUser | null }) => Promise<SessionUser | Response>;
}

/** Elysia deduplicates plugins by name and seed: each `latchkey()` call is its own plugin. */
let instances = 0;

/** The plugin: `onRequest` answers the auth routes and guards, `resolve` hands the state to the handlers. */
function createPlugin(auth: Auth, isProtected: (request: Request) => boolean) {
  // onRequest has no context to extend: the state waits here for `resolve`, keyed by the request.
  const states = new WeakMap<Request, LatchkeyState>();
  return new Elysia({ name: 'latchkey', seed: ++instances })
    .onRequest(async ({ request }) => {
      if (isAuthPath(auth, new URL(request.url).pathname)) return answerAuthRoute(auth, request);
      const state = await stateOrAnswer(auth, request, { adapter: 'elysia', required: isProtected(request) });
      if (state instanceof Response) return state;
      states.set(request, state);
      return undefined;
    })
    .resolve({ as: 'global' }, async ({ request }): Promise<LatchkeyContext> => {
      // Read again only for a request that our onRequest did not see (a Request made anew on the way).
      const state = states.get(request) ?? ((await stateOrAnswer(auth, request, { adapter: 'elysia', required: false })) as LatchkeyState);
      return { latchkey: state, user: state.user };
    });
}

/**
 * Creates the Elysia plugin.
 *
 * @param auth - from `createAuth` (its `basePath` is where the plugin answers, default `/auth`).
 * @param options - the protected paths.
 * @returns the plugin and the route guard.
 */
export function latchkey(auth: Auth, options: ElysiaOptions = {}): ElysiaLatchkey {
  // Elysia routes on the path of `request.url` as it is (no decoding), which is what `URL` gives.
  const isProtected = protects(options.protect, (request: Request) => new URL(request.url).pathname);
  return {
    plugin: createPlugin(auth, isProtected),
    async requireUser(context) {
      if (context.user) return context.user;
      const state = await stateOrAnswer(auth, context.request, { adapter: 'elysia', required: true });
      return state instanceof Response ? state : (state.user as SessionUser);
    },
  };
}
