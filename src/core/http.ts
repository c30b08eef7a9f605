/**
 * Transport for every back-channel request Latchkey makes (discovery, JWKS, token, userinfo, PAR,
 * revocation, resource calls): a timeout on every request, redirects refused, status and content
 * type checked before parsing, the body size bounded, and every URL checked against the endpoint
 * policy before anything is sent (`./endpoint-policy.ts`: https, or http to loopback or to a host
 * named in {@link HttpOptions.allowInsecureHttpHosts}; no credentials in URLs; no private-network,
 * link-local or foreign loopback address, as written or after DNS resolution).
 *
 * @module
 */
import { type ErrorCode, LatchkeyError, ProviderError, TransportError } from '../errors.js';
import { BoundedMap } from '../internal/bounded-map.js';
import { readBoundedText } from '../internal/bounded-read.js';
import { isLoopbackHost } from '../internal/loopback.js';
import { type CheckedEndpoint, checkEndpoint, checkResolution, DEFAULT_ENDPOINT_POLICY, type EndpointPolicy, type HostResolver } from './endpoint-policy.js';

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
   * named: there is no global switch. Their addresses are still checked by the endpoint policy.
   */
  readonly allowInsecureHttpHosts?: readonly string[];
  /** Extra headers sent with every request (a User-Agent, for instance). */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * The endpoint policy every request is checked against (see `createEndpointPolicy`).
   * `OidcClient` and `discover` set it from the issuer, `issuerSource` and `allowPrivateNetwork`;
   * without one, loopback literals are accepted and private-network addresses refused.
   */
  readonly endpointPolicy?: EndpointPolicy;
  /**
   * Resolves host names so that their addresses can be checked before a request (a name that
   * resolves to 10.0.0.5 is refused like the literal). Default: `node:dns` `lookup` where it
   * exists; nothing elsewhere. Pass `async () => []` to skip the check (an egress proxy that
   * enforces its own policy, for instance).
   */
  readonly resolveHost?: HostResolver;
}

/** Defaults for {@link HttpOptions}. */
export const HTTP_DEFAULTS = { timeoutMs: 10_000, maxResponseBytes: 1024 * 1024 } as const;

/**
 * What a response body is expected to be. `stream`: a successful response is returned with its
 * body unread, for the caller to consume (resource-server calls); the timeout still covers the body.
 */
export type ExpectedBody = 'json' | 'jwt' | 'json-or-jwt' | 'none' | 'any' | 'stream';

/** The methods Latchkey sends: GET and POST to the provider's endpoints; PUT, PATCH and DELETE too to its APIs. */
export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** A request as Latchkey sends it. */
export interface HttpRequest {
  readonly url: string | URL;
  readonly method?: HttpMethod;
  readonly headers?: HeadersInit;
  readonly body?: URLSearchParams | string;
  /** What the body must be for a successful status. */
  readonly expect: ExpectedBody;
  /** Statuses that count as success. Default: 200. */
  readonly okStatuses?: readonly number[];
  /** The error code for an OAuth error body (RFC 6749 §5.2) at this endpoint, e.g. `TOKEN_ERROR`. */
  readonly oauthErrorCode?: ErrorCode;
  /** A provider's own JSON error shape mapped onto RFC 6749 §5.2 (with `oauthErrorCode`); see {@link OAuthErrorMapper}. */
  readonly conformErrorBody?: OAuthErrorMapper;
}

/**
 * Maps a JSON error answer that is not an RFC 6749 §5.2 body (Twitch's `{ status, message }`,
 * Facebook's `{ error: { message, type, code } }`) onto `error` / `error_description`, so that it
 * surfaces as a `ProviderError` with an OAuth error code (`invalid_grant` → re-consent) instead of
 * a bare bad status. `undefined` leaves the answer unmapped.
 */
export type OAuthErrorMapper = (httpStatus: number, body: Readonly<Record<string, unknown>>) => { error: string; error_description?: string } | undefined;

/** A checked response: the status was expected and the body had the expected type and size. */
export interface HttpResult {
  readonly status: number;
  readonly headers: Headers;
  /** The content type, lower-cased, without parameters ('' when absent, and for a successful `expect: 'stream'`). */
  readonly contentType: string;
  /** The body as text ('' for `expect: 'none'` and `expect: 'stream'`). */
  readonly text: string;
  /** The parsed JSON body, when the body was JSON. */
  readonly json?: unknown;
  /** The raw response (its body already consumed, except with `expect: 'stream'`). */
  readonly response: Response;
}

/** The loopback test for browser-facing URLs (defined in `src/internal/loopback.ts`, shared with the API-origin checks). */
export { isLoopbackHost };

/**
 * URL strings already checked under each policy (without `allowInsecureHttpHosts`, whose verdict
 * depends on the options): an API called again and again is parsed once. Bounded; the oldest go first.
 */
const checkedUrls = new WeakMap<EndpointPolicy, BoundedMap<string, CheckedEndpoint>>();
const CHECKED_URLS_MAX = 512;

/** {@link checkEndpoint} for the transport, remembering verdicts that do not depend on the options. */
function checkSecureUrl(text: string, options: HttpOptions): CheckedEndpoint {
  const policy = options.endpointPolicy ?? DEFAULT_ENDPOINT_POLICY;
  let cache = checkedUrls.get(policy);
  const hit = cache?.get(text);
  if (hit !== undefined) return hit;
  const checked = checkEndpoint(text, options);
  if (!checked.usedInsecureHostAllowance) {
    if (cache === undefined) checkedUrls.set(policy, (cache = new BoundedMap({ maxEntries: CHECKED_URLS_MAX })));
    cache.set(text, checked);
  }
  return checked;
}

/**
 * Checks a URL against the endpoint policy before anything is sent to it: a valid absolute URL,
 * `https` (or `http` to loopback or to a host named in `allowInsecureHttpHosts`), no credentials,
 * no numeric-encoded or refused address literal. The DNS part of the policy runs at request time.
 *
 * @param url - the URL (a string keeps the written form, which numeric encodings are checked on).
 * @param options - transport options (`allowInsecureHttpHosts`, `endpointPolicy`).
 * @param what - what the URL is, for messages.
 * @returns the parsed URL.
 * @throws TransportError `INSECURE_TRANSPORT`, `ENDPOINT_REFUSED`.
 * @see [RFC 9700 - Best Current Practice for OAuth 2.0 Security, section 2.6](https://www.rfc-editor.org/rfc/rfc9700.html#section-2.6)
 */
export function assertSecureUrl(url: string | URL, options: HttpOptions = {}, what = 'endpoint'): URL {
  return checkEndpoint(url, options, what).url;
}

/**
 * Sends one request and checks the response. Throws a {@link TransportError} for network failures,
 * timeouts, redirects, unexpected statuses, content types and oversized bodies, and a
 * {@link ProviderError} (with `code` = `request.oauthErrorCode`) when an error status carries an
 * RFC 6749 §5.2 error body.
 */
export async function httpRequest(request: HttpRequest, options: HttpOptions = {}): Promise<HttpResult> {
  const exchange = startExchange(request, request.expect, options);
  const { urlText, timeoutMs, deadline } = exchange;
  const signal = deadline.controller.signal;
  let response: Response;
  try {
    response = await exchange.sent;
  } catch (cause) {
    endDeadline(deadline);
    throw fetchFailure(exchange, cause);
  }

  // RFC 9700 §4.11: never follow redirects on back-channel requests (an open redirect would leak credentials).
  if (response.type === 'opaqueredirect' || (response.status >= 300 && response.status < 400)) {
    endDeadline(deadline);
    await cancel(response);
    throw redirectRefused(exchange, response);
  }

  const ok = request.okStatuses === undefined ? response.status === 200 : request.okStatuses.includes(response.status);
  if (ok && request.expect === 'stream') {
    // The deadline also bounds the caller's read of the body, which is the caller's to check.
    return { status: response.status, headers: response.headers, contentType: '', text: '', response };
  }
  const contentType = (response.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  let text: string;
  try {
    text = await readBounded(response, options.maxResponseBytes ?? HTTP_DEFAULTS.maxResponseBytes, urlText, signal, timeoutMs);
  } finally {
    endDeadline(deadline);
  }

  if (!ok) {
    // What the server answered is shown to the end user and logged: never a credential this request carried.
    const scrub = (value: string | undefined): string | undefined => (value === undefined ? undefined : withoutSentSecrets(value, request));
    // RFC 6749 §5.2 / RFC 6750 §3: an error status may carry a JSON error body.
    if (request.oauthErrorCode && isJsonType(contentType)) {
      const body = tryParseJson(text);
      if (isOAuthErrorBody(body)) {
        throw new ProviderError(
          request.oauthErrorCode,
          {
            error: scrub(body.error)!,
            error_description: scrub(optionalString(body.error_description)),
            error_uri: scrub(optionalString(body.error_uri)),
            httpStatus: response.status,
          },
          { response },
        );
      }
      const mapped = request.conformErrorBody && isPlainObject(body) ? request.conformErrorBody(response.status, body) : undefined;
      if (mapped && typeof mapped.error === 'string' && mapped.error.length > 0) {
        throw new ProviderError(
          request.oauthErrorCode,
          { error: scrub(mapped.error)!, error_description: scrub(mapped.error_description), httpStatus: response.status },
          { response },
        );
      }
    }
    if (request.oauthErrorCode && (response.status === 401 || response.status === 400)) {
      const challenge = parseWwwAuthenticate(response.headers.get('www-authenticate'));
      if (challenge?.error) {
        throw new ProviderError(
          request.oauthErrorCode,
          { error: scrub(challenge.error)!, error_description: scrub(challenge.error_description), httpStatus: response.status },
          { response },
        );
      }
    }
    const code: ErrorCode = response.status >= 500 ? 'HTTP_PROVIDER_UNAVAILABLE' : 'HTTP_BAD_STATUS';
    throw new TransportError(code, `${describeUrl(urlText)} answered HTTP ${response.status}${contentType ? ` (${contentType})` : ''}.`, {
      url: urlText,
      response,
    });
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

/**
 * Sends a request and returns its response with the body unread, whatever the status (a resource
 * server's 4xx is the caller's to handle). The deadline also bounds the caller's read of the body.
 * Redirects are not followed (RFC 9700 §4.11): a 3xx comes back as a body-less response, and a
 * redirect the `fetch` in use hides (`opaqueredirect`) is refused with `HTTP_REDIRECT_REFUSED`.
 * One step after `fetch` settles (this is the hot path of every provider API call); `next`, when
 * given, runs in that same step on the response, and its result is what the promise settles with.
 *
 * @throws {TransportError} `HTTP_TIMEOUT`, `HTTP_REQUEST_FAILED`, `HTTP_REDIRECT_REFUSED`, `INSECURE_TRANSPORT`.
 */
export function fetchStream(
  request: Omit<HttpRequest, 'expect' | 'okStatuses' | 'oauthErrorCode'>,
  options: HttpOptions = {},
  next?: (response: Response) => Response | Promise<Response>,
): Promise<Response> {
  let exchange: Exchange;
  try {
    exchange = startExchange(request, 'stream', options);
  } catch (error) {
    return Promise.reject(error);
  }
  // One `then` (an async function here measured a little slower): see BENCHMARKS.md.
  return exchange.sent.then(
    (response) => {
      if (response.status >= 300 && response.status < 400) {
        endDeadline(exchange.deadline);
        void cancel(response);
        const unfollowed = unfollowedRedirect(response);
        return next ? next(unfollowed) : unfollowed;
      }
      if (response.type === 'opaqueredirect') {
        endDeadline(exchange.deadline);
        throw redirectRefused(exchange, response);
      }
      return next ? next(response) : response;
    },
    (cause: unknown) => {
      endDeadline(exchange.deadline);
      throw fetchFailure(exchange, cause);
    },
  );
}

/**
 * A redirect handed back unfollowed: its status and headers (the `Location` for the caller to
 * judge), without the body (RFC 9700 §4.11: the token is never replayed to the target).
 */
export function unfollowedRedirect(response: Response): Response {
  return new Response(null, { status: response.status, headers: response.headers });
}

/** One request on its way: what it was sent to, its deadline, and fetch's promise. */
interface Exchange {
  readonly urlText: string;
  readonly timeoutMs: number;
  readonly deadline: Cohort;
  readonly sent: Promise<Response>;
}

/** Checks the URL, merges the headers, arms the deadline and calls fetch (without awaiting it). */
function startExchange(request: Omit<HttpRequest, 'expect'>, expect: ExpectedBody, options: HttpOptions): Exchange {
  const urlText = typeof request.url === 'string' ? request.url : request.url.href;
  // The endpoint policy, before any byte is sent: the URL as written, then (for a name) its addresses.
  const addressCheck = checkResolution(checkSecureUrl(urlText, options), options, urlText);
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const timeoutMs = options.timeoutMs ?? HTTP_DEFAULTS.timeoutMs;
  const headers = headerRecord(request.headers, options.headers, expect);
  const deadline = startDeadline(timeoutMs);
  const signal = deadline.controller.signal;
  // Only the members in use: fetch does less for a request without method and body.
  const init: RequestInit =
    request.body === undefined && (request.method === undefined || request.method === 'GET')
      ? { headers, redirect: 'manual', signal }
      : { method: request.method ?? 'GET', headers, body: request.body, redirect: 'manual', signal };
  const send = (): Promise<Response> => {
    try {
      return fetchImpl(urlText, init);
    } catch (cause) {
      // A fetch that throws instead of rejecting (a custom one) fails the same way.
      return Promise.reject(cause);
    }
  };
  const sent = addressCheck === undefined ? send() : untilAborted(addressCheck, signal).then(send);
  return { urlText, timeoutMs, deadline, sent };
}

/** `work`, or a rejection as soon as `signal` aborts (a DNS lookup cannot be cancelled, only left). */
function untilAborted(work: Promise<void>, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const onAbort = (): void => reject(signal.reason);
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}

function fetchFailure(exchange: Exchange, cause: unknown): LatchkeyError {
  const { urlText, timeoutMs } = exchange;
  // The endpoint policy refused the URL after resolving its name: nothing was sent.
  if (cause instanceof LatchkeyError) return cause;
  if (exchange.deadline.controller.signal.aborted) {
    return new TransportError('HTTP_TIMEOUT', `No answer from ${describeUrl(urlText)} within ${timeoutMs} ms.`, { cause, url: urlText });
  }
  return new TransportError('HTTP_REQUEST_FAILED', `Request to ${describeUrl(urlText)} failed: ${describeCause(cause)}.`, { cause, url: urlText });
}

function redirectRefused(exchange: Exchange, response: Response): TransportError {
  return new TransportError(
    'HTTP_REDIRECT_REFUSED',
    `${describeUrl(exchange.urlText)} answered with a redirect (HTTP ${response.status}); redirects are not followed.`,
    {
      url: exchange.urlText,
      response,
    },
  );
}

/** Sends a request that must answer with a JSON object, and returns that object. */
export async function fetchJsonObject(request: Omit<HttpRequest, 'expect'>, options: HttpOptions = {}): Promise<Record<string, unknown>> {
  const result = await httpRequest({ ...request, expect: 'json' }, options);
  if (!isPlainObject(result.json)) {
    throw new TransportError('HTTP_INVALID_JSON', `${describeUrl(result.response.url || String(request.url))} did not answer with a JSON object.`, {
      url: String(request.url),
      response: result.response,
    });
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

/** How long a cohort of requests keeps accepting members, in ms: the timeout's precision. */
const COHORT_WINDOW_MS = 50;
/**
 * Most requests sharing one signal. Each request adds an abort listener to the signal, and both
 * adding one and fetch's own listener bookkeeping walk the signal's listener list: a small cap keeps
 * that walk short and far below Node's EventTarget listener warning.
 */
const COHORT_MAX_MEMBERS = 16;
/** The abort reason of every deadline (one instance: a `DOMException` is costly to create). */
const TIMED_OUT = new DOMException('The operation timed out.', 'TimeoutError');

interface Cohort {
  readonly controller: AbortController;
  /** `performance.now()` after which no request joins. */
  readonly closesAt: number;
  readonly timer: ReturnType<typeof setTimeout>;
  members: number;
  /** Members whose exchange is not over yet (streamed bodies count until the deadline). */
  pending: number;
}

/** The open cohort for each timeout value. */
const openCohorts = new Map<number, Cohort>();

/**
 * A per-request deadline, shared by the requests that start within {@link COHORT_WINDOW_MS} of
 * each other with the same timeout: they get one `AbortSignal`, aborted by one timer once the
 * last of them has had its full timeout. Each request therefore gets between `timeoutMs` and
 * `timeoutMs + COHORT_WINDOW_MS`. A signal and a timer per request (`AbortSignal.timeout`) cost
 * about a tenth of a loopback request (BENCHMARKS.md). When every member is done and no more can
 * join, the timer is cleared; otherwise aborting a signal whose requests are finished is harmless.
 */
function startDeadline(timeoutMs: number): Cohort {
  const now = performance.now();
  let cohort = openCohorts.get(timeoutMs);
  if (cohort === undefined || now >= cohort.closesAt || cohort.members >= COHORT_MAX_MEMBERS) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(TIMED_OUT), timeoutMs + COHORT_WINDOW_MS);
    // A pending deadline must not keep a process (a CLI, a test run) alive.
    (timer as { unref?: () => void }).unref?.();
    cohort = { controller, closesAt: now + COHORT_WINDOW_MS, timer, members: 0, pending: 0 };
    openCohorts.set(timeoutMs, cohort);
  }
  cohort.members++;
  cohort.pending++;
  return cohort;
}

/** One exchange of the cohort is over (body read or refused; call once): the timer goes once all are over. */
function endDeadline(cohort: Cohort): void {
  cohort.pending--;
  if (cohort.pending === 0 && (cohort.members >= COHORT_MAX_MEMBERS || performance.now() >= cohort.closesAt)) clearTimeout(cohort.timer);
}

/**
 * The request's headers: the transport's defaults, then the request's own (which win), then an
 * `Accept` for the expected body unless the request set one (fetch itself sends a wildcard). Merged
 * into one plain record with lower-case names (fetch copies a record faster than a `Headers`).
 */
function headerRecord(own: HeadersInit | undefined, defaults: Readonly<Record<string, string>> | undefined, expect: ExpectedBody): HeadersInit {
  const accept = acceptFor(expect);
  // Nothing to merge: fetch takes the request's own headers as they are (it copies them).
  if (defaults === undefined && accept === undefined && own !== undefined) return own;
  const out: Record<string, string> = {};
  if (defaults) for (const name of Object.keys(defaults)) out[name.toLowerCase()] = defaults[name]!;
  Object.assign(out, toHeaderRecord(own));
  if (out.accept === undefined && accept !== undefined) out.accept = accept;
  return out;
}

/**
 * Any `HeadersInit` as a plain record with lower-case names; repeated names are combined, as
 * `Headers` does (RFC 9110 §5.3).
 */
export function toHeaderRecord(init: HeadersInit | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  if (init === undefined) return out;
  if (init instanceof Headers) {
    init.forEach((value, name) => {
      out[name] = value;
    });
  } else if (Array.isArray(init)) {
    for (const [rawName, value] of init) {
      const name = rawName!.toLowerCase();
      out[name] = out[name] === undefined ? value! : `${out[name]}, ${value}`;
    }
  } else {
    for (const name of Object.keys(init)) {
      const key = name.toLowerCase();
      const value = (init as Record<string, string>)[name]!;
      out[key] = out[key] === undefined ? value : `${out[key]}, ${value}`;
    }
  }
  return out;
}

function acceptFor(expect: ExpectedBody): string | undefined {
  switch (expect) {
    case 'json':
      return 'application/json';
    case 'jwt':
      return 'application/jwt';
    case 'json-or-jwt':
      return 'application/json, application/jwt';
    default:
      return undefined;
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

/** Form parameters whose values are credentials (RFC 6749 §2.3.1, §4.1.3, §6; RFC 7636 §4.5; RFC 7523 §2.2; RFC 7009 §2.1; RFC 8693 §2.1). */
const SECRET_PARAMETERS = [
  'client_secret',
  'code',
  'code_verifier',
  'refresh_token',
  'client_assertion',
  'assertion',
  'token',
  'password',
  'device_code',
  'subject_token',
  'actor_token',
];

/** The credentials a request carried: secret form values, and the Authorization header's token or Basic credentials, each also as encoded on the wire. */
function sentSecrets(request: Pick<HttpRequest, 'headers' | 'body'>): string[] {
  const out: string[] = [];
  const add = (value: string | null | undefined): void => {
    if (!value) return;
    out.push(value, encodeURIComponent(value), new URLSearchParams({ v: value }).toString().slice(2));
  };
  const form = typeof request.body === 'string' ? new URLSearchParams(request.body) : request.body;
  for (const name of SECRET_PARAMETERS) for (const value of form?.getAll(name) ?? []) add(value);
  const authorization = toHeaderRecord(request.headers).authorization;
  const credentials = authorization === undefined ? undefined : /^\s*(\S+)\s+(\S+)/.exec(authorization);
  if (credentials) {
    add(credentials[2]);
    if (credentials[1]!.toLowerCase() === 'basic') {
      let decoded = '';
      try {
        decoded = atob(credentials[2]!);
      } catch {
        // Not base64: the raw value is masked already.
      }
      // RFC 6749 §2.3.1: client_id and client_secret are form-urlencoded, then joined by ":".
      const colon = decoded.indexOf(':');
      if (colon !== -1) {
        const secret = decoded.slice(colon + 1);
        add(secret);
        add(safeDecode(secret));
      }
    }
  }
  // Longest first, so that a value containing another is masked whole.
  return [...new Set(out)].sort((a, b) => b.length - a.length);
}

/** `text` with every credential the request carried replaced by `***` (a server that echoes its input would otherwise reflect them). */
function withoutSentSecrets(text: string, request: Pick<HttpRequest, 'headers' | 'body'>): string {
  let out = text;
  for (const secret of sentSecrets(request)) out = out.split(secret).join('***');
  return out;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value.replace(/\+/g, ' '));
  } catch {
    return value;
  }
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
  try {
    return await readBoundedText(
      response.body,
      limit,
      () => new TransportError('HTTP_BODY_TOO_LARGE', `${describeUrl(url)} answered with more than ${limit} bytes.`, { url, response }),
    );
  } catch (cause) {
    if (cause instanceof TransportError) throw cause;
    if (signal.aborted) throw new TransportError('HTTP_TIMEOUT', `The body from ${describeUrl(url)} did not arrive within ${timeoutMs} ms.`, { cause, url });
    throw new TransportError('HTTP_REQUEST_FAILED', `Reading the body from ${describeUrl(url)} failed: ${describeCause(cause)}.`, { cause, url });
  }
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
  // Fetch quotes a header value it refuses ("Headers.append: "Bearer <token>" is an invalid header
  // value"): a quoted part of a message may be a credential, so it is never shown.
  if (cause instanceof Error) return cause.message.replace(/"[\s\S]*"/, '"…"').slice(0, 200);
  return 'network error';
}
