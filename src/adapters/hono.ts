/**
 * Hono adapter: the Web handler as a Hono handler, and guard middlewares that set `c.get('user')`.
 *
 * ```ts
 * const lk = latchkey(auth);
 * app.all('/auth/*', lk.handler);
 * app.get('/me', lk.requireUser, (c) => c.json(c.get('user')));
 * ```
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import type { Auth } from '../app/create-auth.js';
import type { SessionUser } from '../app/sessions/types.js';
import { answerAuthRequest, authResponseFor, credentialHeaders, usesLeanPath } from './node.js';

/** The bindings @hono/node-server passes as `c.env`: the Node request and response. */
type NodeBindings = { incoming?: IncomingMessage; outgoing?: ServerResponse } | undefined;

let NativeResponse: typeof Response | undefined;
/**
 * The answer that tells @hono/node-server the response was already written to `outgoing` (its
 * `x-hono-already-sent` header, as its `RESPONSE_ALREADY_SENT`). It must be a native `Response`:
 * node-server replaces the global with a lighter class (whose prototype is the native one) whose
 * instances it would write out again. A new one each time: middleware may add headers to it.
 */
function responseAlreadySent(): Response {
  if (!NativeResponse) {
    const global = globalThis.Response;
    const parent: unknown = Object.getPrototypeOf(global);
    NativeResponse = typeof parent === 'function' && parent.name === 'Response' ? (parent as typeof Response) : global;
  }
  return new NativeResponse(null, { headers: { 'x-hono-already-sent': 'true' } });
}

/** Hono variables set by the guards. */
export type LatchkeyEnv = { Variables: { user: SessionUser | null } };

/** The Hono adapter. */
export interface HonoLatchkey {
  /**
   * Answers the auth routes: `app.all('/auth/*', lk.handler)`. Never throws: every method gets an
   * answer (405 with `Allow`), a body over 64 KB a 413, a failure a 500. On @hono/node-server the
   * body is read from the Node request, counted as it arrives.
   */
  readonly handler: (c: Context) => Promise<Response>;
  /** Sets `user`, or answers 302 (browsers) / 401 (API calls). */
  readonly requireUser: MiddlewareHandler<LatchkeyEnv>;
  /** Sets `user` to the user or null; never fails. */
  readonly optionalUser: MiddlewareHandler<LatchkeyEnv>;
  /**
   * Wraps one handler instead of adding a middleware: `app.get('/me', lk.protect((c, user) => c.json(user)))`.
   * The fastest guard: on a cached session the handler runs synchronously, with no middleware chain.
   */
  readonly protect: <E extends LatchkeyEnv>(
    handler: (c: Context<E>, user: SessionUser) => Response | Promise<Response>,
  ) => (c: Context<E>) => Response | Promise<Response>;
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
  const deny = (c: Context, error?: unknown): Response => {
    const h = c.req.raw.headers;
    const url = new URL(c.req.url);
    const facts = {
      pathAndQuery: `${url.pathname}${url.search}`,
      accept: h.get('accept'),
      authorization: h.get('authorization'),
      xRequestedWith: h.get('x-requested-with'),
      secFetchMode: h.get('sec-fetch-mode'),
    };
    const p = auth.unauthenticated(facts, error);
    return new Response(p.body === '' ? null : p.body, { status: p.status, headers: p.headers });
  };
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
      c.set('user', session?.user ?? null);
      await next();
    };
  return {
    async handler(c) {
      try {
        // On @hono/node-server, the Node request is answered on the lean path: an unread body is read
        // from the Node request itself (cancelling a Web stream made from it would tear down the
        // socket before the 413 is written), and the answer is written straight to `outgoing`.
        const { incoming, outgoing } = (c.env as NodeBindings) ?? {};
        if (incoming?.rawHeaders && !incoming.readableDidRead && typeof incoming.url === 'string') {
          if (usesLeanPath(auth) && outgoing && typeof outgoing.writeHead === 'function' && !outgoing.headersSent) {
            await answerAuthRequest(auth, incoming, outgoing, incoming.url);
            return responseAlreadySent();
          }
          return await authResponseFor(auth, incoming, incoming.url);
        }
        return await auth.handler(c.req.raw);
      } catch (error) {
        return auth.edge.failure(error, c.req.header('accept'));
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
  };
}
