/**
 * Hono adapter: the Web handler as a Hono handler, and guard middlewares that set `c.get('user')`
 * and `c.get('latchkey')` (`{ user, session, csrfToken }`).
 *
 * ```ts
 * const lk = latchkey(auth);
 * app.all('/auth/*', lk.handler);
 * app.get('/me', lk.requireUser, (c) => c.json(c.get('user')));
 * app.onError(lk.onError);                              // REAUTH_REQUIRED → re-consent (302) or 401 JSON
 * ```
 *
 * @module
 */
import type { IncomingMessage } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import type { Auth } from '../app/create-auth.js';
import { type GuardRequest, type LatchkeyState, toResponse } from '../app/guards.js';
import type { AuthAnswer } from '../app/http-shapes.js';
import type { SessionUser } from '../app/sessions/types.js';
import { authResponseFor, credentialHeaders, nodeRequest, usesLeanPath } from './internal/node-http.js';

/** The bindings @hono/node-server passes as `c.env`: the Node request. */
type NodeBindings = { incoming?: IncomingMessage } | undefined;

/**
 * An answer as the `Response` Hono returns. On @hono/node-server the global `Response` is its
 * light class: a string body with a plain header object is kept as it is and written straight to
 * the Node response (no Web stream, no `Headers` unless something reads them), and any middleware
 * that adds headers after `next()` still composes with it.
 */
function answerResponse(answer: AuthAnswer): Response {
  const headers: HeadersInit =
    answer.setCookies.length === 0 ? answer.headers : [...Object.entries(answer.headers), ...answer.setCookies.map((c): [string, string] => ['set-cookie', c])];
  return new Response(answer.body as BodyInit | null, { status: answer.status, headers });
}

/**
 * Hono variables set by the guards: `c.get('user')`, and `c.get('latchkey')`, the request state
 * (`{ user, session, csrfToken }`, the token a sign-out form posts).
 */
export type LatchkeyEnv = { Variables: { user: SessionUser | null; latchkey: LatchkeyState } };

/** The Hono adapter. */
export interface HonoLatchkey {
  /**
   * Answers the auth routes: `app.all('/auth/*', lk.handler)`. Never throws: every method gets an
   * answer (405 with `Allow`), a body over 64 KB a 413, a failure a 500. On @hono/node-server the
   * body is read from the Node request, counted as it arrives, and an answer the caches give (a
   * signed-in `GET /auth/session`) is returned synchronously, not as a promise.
   */
  readonly handler: (c: Context) => Response | Promise<Response>;
  /** Sets `user` and `latchkey`, or answers 302 (browsers) / 401 (API calls). */
  readonly requireUser: MiddlewareHandler<LatchkeyEnv>;
  /** Sets `user` (the user or null) and `latchkey`; never fails. */
  readonly optionalUser: MiddlewareHandler<LatchkeyEnv>;
  /**
   * Wraps one handler instead of adding a middleware: `app.get('/me', lk.protect((c, user) => c.json(user)))`.
   * The fastest guard: on a cached session the handler runs synchronously, with no middleware chain.
   */
  readonly protect: <E extends LatchkeyEnv>(
    handler: (c: Context<E>, user: SessionUser) => Response | Promise<Response>,
  ) => (c: Context<E>) => Response | Promise<Response>;
  /**
   * An error handler (`app.onError(lk.onError)`): `REAUTH_REQUIRED` (the provider grant is gone, or
   * more scopes are needed) becomes a 302 to re-consent for browsers, or a 401 JSON
   * `{ code: 'REAUTH_REQUIRED', provider, scopes, loginUrl }` for API clients; any other error is
   * answered as Hono's default handler does (an `HTTPException`'s own response, else a logged 500).
   */
  readonly onError: (error: Error, c: Context) => Response;
}

/**
 * Creates the Hono adapter.
 *
 * @param auth - from `createAuth`.
 * @returns the handler and guard middlewares.
 */
export function latchkey(auth: Auth): HonoLatchkey {
  const lookup = (c: Context): ReturnType<Auth['authenticate']> => {
    // On @hono/node-server the Node request is at hand: reading its raw headers avoids building a
    // Web `Headers` object on every guarded request. Elsewhere, the Web request's headers.
    const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
    if (incoming?.rawHeaders) {
      const { cookie, authorization } = credentialHeaders(incoming);
      return auth.authenticate(cookie, authorization);
    }
    return auth.authenticate(c.req.header('cookie'), c.req.header('authorization'));
  };
  const deny = (c: Context, error?: unknown): Response | Promise<Response> => {
    const h = c.req.raw.headers;
    const url = new URL(c.req.url);
    const facts: GuardRequest = {
      adapter: 'hono',
      pathAndQuery: `${url.pathname}${url.search}`,
      accept: h.get('accept'),
      authorization: h.get('authorization'),
      xRequestedWith: h.get('x-requested-with'),
      secFetchMode: h.get('sec-fetch-mode'),
    };
    const p = auth.guardAnswer(facts, error);
    return p instanceof Promise ? p.then(toResponse) : toResponse(p);
  };
  const failure = (c: Context, error: unknown): Response => auth.edge.failure(error, c.req.header('accept'));
  const guard =
    (required: boolean): MiddlewareHandler<LatchkeyEnv> =>
    async (c, next) => {
      const found = lookup(c);
      let failure: unknown;
      const session =
        found instanceof Promise
          ? await found.catch((error: unknown) => {
              failure = error;
              return null;
            })
          : found;
      if (!session && required) return deny(c, failure);
      const state = auth.requestState(session ?? null);
      const recorded = state instanceof Promise ? await state : state;
      c.set('user', recorded.user);
      c.set('latchkey', recorded);
      await next();
    };
  return {
    handler(c) {
      try {
        // On @hono/node-server, the Node request is answered on the lean path: the request shape is
        // read lazily from it, and an unread body is read from the Node request itself (cancelling a
        // Web stream made from it would tear down the socket before the 413 is written). An answer
        // given synchronously is returned as a `Response` at once: node-server then writes it in the
        // same tick, as it does a plain route's.
        const incoming = (c.env as NodeBindings)?.incoming;
        if (incoming?.rawHeaders && !incoming.readableDidRead && typeof incoming.url === 'string') {
          if (!usesLeanPath(auth)) return authResponseFor(auth, incoming, incoming.url);
          const answer = auth.edge.answer(nodeRequest(auth, incoming, incoming.url));
          return answer instanceof Promise ? answer.then(answerResponse, (error: unknown) => failure(c, error)) : answerResponse(answer);
        }
        return auth.handler(c.req.raw).catch((error: unknown) => failure(c, error));
      } catch (error) {
        return failure(c, error);
      }
    },
    requireUser: guard(true),
    optionalUser: guard(false),
    protect: (handler) => (c) => {
      const found = lookup(c);
      if (!(found instanceof Promise)) return found ? handler(c, found.user) : deny(c);
      return found.then(
        (s) => (s ? handler(c, s.user) : deny(c)),
        (error: unknown) => deny(c, error),
      );
    },
    onError(error, c) {
      const answer = auth.reauthResponse(error, c.req.raw);
      if (answer !== undefined) return new Response(answer.body === '' ? null : answer.body, { status: answer.status, headers: answer.headers });
      if (typeof (error as { getResponse?: unknown }).getResponse === 'function') return (error as unknown as { getResponse(): Response }).getResponse();
      // Hono's default: the error to the log, a plain 500 to the client.
      console.error(error);
      return c.text('Internal Server Error', 500);
    },
  };
}
