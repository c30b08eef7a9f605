/**
 * Next.js (App Router) adapter: route handlers for `app/api/auth/[...latchkey]/route.ts` and
 * helpers for guarded route handlers and server components. Set `basePath: '/api/auth'`.
 *
 * ```ts
 * // app/api/auth/[...latchkey]/route.ts
 * export const { GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS } = latchkey(auth);
 * // app/api/me/route.ts
 * export async function GET(request: Request) {
 *   const user = await auth.requireUser(request);
 *   return user instanceof Response ? user : Response.json(user);
 * }
 * ```
 *
 * @module
 */
import type { Auth } from '../app/create-auth.js';
import { toResponse } from '../app/guards.js';
import type { Session } from '../app/sessions/types.js';

/** The Next.js adapter. */
export interface NextLatchkey {
  readonly GET: (request: Request) => Promise<Response>;
  readonly POST: (request: Request) => Promise<Response>;
  readonly OPTIONS: (request: Request) => Promise<Response>;
  /**
   * `HEAD`, `PUT`, `PATCH` and `DELETE` are exported too so that the route table answers them (405
   * with `Allow`); without a `HEAD` export Next would run `GET` for it (a login cookie set by a
   * link checker).
   */
  readonly HEAD: (request: Request) => Promise<Response>;
  readonly PUT: (request: Request) => Promise<Response>;
  readonly PATCH: (request: Request) => Promise<Response>;
  readonly DELETE: (request: Request) => Promise<Response>;
  /**
   * The session from a cookie store (`await cookies()` in a server component or server action).
   */
  readonly sessionFromCookies: (store: { getAll(): readonly { name: string; value: string }[] }) => Promise<Session | null>;
  /**
   * For a route handler's `catch`: the answer to `REAUTH_REQUIRED` (a 302 to re-consent for
   * browsers, a 401 JSON with the code for API clients), or undefined for any other error:
   * `catch (e) { return lk.reauth(e, request) ?? Promise.reject(e); }`.
   */
  readonly reauth: (error: unknown, request: Request) => Response | undefined;
}

/**
 * Creates the Next.js route handlers.
 *
 * @param auth - from `createAuth` with `basePath: '/api/auth'` (or wherever the route lives).
 * @returns a handler for each method Next routes, and a server-component helper.
 */
export function latchkey(auth: Auth): NextLatchkey {
  const handle = async (request: Request): Promise<Response> => {
    try {
      return await auth.handler(request);
    } catch (error) {
      return auth.edge.failure(error, request.headers.get('accept'));
    }
  };
  return {
    GET: handle,
    HEAD: handle,
    POST: handle,
    PUT: handle,
    PATCH: handle,
    DELETE: handle,
    OPTIONS: handle,
    reauth(error, request) {
      const answer = auth.reauthResponse(error, request);
      return answer === undefined ? undefined : toResponse(answer);
    },
    async sessionFromCookies(store) {
      const header = store
        .getAll()
        .map((c) => `${c.name}=${c.value}`)
        .join('; ');
      try {
        return await auth.authenticate(header);
      } catch {
        return null;
      }
    },
  };
}
