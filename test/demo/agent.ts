/**
 * A small cookie-keeping HTTP client that signs in to the demo by "clicking" through the dev IdP's
 * sign-in page with plain fetch (redirects followed by hand, form_post pages submitted). One jar
 * for every host, as a browser on 127.0.0.1 does (cookies ignore the port; names do not collide).
 */
import { get as httpGet } from 'node:http';

function unescapeHtml(s: string): string {
  return s
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&#(\d+);/g, (_m, d: string) => String.fromCharCode(Number(d)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/** A form's action and hidden inputs, found by a regular expression on its start tag. */
export function formFields(html: string, actionPattern: RegExp): { action: string; fields: URLSearchParams } {
  for (const m of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/g)) {
    const action = /action="([^"]*)"/.exec(m[1]!)?.[1];
    if (action === undefined || !actionPattern.test(unescapeHtml(action))) continue;
    const fields = new URLSearchParams();
    for (const i of m[2]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)) fields.append(unescapeHtml(i[1]!), unescapeHtml(i[2]!));
    return { action: unescapeHtml(action), fields };
  }
  throw new Error(`no form with an action matching ${actionPattern}`);
}

/** A cookie jar with manual redirects. */
export class Agent {
  readonly cookies = new Map<string, string>();

  /** @param userAgent - the `User-Agent` every request sends (default: Node's fetch's). */
  constructor(readonly userAgent?: string) {}

  async fetch(url: string | URL, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (!headers.has('accept')) headers.set('accept', 'text/html');
    if (this.userAgent !== undefined) headers.set('user-agent', this.userAgent);
    if (this.cookies.size > 0) headers.set('cookie', [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(url, { ...init, headers, redirect: 'manual', signal: AbortSignal.timeout(10_000) });
    for (const c of res.headers.getSetCookie()) {
      const [pair, ...attrs] = c.split(';');
      const i = pair!.indexOf('=');
      const name = pair!.slice(0, i).trim();
      const value = pair!.slice(i + 1).trim();
      if (value === '' || attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=thu, 01 jan 1970/i.test(a))) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return res;
  }

  /**
   * A page load as a browser makes it (`Sec-Fetch-Mode: navigate`), through node:http: Node's fetch
   * always sends `Sec-Fetch-Mode: cors`, which guards rightly treat as an API call (401, no redirect).
   */
  navigate(url: string | URL): Promise<{ status: number; location: string | null }> {
    const cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    return new Promise((resolve, reject) => {
      const req = httpGet(url, { headers: { accept: 'text/html', 'sec-fetch-mode': 'navigate', ...(cookie ? { cookie } : {}) }, timeout: 10_000 }, (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, location: res.headers.location ?? null });
      });
      req.on('error', reject);
    });
  }

  /** Follows redirects (at most 10) from `url`; returns the last response and its URL. */
  async follow(url: string | URL, init: RequestInit = {}): Promise<{ res: Response; url: URL }> {
    let current = new URL(url);
    let res = await this.fetch(current, init);
    for (let hops = 0; hops < 10 && res.status >= 300 && res.status < 400; hops++) {
      current = new URL(res.headers.get('location')!, current);
      res = await this.fetch(current);
    }
    return { res, url: current };
  }

  /** Posts a form (urlencoded) with the same-origin headers a browser sends. */
  post(url: string | URL, fields: URLSearchParams): Promise<{ res: Response; url: URL }> {
    const origin = new URL(url).origin;
    return this.follow(url, { method: 'POST', body: fields.toString(), headers: { 'content-type': 'application/x-www-form-urlencoded', origin } });
  }

  /**
   * Starts a login at the demo, picks `user` (or presses `action`, e.g. `deny`) on the dev IdP's
   * page, and follows everything back (form_post and the demo's same-origin re-post included).
   */
  async signIn(
    appUrl: string,
    providerId: string,
    user: string,
    options: { intent?: 'link'; action?: 'deny' | 'server-error'; addUser?: { name: string; email: string }; returnTo?: string } = {},
  ): Promise<{ res: Response; url: URL; html: string }> {
    const q = new URLSearchParams({ returnTo: options.returnTo ?? '/profile' });
    if (options.intent) q.set('intent', options.intent);
    let { res: page, url: pageUrl } = await this.follow(`${appUrl}/auth/${providerId}/login?${q}`);
    let html = await page.text();
    if (page.status !== 200) throw new Error(`sign-in page: HTTP ${page.status} at ${pageUrl.href}: ${html.slice(0, 300)}`);
    if (options.addUser) {
      // The sign-in page's "Add a test user" form; the user id is the slug of the name.
      const add = new URL(unescapeHtml(/<form method="post" action="([^"]+)"/.exec(html)![1]!), pageUrl);
      const fields = new URLSearchParams({ action: 'add-user', name: options.addUser.name, email: options.addUser.email, email_verified: '1' });
      ({ res: page, url: pageUrl } = await this.follow(add, {
        method: 'POST',
        body: fields.toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: add.origin },
      }));
      html = await page.text();
      if (!html.includes(`data-user="${user}"`)) throw new Error(`the added user ${user} is not listed`);
    }
    const action = /<form method="post" action="([^"]+)"/.exec(html)?.[1];
    if (!action) throw new Error(`no sign-in form at ${pageUrl.href}`);
    const target = new URL(unescapeHtml(action), pageUrl);
    const body = options.action ? new URLSearchParams({ action: options.action }) : new URLSearchParams({ action: 'login', user });
    let { res, url } = await this.follow(target, {
      method: 'POST',
      body: body.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: target.origin },
    });
    // form_post (Apple): the IdP's auto-submitting page, then the demo's same-origin re-post.
    for (let i = 0; i < 2 && res.status === 200 && (res.headers.get('content-type') ?? '').includes('text/html'); i++) {
      const text = await res.clone().text();
      if (!/document\.forms\[0\]\.submit\(\)/.test(text)) break;
      const form = formFields(text, /callback/);
      const to = new URL(form.action, url);
      ({ res, url } = await this.follow(to, {
        method: 'POST',
        body: form.fields.toString(),
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: i === 0 ? target.origin : to.origin },
      }));
    }
    return { res, url, html: await res.text() };
  }
}
