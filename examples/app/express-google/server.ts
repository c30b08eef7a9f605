/**
 * Express + Google sign-in, the Flask + Flask-Dance + Flask-Login pattern: a users table (SQLite,
 * created and migrated on first use), a protected page (`login_required` → `lk.requireUser`), the
 * current user (`current_user` → `res.locals.user`), and provider API calls whose access token is
 * refreshed automatically (Flask-Dance's `offline=True` + auto refresh → the token vault).
 *
 * Run: `npx tsx examples/app/express-google/server.ts` (no credentials needed: it uses the Google
 * emulation of the development identity provider unless GOOGLE_CLIENT_ID/GOOGLE_CLIENT_SECRET are set).
 */
import express from 'express';
import { createAuth, type SessionUser } from 'latchkey';
import { latchkey } from 'latchkey/adapters/express';
import { createSqlStore } from 'latchkey/storage/sql';
import { esc, googleOrEmulation, page, secretFrom } from '../shared.js';

const port = Number(process.env.PORT ?? 3100);
const secret = secretFrom();
const { provider, dev, calendarUrl } = await googleOrEmulation();
// The users table: `users`, `accounts` (provider tokens encrypted with the secret) and `sessions`.
const store = await createSqlStore({ url: process.env.DATABASE_URL ?? 'sqlite:.latchkey/express-example.db', secrets: [secret] });

const app = express();
const server = app.listen(port, '127.0.0.1');
await new Promise<void>((resolve) => server.once('listening', () => resolve()));
const address = server.address();
const baseUrl = process.env.APP_URL ?? `http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}`;

const auth = createAuth({ baseUrl, secret, providers: [provider], store: { users: store.users, sessions: store.sessions }, session: { strategy: 'server' } });
const lk = latchkey(auth);

app.use(lk.router); // /auth/google/login, /auth/google/callback, /auth/logout, /auth/session

app.get('/', lk.optionalUser, (_req, res) => {
  const user = res.locals.user as SessionUser | null;
  res.send(
    page(
      'Express example',
      user
        ? `<h1>Hello ${esc(user.name)}</h1><p><a href="/dashboard">Dashboard</a></p>`
        : '<h1>Express example</h1><p><a href="/auth/google/login?returnTo=/dashboard">Sign in with Google</a></p>',
    ),
  );
});

// login_required: browsers are redirected to the Google login and come back here.
app.get('/dashboard', lk.requireUser, async (_req, res) => {
  const user = res.locals.user as SessionUser;
  const row = await store.users.getUser(user.id);
  const csrf = await auth.csrfToken((await auth.authenticate(_req.headers.cookie))!);
  res.set('cache-control', 'no-store').send(
    page(
      'Dashboard',
      `<h1>Dashboard</h1><p data-user>${esc(row?.name)} &lt;${esc(row?.email)}&gt; (user id ${esc(row?.id)})</p>
<p><a href="/calendars">My calendars</a> (a Google API call; the token is refreshed when it expires)</p>
<form method="post" action="/auth/logout"><input type="hidden" name="csrfToken" value="${esc(csrf)}"><button>Sign out</button></form>`,
    ),
  );
});

// A provider API call with automatic refresh.
app.get('/calendars', lk.requireUser, async (_req, res) => {
  const user = res.locals.user as SessionUser;
  const answer = await auth.fetch(user.id, 'google', calendarUrl);
  res
    .status(answer.status)
    .type('application/json')
    .send(await answer.text());
});

process.stdout.write(`Express example on ${baseUrl}\n`);
const stop = (): void => {
  server.close();
  void Promise.all([store.close(), dev?.close()]).finally(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
