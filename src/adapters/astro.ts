/**
 * Astro adapter (on-demand rendering): an `onRequest` middleware that answers the auth routes,
 * records the request state in `context.locals` (`latchkey`: `{ user, session, csrfToken }`, and
 * `user`) and guards the paths given in `protect` (302 to sign in for browsers, 401 for API calls).
 * Set `security: { checkOrigin: false }` in `astro.config`: the middleware checks the origin of the
 * app's own form posts instead, and lets the provider's cross-site posts reach the auth routes.
 *
 * ```ts
 * // src/middleware.ts
 * export const onRequest = latchkey(auth, { protect: ['/dashboard'] }).onRequest;
 * // src/env.d.ts: declare namespace App { interface Locals extends import('latchkey/adapters/astro').LatchkeyLocals {} }
 * ```
 *
 * @module
 */
import type { APIContext, MiddlewareHandler } from 'astro';
import type { Auth } from '../app/create-auth.js';
import type { LatchkeyState } from '../app/guards.js';
import type { SessionUser } from '../app/sessions/types.js';
import { answerAuthRoute, isAuthPath, type Protect, protects, stateOrAnswer } from './internal/web.js';

/** What the middleware records in `context.locals`: extend `App.Locals` with it. */
export interface LatchkeyLocals {
  /** The request state: the user, the session and the CSRF token `POST /auth/logout` needs. */
  latchkey: LatchkeyState;
  /** The signed-in user, or null. */
  user: SessionUser | null;
}

/** Options of the Astro adapter. */
export interface AstroOptions {
  /** The paths that need a signed-in user: prefixes (`/dashboard` covers `/dashboard/*`) or a predicate. */
  readonly protect?: Protect<APIContext>;
  /**
   * Refuse cross-site form posts to the app's own routes (default true): Astro's check in the
   * middleware's place. Astro's `security.checkOrigin` must be off for a `form_post` callback and a
   * back-channel logout (cross-site posts by design) to reach the auth routes, and it covers all
   * routes or none.
   */
  readonly checkOrigin?: boolean;
}

const FORM_TYPES = /application\/x-www-form-urlencoded|multipart\/form-data|text\/plain/i;

/** A cross-site POST, PUT, PATCH or DELETE that a form could send (Astro's own rule). */
function crossSiteForm(context: APIContext): boolean {
  const { request, url } = context;
  if (request.method === 'GET' || request.method === 'HEAD' || request.method === 'OPTIONS') return false;
  if (request.headers.get('origin') === url.origin) return false;
  const type = request.headers.get('content-type');
  return type === null || FORM_TYPES.test(type);
}

/** The Astro adapter. */
export interface AstroLatchkey {
  /** The middleware: the auth routes, `context.locals.latchkey` / `user`, and the `protect` guard. */
  readonly onRequest: MiddlewareHandler;
  /**
   * For a page or endpoint outside `protect`: the user, or the `Response` to return from it (302
   * for browsers, 401 JSON for API calls).
   */
  readonly requireUser: (context: APIContext) => Promise<SessionUser | Response>;
}

/**
 * Creates the Astro middleware.
 *
 * @param auth - from `createAuth` (its `basePath` is where the middleware answers, default `/auth`).
 * @param options - the protected paths, the origin check.
 * @returns the middleware and the page guard.
 */
export function latchkey(auth: Auth, options: AstroOptions = {}): AstroLatchkey {
  const isProtected = protects(options.protect, (context: APIContext) => context.url.pathname);
  const checkOrigin = options.checkOrigin ?? true;
  return {
    async onRequest(context, next) {
      if (isAuthPath(auth, context.url.pathname)) return answerAuthRoute(auth, context.request);
      if (checkOrigin && crossSiteForm(context)) return new Response(`Cross-site ${context.request.method} form submissions are forbidden`, { status: 403 });
      const state = await stateOrAnswer(auth, context.request, { adapter: 'astro', required: isProtected(context), url: context.url });
      if (state instanceof Response) return state;
      const locals = context.locals as unknown as LatchkeyLocals;
      locals.latchkey = state;
      locals.user = state.user;
      return next();
    },
    async requireUser(context) {
      const known = (context.locals as unknown as Partial<LatchkeyLocals>).user;
      if (known) return known;
      const state = await stateOrAnswer(auth, context.request, { adapter: 'astro', required: true, url: context.url });
      return state instanceof Response ? state : (state.user as SessionUser);
    },
  };
}
