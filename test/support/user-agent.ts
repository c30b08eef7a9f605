/**
 * A headless browser for tests: a cookie jar, redirects followed by hand, HTML forms submitted.
 *
 * ```ts
 * const ua = new UserAgent();                        // new UserAgent({ clock }) to control cookie expiry
 * // Follow redirects until the next URL starts with the RP callback; that URL is not requested.
 * const r = await ua.navigate(authUrl, { stop: (u) => u.startsWith(redirectUri) });
 * r.stopped; r.url;                                  // true, 'http://127.0.0.1:…/cb?code=…&state=…&iss=…'
 * // Pages with a form (form_post responses, the OP logout confirmation) are submitted when asked:
 * const f = await ua.navigate(authUrl, { stop: (u) => u.startsWith(redirectUri), autoSubmitForms: true });
 * f.method; f.body;                                  // 'POST', URLSearchParams { code, state, iss } (form_post)
 * ua.submitForm(html, pageUrl, { stop });            // submit the first form of a page explicitly
 * UserAgent.parseForms(html, pageUrl);               // [{ action, method, fields }]
 * ua.cookieHeader(url); ua.cookies(url);             // what would be sent to url
 * ```
 *
 * `navigate` never throws for HTTP statuses: it returns the last response (`status`, `headers`,
 * `html`) or, when `stop` matched, the request it did not make (`url`, `method`, `body`). At most
 * `maxSteps` (default 20) requests are made per call.
 *
 * Cookies follow RFC 6265bis closely enough for auth flows: host-only vs `Domain`, default path and
 * path matching, `Expires` and `Max-Age` (`Max-Age=0` deletes; `Max-Age` wins), `Secure` (sent over
 * https, and over http to loopback hosts, which browsers treat as secure contexts), `__Host-` and
 * `__Secure-` prefixes, and `SameSite` (`Strict` only on same-site requests, `Lax` (the default)
 * also on cross-site top-level GETs, `None` always; the site of a request is the host of the page
 * or redirect that caused it). Ports do not separate cookies, as in browsers.
 */

/** One parsed HTML form. */
export interface HtmlForm {
  readonly action: string;
  readonly method: 'GET' | 'POST';
  readonly fields: URLSearchParams;
}

/** Options of {@link UserAgent.navigate}. */
export interface NavigateOptions {
  /** Stop before requesting a URL for which this returns true. */
  readonly stop?: (url: string) => boolean;
  readonly method?: 'GET' | 'POST';
  readonly body?: URLSearchParams | string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Submit the first form of each HTML page reached (form_post, logout confirmation). */
  readonly autoSubmitForms?: boolean;
  /** Most requests made in this call. Default 20. */
  readonly maxSteps?: number;
}

/** The outcome of a navigation. */
export interface NavigateResult {
  /** The last URL: the one `stop` matched, or the one whose response ended the navigation. */
  readonly url: string;
  /** True when `stop` matched `url` (which was not requested). */
  readonly stopped: boolean;
  /** The method of the request to `url`. */
  readonly method: 'GET' | 'POST';
  /** The form body of the request to `url`, when it was a POST (e.g. a form_post response). */
  readonly body?: URLSearchParams;
  /** The status of the last response (absent when stopped). */
  readonly status?: number;
  readonly headers?: Headers;
  /** The body of the last response (absent when stopped). */
  readonly html?: string;
}

interface StoredCookie {
  readonly name: string;
  readonly value: string;
  readonly domain: string;
  readonly hostOnly: boolean;
  readonly path: string;
  readonly secure: boolean;
  readonly httpOnly: boolean;
  readonly sameSite: 'strict' | 'lax' | 'none';
  /** Epoch ms, or undefined for a session cookie. */
  readonly expiresAt?: number;
}

/** A cookie-jar user agent that follows redirects by hand. */
export class UserAgent {
  readonly #jar = new Map<string, StoredCookie>();
  readonly #clock: () => number;
  readonly #fetch: typeof fetch;

  constructor(options: { readonly clock?: () => number; readonly fetch?: typeof fetch } = {}) {
    this.#clock = options.clock ?? Date.now;
    this.#fetch = options.fetch ?? globalThis.fetch;
  }

  /**
   * Requests `url`, follows redirects (303/302/301 become GET; 307/308 keep the method and body),
   * and optionally submits forms, until `stop` matches, a page is reached, or `maxSteps` requests.
   */
  async navigate(url: string | URL, options: NavigateOptions = {}): Promise<NavigateResult> {
    let current = new URL(url).href;
    let method: 'GET' | 'POST' = options.method ?? 'GET';
    let body: URLSearchParams | string | undefined = options.body;
    let extraHeaders: Readonly<Record<string, string>> | undefined = options.headers;
    let initiator: string | undefined;
    const maxSteps = options.maxSteps ?? 20;
    for (let step = 0; ; step++) {
      if (options.stop?.(current)) {
        return { url: current, stopped: true, method, ...(body !== undefined ? { body: new URLSearchParams(body) } : {}) };
      }
      if (step >= maxSteps) throw new Error(`UserAgent: more than ${maxSteps} requests without reaching a page`);
      const headers = new Headers(extraHeaders);
      const cookie = this.cookieHeader(current, { method, initiator });
      if (cookie) headers.set('cookie', cookie);
      if (body !== undefined && !headers.has('content-type')) headers.set('content-type', 'application/x-www-form-urlencoded');
      const response = await this.#fetch(current, {
        method,
        headers,
        redirect: 'manual',
        ...(body !== undefined ? { body: typeof body === 'string' ? body : body.toString() } : {}),
      });
      for (const header of response.headers.getSetCookie()) this.setCookie(header, current);
      const location = response.headers.get('location');
      if (response.status >= 300 && response.status < 400 && location) {
        await response.body?.cancel();
        initiator = current;
        current = new URL(location, current).href;
        if (response.status !== 307 && response.status !== 308) {
          method = 'GET';
          body = undefined;
        }
        extraHeaders = undefined;
        continue;
      }
      const html = await response.text();
      const contentType = response.headers.get('content-type') ?? '';
      if (options.autoSubmitForms && contentType.includes('html')) {
        const form = UserAgent.parseForms(html, current)[0];
        if (form) {
          initiator = current;
          if (form.method === 'GET') {
            const target = new URL(form.action);
            target.search = form.fields.toString();
            current = target.href;
            method = 'GET';
            body = undefined;
          } else {
            current = form.action;
            method = 'POST';
            body = form.fields;
          }
          extraHeaders = undefined;
          continue;
        }
      }
      return {
        url: current,
        stopped: false,
        method,
        ...(body !== undefined ? { body: new URLSearchParams(body) } : {}),
        status: response.status,
        headers: response.headers,
        html,
      };
    }
  }

  /** Submits form number `index` (default 0) of `html`, found at `pageUrl`, then navigates on. */
  async submitForm(
    html: string,
    pageUrl: string,
    options: Omit<NavigateOptions, 'method' | 'body'> & { readonly index?: number; readonly fields?: Readonly<Record<string, string>> } = {},
  ): Promise<NavigateResult> {
    const form = UserAgent.parseForms(html, pageUrl)[options.index ?? 0];
    if (!form) throw new Error('UserAgent: no form on the page');
    const fields = new URLSearchParams(form.fields);
    for (const [k, v] of Object.entries(options.fields ?? {})) fields.set(k, v);
    if (form.method === 'GET') {
      const target = new URL(form.action);
      target.search = fields.toString();
      return this.navigate(target, options);
    }
    return this.navigate(form.action, { ...options, method: 'POST', body: fields });
  }

  /** The forms of a page: action (absolute), method, and hidden/text input values. */
  static parseForms(html: string, pageUrl: string): HtmlForm[] {
    const forms: HtmlForm[] = [];
    const formRe = /<form\b([^>]*)>([\s\S]*?)<\/form>/gi;
    let m: RegExpExecArray | null;
    while ((m = formRe.exec(html)) !== null) {
      const attrs = parseAttributes(m[1]!);
      const action = new URL(decodeEntities(attrs.action ?? ''), pageUrl).href;
      const method = (attrs.method ?? 'get').toUpperCase() === 'POST' ? 'POST' : 'GET';
      const fields = new URLSearchParams();
      const inputRe = /<input\b([^>]*)>/gi;
      let i: RegExpExecArray | null;
      while ((i = inputRe.exec(m[2]!)) !== null) {
        const a = parseAttributes(i[1]!);
        if (a.name === undefined) continue;
        const type = (a.type ?? 'text').toLowerCase();
        if (type === 'submit' || type === 'button' || type === 'image' || type === 'reset') continue;
        if ((type === 'checkbox' || type === 'radio') && a.checked === undefined) continue;
        fields.append(decodeEntities(a.name), decodeEntities(a.value ?? ''));
      }
      forms.push({ action, method, fields });
    }
    return forms;
  }

  /** Stores one `Set-Cookie` header received from `url`. */
  setCookie(header: string, url: string | URL): void {
    const from = new URL(url);
    const [pair, ...attrParts] = header.split(';');
    const eq = pair!.indexOf('=');
    if (eq <= 0) return;
    const name = pair!.slice(0, eq).trim();
    const value = pair!.slice(eq + 1).trim();
    let domain: string | undefined;
    let path: string | undefined;
    let secure = false;
    let httpOnly = false;
    let sameSite: StoredCookie['sameSite'] = 'lax';
    let maxAge: number | undefined;
    let expires: number | undefined;
    for (const part of attrParts) {
      const i = part.indexOf('=');
      const key = (i === -1 ? part : part.slice(0, i)).trim().toLowerCase();
      const v = i === -1 ? '' : part.slice(i + 1).trim();
      if (key === 'domain' && v) domain = v.replace(/^\./, '').toLowerCase();
      else if (key === 'path' && v.startsWith('/')) path = v;
      else if (key === 'secure') secure = true;
      else if (key === 'httponly') httpOnly = true;
      else if (key === 'samesite') sameSite = v.toLowerCase() === 'strict' ? 'strict' : v.toLowerCase() === 'none' ? 'none' : 'lax';
      else if (key === 'max-age' && /^-?\d+$/.test(v)) maxAge = Number(v);
      else if (key === 'expires') {
        const t = Date.parse(v);
        if (!Number.isNaN(t)) expires = t;
      }
    }
    // RFC 6265bis §5.6 step 5: a cookie whose name and value exceed 4096 octets is ignored.
    if (new TextEncoder().encode(name + value).length > 4096) return;
    const host = from.hostname.toLowerCase();
    // RFC 6265bis §5.7: a Secure cookie may only be set from a secure origin (loopback counts).
    if (secure && !isSecureContext(from)) return;
    // RFC 6265bis §5.6 step 5.ii: SameSite=None requires Secure.
    if (sameSite === 'none' && !secure) return;
    if (domain !== undefined && !domainMatches(host, domain)) return;
    if (name.startsWith('__Secure-') && !secure) return;
    if (name.startsWith('__Host-') && (!secure || domain !== undefined || path !== '/')) return;
    const cookie: StoredCookie = {
      name,
      value,
      domain: domain ?? host,
      hostOnly: domain === undefined,
      path: path ?? defaultPath(from.pathname),
      secure,
      httpOnly,
      sameSite,
      // RFC 6265bis §5.6.1/5.6.2: Max-Age wins over Expires; a value <= 0 expires the cookie at once.
      ...(maxAge !== undefined ? { expiresAt: maxAge <= 0 ? 0 : this.#clock() + maxAge * 1000 } : expires !== undefined ? { expiresAt: expires } : {}),
    };
    const key = `${cookie.domain};${cookie.path};${cookie.name}`;
    if (cookie.expiresAt !== undefined && cookie.expiresAt <= this.#clock()) this.#jar.delete(key);
    else this.#jar.set(key, cookie);
  }

  /** The cookies that would be sent to `url`, as `name=value` strings (longest path first). */
  cookies(url: string | URL, context: { readonly method?: string; readonly initiator?: string } = {}): string[] {
    const to = new URL(url);
    const host = to.hostname.toLowerCase();
    const now = this.#clock();
    const crossSite = context.initiator !== undefined && siteOf(new URL(context.initiator).hostname) !== siteOf(host);
    const out: StoredCookie[] = [];
    for (const [key, c] of this.#jar) {
      if (c.expiresAt !== undefined && c.expiresAt <= now) {
        this.#jar.delete(key);
        continue;
      }
      if (c.hostOnly ? host !== c.domain : !domainMatches(host, c.domain)) continue;
      if (!pathMatches(to.pathname, c.path)) continue;
      if (c.secure && !isSecureContext(to)) continue;
      if (crossSite && (c.sameSite === 'strict' || (c.sameSite === 'lax' && (context.method ?? 'GET') !== 'GET'))) continue;
      out.push(c);
    }
    out.sort((a, b) => b.path.length - a.path.length);
    return out.map((c) => `${c.name}=${c.value}`);
  }

  /** The `Cookie` header for a request to `url` ('' when no cookie applies). */
  cookieHeader(url: string | URL, context: { readonly method?: string; readonly initiator?: string | undefined } = {}): string {
    return this.cookies(url, {
      ...(context.method !== undefined ? { method: context.method } : {}),
      ...(context.initiator !== undefined ? { initiator: context.initiator } : {}),
    }).join('; ');
  }

  /** Forgets every cookie. */
  clearCookies(): void {
    this.#jar.clear();
  }
}

function isSecureContext(url: URL): boolean {
  const h = url.hostname;
  return url.protocol === 'https:' || h === 'localhost' || h.endsWith('.localhost') || /^127(?:\.\d{1,3}){3}$/.test(h) || h === '[::1]';
}

function domainMatches(host: string, domain: string): boolean {
  return host === domain || (host.endsWith(`.${domain}`) && !/^\d+(?:\.\d+){3}$/.test(host));
}

function defaultPath(pathname: string): string {
  // RFC 6265bis §5.1.4: the directory of the request path.
  if (!pathname.startsWith('/')) return '/';
  const i = pathname.lastIndexOf('/');
  return i <= 0 ? '/' : pathname.slice(0, i);
}

function pathMatches(requestPath: string, cookiePath: string): boolean {
  if (requestPath === cookiePath) return true;
  if (!requestPath.startsWith(cookiePath)) return false;
  return cookiePath.endsWith('/') || requestPath[cookiePath.length] === '/';
}

function siteOf(host: string): string {
  // Approximation of the registrable domain: IPs and single labels are their own site.
  if (/^\d+(?:\.\d+){3}$/.test(host) || host.startsWith('[') || !host.includes('.')) return host;
  return host.split('.').slice(-2).join('.');
}

function parseAttributes(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /([^\s=/>]+)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+)))?/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) out[m[1]!.toLowerCase()] = m[2] ?? m[3] ?? m[4] ?? '';
  return out;
}

function decodeEntities(s: string): string {
  return s
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCodePoint(Number.parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}
