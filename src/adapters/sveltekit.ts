/**
 * SvelteKit adapter: one `handle` hook that answers the auth routes, records the request state in
 * `event.locals` (`latchkey`: `{ user, session, csrfToken }`, and `user`) and guards the paths
 * given in `protect` (302 to sign in for pages and their client-side data requests, 401 for API
 * calls). Web APIs only, so it runs wherever SvelteKit's server does.
 *
 * ```ts
 * // src/hooks.server.ts
 * const lk = latchkey(auth, { protect: ['/dashboard', '/api/private'] });
 * export const handle = lk.handle;                  // or sequence(lk.handle, yourHandle)
 * // src/app.d.ts: declare global { namespace App { interface Locals extends LatchkeyLocals {} } }
 * ```
 *
 * @module
 */
import type { Handle, RequestEvent } from '@sveltejs/kit';
import type { Auth } from '../app/create-auth.js';
import type { LatchkeyState } from '../app/guards.js';
import type { SessionUser } from '../app/sessions/types.js';
import { answerAuthRoute, isAuthPath, type Protect, protects, stateOrAnswer } from './internal/web.js';

/** What the hook records in `event.locals`: extend `App.Locals` with it. */
export interface LatchkeyLocals {
  /** The request state: the user, the session and the CSRF token `POST /auth/logout` needs. */
  latchkey: LatchkeyState;
  /** The signed-in user, or null. */
  user: SessionUser | null;
}

/** Options of the SvelteKit adapter. */
export interface SvelteKitOptions {
  /** The paths that need a signed-in user: prefixes (`/dashboard` covers `/dashboard/*`) or a predicate. */
  readonly protect?: Protect<RequestEvent>;
}

/** The SvelteKit adapter. */
export interface SvelteKitLatchkey {
  /** The `handle` hook: the auth routes, `event.locals.latchkey` / `user`, and the `protect` guard. */
  readonly handle: Handle;
  /**
   * For a `+server.ts` endpoint or a form action outside `protect`: the user, or the `Response`
   * to return (302 for browsers, 401 JSON for API calls).
   */
  readonly requireUser: (event: RequestEvent) => Promise<SessionUser | Response>;
}

/**
 * Creates the SvelteKit hook.
 *
 * @param auth - from `createAuth` (its `basePath` is where the hook answers, default `/auth`).
 * @param options - the protected paths.
 * @returns the hook and the endpoint guard.
 */
export function latchkey(auth: Auth, options: SvelteKitOptions = {}): SvelteKitLatchkey {
  const isProtected = protects(options.protect, (event: RequestEvent) => event.url.pathname);
  return {
    async handle({ event, resolve }) {
      if (isAuthPath(auth, event.url.pathname)) return answerAuthRoute(auth, event.request);
      // `event.url` is the page's URL for a client-side navigation's `__data.json` request, and a
      // 302 answered to one is turned by SvelteKit into its redirect instruction for the client.
      const state = await stateOrAnswer(auth, event.request, {
        adapter: 'sveltekit',
        required: isProtected(event),
        url: event.url,
        navigation: event.isDataRequest,
      });
      if (state instanceof Response) return state;
      const locals = event.locals as unknown as LatchkeyLocals;
      locals.latchkey = state;
      locals.user = state.user;
      return resolve(event);
    },
    async requireUser(event) {
      const known = (event.locals as unknown as Partial<LatchkeyLocals>).user;
      if (known) return known;
      const state = await stateOrAnswer(auth, event.request, { adapter: 'sveltekit', required: true, url: event.url });
      return state instanceof Response ? state : (state.user as SessionUser);
    },
  };
}
