/**
 * The app of the runtime matrix (issue 14), the same on Bun and Deno: `auth.handler(Request) ->
 * Response` for the auth routes and a few pages of its own, with Google pointed at the dev IdP's
 * emulation (running in the test's Node process). `bun-server.ts` and `deno-server.ts` serve it
 * with the runtime's own server; `test/runtimes/web-runtime.ts` signs in against it. It runs from
 * the packed package (`npm pack`, installed with npm into the app folder), as users run Latchkey.
 */
import { type AuthOptions, createAuth } from 'latchkey';
import { google } from 'latchkey/providers';

/** What the server file passes in. */
export interface RuntimeAppOptions {
  /** The origin the server listens on. */
  readonly baseUrl: string;
  /** The dev IdP's Google issuer. */
  readonly issuer: string;
  readonly secret: string;
  /** Which runtime serves it, for `/runtime`. */
  readonly runtime: string;
  /** The runtime's version, for `/runtime`. */
  readonly version: string;
  /** Database sessions: the SQL store (`latchkey/storage/sql`); cookie sessions when absent. */
  readonly store?: AuthOptions['store'];
}

/** A JSON answer. */
function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

/** SHA-256 of a token, first 16 hex digits: tells two tokens apart without showing either. */
async function fingerprint(token: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token)));
  return [...digest.slice(0, 8)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Builds the app's request handler.
 *
 * @param options - origin, issuer, secret, runtime name and the optional store.
 * @returns `(request) => Response` for every path.
 */
export function createRuntimeApp(options: RuntimeAppOptions): (request: Request) => Promise<Response> {
  const auth = createAuth({
    baseUrl: options.baseUrl,
    secret: options.secret,
    // offline: the emulation issues a refresh token, for the vault's refresh.
    providers: [google({ clientId: 'runtime-matrix', clientSecret: 'dev-only', issuer: options.issuer, offline: true })],
    session: { strategy: options.store ? 'server' : 'cookie' },
    ...(options.store ? { store: options.store } : {}),
    // No leeway: the access token is refreshed once it has expired, which the test waits for.
    tokens: { leewaySeconds: 0 },
  });
  const userinfoUrl = `${options.issuer}/v1/userinfo`;
  return async (request) => {
    const { pathname } = new URL(request.url);
    if (pathname.startsWith('/auth/')) return auth.handler(request);
    if (pathname === '/runtime') return json({ runtime: options.runtime, version: options.version, sessions: options.store ? 'server' : 'cookie' });
    const user = await auth.requireUser(request);
    if (user instanceof Response) return user;
    if (pathname === '/me') return json(user);
    if (pathname === '/userinfo') {
      // A provider API call with the user's token, through the vault (refreshed when expired).
      const answer = await auth.fetch(user.id, 'google', userinfoUrl);
      return json(await answer.json(), answer.status);
    }
    if (pathname === '/token-info') {
      const token = await auth.tokens.get(user.id, 'google');
      return json({ fingerprint: await fingerprint(token.accessToken), expiresAt: token.expiresAt });
    }
    return json({ error: 'not_found' }, 404);
  };
}
