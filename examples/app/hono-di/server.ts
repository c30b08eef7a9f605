/**
 * A Hono service whose handlers take a "maybe signed-in Google user", the dependency-injection
 * pattern (FastAPI's `user: User | None = Depends(optional_user)`): a small `withUser` wrapper
 * resolves the user once per request and passes it as a typed argument, so a handler cannot
 * forget the check, and `requireUser` handlers get a non-null user.
 *
 * Run: `npx tsx examples/app/hono-di/server.ts`, then open http://127.0.0.1:3300 (no credentials
 * needed: it uses the Google emulation unless GOOGLE_CLIENT_ID is set).
 */
import { serve } from '@hono/node-server';
import { type Context, Hono } from 'hono';
import { createAuth, type SessionUser } from 'latchkey';
import { type LatchkeyEnv, latchkey } from 'latchkey/adapters/hono';
import { esc, googleOrEmulation, page, secretFrom } from '../shared.js';

const port = Number(process.env.PORT ?? 3300);
const { provider, dev } = await googleOrEmulation();

/** A handler that receives the user the wrapper resolved, or null. */
type MaybeUserHandler = (c: Context<LatchkeyEnv>, user: SessionUser | null) => Response | Promise<Response>;

const app = new Hono<LatchkeyEnv>();
const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
  const s = serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, () => resolve(s));
});
const address = server.address();
const baseUrl = process.env.APP_URL ?? `http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}`;
const auth = createAuth({ baseUrl, secret: secretFrom(), providers: [provider] });
const lk = latchkey(auth);

/** The dependency: the optional user, injected as the handler's second argument. */
const withUser =
  (handler: MaybeUserHandler) =>
  async (c: Context<LatchkeyEnv>): Promise<Response> =>
    handler(c, await auth.optionalUser(c.req.raw));

app.all('/auth/*', lk.handler);

app.get(
  '/',
  withUser((c, user) =>
    c.html(
      page(
        'Hono example',
        user
          ? `<h1>Hello ${esc(user.name)}</h1><p><a href="/me">/me as JSON</a></p>`
          : '<h1>Hello, guest</h1><p><a href="/auth/google/login?returnTo=/">Sign in with Google</a></p>',
      ),
    ),
  ),
);

// The same dependency, made mandatory: 302 to the login for browsers, 401 JSON for API clients.
app.get(
  '/me',
  lk.protect((c, user) => c.json({ user })),
);

// An endpoint that behaves differently for guests and users, without branching on cookies itself.
app.get(
  '/api/greeting',
  withUser((c, user) => c.json({ greeting: user ? `Hello ${user.name ?? 'there'}` : 'Hello, guest', signedIn: user !== null })),
);

process.stdout.write(`Hono example on ${baseUrl}\n`);
const stop = (): void => {
  server.close();
  void (dev?.close() ?? Promise.resolve()).finally(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
