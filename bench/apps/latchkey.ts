/**
 * Latchkey as an app would mount it: `createAuth` with the `oidc()` preset for the benchmark OP,
 * server-side sessions, served by one framework through its adapter, plus `GET /plain/session`: a
 * plain route of the same framework answering the JSON the parent set (`plainBody`, Latchkey's own
 * signed-in answer), so the framework's share of the cost can be subtracted.
 * Environment: ISSUER, CLIENT_ID, CLIENT_SECRET, SERVER (`node` | `express` | `fastify` | `hono`),
 * STORE (`memory`, `sqlite`, `postgres`, `drizzle-sqlite`, `drizzle-postgres`: see `stores.ts`; SQLite
 * keeps users and sessions in a temporary file, as the demo does), REVALIDATE_SECONDS (optional:
 * `session.revalidateSeconds`, how long a cached session is trusted before the store is read again).
 */
import type http from 'node:http';
import { createServer } from 'node:http';
import { latchkey as nodeLatchkey } from '../../src/adapters/node.js';
import { type Auth, createAuth } from '../../src/app/create-auth.js';
import { oidc } from '../../src/providers/oidc.js';
import { closeServer, env, listenLoopback, ready, settings, startChild } from './child.js';
import { openBenchStore } from './stores.js';

const SECRET = 'Qm7vT2xK9pLw4ZrN8cYd3HfJ6sBg1UaE';
const serverKind = env('SERVER');
const storeKind = env('STORE');

const plainBody = (): unknown => settings.get('plainBody') ?? { user: null };

function nodeApp(auth: Auth): http.RequestListener {
  const lk = nodeLatchkey(auth);
  return (req, res) => {
    if (req.url === '/plain/session') {
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(plainBody()));
      return;
    }
    void lk.handle(req, res).then((handled) => {
      if (!handled) res.writeHead(404).end();
    });
  };
}

// The frameworks are imported only by the app that uses them: the RSS of each app is its own.
async function honoApp(auth: Auth): Promise<http.RequestListener> {
  const [{ getRequestListener }, { Hono }, { latchkey: honoLatchkey }] = await Promise.all([
    import('@hono/node-server'),
    import('hono'),
    import('../../src/adapters/hono.js'),
  ]);
  const lk = honoLatchkey(auth);
  const app = new Hono();
  app.get('/plain/session', (c) => c.json(plainBody()));
  app.all('/auth/*', lk.handler);
  return getRequestListener(app.fetch);
}

async function expressApp(auth: Auth): Promise<http.RequestListener> {
  const [{ default: express }, { latchkey: expressLatchkey }] = await Promise.all([import('express'), import('../../src/adapters/express.js')]);
  const lk = expressLatchkey(auth);
  const app = express();
  app.set('etag', false);
  app.set('x-powered-by', false);
  app.use(lk.router);
  app.get('/plain/session', (_req, res) => {
    res.json(plainBody());
  });
  return app;
}

/**
 * Fastify's own request pipeline, handed the requests of the server listening here (its
 * `serverFactory` hook gives the handler; the server it returns never listens).
 */
async function fastifyApp(auth: Auth): Promise<http.RequestListener> {
  const [{ default: Fastify }, { latchkey: fastifyLatchkey }] = await Promise.all([import('fastify'), import('../../src/adapters/fastify.js')]);
  const lk = fastifyLatchkey(auth);
  let handler: http.RequestListener | undefined;
  const app = Fastify({
    serverFactory: (h) => {
      handler = h;
      return createServer();
    },
  });
  await app.register(lk.plugin);
  app.get('/plain/session', async () => plainBody());
  await app.ready();
  return handler!;
}

const store = await openBenchStore(storeKind, SECRET);

// The base URL is needed by createAuth and known only once listening: the handler is set after.
let listener: http.RequestListener | undefined;
const served = await listenLoopback((req, res) => listener!(req, res));
const base = served.base;
const auth = makeAuth(base);
const apps: Record<string, (a: Auth) => http.RequestListener | Promise<http.RequestListener>> = {
  node: nodeApp,
  express: expressApp,
  fastify: fastifyApp,
  hono: honoApp,
};
if (!apps[serverKind]) throw new Error(`SERVER must be node, express, fastify or hono (got ${serverKind})`);
listener = await apps[serverKind](auth);

function makeAuth(baseUrl: string): Auth {
  return createAuth({
    baseUrl,
    secret: SECRET,
    providers: [oidc({ id: 'op', name: 'Bench OP', issuer: env('ISSUER'), clientId: env('CLIENT_ID'), clientSecret: env('CLIENT_SECRET'), env: {} })],
    session: { strategy: 'server', ...(process.env.REVALIDATE_SECONDS ? { revalidateSeconds: Number(process.env.REVALIDATE_SECONDS) } : {}) },
    ...(store ? { store: { users: store.users, sessions: store.sessions } } : {}),
  });
}

startChild(async () => {
  await closeServer(served.server);
  await store?.close();
});
ready(base);
