/**
 * The runtime-matrix app on Deno: `Deno.serve` on 127.0.0.1, port 0, handing every request to
 * `auth-app.ts`, with cookie sessions.
 */
import { createRuntimeApp } from './auth-app.js';

/** The part of Deno's global this file uses (the project has no Deno type package). */
declare const Deno: {
  readonly version: { readonly deno: string };
  readonly env: { get(name: string): string | undefined };
  serve(
    options: { hostname: string; port: number; onListen?: () => void },
    handler: (request: Request) => Promise<Response>,
  ): { readonly addr: { readonly port: number } };
};

let app: ((request: Request) => Promise<Response>) | undefined;
const server = Deno.serve({ hostname: '127.0.0.1', port: 0, onListen: () => {} }, (request) =>
  app ? app(request) : Promise.resolve(new Response('starting', { status: 503 })),
);
const baseUrl = `http://127.0.0.1:${server.addr.port}`;
app = createRuntimeApp({
  baseUrl,
  issuer: Deno.env.get('GOOGLE_ISSUER')!,
  secret: Deno.env.get('AUTH_SECRET')!,
  runtime: 'deno',
  version: Deno.version.deno,
});
console.log(`listening on ${baseUrl}`);
