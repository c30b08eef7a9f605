/**
 * React Router 7 (framework mode, and Remix) adapter: a resource route that answers the auth
 * routes, and helpers for loaders and actions. Web APIs only (`Request` in, `Response` out).
 *
 * ```ts
 * // app/routes/auth.$.ts (route path "auth/*")
 * export const { loader, action } = latchkey(auth);
 * // app/routes/dashboard.tsx
 * export async function loader({ request }: Route.LoaderArgs) {
 *   const user = await lk.requireUser(request);    // throws the 302 / 401 Response
 *   return { user };
 * }
 * ```
 *
 * @module
 */
import type { Auth } from '../app/create-auth.js';
import type { LatchkeyState } from '../app/guards.js';
import type { SessionUser } from '../app/sessions/types.js';
import { answerAuthRoute, stateOrAnswer } from './internal/web.js';

/** How {@link ReactRouterLatchkey.requireUser} answers a request without a user. */
export interface RequireUserOptions {
  /**
   * Always redirect to sign in, as for a page navigation: for a UI route's loader, whose
   * client-side navigations arrive as `fetch()` data requests (which would otherwise get the 401).
   */
  readonly navigation?: boolean;
}

/** The React Router adapter. */
export interface ReactRouterLatchkey {
  /** The auth routes' GET and HEAD: `export const { loader, action } = lk` in the `auth/*` route. */
  readonly loader: (args: { request: Request }) => Promise<Response>;
  /** The auth routes' other methods (callback `form_post`, logout, token, back-channel logout). */
  readonly action: (args: { request: Request }) => Promise<Response>;
  /**
   * The signed-in user; else throws the `Response` React Router sends: a 302 to sign in for
   * browsers (with `X-Remix-Reload-Document`, so a client-side navigation loads the login route as
   * a document), a 401 JSON for API calls.
   */
  readonly requireUser: (request: Request, options?: RequireUserOptions) => Promise<SessionUser>;
  /** The signed-in user or null; never throws. */
  readonly getUser: (request: Request) => Promise<SessionUser | null>;
  /** The request state `{ user, session, csrfToken }` (the token is what a sign-out form posts). */
  readonly getState: (request: Request) => Promise<LatchkeyState>;
}

/**
 * Creates the React Router helpers.
 *
 * @param auth - from `createAuth`; mount the resource route at its `basePath` (default `/auth`).
 * @returns the resource route's loader and action, and the guards.
 */
export function latchkey(auth: Auth): ReactRouterLatchkey {
  const answer = ({ request }: { request: Request }): Promise<Response> => answerAuthRoute(auth, request);
  const state = async (request: Request): Promise<LatchkeyState> =>
    stateOrAnswer(auth, request, { adapter: 'react-router', required: false }) as Promise<LatchkeyState>;
  return {
    loader: answer,
    action: answer,
    async requireUser(request, options = {}) {
      const found = await stateOrAnswer(auth, request, { adapter: 'react-router', required: true, navigation: options.navigation });
      if (!(found instanceof Response)) return found.user as SessionUser;
      // React Router's client follows a redirect marked so with a full document load.
      if (found.status === 302) found.headers.set('x-remix-reload-document', 'true');
      throw found;
    },
    getUser: async (request) => (await state(request)).user,
    getState: state,
  };
}
