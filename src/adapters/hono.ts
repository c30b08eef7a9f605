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
import type { IncomingMessage } from 'node:http';
import type { Context, MiddlewareHandler } from 'hono';
import type { Auth } from '../app/create-auth.js';
import type { SessionUser } from '../app/sessions/types.js';
import { credentialHeaders } from './node.js';

/** Hono variables set by the guards. */
export type LatchkeyEnv = { Variables: { user: SessionUser | null } };

/** The Hono adapter. */
export interface HonoLatchkey {
  /** Answers the auth routes: `app.all('/auth/*', lk.handler)`. */
  readonly handler: (c: Context) => Promise<Response>;
  /** Sets `user`, or answers 302 (browsers) / 401 (API calls). */
  readonly requireUser: MiddlewareHandler<LatchkeyEnv>;
  /** Sets `user` to the user or null; never fails. */
  readonly optionalUser: MiddlewareHandler<LatchkeyEnv>;
}

/**
 * Creates the Hono adapter.
 *
 * @param auth - from `createAuth`.
 * @returns the handler and guard middlewares.
 */
export function latchkey(auth: Auth): HonoLatchkey {
  const guard =
    (required: boolean): MiddlewareHandler<LatchkeyEnv> =>
    async (c, next) => {
      // On @hono/node-server the Node request is at hand: reading its parsed headers avoids building
      // a Web `Headers` object on every guarded request. Elsewhere, the Web request's headers.
      const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
      let found: ReturnType<Auth['authenticate']>;
      if (incoming?.rawHeaders) {
        const { cookie, authorization } = credentialHeaders(incoming);
        found = auth.authenticate(cookie, authorization);
      } else found = auth.authenticate(c.req.header('cookie'), c.req.header('authorization'));
      let session = found instanceof Promise ? await found.catch(() => null) : found;
      if (!session && required) {
        const h = c.req.raw.headers;
        const url = new URL(c.req.url);
        const p = auth.unauthenticated({
          pathAndQuery: `${url.pathname}${url.search}`,
          accept: h.get('accept'),
          authorization: h.get('authorization'),
          xRequestedWith: h.get('x-requested-with'),
          secFetchMode: h.get('sec-fetch-mode'),
        });
        return new Response(p.body === '' ? null : p.body, { status: p.status, headers: p.headers });
      }
      session ??= null;
      c.set('user', session?.user ?? null);
      await next();
    };
  return {
    handler: (c) => auth.handler(c.req.raw),
    requireUser: guard(true),
    optionalUser: guard(false),
  };
}
