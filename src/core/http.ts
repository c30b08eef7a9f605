/**
 * Transport for every back-channel request Latchkey makes (discovery, JWKS, token, userinfo, PAR,
 * revocation): a timeout on every request, redirects refused, status and content type checked
 * before parsing, the body size bounded, and plain `http` only for loopback hosts unless the app
 * names a host in {@link HttpOptions.allowInsecureHttpHosts}.
 *
 * @module
 */
import { ProviderError, TransportError, type ErrorCode } from '../errors.js';

/** Transport options, accepted by every operation that talks to the provider. */
export interface HttpOptions {
  /** A `fetch` to use instead of the global one (proxies, tests). */
  readonly fetch?: typeof fetch;
  /** Milliseconds before a request is aborted. Default 10 000. */
  readonly timeoutMs?: number;
  /** Largest response body accepted, in bytes. Default 1 MiB. */
  readonly maxResponseBytes?: number;
  /**
   * Hostnames that may be reached over plain `http` although they are not loopback. Each must be
   * named: there is no global switch.
   */
  readonly allowInsecureHttpHosts?: readonly string[];
  /** Extra headers sent with every request (a User-Agent, for instance). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Defaults for {@link HttpOptions}. */
export const HTTP_DEFAULTS = { timeoutMs: 10_000, maxResponseBytes: 1024 * 1024 } as const;

/**
 * What a response body is expected to be. `stream`: a successful response is returned with its
 * body unread, for the caller to consume (resource-server calls); the timeout still covers the body.
 */
export type ExpectedBody = 'json' | 'jwt' | 'json-or-jwt' | 'none' | 'any' | 'stream';

/** A request as Latchkey sends it. */
export interface HttpRequest {
  readonly url: string | URL;
  readonly method?: 'GET' | 'POST';
  readonly headers?: HeadersInit;
  readonly body?: URLSearchParams | string;
  /** What the body must be for a successful status. */
  readonly expect: ExpectedBody;
  /** Statuses that count as success. Default: 200. */
  readonly okStatuses?: readonly number[];
  /** The error code for an OAuth error body (RFC 6749 §5.2) at this endpoint, e.g. `TOKEN_ERROR`. */
  readonly oauthErrorCode?: ErrorCode;
}

/** A checked response: the status was expected and the body had the expected type and size. */
export interface HttpResult {
  readonly status: number;
  readonly headers: Headers;
  /** The content type, lower-cased, without parameters ('' when absent). */
  readonly contentType: string;
  /** The body as text ('' for `expect: 'none'` and `expect: 'stream'`). */
  readonly text: string;
  /** The parsed JSON body, when the body was JSON. */
  readonly json?: unknown;
  /** The raw response (its body already consumed, except with `expect: 'stream'`). */
  readonly response: Response;
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** True when `hostname` is a loopback address (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127(?:\.\d{1,3}){3}$/.test(hostname) || hostname.endsWith('.localhost');
}

/**
 * Throws `INSECURE_TRANSPORT` unless `url` is `https`, or `http` to a loopback host or to a host the
 * app named in `allowInsecureHttpHosts`.
 *
 * @see [RFC 9700 - Best Current Practice for OAuth 2.0 Security, section 2.6](https://www.rfc-editor.org/rfc/rfc9700.html#section-2.6)
 */
export function assertSecureUrl(url: string | URL, options: HttpOptions = {}, what = 'endpoint'): URL {
  let parsed: URL;
  try {
    parsed = typeof url === 'string' ? new URL(url) : url;
  } catch (cause) {
    throw new TransportError('INSECURE_TRANSPORT', `The ${what} is not a valid absolute URL.`, { cause });
  }
  if (parsed.protocol === 'https:') return parsed;
  if (parsed.protocol === 'http:') {
    if (isLoopbackHost(parsed.hostname)) return parsed;
    if (options.allowInsecureHttpHosts?.includes(parsed.hostname)) return parsed;
    throw new TransportError(
      'INSECURE_TRANSPORT',
      `The ${what} ${parsed.origin} uses plain http; use https, or name "${parsed.hostname}" in allowInsecureHttpHosts for development.`,
      { url: parsed.href },
    );
  }
  throw new TransportError('INSECURE_TRANSPORT', `The ${what} must be an https URL (got "${parsed.protocol}").`, { url: parsed.href });
}

/**
 * Sends one request and checks the response. Throws a {@link TransportError} for network failures,
 * timeouts, redirects, unexpected statuses, content types and oversized bodies, and a
 * {@link ProviderError} (with `code` = `request.oauthErrorCode`) when an error status carries an
 * RFC 6749 §5.2 error body.
 */
export async function httpRequest(request: HttpRequest, options: HttpOptions = {}): Promise<HttpResult> {
  const url = assertSecureUrl(request.url, options);
  const urlText = url.href;
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? HTTP_DEFAULTS.timeoutMs;
  // Request headers win over the transport's default headers.
  const headers = new Headers(request.headers);
  if (options.headers) {
    for (const [k, v] of Object.entries(options.headers)) if (!headers.has(k)) headers.set(k, v);
  }
  if (!headers.has('accept')) headers.set('accept', acceptFor(request.expect));
  const deadline = startDeadline(timeoutMs);
  const signal = deadline.signal;
  let response: Response;
  try {
    response = await fetchImpl(urlText, {
      method: request.method ?? 'GET',
      headers,
      body: request.body,
      redirect: 'manual',
      signal,
    });
  } catch (cause) {
    deadline.done();
    if (signal.aborted) {
      throw new TransportError('HTTP_TIMEOUT', `No answer from ${url.origin}${url.pathname} within ${timeoutMs} ms.`, { cause, url: urlText });
    }
    throw new TransportError('HTTP_REQUEST_FAILED', `Request to ${url.origin}${url.pathname} failed: ${describeCause(cause)}.`, { cause, url: urlText });
  }

  // RFC 9700 §4.11: never follow redirects on back-channel requests (an open redirect would leak credentials).
  if (response.type === 'opaqueredirect' || (response.status >= 300 && response.status < 400)) {
    deadline.done();
    await cancel(response);
    throw new TransportError('HTTP_REDIRECT_REFUSED', `${url.origin}${url.pathname} answered with a redirect (HTTP ${response.status}); redirects are not followed.`, { url: urlText, response });
  }

  const contentType = (response.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  const ok = (request.okStatuses ?? [200]).includes(response.status);
  if (ok && request.expect === 'stream') {
    // The deadline stays armed: it also bounds the caller's read of the body.
    return { status: response.status, headers: response.headers, contentType, text: '', response };
  }
  let text: string;
  try {
    text = await readBounded(response, options.maxResponseBytes ?? HTTP_DEFAULTS.maxResponseBytes, urlText, signal, timeoutMs);
  } finally {
    deadline.done();
  }

  if (!ok) {
    // RFC 6749 §5.2 / RFC 6750 §3: an error status may carry a JSON error body.
    if (request.oauthErrorCode && isJsonType(contentType)) {
      const body = tryParseJson(text);
      if (isOAuthErrorBody(body)) {
        throw new ProviderError(
          request.oauthErrorCode,
          { error: body.error, error_description: optionalString(body.error_description), error_uri: optionalString(body.error_uri), httpStatus: response.status },
          { response },
        );
      }
    }
    if (request.oauthErrorCode && (response.status === 401 || response.status === 400)) {
      const challenge = parseWwwAuthenticate(response.headers.get('www-authenticate'));
      if (challenge?.error) {
        throw new ProviderError(request.oauthErrorCode, { error: challenge.error, error_description: challenge.error_description, httpStatus: response.status }, { response });
      }
    }
    const code: ErrorCode = response.status >= 500 ? 'HTTP_PROVIDER_UNAVAILABLE' : 'HTTP_BAD_STATUS';
    throw new TransportError(code, `${url.origin}${url.pathname} answered HTTP ${response.status}${contentType ? ` (${contentType})` : ''}.`, { url: urlText, response });
  }

  let json: unknown;
  switch (request.expect) {
    case 'none':
    case 'any':
    case 'stream':
      break;
    case 'json':
      json = parseJsonBody(text, contentType, urlText, response);
      break;
    case 'jwt':
      if (contentType !== 'application/jwt') throw badContentType(contentType, 'application/jwt', urlText, response);
      break;
    case 'json-or-jwt':
      if (contentType === 'application/jwt') break;
      json = parseJsonBody(text, contentType, urlText, response);
      break;
  }
  return { status: response.status, headers: response.headers, contentType, text, json, response };
}

/** Sends a request that must answer with a JSON object, and returns that object. */
export async function fetchJsonObject(request: Omit<HttpRequest, 'expect'>, options: HttpOptions = {}): Promise<Record<string, unknown>> {
  const result = await httpRequest({ ...request, expect: 'json' }, options);
  if (!isPlainObject(result.json)) {
    throw new TransportError('HTTP_INVALID_JSON', `${describeUrl(result.response.url || String(request.url))} did not answer with a JSON object.`, { url: String(request.url), response: result.response });
  }
  return result.json;
}

/**
 * Reads the body of a response obtained with `expect: 'stream'` (e.g. from
 * `OidcClient.fetchResource`), bounded like every other back-channel body.
 *
 * @param response - the response, body unread.
 * @param url - the URL it came from (for messages; the query is never shown).
 * @param maxBytes - the limit; default {@link HTTP_DEFAULTS}.maxResponseBytes.
 * @returns the body as text.
 * @throws {TransportError} `HTTP_BODY_TOO_LARGE`, `HTTP_TIMEOUT`, `HTTP_REQUEST_FAILED`.
 */
export async function readLimitedText(response: Response, url: string | URL, maxBytes: number = HTTP_DEFAULTS.maxResponseBytes): Promise<string> {
  const classify = new AbortController();
  try {
    return await readBounded(response, maxBytes, String(url), classify.signal, 0);
  } catch (error) {
    // The transport's deadline aborts a streamed body with a TimeoutError.
    const cause = (error as { cause?: unknown }).cause;
    if (error instanceof TransportError && error.code === 'HTTP_REQUEST_FAILED' && (cause as { name?: string } | undefined)?.name === 'TimeoutError') {
      throw new TransportError('HTTP_TIMEOUT', `The body from ${describeUrl(String(url))} did not arrive in time.`, { cause, url: String(url) });
    }
    throw error;
  }
}

/** A parsed `WWW-Authenticate` challenge (RFC 6750 §3, RFC 9449 §7.1). */
export interface WwwAuthenticateChallenge {
  readonly scheme: string;
  readonly error?: string;
  readonly error_description?: string;
  readonly params: Readonly<Record<string, string>>;
}

/**
 * Parses the first challenge of a `WWW-Authenticate` header. The scheme is lower-cased (schemes
 * are case-insensitive, RFC 9110 §11.1).
 */
export function parseWwwAuthenticate(header: string | null): WwwAuthenticateChallenge | undefined {
  if (!header) return undefined;
  const m = /^\s*([A-Za-z0-9!#$%&'*+.^_`|~-]+)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  const re = /([A-Za-z0-9_-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))\s*,?\s*/g;
  let p: RegExpExecArray | null;
  while ((p = re.exec(m[2]!)) !== null) {
    params[p[1]!.toLowerCase()] = p[2] !== undefined ? p[2].replace(/\\(.)/g, '$1') : p[3]!;
  }
  return { scheme: m[1]!.toLowerCase(), error: params.error, error_description: params.error_description, params };
}

/** True for a JSON object that is not an array or null. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

interface Deadline {
  readonly signal: AbortSignal;
  /** Disarms the deadline once the exchange is over. */
  done(): void;
}

interface ArmedDeadline {
  readonly controller: AbortController;
  readonly at: number;
}

/** How often armed deadlines are checked, in ms: the timeout's precision. */
const DEADLINE_TICK_MS = 50;
/**
 * Armed deadlines, bucketed by timeout: within a bucket, insertion order is deadline order (the
 * clock is monotonic), so a tick stops at the first live entry of each bucket.
 */
const armed = new Map<number, Set<ArmedDeadline>>();
let ticker: ReturnType<typeof setInterval> | undefined;

/**
 * A per-request deadline. One shared ticker aborts every expired request: a timer per request
 * (`AbortSignal.timeout`) costs about a tenth of a loopback request's throughput, this costs nothing
 * measurable (see BENCHMARKS.md).
 */
function startDeadline(timeoutMs: number): Deadline {
  const entry: ArmedDeadline = { controller: new AbortController(), at: performance.now() + timeoutMs };
  let bucket = armed.get(timeoutMs);
  if (bucket === undefined) armed.set(timeoutMs, (bucket = new Set()));
  bucket.add(entry);
  if (ticker === undefined) {
    ticker = setInterval(tick, DEADLINE_TICK_MS);
    (ticker as { unref?: () => void }).unref?.();
  }
  const owner = bucket;
  return {
    signal: entry.controller.signal,
    done: () => {
      owner.delete(entry);
    },
  };
}

function tick(): void {
  const now = performance.now();
  for (const [timeoutMs, bucket] of armed) {
    for (const entry of bucket) {
      if (entry.at > now) break;
      bucket.delete(entry);
      entry.controller.abort(new DOMException('The operation timed out.', 'TimeoutError'));
    }
    if (bucket.size === 0) armed.delete(timeoutMs);
  }
  if (armed.size === 0 && ticker !== undefined) {
    clearInterval(ticker);
    ticker = undefined;
  }
}

function acceptFor(expect: ExpectedBody): string {
  switch (expect) {
    case 'json':
      return 'application/json';
    case 'jwt':
      return 'application/jwt';
    case 'json-or-jwt':
      return 'application/json, application/jwt';
    default:
      return '*/*';
  }
}

function isJsonType(contentType: string): boolean {
  return contentType === 'application/json' || (contentType.startsWith('application/') && contentType.endsWith('+json'));
}

function parseJsonBody(text: string, contentType: string, url: string, response: Response): unknown {
  if (!isJsonType(contentType)) throw badContentType(contentType, 'application/json', url, response);
  const parsed = tryParseJson(text);
  if (parsed === undefined) {
    throw new TransportError('HTTP_INVALID_JSON', `${describeUrl(url)} answered with a body that is not valid JSON.`, { url, response });
  }
  return parsed;
}

function badContentType(actual: string, expected: string, url: string, response: Response): TransportError {
  return new TransportError(
    'HTTP_BAD_CONTENT_TYPE',
    `${describeUrl(url)} answered with content type "${actual || 'none'}" where "${expected}" was expected${actual === 'text/html' ? ' (an HTML page: is the endpoint URL right?)' : ''}.`,
    { url, response },
  );
}

function tryParseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isOAuthErrorBody(body: unknown): body is { error: string; error_description?: unknown; error_uri?: unknown } {
  return isPlainObject(body) && typeof body.error === 'string' && body.error.length > 0;
}

function optionalString(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

async function readBounded(response: Response, limit: number, url: string, signal: AbortSignal, timeoutMs: number): Promise<string> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) {
    await cancel(response);
    throw new TransportError('HTTP_BODY_TOO_LARGE', `${describeUrl(url)} answered with ${declared} bytes; the limit is ${limit}.`, { url, response });
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => {});
        throw new TransportError('HTTP_BODY_TOO_LARGE', `${describeUrl(url)} answered with more than ${limit} bytes.`, { url, response });
      }
      chunks.push(value);
    }
  } catch (cause) {
    if (cause instanceof TransportError) throw cause;
    if (signal.aborted) throw new TransportError('HTTP_TIMEOUT', `The body from ${describeUrl(url)} did not arrive within ${timeoutMs} ms.`, { cause, url });
    throw new TransportError('HTTP_REQUEST_FAILED', `Reading the body from ${describeUrl(url)} failed: ${describeCause(cause)}.`, { cause, url });
  }
  const all = new Uint8Array(size);
  let offset = 0;
  for (const c of chunks) {
    all.set(c, offset);
    offset += c.byteLength;
  }
  return new TextDecoder().decode(all);
}

async function cancel(response: Response): Promise<void> {
  try {
    await response.body?.cancel();
  } catch {
    // The body may already be closed; nothing to release.
  }
}

function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return 'the provider';
  }
}

function describeCause(cause: unknown): string {
  const inner = (cause as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (inner && typeof inner.code === 'string') return inner.code;
  if (cause instanceof Error) return cause.message;
  return 'network error';
}
