/**
 * The runtime-matrix app on Bun: `Bun.serve` on 127.0.0.1, port 0, handing every request to
 * `auth-app.ts`. With `DATABASE_URL` (a `sqlite:` URL) it keeps users and sessions in the SQL store,
 * which opens the file with `bun:sqlite` on Bun; without it, cookie sessions.
 */
import { createSqlStore } from 'latchkey/storage/sql';
import { createRuntimeApp } from './auth-app.js';

/** The part of Bun's global this file uses (the project has no Bun type package). */
declare const Bun: {
  readonly version: string;
  serve(options: { hostname: string; port: number; fetch: (request: Request) => Promise<Response> }): { readonly port: number };
};

let app: ((request: Request) => Promise<Response>) | undefined;
const server = Bun.serve({
  hostname: '127.0.0.1',
  port: 0,
  fetch: (request) => (app ? app(request) : Promise.resolve(new Response('starting', { status: 503 }))),
});
const secret = process.env.AUTH_SECRET!;
const url = process.env.DATABASE_URL;
const store = url ? await createSqlStore({ url, secrets: [secret] }) : undefined;
const baseUrl = `http://127.0.0.1:${server.port}`;
app = createRuntimeApp({
  baseUrl,
  issuer: process.env.GOOGLE_ISSUER!,
  secret,
  runtime: 'bun',
  version: Bun.version,
  ...(store ? { store: { users: store.users, sessions: store.sessions } } : {}),
});
console.log(`listening on ${baseUrl}${store ? ` (sql store: ${store.kind})` : ''}`);
