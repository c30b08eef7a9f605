/**
 * An API plus a single-page app on another origin, the FastAPI + Authlib pattern: the API does the
 * Google sign-in (a session cookie on the API's origin) and lists the SPA in `cors.origins`; the SPA
 * reads `GET /auth/session` with `credentials: 'include'` (who is signed in, and the CSRF token),
 * asks for a short-lived access token with `POST /auth/token`, keeps it in memory only, calls the
 * API with `Authorization: Bearer`, and signs out with `POST /auth/logout` and the `X-CSRF-Token`
 * header. No token ever goes through a URL or `localStorage`. See docs/cross-origin.md.
 *
 * Run: `npx tsx examples/app/api-spa/server.ts`, open the SPA URL it prints (API on
 * http://localhost:3200, SPA on http://localhost:3201: two origins of one site, so the default
 * `SameSite=Lax` cookie works; no credentials needed: it uses the Google emulation unless
 * GOOGLE_CLIENT_ID is set). `SPA_HOST=127.0.0.1` puts the SPA on another site: then set
 * `COOKIE_SAMESITE=none` too (and allow third-party cookies in the browser).
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createAuth } from 'latchkey';
import { latchkey } from 'latchkey/adapters/node';
import { esc, googleOrEmulation, page, secretFrom } from '../shared.js';

const apiPort = Number(process.env.API_PORT ?? 3200);
const spaPort = Number(process.env.SPA_PORT ?? 3201);
// The host names the browser uses; both servers listen on 127.0.0.1 (`localhost` resolves there).
const apiHost = process.env.API_HOST ?? 'localhost';
const spaHost = process.env.SPA_HOST ?? 'localhost';
const sameSite = process.env.COOKIE_SAMESITE === 'none' ? 'none' : 'lax';
const { provider, dev } = await googleOrEmulation();

function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  port: number,
  host: string,
): Promise<{ server: ReturnType<typeof createServer>; url: string }> {
  const server = createServer(handler);
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve({ server, url: `http://${host}:${(server.address() as AddressInfo).port}` })));
}

// ── the SPA: one static page; its script talks to the API ─────────────────────────────────────
let apiUrl = '';
let spaUrl = '';
const spaHtml = (): string =>
  page(
    'SPA example',
    `<h1>Single-page app</h1><p id="status" role="status">Checking…</p>
<p><a id="signin" href="${esc(apiUrl)}/auth/google/login?returnTo=${encodeURIComponent(`${spaUrl}/`)}" hidden>Sign in with Google</a></p>
<p><button id="signout" type="button" hidden>Sign out</button></p>
<pre id="me"></pre>
<script type="module">
const api = ${JSON.stringify(apiUrl)};
const status = document.getElementById('status');
const signin = document.getElementById('signin');
const signout = document.getElementById('signout');
const signedOut = (text) => { status.textContent = text; signin.hidden = false; signout.hidden = true; document.getElementById('me').textContent = ''; };
// 1. Who is signed in: the API's session cookie goes along with credentials: 'include'.
const session = await fetch(api + '/auth/session', { credentials: 'include' });
if (session.status === 401) signedOut('Not signed in.');
else {
  const { user, csrfToken } = await session.json();
  // 2. Exchange the session for a short-lived access token; keep it in memory only.
  const { access_token } = await (await fetch(api + '/auth/token', { method: 'POST', credentials: 'include' })).json();
  // 3. Call the API with it.
  const me = await (await fetch(api + '/api/me', { headers: { authorization: 'Bearer ' + access_token } })).json();
  status.textContent = 'Signed in as ' + user.name;
  document.getElementById('me').textContent = JSON.stringify(me, null, 2);
  signout.hidden = false;
  // 4. Sign out: POST with the CSRF token from /auth/session in the X-CSRF-Token header.
  signout.addEventListener('click', async () => {
    const out = await fetch(api + '/auth/logout', { method: 'POST', credentials: 'include', headers: { 'x-csrf-token': csrfToken } });
    signedOut(out.ok ? 'Signed out.' : 'Sign-out failed (' + out.status + ').');
  });
}
</script>`,
  );
const spa = await listen(
  (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.end(spaHtml());
  },
  spaPort,
  spaHost,
);
spaUrl = spa.url;

// ── the API ───────────────────────────────────────────────────────────────────────────────────
let lk: ReturnType<typeof latchkey> | undefined;
let auth: ReturnType<typeof createAuth> | undefined;
const api = await listen(
  (req, res) => {
    void (async () => {
      if (!lk || !auth) return;
      if (await lk.handle(req, res)) return; // /auth/*, with CORS for the SPA's origin (cors.origins)
      const path = (req.url ?? '/').split('?')[0];
      // The app's own API route answers CORS itself (no cookie needed: the Bearer token is the credential).
      const cors = { 'access-control-allow-origin': spa.url, vary: 'Origin' };
      if (path === '/api/me' && req.method === 'OPTIONS') {
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
  },
  apiPort,
  apiHost,
);
apiUrl = api.url;
auth = createAuth({
  baseUrl: apiUrl,
  secret: secretFrom(),
  providers: [provider],
  // The SPA may read the session, get tokens and sign out with credentials, and be a returnTo.
  cors: { origins: [spa.url] },
  cookies: { sameSite },
  accessToken: { expiresInSeconds: 300 },
});
lk = latchkey(auth);

process.stdout.write(`API on ${api.url}\nSPA on ${spa.url}\n`);
const stop = (): void => {
  api.server.close();
  spa.server.close();
  void (dev?.close() ?? Promise.resolve()).finally(() => process.exit(0));
};
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
