/**
 * What the Web-standard framework adapters (SvelteKit, React Router, Astro) share: answering the
 * auth routes from the framework's `Request`, and the guard that records the request state or
 * answers a request without a user (302 for browsers, 401 for API calls, 503 when the store failed).
 * Web APIs only: these frameworks run on Node, Deno, Bun and Workers.
 *
 * @module
 */
import type { Auth } from '../../app/create-auth.js';
import { type GuardAdapter, type GuardRequest, type LatchkeyState, toResponse } from '../../app/guards.js';
import type { Session } from '../../app/sessions/types.js';

/** Which app paths a guard protects: path prefixes (`/dashboard` covers `/dashboard/*`), or a predicate. */
export type Protect<E> = readonly string[] | ((event: E) => boolean);

/**
 * The predicate of a {@link Protect} option.
 *
 * @param protect - the option (default: nothing protected).
 * @param pathOf - the request path of an event.
 * @returns whether an event's path is protected.
 */
export function protects<E>(protect: Protect<E> | undefined, pathOf: (event: E) => string): (event: E) => boolean {
  if (typeof protect === 'function') return protect;
  const prefixes = [...(protect ?? [])].map((p) => p.replace(/\/+$/, ''));
  return (event) => {
    const path = pathOf(event);
    return prefixes.some((p) => p === '' || path === p || path.startsWith(`${p}/`));
  };
}

/** Whether `pathname` is one of the auth routes (under `auth.routePrefix`). */
export function isAuthPath(auth: Auth, pathname: string): boolean {
  return pathname === auth.routePrefix || pathname.startsWith(`${auth.routePrefix}/`);
}

/** Answers an auth route; never rejects (a failure is the last-resort 500 page or JSON). */
export function answerAuthRoute(auth: Auth, request: Request): Promise<Response> {
  return auth.handler(request).catch((error: unknown) => auth.edge.failure(error, request.headers.get('accept')));
}

/** How {@link stateOrAnswer} guards. */
export interface WebGuard {
  readonly adapter: GuardAdapter;
  /** Answer 302/401 when nobody is signed in (else the signed-out state). */
  readonly required: boolean;
  /** The page URL when it is not `request.url` (a framework's data request for a page). */
  readonly url?: URL | undefined;
  /** The request is a page navigation whatever its headers say (a client-side router's data fetch). */
  readonly navigation?: boolean | undefined;
}

/**
 * The request state ({ user, session, csrfToken }) of a Web request or, for a required user and
 * nobody signed in, the answer to send.
 *
 * @param auth - from `createAuth`.
 * @param request - the framework's request.
 * @param guard - how to guard.
 * @returns the state, or the `Response` to send.
 */
export async function stateOrAnswer(auth: Auth, request: Request, guard: WebGuard): Promise<LatchkeyState | Response> {
  const h = request.headers;
  let session: Session | null = null;
  let failure: unknown;
  try {
    session = await auth.authenticate(h.get('cookie'), h.get('authorization'));
  } catch (error) {
    failure = error;
  }
  if (session !== null || !guard.required) return auth.requestState(session);
  const url = guard.url ?? new URL(request.url);
  const pathAndQuery = `${url.pathname}${url.search}`;
  const facts: GuardRequest = guard.navigation
    ? { adapter: guard.adapter, pathAndQuery, accept: 'text/html', secFetchMode: 'navigate' }
    : {
        adapter: guard.adapter,
        pathAndQuery,
        accept: h.get('accept'),
        authorization: h.get('authorization'),
        xRequestedWith: h.get('x-requested-with'),
        secFetchMode: h.get('sec-fetch-mode'),
      };
  return toResponse(await auth.guardAnswer(facts, failure));
}
