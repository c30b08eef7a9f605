/**
 * Guard decisions shared by `requireUser` and every adapter: whether a request is an API call or a
 * browser navigation, and what to answer when nobody is signed in (a 302 to the login route with a
 * safe `returnTo` for browsers; a 401 JSON body with `WWW-Authenticate` for API clients).
 *
 * @see [RFC 6750 - The OAuth 2.0 Authorization Framework: Bearer Token Usage, section 3](https://www.rfc-editor.org/rfc/rfc6750.html#section-3)
 * @module
 */
import { ERROR_CODES } from '../errors.js';
import { AUTH_HEADERS } from './responses.js';
import { returnToOr } from './return-to.js';
import type { Session, SessionUser } from './sessions/types.js';

/** The adapter a guard runs in, so that a misplaced guard is told how to mount the routes there. */
export type GuardAdapter =
  | 'express'
  | 'fastify'
  | 'hono'
  | 'node'
  | 'web'
  | 'sveltekit'
  | 'react-router'
  | 'astro'
  | 'nestjs'
  | 'koa'
  | 'h3'
  | 'elysia'
  | 'nuxt';

/** The request facts a guard needs; adapters read them from their native request. */
export interface GuardRequest {
  /** The adapter the guard runs in (for the messages of a misplaced guard). Default `web`. */
  readonly adapter?: GuardAdapter | undefined;
  /** The path and query of the request, e.g. `/me?tab=2`. */
  readonly pathAndQuery: string;
  readonly accept?: string | null | undefined;
  readonly authorization?: string | null | undefined;
  readonly xRequestedWith?: string | null | undefined;
  readonly secFetchMode?: string | null | undefined;
}

/**
 * What the guards record on each request, where the framework keeps request state (Express
 * `res.locals.latchkey`, Fastify `request.latchkey`, Hono `c.get('latchkey')`, node:http
 * `lk.state(req)`): the user, the session, and the session's CSRF token for `POST /auth/logout`.
 */
export interface LatchkeyState {
  /** The signed-in user, or null (`optionalUser` without a session). */
  readonly user: SessionUser | null;
  /** The session, or null. */
  readonly session: Session | null;
  /** The CSRF token of the session (form field `csrfToken` or header `X-CSRF-Token` of `POST /auth/logout`), or null. */
  readonly csrfToken: string | null;
}

/** The state of a request without a session. */
export const SIGNED_OUT: LatchkeyState = Object.freeze({ user: null, session: null, csrfToken: null });

/** A response described as plain data, so adapters send it natively without building a `Response`. */
export interface PlainResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * Whether the request is an API call (answer 401) rather than a page navigation (redirect): a bearer
 * `Authorization`, `X-Requested-With: XMLHttpRequest`, a `fetch()` (`Sec-Fetch-Mode` other than
 * `navigate`) or an `Accept` that names JSON and not HTML.
 *
 * @param r - the request facts.
 * @returns true for API calls.
 */
export function isApiRequest(r: GuardRequest): boolean {
  if (r.authorization) return true;
  if (r.xRequestedWith && r.xRequestedWith.toLowerCase() === 'xmlhttprequest') return true;
  if (r.secFetchMode && r.secFetchMode !== 'navigate') return true;
  const accept = r.accept ?? '';
  if (accept.includes('text/html')) return false;
  return accept.includes('json') || accept === '' || accept === '*/*';
}

const UNAUTHENTICATED_BODY = JSON.stringify({ error: 'unauthenticated', code: 'UNAUTHENTICATED', message: ERROR_CODES.UNAUTHENTICATED.hint });

/**
 * What to answer when a guarded route has no signed-in user.
 *
 * @param r - the request facts.
 * @param loginPath - the login route, e.g. `/auth/google/login`.
 * @param origin - the app origin (to keep `returnTo` same-origin).
 * @param realm - the `WWW-Authenticate` realm.
 * @returns a 302 to the login route (browsers) or a 401 JSON answer (API clients).
 */
export function unauthenticatedResponse(r: GuardRequest, loginPath: string, origin: string, realm: string): PlainResponse {
  if (isApiRequest(r)) {
    // RFC 6750 §3.1: an invalid token gets `error="invalid_token"`; no credentials gets no error code.
    const challenge = r.authorization ? `Bearer realm="${realm}", error="invalid_token"` : `Bearer realm="${realm}"`;
    return {
      status: 401,
      headers: { ...AUTH_HEADERS, 'content-type': 'application/json; charset=utf-8', 'www-authenticate': challenge },
      body: UNAUTHENTICATED_BODY,
    };
  }
  const returnTo = returnToOr(r.pathAndQuery, origin, '/');
  return {
    status: 302,
    headers: { ...AUTH_HEADERS, location: `${loginPath}?returnTo=${encodeURIComponent(returnTo)}` },
    body: '',
  };
}

/**
 * Converts a {@link PlainResponse} into a Web `Response`.
 *
 * @param p - the plain response.
 * @returns the response.
 */
export function toResponse(p: PlainResponse): Response {
  return new Response(p.body === '' ? null : p.body, { status: p.status, headers: p.headers });
}
