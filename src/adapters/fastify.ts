/**
 * Fastify adapter: a plugin answering the auth routes and `preHandler` guards; the user is read
 * with `lk.user(request)`.
 *
 * ```ts
 * const lk = latchkey(auth);
 * await app.register(lk.plugin);
 * app.get('/me', { preHandler: lk.requireUser }, (request) => lk.user(request));
 * ```
 *
 * @module
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Auth } from '../app/create-auth.js';
import type { SessionUser } from '../app/sessions/types.js';
import { credentialHeaders, guardFacts, toWebRequest } from './node.js';

/** The Fastify adapter. */
export interface FastifyLatchkey {
  /** Registers `ALL <basePath>/*` (with a form-body parser scoped to these routes). */
  readonly plugin: (app: FastifyInstance) => Promise<void>;
  /** `preHandler`: continues with a user, or answers 302 (browsers) / 401 (API calls). */
  readonly requireUser: (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) => void;
  /** `preHandler`: records the user or null; never fails. */
  readonly optionalUser: (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) => void;
  /** The user a guard recorded for this request. */
  readonly user: (request: FastifyRequest) => SessionUser | null;
}

/**
 * Creates the Fastify adapter.
 *
 * @param auth - from `createAuth`.
 * @returns the plugin, the guards and the user accessor.
 */
export function latchkey(auth: Auth): FastifyLatchkey {
  const users = new WeakMap<FastifyRequest, SessionUser | null>();
  const guard =
    (required: boolean) =>
    (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void): void => {
      const { cookie, authorization } = credentialHeaders(request.raw);
      const s = auth.authenticate(cookie, authorization);
      // The common case first, with no closure allocated: a cached session.
      if (s !== null && !(s instanceof Promise)) {
        users.set(request, s.user);
        done();
        return;
      }
      const finish = (user: SessionUser | null, error?: unknown): void => {
        users.set(request, user);
        if (user || !required) {
          done();
          return;
        }
        const p = auth.unauthenticated(guardFacts(request.raw, request.url), error);
        void reply.code(p.status).headers(p.headers).send(p.body);
      };
      if (s instanceof Promise) s.then((x) => finish(x?.user ?? null), (error: unknown) => finish(null, error));
      else finish(null);
    };
  return {
    async plugin(app) {
      app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, body));
      app.all(`${auth.routePrefix}/*`, async (request, reply) => {
        const body = typeof request.body === 'string' ? request.body : undefined;
        const res = await auth.handler(toWebRequest(auth, request.raw, request.url, body));
        reply.code(res.status);
        res.headers.forEach((v, k) => {
          if (k !== 'set-cookie') void reply.header(k, v);
        });
        const cookies = res.headers.getSetCookie();
        if (cookies.length > 0) void reply.header('set-cookie', cookies);
        return reply.send(res.body ? Buffer.from(await res.arrayBuffer()) : '');
      });
    },
    requireUser: guard(true),
    optionalUser: guard(false),
    user: (request) => users.get(request) ?? null,
  };
}
