/**
 * Plain `node:http` adapter: route auth requests to the Web handler and guard other routes with the
 * synchronous session cache (no `Request` object is built on a guarded request).
 *
 * ```ts
 * const lk = latchkey(auth);
 * http.createServer(async (req, res) => {
 *   if (await lk.handle(req, res)) return;                 // /auth/* answered
 *   if (req.url === '/me') { const user = await lk.requireUser(req, res); if (user) res.end(JSON.stringify(user)); }
 *   // a provider API call: REAUTH_REQUIRED becomes a 302 to re-consent (or a 401 for API clients)
 *   try { res.end(JSON.stringify(await auth.api(user, 'google').get('/oauth2/v3/userinfo'))); }
 *   catch (error) { if (!lk.reauth(error, req, res)) throw error; }
 * });
 * ```
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Auth } from '../app/create-auth.js';
import { MAX_BODY_MS } from '../app/edge.js';
import type { GuardRequest, PlainResponse } from '../app/guards.js';
import { type AuthAnswer, type AuthRequest, answerToWeb, nodeHeaders } from '../app/http-shapes.js';
import type { SessionUser } from '../app/sessions/types.js';
import { SessionError } from '../errors.js';

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

/** How long a connection whose body was refused stays half-closed before it is closed. */
const LINGER_MS = 1000;

/**
 * Makes the connection of a refused body (413) close gently once the answer is out: half-close,
 * then close fully a moment later. The request stays paused, so nothing more of the body is kept.
 *
 * @param req - the request whose body is not read.
 */
export function lingerThenClose(req: IncomingMessage): void {
  const socket = req.socket as (Socket & { destroySoon?: () => void }) | null;
  if (!socket || socket.destroyed) return;
  // RFC 9112 §9.6: a server that closes at once while the client is still sending makes TCP reset
  // the connection, and the reset can drop the answer before the client reads it. Node closes a
  // `Connection: close` answer's socket with destroySoon(): end (FIN) first, destroy after a linger.
  socket.destroySoon = () => {
    socket.end();
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  };
}

/** A body a framework's parser already read: the text to hand on and its size as parsed. */
export interface ParsedBody {
  readonly text: string;
  /** The bytes the parsed body holds (at least those of `text`), checked against the budget. */
  readonly bytes: number;
}

/**
 * Reads a Node request body as UTF-8 text, at most `limit` bytes, counted as chunks arrive. At the
 * first chunk over the budget it stops listening and pauses the request, so nothing more is kept
 * (and, once the socket's buffers fill, nothing more is read); the caller answers 413 with
 * `Connection: close` and Node closes the connection instead of draining the rest. A body that has
 * not ended within `timeoutMs` is dropped the same way (a trickled "slow POST").
 *
 * @param req - the Node request, not yet read.
 * @param limit - the budget in bytes.
 * @param timeoutMs - how long the whole body may take to arrive.
 * @returns the text, or undefined when the body is longer than `limit`.
 * @throws SessionError `BODY_TIMEOUT` when the body has not ended within `timeoutMs`.
 * @throws SessionError `BODY_ABORTED` when the client aborts or the stream fails.
 */
export function readNodeBody(req: IncomingMessage, limit: number, timeoutMs: number = MAX_BODY_MS): Promise<string | undefined> {
  if (req.readableEnded) return Promise.resolve('');
  if (req.destroyed) return Promise.reject(new SessionError('BODY_ABORTED'));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    // RFC 9110 §15.5.9: a server that no longer waits for the rest of a request answers 408.
    const timer = setTimeout(() => {
      stop();
      req.pause();
      lingerThenClose(req);
      reject(new SessionError('BODY_TIMEOUT'));
    }, timeoutMs);
    const stop = (): void => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      req.off('close', onClose);
    };
    const onData = (chunk: Buffer): void => {
      size += chunk.length;
      if (size > limit) {
        stop();
        req.pause();
        lingerThenClose(req);
        resolve(undefined);
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = (): void => {
      stop();
      resolve(Buffer.concat(chunks, size).toString('utf8'));
    };
    // A client that goes away mid-body is bad input (400), not a server failure to log as one.
    const onError = (): void => {
      stop();
      reject(new SessionError('BODY_ABORTED'));
    };
    const onClose = (): void => {
      stop();
      reject(new SessionError('BODY_ABORTED'));
    };
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    req.on('close', onClose);
  });
}

/** A path the URL parser would leave as it is: no dot segments, escapes, backslashes or a leading `//`. */
const PLAIN_PATH = /^\/(?!\/)[A-Za-z0-9_~/-]*$/;

/**
 * A header of a Node request as the Web `Headers` of {@link toWebRequest} would answer it.
 *
 * @param req - the Node request.
 * @param name - the header name in lower case.
 * @returns the value, or null.
 */
function nodeHeader(req: IncomingMessage, name: string): string | null {
  const v = req.headers[name];
  return v === undefined ? null : Array.isArray(v) ? v.join(', ') : v;
}

/**
 * The request shape of a Node request, built lazily: the `Cookie` and `Authorization` headers come
 * from `rawHeaders` when first asked (as the guards read them), any other header from Node's header
 * object only when a route asks for it, the query only when read; no Web `Request` unless a hook
 * asks for one.
 *
 * @param auth - from `createAuth`.
 * @param req - the Node request.
 * @param url - the path and query as the app sees it.
 * @param parsed - a body a framework's parser already consumed, if any, or the refusal its reading ended in.
 * @returns the request shape.
 */
export function nodeRequest(auth: Auth, req: IncomingMessage, url: string, parsed?: ParsedBody | SessionError): AuthRequest {
  const origin = auth.config.origin;
  const q = url.indexOf('?');
  const rawPath = q === -1 ? url : url.slice(0, q);
  let parsedUrl: URL | undefined;
  const full = (): URL => {
    parsedUrl ??= new URL(url, origin);
    return parsedUrl;
  };
  // The URL parser normalizes paths (dot segments, escapes): only a plain path skips it.
  const path = PLAIN_PATH.test(rawPath) ? rawPath : full().pathname;
  let credentials: ReturnType<typeof credentialHeaders> | undefined;
  const credential = (): ReturnType<typeof credentialHeaders> => {
    credentials ??= credentialHeaders(req);
    return credentials;
  };
  let bodyText: string | undefined;
  return {
    method: req.method ?? 'GET',
    path,
    get search() {
      return q === -1 ? '' : full().search;
    },
    get query() {
      return full().searchParams;
    },
    origin,
    get cookie() {
      return credential().cookie ?? null;
    },
    header(name: string): string | null {
      if (name === 'cookie') return credential().cookie ?? null;
      if (name === 'authorization') return credential().authorization ?? null;
      return nodeHeader(req, name);
    },
    async readBody(limit: number, timeoutMs: number): Promise<string> {
      if (parsed instanceof SessionError) throw parsed;
      const text = parsed ? (parsed.bytes > limit ? undefined : parsed.text) : await readNodeBody(req, limit, timeoutMs);
      if (text === undefined) throw new SessionError('PAYLOAD_TOO_LARGE');
      bodyText = text;
      return text;
    },
    refuseBody: () => lingerThenClose(req),
    toWeb: () => toWebRequest(auth, req, url, bodyText),
  };
}

/**
 * Writes an answer straight to a Node response: one `writeHead`, one `end`.
 *
 * @param res - the Node response.
 * @param answer - the answer.
 */
export function writeAnswer(res: ServerResponse, answer: AuthAnswer): void {
  const headers = nodeHeaders(answer);
  const body = answer.body;
  // A declared length lets Node send the head and the body in one write, without chunked framing.
  if (body !== null)
    res.writeHead(answer.status, { ...headers, 'content-length': String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength) });
  else res.writeHead(answer.status, headers);
  res.end(body ?? undefined);
}

/**
 * The answer to an auth request on Node, as a Web `Response` (for hosts that want one). The
 * app's route table screens method, path and declared length first; a POST body is read within
 * the budget from the stream, or taken from a parser that already read it. Never rejects.
 *
 * @param auth - from `createAuth`.
 * @param req - the Node request.
 * @param url - the path and query as the app sees it.
 * @param parsed - a body a framework's parser already consumed, if any.
 * @returns the response to send.
 */
export async function authResponseFor(auth: Auth, req: IncomingMessage, url: string, parsed?: ParsedBody): Promise<Response> {
  try {
    if (usesLeanPath(auth)) return answerToWeb(await auth.edge.answer(nodeRequest(auth, req, url, parsed)));
    return await webResponseFor(auth, req, url, parsed);
  } catch (error) {
    return auth.edge.failure(error, req.headers.accept);
  }
}

/**
 * Whether an `Auth` is served on the lean path: its `handler` is its own (not replaced or wrapped).
 *
 * @param auth - from `createAuth`, possibly spread with another `handler`.
 * @returns true when the adapters may skip `auth.handler`.
 */
export function usesLeanPath(auth: Auth): boolean {
  return auth.handler === auth.edge.handler;
}

/**
 * The Web path, for an `Auth` whose `handler` was replaced: screened by the route table before any
 * Web `Request` is built, the body read within the budget, then `auth.handler` called.
 */
async function webResponseFor(auth: Auth, req: IncomingMessage, url: string, parsed?: ParsedBody): Promise<Response> {
  const accept = req.headers.accept;
  const screened = auth.edge.screen(req.method ?? 'GET', new URL(url, auth.config.origin).pathname, req.headers['content-length'], accept);
  if (screened instanceof Response) {
    if (screened.status === 413) lingerThenClose(req);
    return screened;
  }
  let body: string | undefined;
  if (screened.readsBody) {
    body = parsed ? (parsed.bytes > auth.edge.bodyLimit ? undefined : parsed.text) : await readNodeBody(req, auth.edge.bodyLimit, auth.edge.bodyTimeoutMs);
    if (body === undefined) return auth.edge.tooLarge(accept);
  }
  return await auth.handler(toWebRequest(auth, req, url, body));
}

/**
 * Answers an auth request on Node and writes the answer straight to the `ServerResponse`, with no
 * Web `Request` or `Response` on the way; never rejects. When even the 500 cannot be written (the
 * headers are gone), the connection is closed.
 *
 * @param auth - from `createAuth`.
 * @param req - the Node request.
 * @param res - the Node response.
 * @param url - the path and query as the app sees it.
 * @param parsed - a body a framework's parser already consumed, if any.
 */
export async function answerAuthRequest(auth: Auth, req: IncomingMessage, res: ServerResponse, url: string, parsed?: ParsedBody): Promise<void> {
  try {
    if (usesLeanPath(auth)) writeAnswer(res, await auth.edge.answer(nodeRequest(auth, req, url, parsed)));
    else await sendWebResponse(res, await webResponseFor(auth, req, url, parsed));
  } catch (error) {
    try {
      if (res.headersSent) throw error;
      writeAnswer(res, auth.edge.failureAnswer(error, req.headers.accept));
    } catch {
      res.destroy();
    }
  }
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
    } else if (
      name.length === 13 &&
      authorization === undefined &&
      (name === 'authorization' || name === 'Authorization' || name.toLowerCase() === 'authorization')
    ) {
      authorization = raw[i + 1];
    }
  }
  return { cookie, authorization };
}

/** The guard facts of a Node request. */
export function guardFacts(req: IncomingMessage, pathAndQuery = req.url ?? '/'): GuardRequest {
  const h = req.headers;
  return {
    pathAndQuery,
    accept: h.accept,
    authorization: h.authorization,
    xRequestedWith: h['x-requested-with'] as string | undefined,
    secFetchMode: h['sec-fetch-mode'] as string | undefined,
  };
}

/** The Node adapter. */
export interface NodeLatchkey {
  /**
   * Answers `/auth/*` requests; resolves true when it did. Never rejects: every method gets an
   * answer (405 with `Allow` for those a route does not serve), a failure a 500.
   */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  /** The user, or null after sending 302/401. Synchronous on a cached session. */
  requireUser(req: IncomingMessage, res: ServerResponse): SessionUser | null | Promise<SessionUser | null>;
  /** The user or null; never throws. */
  optionalUser(req: IncomingMessage): SessionUser | null | Promise<SessionUser | null>;
  /**
   * For a route's `catch`: when `error` is `REAUTH_REQUIRED` (the provider grant is gone, or more
   * scopes are needed), answers a 302 to re-consent (browsers) or a 401 JSON with the code (API
   * clients) and returns true; returns false for any other error, which is yours to answer.
   */
  reauth(error: unknown, req: IncomingMessage, res: ServerResponse): boolean;
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
    return s instanceof Promise
      ? s.then(
          (x) => x?.user ?? null,
          () => null,
        )
      : (s?.user ?? null);
  };
  return {
    async handle(req, res) {
      const url = req.url ?? '/';
      if (!url.startsWith(prefix)) return false;
      await answerAuthRequest(auth, req, res, url);
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
    reauth(error, req, res) {
      const answer = res.headersSent ? undefined : auth.reauthResponse(error, guardFacts(req));
      if (answer === undefined) return false;
      sendPlain(res, answer);
      return true;
    },
  };
}
