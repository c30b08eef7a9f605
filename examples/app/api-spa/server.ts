/**
 * An API plus a single-page app on another port, the FastAPI + Authlib pattern: the API does the
 * Google sign-in (a session cookie on the API's origin), the SPA asks the API for a short-lived
 * access token with `POST /auth/token` (CORS restricted to the SPA's origin, cookie sent with
 * `credentials: 'include'`), keeps it in memory only, and calls the API with
 * `Authorization: Bearer`. No token ever goes through a URL or `localStorage`.
 *
 * Run: `npx tsx examples/app/api-spa/server.ts`, open the SPA URL it prints (API on 3200, SPA on
 * 3201; no credentials needed: it uses the Google emulation unless GOOGLE_CLIENT_ID is set).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAuth } from 'latchkey';
import { latchkey } from 'latchkey/adapters/node';
import { googleOrEmulation, page, secretFrom } from '../shared.js';

const apiPort = Number(process.env.API_PORT ?? 3200);
const spaPort = Number(process.env.SPA_PORT ?? 3201);
const { provider, dev } = await googleOrEmulation();

function listen(handler: (req: IncomingMessage, res: ServerResponse) => void, port: number): Promise<{ server: ReturnType<typeof createServer>; url: string }> {
  const server = createServer(handler);
  return new Promise((resolve) =>
    server.listen(port, '127.0.0.1', () => resolve({ server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })),
  );
}

// ── the SPA: one static page; its script talks to the API ─────────────────────────────────────
let apiUrl = '';
const spaHtml = (): string =>
  page(
    'SPA example',
    `<h1>Single-page app</h1><p id="status" role="status">Checking…</p>
<p><a id="signin" href="${apiUrl}/auth/google/login?returnTo=/back-to-spa" hidden>Sign in with Google</a></p>
<pre id="me"></pre>
<script type="module">
const api = ${JSON.stringify(apiUrl)};
const status = document.getElementById('status');
// 1. Exchange the API session (cookie) for a short-lived access token; keep it in memory only.
const res = await fetch(api + '/auth/token', { method: 'POST', credentials: 'include' });
if (res.status === 401) { status.textContent = 'Not signed in.'; document.getElementById('signin').hidden = false; }
else {
  const { access_token } = await res.json();
  // 2. Call the API with it.
  const me = await fetch(api + '/api/me', { headers: { authorization: 'Bearer ' + access_token } });
  const body = await me.json();
  status.textContent = 'Signed in as ' + body.user.name;
  document.getElementById('me').textContent = JSON.stringify(body, null, 2);
}
</script>`,
  );
const spa = await listen((_req, res) => {
  res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
  res.end(spaHtml());
}, spaPort);

// ── the API ───────────────────────────────────────────────────────────────────────────────────
let lk: ReturnType<typeof latchkey> | undefined;
let auth: ReturnType<typeof createAuth> | undefined;
const api = await listen((req, res) => {
  void (async () => {
    if (!lk || !auth) return;
    if (await lk.handle(req, res)) return; // /auth/* (POST /auth/token answers CORS for the SPA's origin)
    const path = (req.url ?? '/').split('?')[0];
    const cors = { 'access-control-allow-origin': spa.url, vary: 'Origin' };
    if (path === '/back-to-spa') {
      res.writeHead(302, { location: spa.url });
      res.end();
    } else if (path === '/api/me' && req.method === 'OPTIONS') {
      res.writeHead(204, { ...cors, 'access-control-allow-headers': 'authorization', 'access-control-allow-methods': 'GET' });
      res.end();
    } else if (path === '/api/me') {
      // The bearer token from POST /auth/token (bound to the live session) or the cookie.
      const session = await auth.getSession(new Request(new URL(req.url ?? '/', apiUrl), { headers: { authorization: req.headers.authorization ?? '' } }));
      res.writeHead(session ? 200 : 401, { ...cors, 'content-type': 'application/json' });
      res.end(JSON.stringify(session ? { user: session.user, provider: session.providerId } : { error: 'unauthenticated' }));
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('Not found');
    }
  })().catch((error: unknown) => {
    // lk.handle never rejects; this catches the example's own routes, so the process lives on.
    console.error(`[api] ${error instanceof Error ? error.name : 'error'}`);
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' }).end('Internal error');
    else res.destroy();
  });
}, apiPort);
apiUrl = api.url;
auth = createAuth({ baseUrl: apiUrl, secret: secretFrom(), providers: [provider], accessToken: { allowedOrigins: [spa.url], expiresInSeconds: 300 } });
lk = latchkey(auth);

process.stdout.write(`API on ${api.url}\nSPA on ${spa.url}\n`);
const stop = (): void => {
  api.server.close();
  spa.server.close();
  void (dev?.close() ?? Promise.resolve()).finally(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
