/**
 * The Node-side pieces the Node-family adapters share (node:http, Express, Fastify, Hono on
 * @hono/node-server): the lazy request shape of a Node request, the bounded body reader, the writer
 * of an answer straight to a `ServerResponse`, the credential headers read from `rawHeaders`, and
 * the Web fallback for an `Auth` whose handler was replaced. Internal: not an entry point of the
 * package (`latchkey/adapters/internal/*` is not exported); each adapter entry exports only its
 * documented API.
 *
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Auth } from '../../app/create-auth.js';
import { MAX_BODY_MS } from '../../app/edge.js';
import type { GuardAdapter, GuardRequest, PlainResponse } from '../../app/guards.js';
import { type AuthAnswer, type AuthRequest, answerToWeb } from '../../app/http-shapes.js';
import { SessionError } from '../../errors.js';

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
 * Whether a raw request path is one the URL parser would leave as it is (so it can be routed
 * without parsing the URL).
 *
 * @param path - the path, without its query.
 * @returns true when it has no dot segments, escapes, backslashes or leading `//`.
 */
export function isPlainPath(path: string): boolean {
  return PLAIN_PATH.test(path);
}

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
 * asks for one. One object per request (a class: no closures allocated).
 */
class NodeAuthRequest implements AuthRequest {
  readonly method: string;
  readonly path: string;
  readonly origin: string;
  readonly #auth: Auth;
  readonly #req: IncomingMessage;
  readonly #url: string;
  readonly #q: number;
  readonly #parsed: ParsedBody | SessionError | undefined;
  #web: Request | undefined;
  #parsedUrl: URL | undefined;
  #credentials: ReturnType<typeof credentialHeaders> | undefined;
  #bodyText: string | undefined;

  constructor(auth: Auth, req: IncomingMessage, url: string, parsed: ParsedBody | SessionError | undefined) {
    this.#auth = auth;
    this.#req = req;
    this.#url = url;
    this.#parsed = parsed;
    this.origin = auth.config.origin;
    this.method = req.method ?? 'GET';
    const q = url.indexOf('?');
    this.#q = q;
    const rawPath = q === -1 ? url : url.slice(0, q);
    // The URL parser normalizes paths (dot segments, escapes): only a plain path skips it.
    this.path = PLAIN_PATH.test(rawPath) ? rawPath : this.#full().pathname;
  }

  #full(): URL {
    this.#parsedUrl ??= new URL(this.#url, this.origin);
    return this.#parsedUrl;
  }

  #credential(): ReturnType<typeof credentialHeaders> {
    this.#credentials ??= credentialHeaders(this.#req);
    return this.#credentials;
  }

  get search(): string {
    return this.#q === -1 ? '' : this.#full().search;
  }

  get query(): URLSearchParams {
    return this.#full().searchParams;
  }

  get remoteAddress(): string | undefined {
    return this.#req.socket?.remoteAddress;
  }

  get cookie(): string | null {
    return this.#credential().cookie ?? null;
  }

  header(name: string): string | null {
    if (name === 'cookie') return this.#credential().cookie ?? null;
    if (name === 'authorization') return this.#credential().authorization ?? null;
    return nodeHeader(this.#req, name);
  }

  async readBody(limit: number, timeoutMs: number): Promise<string> {
    const parsed = this.#parsed;
    if (parsed instanceof SessionError) throw parsed;
    const text = parsed ? (parsed.bytes > limit ? undefined : parsed.text) : await readNodeBody(this.#req, limit, timeoutMs);
    if (text === undefined) throw new SessionError('PAYLOAD_TOO_LARGE');
    // A Web request built before the body was read had none: the next one carries it.
    if (this.#bodyText === undefined && parsed === undefined) this.#web = undefined;
    this.#bodyText = text;
    return text;
  }

  refuseBody(): void {
    lingerThenClose(this.#req);
  }

  /**
   * The Web `Request` of this request, built on first call and the same object after (with the
   * body a parser handed over, or once read; one built before a streamed body was read is built
   * again after).
   */
  toWeb(): Request {
    const parsed = this.#parsed;
    this.#web ??= toWebRequest(this.#auth, this.#req, this.#url, this.#bodyText ?? (parsed instanceof SessionError ? undefined : parsed?.text));
    return this.#web;
  }
}

/**
 * The request shape of a Node request, built lazily (see {@link NodeAuthRequest}).
 *
 * @param auth - from `createAuth`.
 * @param req - the Node request.
 * @param url - the path and query as the app sees it.
 * @param parsed - a body a framework's parser already consumed, if any, or the refusal its reading ended in.
 * @returns the request shape.
 */
export function nodeRequest(auth: Auth, req: IncomingMessage, url: string, parsed?: ParsedBody | SessionError): AuthRequest {
  return new NodeAuthRequest(auth, req, url, parsed);
}

/**
 * Writes an answer straight to a Node response: one `writeHead`, one `end`, with a
 * `Content-Length` on a body so that Node sends the head and the body in one write, without
 * chunked framing.
 *
 * @param res - the Node response.
 * @param answer - the answer.
 */
export function writeAnswer(res: ServerResponse, answer: AuthAnswer): void {
  const body = answer.body;
  const headers: Record<string, string | string[]> = { ...answer.headers };
  if (answer.setCookies.length > 0) headers['set-cookie'] = answer.setCookies as string[];
  if (body !== null) headers['content-length'] = String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);
  res.writeHead(answer.status, headers);
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
    if (usesLeanPath(auth)) {
      const answer = auth.edge.answer(nodeRequest(auth, req, url, parsed));
      return answerToWeb(answer instanceof Promise ? await answer : answer);
    }
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
 * Web `Request` or `Response` on the way; never rejects. An answer the route gives synchronously (a
 * signed-in `GET /auth/session` from the caches) is written before this returns, with no promise
 * on the way. When even the 500 cannot be written (the headers are gone), the connection is closed.
 *
 * @param auth - from `createAuth`.
 * @param req - the Node request.
 * @param res - the Node response.
 * @param url - the path and query as the app sees it.
 * @param parsed - a body a framework's parser already consumed, if any.
 * @returns nothing, or a promise settled once the answer is written.
 */
export function answerAuthRequest(auth: Auth, req: IncomingMessage, res: ServerResponse, url: string, parsed?: ParsedBody): void | Promise<void> {
  try {
    if (!usesLeanPath(auth))
      return webResponseFor(auth, req, url, parsed)
        .then((response) => sendWebResponse(res, response))
        .catch((error: unknown) => writeFailure(auth, req, res, error));
    const answer = auth.edge.answer(nodeRequest(auth, req, url, parsed));
    if (answer instanceof Promise) return answer.then((a) => writeAnswer(res, a)).catch((error: unknown) => writeFailure(auth, req, res, error));
    writeAnswer(res, answer);
  } catch (error) {
    writeFailure(auth, req, res, error);
  }
}

/** The last-resort 500, or a closed connection when even that cannot be written. */
function writeFailure(auth: Auth, req: IncomingMessage, res: ServerResponse, error: unknown): void {
  try {
    if (res.headersSent) throw error;
    writeAnswer(res, auth.edge.failureAnswer(error, req.headers.accept));
  } catch {
    res.destroy();
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
 * Sends a guard's answer ({@link Auth.guardAnswer}), now or once its development check is done.
 *
 * @param res - the Node response.
 * @param p - the answer, or its promise.
 * @returns undefined when sent now, else a promise settled once sent.
 */
export function sendGuardAnswer(res: ServerResponse, p: PlainResponse | Promise<PlainResponse>): Promise<void> | undefined {
  if (!(p instanceof Promise)) {
    sendPlain(res, p);
    return undefined;
  }
  return p.then((answer) => sendPlain(res, answer));
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
export function guardFacts(req: IncomingMessage, pathAndQuery = req.url ?? '/', adapter: GuardAdapter = 'node'): GuardRequest {
  const h = req.headers;
  return {
    adapter,
    pathAndQuery,
    accept: h.accept,
    authorization: h.authorization,
    xRequestedWith: h['x-requested-with'] as string | undefined,
    secFetchMode: h['sec-fetch-mode'] as string | undefined,
  };
}
