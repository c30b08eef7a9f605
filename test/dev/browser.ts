/**
 * A tiny cookie-keeping "browser" for driving the dev IdP's sign-in page with plain fetch:
 * redirects are never followed, so a test sees each 302 (and captures the callback URL).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Un-escapes the few entities the dev IdP's pages produce. */
export function unescapeHtml(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** The first form's action and hidden inputs (a form_post page, a logout confirmation). */
export function parseForm(html: string): { action: string; params: Record<string, string> } {
  const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
  if (action === undefined) throw new Error('no form in page');
  const params: Record<string, string> = {};
  for (const m of html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) params[unescapeHtml(m[1]!)] = unescapeHtml(m[2]!);
  return { action: unescapeHtml(action), params };
}

/** The user ids offered on a sign-in page. */
export function listedUsers(html: string): string[] {
  return [...html.matchAll(/data-user="([^"]+)"/g)].map((m) => unescapeHtml(m[1]!));
}

/** A cookie jar plus manual-redirect fetch. */
export class Browser {
  readonly cookies = new Map<string, string>();

  async fetch(url: string | URL, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i).trim();
      if (attrs.some((a) => /max-age=0/i.test(a.trim()))) this.cookies.delete(name);
      else this.cookies.set(name, pair!.slice(i + 1).trim());
    }
    return res;
  }

  /** POSTs an urlencoded form. */
  post(url: string | URL, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
    return this.fetch(url, { method: 'POST', body: new URLSearchParams(fields), headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers } });
  }

  /**
   * Opens the authorization URL, checks it shows the sign-in page, and clicks a user (or another
   * action). Returns the IdP's answer: a 302 to the redirect URI, or a form_post page.
   */
  async signIn(authorizationUrl: string | URL, user: string | undefined, extra: Record<string, string> = {}): Promise<{ page: string; response: Response }> {
    const pageRes = await this.fetch(authorizationUrl);
    const page = await pageRes.text();
    if (pageRes.status !== 200) throw new Error(`sign-in page answered ${pageRes.status}: ${page.slice(0, 200)}`);
    const action = new URL(parseForm(page).action, authorizationUrl);
    const fields: Record<string, string> = user === undefined ? { ...extra } : { action: 'login', user, ...extra };
    return { page, response: await this.post(action, fields) };
  }
}

/** The `Location` of a redirect, as a URL. */
export function location(res: Response): URL {
  const loc = res.headers.get('location');
  if (res.status !== 302 && res.status !== 303) throw new Error(`expected a redirect, got ${res.status}`);
  if (!loc) throw new Error('redirect without Location');
  return new URL(loc);
}

/** A loopback endpoint that records the urlencoded bodies POSTed to it (a back-channel logout receiver). */
export async function startRecorder(status = 200): Promise<{ url: string; bodies: URLSearchParams[]; close: () => Promise<void>; server: Server }> {
  const bodies: URLSearchParams[] = [];
  const server = createServer((req, res) => {
    let data = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      data += c;
    });
    req.on('end', () => {
      bodies.push(new URLSearchParams(data));
      res.writeHead(status, { 'cache-control': 'no-store' });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/backchannel`,
    bodies,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
