/**
 * Fastify adapter: a plugin answering the auth routes and `preHandler` guards; the user is read
 * with `lk.user(request)`, the request state (`{ user, session, csrfToken }`) at `request.latchkey`.
 *
 * ```ts
 * const lk = latchkey(auth);
 * await app.register(lk.plugin);
 * app.get('/me', { preHandler: lk.requireUser }, (request) => lk.user(request));
 * app.setErrorHandler(lk.errorHandler);                 // REAUTH_REQUIRED → re-consent (302) or 401 JSON
 * ```
 *
 * @module
 */
import { METHODS } from 'node:http';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Auth } from '../app/create-auth.js';
import type { LatchkeyState, PlainResponse } from '../app/guards.js';
import type { AuthAnswer } from '../app/http-shapes.js';
import { nodeHeaders } from '../app/http-shapes.js';
import type { Session, SessionUser } from '../app/sessions/types.js';
import { SessionError } from '../errors.js';
import { credentialHeaders, guardFacts, isPlainPath, lingerThenClose, nodeRequest, readNodeBody, toWebRequest, usesLeanPath } from './internal/node-http.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set by `lk.requireUser` / `lk.optionalUser`: the user, the session and its CSRF token (for a sign-out form). */
    latchkey?: LatchkeyState;
  }
}

/** The parsed "body" of a request whose body ran over the budget. */
const OVER_BUDGET = Symbol('latchkey.overBudget');
/** The parsed "body" of a request whose body could not be read (too slow, aborted): the refusal to send. */
class UnreadBody {
  constructor(readonly error: SessionError) {}
}

/** Sends an answer through a Fastify reply, with no Web `Response` on the way. */
function sendAnswer(reply: FastifyReply, answer: AuthAnswer): FastifyReply {
  return reply
    .code(answer.status)
    .headers(nodeHeaders(answer))
    .send(answer.body ?? '');
}

/** Sends a Web `Response` (a refusal of the route table) through a Fastify reply. */
async function sendResponse(reply: FastifyReply, res: Response): Promise<FastifyReply> {
  reply.code(res.status);
  res.headers.forEach((v, k) => {
    if (k !== 'set-cookie') void reply.header(k, v);
  });
  const cookies = res.headers.getSetCookie();
  if (cookies.length > 0) void reply.header('set-cookie', cookies);
  return reply.send(res.body ? Buffer.from(await res.arrayBuffer()) : '');
}

/** The answer of an `Auth` whose handler was replaced: the Web path, through its own handler. */
async function webAnswer(auth: Auth, request: FastifyRequest, reply: FastifyReply, b: unknown): Promise<FastifyReply> {
  const accept = request.headers.accept;
  try {
    if (b === OVER_BUDGET) return await sendResponse(reply, auth.edge.tooLarge(accept));
    if (b instanceof UnreadBody) return await sendResponse(reply, auth.edge.failure(b.error, accept));
    return await sendResponse(reply, await auth.handler(toWebRequest(auth, request.raw, request.url, typeof b === 'string' ? b : undefined)));
  } catch (error) {
    return sendAnswer(reply, auth.edge.failureAnswer(error, accept));
  }
}

/** The Fastify adapter. */
export interface FastifyLatchkey {
  /**
   * Registers `<basePath>/*` for every method Node parses (405 with `Allow` for those a route does
   * not serve), with the body reading scoped to these routes: Fastify's own parsers are replaced by
   * one that reads at most 64 KB from the stream (413 beyond). Register it with `app.register`, not
   * `fastify-plugin`, so that this stays inside the plugin. It teaches the instance the methods
   * Fastify does not route by default (`PROPFIND`, …); other routes still answer 404 for them.
   */
  readonly plugin: (app: FastifyInstance) => Promise<void>;
  /**
   * `preHandler`: continues with a user, recorded with the request state in `request.latchkey`
   * (`{ user, session, csrfToken }`), or answers 302 (browsers) / 401 (API calls).
   */
  readonly requireUser: (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) => void;
  /** `preHandler`: records the user or null, and `request.latchkey`; never fails. */
  readonly optionalUser: (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) => void;
  /** The user a guard recorded for this request. */
  readonly user: (request: FastifyRequest) => SessionUser | null;
  /**
   * An error handler (`app.setErrorHandler(lk.errorHandler)`): `REAUTH_REQUIRED` (the provider
   * grant is gone, or more scopes are needed) becomes a 302 to re-consent for browsers, or a 401
   * JSON `{ code: 'REAUTH_REQUIRED', provider, scopes, loginUrl }` for API clients; any other error
   * is rethrown to Fastify's default handler.
   */
  readonly errorHandler: (error: unknown, request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply>;
}

/**
 * Creates the Fastify adapter.
 *
 * @param auth - from `createAuth`.
 * @returns the plugin, the guards and the user accessor.
 */
export function latchkey(auth: Auth): FastifyLatchkey {
  const users = new WeakMap<FastifyRequest, SessionUser | null>();
  /** Records the user and `request.latchkey`, then continues. */
  const record = (request: FastifyRequest, state: LatchkeyState, done: (error?: Error) => void): void => {
    users.set(request, state.user);
    request.latchkey = state;
    done();
  };
  const pass = (request: FastifyRequest, session: Session | null, done: (error?: Error) => void): void => {
    const state = auth.requestState(session);
    if (state instanceof Promise) state.then((x) => record(request, x, done), done);
    else record(request, state, done);
  };
  const guard =
    (required: boolean) =>
    (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void): void => {
      const { cookie, authorization } = credentialHeaders(request.raw);
      const s = auth.authenticate(cookie, authorization);
      // The common case first, with no closure allocated: a cached session.
      if (s !== null && !(s instanceof Promise)) {
        pass(request, s, done);
        return;
      }
      const finish = (session: Session | null, error?: unknown): void => {
        if (session || !required) {
          pass(request, session, done);
          return;
        }
        users.set(request, null);
        const send = (p: PlainResponse): void => void reply.code(p.status).headers(p.headers).send(p.body);
        const p = auth.guardAnswer(guardFacts(request.raw, request.url, 'fastify'), error);
        if (p instanceof Promise) void p.then(send);
        else send(p);
      };
      if (s instanceof Promise)
        s.then(
          (x) => finish(x),
          (error: unknown) => finish(null, error),
        );
      else finish(null);
    };
  return {
    async plugin(app) {
      // Every method Node's parser delivers reaches the route table (CONNECT never reaches a route).
      for (const m of METHODS) if (m !== 'CONNECT' && !app.supportedMethods.includes(m)) app.addHttpMethod(m);
      // The route table screens method, path and declared length before any body is parsed. On the
      // lean path a GET (whose body Fastify never parses) is screened by the route handler itself.
      app.addHook('onRequest', (request, reply, done) => {
        const method = request.raw.method ?? 'GET';
        if (method === 'GET' && usesLeanPath(auth)) return done();
        const url = request.url;
        const q = url.indexOf('?');
        const rawPath = q === -1 ? url : url.slice(0, q);
        const screened = auth.edge.screenAnswer(
          method,
          isPlainPath(rawPath) ? rawPath : new URL(url, auth.config.origin).pathname,
          request.headers['content-length'],
          request.headers.accept,
        );
        if (!('status' in screened)) return done();
        if (screened.status === 413) lingerThenClose(request.raw);
        sendAnswer(reply, screened);
      });
      // Whatever parsers the app registered, these routes read bodies within the budget themselves.
      app.removeAllContentTypeParsers();
      app.addContentTypeParser('*', (_request, payload, done) => {
        readNodeBody(payload, auth.edge.bodyLimit, auth.edge.bodyTimeoutMs).then(
          (text) => done(null, text ?? OVER_BUDGET),
          // A body too slow to arrive (408) or cut short (400) is answered by the route, not by Fastify's error handler (500).
          (error: Error) => (error instanceof SessionError ? done(null, new UnreadBody(error)) : done(error, undefined)),
        );
      });
      app.route({
        method: app.supportedMethods,
        url: `${auth.routePrefix}/*`,
        handler: (request, reply) => {
          try {
            const b = request.body;
            // An `Auth` whose handler was replaced is served through it, on the Web path.
            if (!usesLeanPath(auth)) return webAnswer(auth, request, reply, b);
            // The body the parser read within the budget (or the refusal it ended in), handed to the lean path.
            const parsed =
              b === OVER_BUDGET
                ? new SessionError('PAYLOAD_TOO_LARGE')
                : b instanceof UnreadBody
                  ? b.error
                  : typeof b === 'string'
                    ? { text: b, bytes: Buffer.byteLength(b) }
                    : undefined;
            const answer = auth.edge.answer(nodeRequest(auth, request.raw, request.url, parsed));
            // Answered from the caches: sent now, in the same tick (a sync handler returns nothing).
            if (!(answer instanceof Promise)) {
              sendAnswer(reply, answer);
              return undefined;
            }
            return answer.then(
              (a) => sendAnswer(reply, a),
              (error: unknown) => sendAnswer(reply, auth.edge.failureAnswer(error, request.headers.accept)),
            );
          } catch (error) {
            sendAnswer(reply, auth.edge.failureAnswer(error, request.headers.accept));
            return undefined;
          }
        },
      });
    },
    requireUser: guard(true),
    optionalUser: guard(false),
    user: (request) => users.get(request) ?? null,
    async errorHandler(error, request, reply) {
      const answer = reply.sent ? undefined : auth.reauthResponse(error, guardFacts(request.raw, request.url));
      // Rethrown, an error reaches the parent (by default Fastify's own) error handler.
      if (answer === undefined) throw error;
      return reply.code(answer.status).headers(answer.headers).send(answer.body);
    },
  };
}
