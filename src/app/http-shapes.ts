/**
 * The two shapes the auth routes speak, whatever the server: one request (method, path, query, a
 * header getter, the raw `Cookie` header, a bounded body reader) and one answer (status, headers,
 * `Set-Cookie` values, a string or bytes body). The Node-family adapters build the request lazily
 * from the Node request and write the answer straight to the `ServerResponse`; the Web-standard
 * `auth.handler(Request) -> Response` converts to and from them here. No Web `Request` or
 * `Response` is built on the Node path unless a hook asks for one (`request.toWeb()`).
 *
 * @module
 */

/** An auth request, as the routes read it. */
export interface AuthRequest {
  /** The method, exactly as received. */
  readonly method: string;
  /** The URL path (no query). */
  readonly path: string;
  /** The query with its `?`, or the empty string. */
  readonly search: string;
  /** The parsed query (parsed on first read). */
  readonly query: URLSearchParams;
  /** The origin of the request URL (on Node: the configured origin; the Host header is never trusted for URLs). */
  readonly origin: string;
  /** The raw `Cookie` header, or null. */
  readonly cookie: string | null;
  /** The socket's peer address, when the server tells it (the Node-family adapters). */
  readonly remoteAddress?: string | undefined;
  /**
   * A header's value.
   *
   * @param name - the header name in lower case.
   * @returns its value, or null when absent.
   */
  header(name: string): string | null;
  /**
   * Reads the body as UTF-8 text within the budget, counted as it arrives.
   *
   * @param limit - the budget in bytes.
   * @param timeoutMs - how long the whole body may take to arrive.
   * @returns the text.
   * @throws SessionError `PAYLOAD_TOO_LARGE`, `BODY_TIMEOUT`, `BODY_ABORTED`.
   */
  readBody(limit: number, timeoutMs: number): Promise<string>;
  /** Called when the body is refused unread (a declared length over the budget), so the connection can close gently. */
  refuseBody?(): void;
  /** The request as a Web `Request`, built on first call (for hooks that receive one). */
  toWeb(): Request;
}

/** An answer of an auth route. */
export interface AuthAnswer {
  readonly status: number;
  /** Header names in lower case; `set-cookie` is never among them. */
  readonly headers: Record<string, string>;
  /** The `Set-Cookie` values, in order. */
  readonly setCookies: readonly string[];
  /** The body, or null for none. */
  readonly body: string | Uint8Array | null;
}

/**
 * The headers of an answer as Node's `writeHead` takes them, `Set-Cookie` included.
 *
 * @param answer - the answer.
 * @returns a plain header object.
 */
export function nodeHeaders(answer: AuthAnswer): Record<string, string | string[]> {
  if (answer.setCookies.length === 0) return answer.headers;
  return { ...answer.headers, 'set-cookie': answer.setCookies as string[] };
}

/**
 * Converts an answer to a Web `Response` (for the Web-standard handler).
 *
 * @param answer - the answer.
 * @returns the response.
 */
export function answerToWeb(answer: AuthAnswer): Response {
  const h = new Headers(answer.headers);
  for (const c of answer.setCookies) h.append('set-cookie', c);
  return new Response(answer.body as BodyInit | null, { status: answer.status, headers: h });
}

/**
 * The request shape of a Web `Request`.
 *
 * @param request - the Web request.
 * @param url - its parsed URL.
 * @param readBody - the bounded reader of its body stream.
 * @returns the request shape.
 */
export function requestFromWeb(request: Request, url: URL, readBody: AuthRequest['readBody']): AuthRequest {
  const headers = request.headers;
  return {
    method: request.method,
    path: url.pathname,
    search: url.search,
    get query() {
      return url.searchParams;
    },
    origin: url.origin,
    cookie: headers.get('cookie'),
    header: (name) => headers.get(name),
    readBody,
    toWeb: () => request,
  };
}

/**
 * Reads a header from a Web `Request` or a request shape.
 *
 * @param request - either.
 * @param name - the header name in lower case.
 * @returns its value, or null.
 */
export function headerOf(request: Request | AuthRequest, name: string): string | null {
  return 'header' in request ? request.header(name) : request.headers.get(name);
}

/**
 * The request shape of a Web `Request` whose body is not read (the routes receive the body text
 * from the edge): for calling a route module directly with a Web `Request`.
 *
 * @param request - the Web request.
 * @param url - its parsed URL.
 * @returns the request shape.
 */
export function webShape(request: Request, url: URL = new URL(request.url)): AuthRequest {
  return requestFromWeb(request, url, () => Promise.resolve(''));
}
