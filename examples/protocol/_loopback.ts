/**
 * Shared by the protocol examples: a one-shot loopback HTTP server that waits for the browser to
 * come back to the redirect URI, and the example settings from the environment (defaults match
 * `npx latchkey dev-idp`, which accepts any client on a loopback redirect URI).
 */
import { once } from 'node:events';
import * as http from 'node:http';

/** Example settings: `ISSUER`, `CLIENT_ID`, `CLIENT_SECRET`, `PORT` from the environment. */
export const settings = {
  issuer: process.env.ISSUER ?? 'http://127.0.0.1:4000/oidc',
  clientId: process.env.CLIENT_ID ?? 'example-app',
  clientSecret: process.env.CLIENT_SECRET ?? 'example-secret',
  port: Number(process.env.PORT ?? 3000),
};

/** The redirect URI the examples register: http://127.0.0.1:<PORT>/callback. */
export const redirectUri = `http://127.0.0.1:${settings.port}/callback`;

/**
 * Listens on 127.0.0.1:<PORT> until one request reaches `path`, answers it with `reply`, and
 * returns its parameters: the query string for GET, the form body for POST (form_post).
 */
export async function waitForBrowser(path: string, reply = 'You can close this tab.'): Promise<URLSearchParams> {
  const server = http.createServer();
  server.listen(settings.port, '127.0.0.1');
  await once(server, 'listening');
  try {
    for (;;) {
      const [req, res] = (await once(server, 'request')) as [http.IncomingMessage, http.ServerResponse];
      const url = new URL(req.url ?? '/', redirectUri);
      if (url.pathname !== path) {
        res.writeHead(404).end();
        continue;
      }
      let body = '';
      for await (const chunk of req) body += String(chunk);
      res.writeHead(200, { 'content-type': 'text/plain', 'referrer-policy': 'no-referrer' }).end(reply);
      return req.method === 'POST' ? new URLSearchParams(body) : url.searchParams;
    }
  } finally {
    server.closeAllConnections();
    server.close();
  }
}
