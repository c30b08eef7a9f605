/**
 * Koa adapter (tested with Koa 3.2): a middleware answering the auth routes and guard middlewares that put
 * the user in `ctx.state.user` and the request state (`{ user, session, csrfToken }`) in
 * `ctx.state.latchkey`, where views see it. The auth routes are answered on Koa's Node request and
 * response (`ctx.req`, `ctx.res`) with no Web `Request` built, as the node:http adapter does.
 *
 * ```ts
 * const lk = latchkey(auth);
 * app.use(lk.middleware);                               // /auth/*; before any body parser
 * router.get('/me', lk.requireUser, (ctx) => { ctx.body = ctx.state.user; });
 * router.get('/', lk.optionalUser, (ctx) => { ctx.body = ctx.state.user ? 'hi' : 'sign in'; });
 * app.use(router.routes());
 * ```
 *
 * @module
 */
import type { Middleware, ParameterizedContext } from 'koa';
import type { Auth } from '../app/create-auth.js';
import type { LatchkeyState } from '../app/guards.js';
import type { Session, SessionUser } from '../app/sessions/types.js';
import { answerAuthRequest, credentialHeaders, guardFacts } from './internal/node-http.js';

/** What the guards record in `ctx.state`. */
export interface LatchkeyKoaState {
  /** The request state: the user, the session and the CSRF token `POST /auth/logout` needs. */
  latchkey: LatchkeyState;
  /** The signed-in user, or null. */
  user: SessionUser | null;
}

/** The Koa adapter. */
export interface KoaLatchkey {
  /**
   * Answers `/auth/*` (every method, with `ctx.respond = false`: the answer is written to `ctx.res`);
   * passes every other request on. Mount it before body parsers (`koa-bodyparser`,
   * `@koa/bodyparser`): it reads auth bodies itself from the stream, within the 64 KB budget, and a
   * parser mounted first would have consumed them.
   */
  readonly middleware: Middleware;
  /**
   * Sets `ctx.state.user` and `ctx.state.latchkey`, or answers 302 (browsers) / 401 JSON (API
   * calls) / 503 (the session store failed) through Koa's response.
   */
  readonly requireUser: Middleware<LatchkeyKoaState>;
  /** Sets `ctx.state.user` (the user or null) and `ctx.state.latchkey`; never fails. */
  readonly optionalUser: Middleware<LatchkeyKoaState>;
}

/**
 * Creates the Koa adapter.
 *
 * @param auth - from `createAuth` (its `basePath` is where the middleware answers, default `/auth`).
 * @returns the auth-route middleware and the guards.
 */
export function latchkey(auth: Auth): KoaLatchkey {
  const prefix = `${auth.routePrefix}/`;
  const guard =
    (required: boolean): Middleware<LatchkeyKoaState> =>
    async (ctx: ParameterizedContext<LatchkeyKoaState>, next) => {
      const { cookie, authorization } = credentialHeaders(ctx.req);
      let session: Session | null = null;
      let failure: unknown;
      try {
        session = await auth.authenticate(cookie, authorization);
      } catch (error) {
        // A store failure: the signed-out state for `optionalUser`, a 503 for `requireUser`.
        failure = error;
      }
      if (session === null && required) {
        const answer = await auth.guardAnswer(guardFacts(ctx.req, ctx.originalUrl, 'koa'), failure);
        ctx.status = answer.status;
        ctx.set(answer.headers);
        ctx.body = answer.body;
        return;
      }
      const state = await auth.requestState(session);
      ctx.state.latchkey = state;
      ctx.state.user = state.user;
      await next();
    };
  return {
    async middleware(ctx, next) {
      // `originalUrl`: the path before any `koa-mount` prefix was taken off.
      const url = ctx.originalUrl;
      if (!url.startsWith(prefix)) return next();
      ctx.respond = false;
      await answerAuthRequest(auth, ctx.req, ctx.res, url);
    },
    requireUser: guard(true),
    optionalUser: guard(false),
  };
}
