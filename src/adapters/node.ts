/**
 * Plain `node:http` adapter: route auth requests to the Web handler and guard other routes with the
 * synchronous session cache (no `Request` object is built on a guarded request).
 *
 * ```ts
 * const lk = latchkey(auth);
 * http.createServer(async (req, res) => {
 *   if (await lk.handle(req, res)) return;                 // /auth/* answered
 *   if (req.url === '/me') { const user = await lk.requireUser(req, res); if (user) res.end(JSON.stringify(user)); }
 *   // a provider API call: REAUTH_REQUIRED becomes a 302 to re-consent (or a 401 for API clients)
 *   try { res.end(JSON.stringify(await auth.api(user, 'google').get('/oauth2/v3/userinfo'))); }
 *   catch (error) { if (!lk.reauth(error, req, res)) throw error; }
 * });
 * ```
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Auth } from '../app/create-auth.js';
import { type LatchkeyState, SIGNED_OUT } from '../app/guards.js';
import type { Session, SessionUser } from '../app/sessions/types.js';
import { answerAuthRequest, credentialHeaders, guardFacts, sendGuardAnswer, sendPlain } from './internal/node-http.js';

const HANDLED = Promise.resolve(true);
const NOT_HANDLED = Promise.resolve(false);

/** The Node adapter. */
export interface NodeLatchkey {
  /**
   * Answers `/auth/*` requests; resolves true when it did. Never rejects: every method gets an
   * answer (405 with `Allow` for those a route does not serve), a failure a 500.
   */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** The user, or null after sending 302/401. Synchronous on a cached session. */
  requireUser(req: IncomingMessage, res: ServerResponse): SessionUser | null | Promise<SessionUser | null>;
  /** The user or null; never throws. */
  optionalUser(req: IncomingMessage): SessionUser | null | Promise<SessionUser | null>;
  /**
   * The request state a guard recorded for `req` (`{ user, session, csrfToken }`, the token a
   * sign-out form posts); signed out (all null) when no guard found a session.
   */
  state(req: IncomingMessage): LatchkeyState;
  /**
   * For a route's `catch`: when `error` is `REAUTH_REQUIRED` (the provider grant is gone, or more
   * scopes are needed), answers a 302 to re-consent (browsers) or a 401 JSON with the code (API
   * clients) and returns true; returns false for any other error, which is yours to answer.
   */
  reauth(error: unknown, req: IncomingMessage, res: ServerResponse): boolean;
}

/**
 * Creates the `node:http` adapter.
 *
 * @param auth - from `createAuth`.
 * @returns the handler and guards.
 */
export function latchkey(auth: Auth): NodeLatchkey {
  const prefix = `${auth.routePrefix}/`;
  const states = new WeakMap<IncomingMessage, LatchkeyState>();
  /** Records the request state of a session; the user, now or once the CSRF token is ready. */
  const record = (req: IncomingMessage, session: Session): SessionUser | Promise<SessionUser> => {
    const state = auth.requestState(session);
    if (state instanceof Promise) {
      return state.then((x) => {
        states.set(req, x);
        return session.user;
      });
    }
    states.set(req, state);
    return session.user;
  };
  const optionalUser = (req: IncomingMessage): SessionUser | null | Promise<SessionUser | null> => {
    const { cookie, authorization } = credentialHeaders(req);
    const s = auth.authenticate(cookie, authorization);
    return s instanceof Promise
      ? s.then(
          (x) => (x ? record(req, x) : null),
          () => null,
        )
      : s
        ? record(req, s)
        : null;
  };
  return {
    handle(req, res) {
      const url = req.url ?? '/';
      if (!url.startsWith(prefix)) return NOT_HANDLED;
      const written = answerAuthRequest(auth, req, res, url);
      return written instanceof Promise ? written.then(() => true) : HANDLED;
    },
    requireUser(req, res) {
      const { cookie, authorization } = credentialHeaders(req);
      const s = auth.authenticate(cookie, authorization);
      // The common case first, with no closure allocated: a cached session.
      if (s !== null && !(s instanceof Promise)) return record(req, s);
      // Without a user, the guard's answer is sent (after the development check of the routes, when one is due).
      const deny = (error?: unknown): null | Promise<null> => {
        const sent = sendGuardAnswer(res, auth.guardAnswer(guardFacts(req), error));
        return sent === undefined ? null : sent.then(() => null);
      };
      if (!(s instanceof Promise)) return deny();
      return s.then((x) => (x ? record(req, x) : deny()), deny);
    },
    optionalUser,
    state: (req) => states.get(req) ?? SIGNED_OUT,
    reauth(error, req, res) {
      const answer = res.headersSent ? undefined : auth.reauthResponse(error, guardFacts(req));
      if (answer === undefined) return false;
      sendPlain(res, answer);
      return true;
    },
  };
}
