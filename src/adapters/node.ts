/**
 * Plain `node:http` adapter: route auth requests to the Web handler and guard other routes with the
 * synchronous session cache (no `Request` object is built on a guarded request).
 *
 * ```ts
 * const lk = latchkey(auth);
 * http.createServer(async (req, res) => {
 *   if (await lk.handle(req, res)) return;                 // /auth/* answered
 *   if (req.url === '/me') { const user = await lk.requireUser(req, res); if (user) res.end(JSON.stringify(user)); }
 * });
 * ```
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Auth } from '../app/create-auth.js';
import type { GuardRequest, PlainResponse } from '../app/guards.js';
import type { SessionUser } from '../app/sessions/types.js';

/** Converts a Node request (with an optional already-read body) into a Web `Request`. */
export function toWebRequest(auth: Auth, req: IncomingMessage, url = req.url ?? '/', body?: string): Request {
  const headers = new Headers();
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined || k.startsWith(':')) continue;
    if (Array.isArray(v)) for (const x of v) headers.append(k, x);
    else headers.set(k, v);
  }
  const method = req.method ?? 'GET';
  const hasBody = method !== 'GET' && method !== 'HEAD';
  // The URL's origin is the configured one: the Host header is never trusted for building URLs.
  return new Request(new URL(url, auth.config.origin), {
    method,
    headers,
    ...(hasBody ? { body: body ?? (req as unknown as ReadableStream<Uint8Array>), duplex: 'half' } : {}),
  } as RequestInit);
}

/** Writes a Web `Response` to a Node response. */
export async function sendWebResponse(res: ServerResponse, response: Response): Promise<void> {
  const cookies = response.headers.getSetCookie();
  const headers: Record<string, string | string[]> = {};
  response.headers.forEach((v, k) => {
    if (k !== 'set-cookie') headers[k] = v;
  });
  if (cookies.length > 0) headers['set-cookie'] = cookies;
  res.writeHead(response.status, headers);
  res.end(response.body ? Buffer.from(await response.arrayBuffer()) : undefined);
}

/** Sends a guard's plain answer. */
export function sendPlain(res: ServerResponse, p: PlainResponse): void {
  res.writeHead(p.status, p.headers);
  res.end(p.body);
}

/**
 * The `Cookie` and `Authorization` headers of a Node request, read from `rawHeaders`: touching
 * `req.headers` makes Node build the whole header object, which costs more than the session check.
 *
 * @param req - the Node request.
 * @returns the two headers (undefined when absent).
 */
export function credentialHeaders(req: IncomingMessage): { cookie: string | undefined; authorization: string | undefined } {
  const raw = req.rawHeaders;
  let cookie: string | undefined;
  let authorization: string | undefined;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!;
    // Compare the common spellings before allocating a lower-cased copy.
    if (name.length === 6 && (name === 'cookie' || name === 'Cookie' || name.toLowerCase() === 'cookie')) {
      cookie = cookie === undefined ? raw[i + 1] : `${cookie}; ${raw[i + 1]}`;
    } else if (name.length === 13 && authorization === undefined && (name === 'authorization' || name === 'Authorization' || name.toLowerCase() === 'authorization')) {
      authorization = raw[i + 1];
    }
  }
  return { cookie, authorization };
}

/** The guard facts of a Node request. */
export function guardFacts(req: IncomingMessage, pathAndQuery = req.url ?? '/'): GuardRequest {
  const h = req.headers;
  return { pathAndQuery, accept: h.accept, authorization: h.authorization, xRequestedWith: h['x-requested-with'] as string | undefined, secFetchMode: h['sec-fetch-mode'] as string | undefined };
}

/** The Node adapter. */
export interface NodeLatchkey {
  /** Answers `/auth/*` requests; resolves true when it did. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** The user, or null after sending 302/401. Synchronous on a cached session. */
  requireUser(req: IncomingMessage, res: ServerResponse): SessionUser | null | Promise<SessionUser | null>;
  /** The user or null; never throws. */
  optionalUser(req: IncomingMessage): SessionUser | null | Promise<SessionUser | null>;
}

/**
 * Creates the `node:http` adapter.
 *
 * @param auth - from `createAuth`.
 * @returns the handler and guards.
 */
export function latchkey(auth: Auth): NodeLatchkey {
  const prefix = `${auth.routePrefix}/`;
  const optionalUser = (req: IncomingMessage): SessionUser | null | Promise<SessionUser | null> => {
    const { cookie, authorization } = credentialHeaders(req);
    const s = auth.authenticate(cookie, authorization);
    return s instanceof Promise ? s.then((x) => x?.user ?? null, () => null) : (s?.user ?? null);
  };
  return {
    async handle(req, res) {
      if (!(req.url ?? '').startsWith(prefix)) return false;
      await sendWebResponse(res, await auth.handler(toWebRequest(auth, req)));
      return true;
    },
    requireUser(req, res) {
      const { cookie, authorization } = credentialHeaders(req);
      const s = auth.authenticate(cookie, authorization);
      // The common case first, with no closure allocated: a cached session.
      if (s !== null && !(s instanceof Promise)) return s.user;
      const done = (user: SessionUser | null): SessionUser | null => {
        if (!user) sendPlain(res, auth.unauthenticated(guardFacts(req)));
        return user;
      };
      if (!(s instanceof Promise)) return done(null);
      return s.then(
        (x) => done(x?.user ?? null),
        (error: unknown) => {
          sendPlain(res, auth.unauthenticated(guardFacts(req), error));
          return null;
        },
      );
    },
    optionalUser,
  };
}
