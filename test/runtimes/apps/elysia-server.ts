/**
 * The Elysia app of `elysia.test.ts`, run by Bun from the packed package (`latchkey/adapters/elysia`)
 * with the real Elysia installed next to it, served by Elysia's own `app.listen()` (Bun.serve with
 * Bun's native routes for the static paths). It is the app of `test/adapters/web-frameworks.ts`:
 * `/dashboard` guarded by `protect` (its page shows the email and a sign-out form with the context's
 * `csrfToken`), `/api/me` by `lk.requireUser`, `/maybe` the maybe-user, `/` the home page.
 *
 * The app and oidc-provider (in the test's Node process) each need the other's address: the test's
 * OP registers redirect URIs on this app's origin, and `createAuth` needs the OP's issuer. So the
 * app first holds a port (port 0, `reusePort`, answering 503) and prints `listening on <origin>`;
 * the test starts the OP and writes its issuer to `LATCHKEY_OP_FILE`; the app then builds the
 * Elysia app, listens on the same port (Elysia sets `reusePort` too), closes the holder and prints
 * `ready`. With `LATCHKEY_SESSIONS=down`, database sessions in a store that is down; with
 * `LATCHKEY_MOUNT=none`, only `/api/me` behind `lk.requireUser`, without the plugin.
 */
import { existsSync, readFileSync } from 'node:fs';
import { Elysia } from 'elysia';
import { type AuthOptions, createAuth, type Profile, type ProviderConfig, type SessionUser, StorageError } from 'latchkey';
import { latchkey } from 'latchkey/adapters/elysia';

/** The part of Bun's global this file uses (the project has no Bun type package). */
declare const Bun: {
  readonly version: string;
  serve(options: { hostname: string; port: number; reusePort: boolean; fetch: () => Response }): { readonly port: number; stop(force: boolean): void };
};

/** The test OP's provider, `op` (query response) or `op-post` (`form_post`), as `test/app/support.ts` has it. */
function opProvider(issuer: string, id: 'op' | 'op-post'): ProviderConfig {
  return {
    id,
    name: 'Test OP',
    kind: 'oidc',
    issuer,
    clientId: 'rp',
    clientSecret: process.env.CLIENT_SECRET!,
    scopes: ['openid', 'email', 'profile'],
    ...(id === 'op-post' ? { responseMode: 'form_post' as const } : {}),
    mapProfile: (raw): Profile => ({
      issuer,
      subject: String(raw.sub),
      email: typeof raw.email === 'string' ? raw.email : null,
      emailVerified: raw.email_verified === true,
      name: typeof raw.name === 'string' ? raw.name : null,
      givenName: null,
      familyName: null,
      picture: null,
      locale: null,
      raw,
    }),
  };
}

/** Sessions in a store that is down: every call fails with `STORAGE_UNAVAILABLE`. */
function downSessions(): NonNullable<AuthOptions['store']>['sessions'] {
  const down = async (): Promise<never> => {
    throw new StorageError('STORAGE_UNAVAILABLE', 'the session store is down (test)');
  };
  return { get: down, create: down, touch: down, delete: down, deleteByUser: down, deleteBySid: down, deleteBySubject: down };
}

/** The app, as `docs/app.md` shows it. */
function elysiaApp(baseUrl: string, issuer: string) {
  const auth = createAuth({
    baseUrl,
    secret: process.env.AUTH_SECRET!,
    providers: [opProvider(issuer, 'op'), opProvider(issuer, 'op-post')],
    ...(process.env.LATCHKEY_SESSIONS === 'down' ? { session: { strategy: 'server' as const }, store: { sessions: downSessions() } } : {}),
  });
  const lk = latchkey(auth, { protect: ['/dashboard'] });
  const me = async (context: { request: Request; user?: SessionUser | null }) => {
    const user = await lk.requireUser(context);
    return user instanceof Response ? user : { user };
  };
  // A misplaced setup: the guard without the plugin (the auth routes never mounted).
  if (process.env.LATCHKEY_MOUNT === 'none') return new Elysia().get('/api/me', me);
  return new Elysia()
    .use(lk.plugin)
    .get('/', () => 'home')
    .get('/dashboard', ({ user, latchkey: state }) => {
      const page = `<main><p>${user?.email}</p><form method="post" action="/auth/logout"><input type="hidden" name="csrfToken" value="${state.csrfToken}"><button>Sign out</button></form></main>`;
      return new Response(page, { headers: { 'content-type': 'text/html; charset=utf-8' } });
    })
    .get('/api/me', me)
    .get('/maybe', ({ user }) => ({ email: user?.email ?? null }))
    .get('/runtime', ({ server }) => ({ runtime: typeof Bun === 'undefined' ? 'unknown' : 'bun', version: Bun.version, bunServer: server !== null }));
}

const hostname = '127.0.0.1';
const holder = Bun.serve({ hostname, port: 0, reusePort: true, fetch: () => new Response('starting', { status: 503 }) });
const baseUrl = `http://${hostname}:${holder.port}`;
console.log(`listening on ${baseUrl}`);
const opFile = process.env.LATCHKEY_OP_FILE!;
while (!existsSync(opFile)) await new Promise((r) => setTimeout(r, 20));
const app = elysiaApp(baseUrl, readFileSync(opFile, 'utf8').trim()).listen({ hostname, port: holder.port });
holder.stop(true);
console.log(`ready on ${app.server?.url}`);
