/**
 * Express + Google sign-in on the app's own Drizzle schema (SQLite): the app's `users` table has its
 * own columns (`plan`, `role`) next to Latchkey's, the migrations are drizzle-kit's (`./drizzle`,
 * applied at start with `migrate()`), and the app reads and writes its own columns with its own
 * Drizzle queries while Latchkey signs users in, links accounts and keeps sessions in the same
 * database. The Flask-Dance + SQLAlchemy pattern: a `User` model of the app's, plus the OAuth tables.
 *
 * Run: `npx tsx examples/app/drizzle-sqlite/server.ts` (no credentials needed: it uses the Google
 * emulation of the development identity provider unless GOOGLE_CLIENT_ID/GOOGLE_CLIENT_SECRET are set).
 */
import { timingSafeEqual } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { eq } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import express from 'express';
import { createAuth, type SessionUser } from 'latchkey';
import { latchkey } from 'latchkey/adapters/express';
import { createDrizzleStore } from 'latchkey/storage/drizzle';
import { esc, googleOrEmulation, page, secretFrom } from '../shared.js';
import * as schema from './schema.js';

const port = Number(process.env.PORT ?? 3400);
const secret = secretFrom();
const { provider, dev } = await googleOrEmulation();

// The app's database, as any Drizzle app opens it (DATABASE_URL=sqlite:path, or the default file).
const file = (process.env.DATABASE_URL ?? 'sqlite:.latchkey/drizzle-example.db').replace(/^sqlite:/, '');
mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
const sqlite = new Database(file);
sqlite.pragma('journal_mode = WAL');
sqlite.pragma('foreign_keys = ON');
const db = drizzle(sqlite, { schema });
migrate(db, { migrationsFolder: join(dirname(fileURLToPath(import.meta.url)), 'drizzle') });

// Latchkey on the app's own tables.
const store = await createDrizzleStore({ db, tables: { users: schema.users, accounts: schema.accounts, sessions: schema.sessions }, secrets: [secret] });

const app = express();
const server = app.listen(port, '127.0.0.1');
await new Promise<void>((resolve) => server.once('listening', () => resolve()));
const address = server.address();
const baseUrl = process.env.APP_URL ?? `http://127.0.0.1:${typeof address === 'object' && address ? address.port : port}`;

const auth = createAuth({ baseUrl, secret, providers: [provider], store: { users: store.users, sessions: store.sessions }, session: { strategy: 'server' } });
const lk = latchkey(auth);
app.use(lk.router);

/** The signed-in user's row in the app's own table: Latchkey's columns and the app's. */
function appUser(id: string) {
  return db.select().from(schema.users).where(eq(schema.users.id, id)).get();
}

/** The form's CSRF token equals the session's (the one `res.locals.latchkey` carries). */
function sameToken(sent: unknown, expected: string): boolean {
  return typeof sent === 'string' && sent.length === expected.length && timingSafeEqual(Buffer.from(sent), Buffer.from(expected));
}

app.get('/', lk.optionalUser, (_req, res) => {
  const user = res.locals.user as SessionUser | null;
  res.send(
    page(
      'Drizzle example',
      user
        ? `<h1>Hello ${esc(user.name)}</h1><p><a href="/account">Your account</a></p>`
        : '<h1>Drizzle example</h1><p><a href="/auth/google/login?returnTo=/account">Sign in with Google</a></p>',
    ),
  );
});

app.get('/account', lk.requireUser, (_req, res) => {
  const row = appUser((res.locals.user as SessionUser).id)!;
  const { csrfToken } = res.locals.latchkey as { csrfToken: string };
  if ((_req.headers.accept ?? '').includes('application/json')) {
    res.json({ id: row.id, name: row.name, email: row.email, plan: row.plan, role: row.role });
    return;
  }
  res.set('cache-control', 'no-store').send(
    page(
      'Account',
      `<h1>Account</h1><p data-user>${esc(row.name)} &lt;${esc(row.email)}&gt;</p>
<p>Plan: <strong data-plan>${esc(row.plan)}</strong>, role: <strong data-role>${esc(row.role)}</strong></p>
${row.plan === 'free' ? `<form method="post" action="/account/upgrade"><input type="hidden" name="csrfToken" value="${esc(csrfToken)}"><button>Upgrade to pro</button></form>` : ''}
<p><a href="/admin">Admin</a> (role admin only)</p>
<form method="post" action="/auth/logout"><input type="hidden" name="csrfToken" value="${esc(csrfToken)}"><button>Sign out</button></form>`,
    ),
  );
});

// The app writes its own column with its own query; Latchkey never touches it.
app.post('/account/upgrade', lk.requireUser, express.urlencoded({ extended: false, limit: '2kb' }), (req, res) => {
  const { csrfToken } = res.locals.latchkey as { csrfToken: string };
  if (!sameToken((req.body as Record<string, unknown> | undefined)?.csrfToken, csrfToken)) {
    res.status(403).send(page('Forbidden', '<h1>Forbidden</h1><p>The form expired; reload the page.</p>'));
    return;
  }
  db.update(schema.users)
    .set({ plan: 'pro' })
    .where(eq(schema.users.id, (res.locals.user as SessionUser).id))
    .run();
  res.redirect(303, '/account');
});

// An authorization rule on the app's own column.
app.get('/admin', lk.requireUser, (_req, res) => {
  const row = appUser((res.locals.user as SessionUser).id)!;
  if (row.role !== 'admin') {
    res.status(403).send(page('Forbidden', '<h1>Admins only</h1>'));
    return;
  }
  res.send(page('Admin', '<h1>Admin</h1>'));
});

process.stdout.write(`Drizzle example on ${baseUrl}\n`);
const stop = (): void => {
  server.close();
  void Promise.all([store.close(), dev?.close()]).finally(() => {
    sqlite.close();
    process.exit(0);
  });
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
