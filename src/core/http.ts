/**
 * Transport for every back-channel request Latchkey makes (discovery, JWKS, token, userinfo, PAR,
 * revocation, resource calls): a timeout on every request, redirects refused, status and content
 * type checked before parsing, the body size bounded, and every URL checked against the endpoint
 * policy before anything is sent (`./endpoint-policy.ts`: https, or http to loopback or to a host
 * named in {@link HttpOptions.allowInsecureHttpHosts}; no credentials in URLs; no private-network,
 * link-local or foreign loopback address, as written or after DNS resolution).
 *
 * The pieces live beside it, one concern each: `http-types.ts` (options, request, result),
 * `http-deadline.ts` (shared request deadlines), `http-headers.ts`, `http-body.ts` (bounded
 * reading and parsing), `http-secrets.ts` (credentials masked in error answers). This module
 * re-exports what other modules import from it.
 *
 * @module
 */
import { type ErrorCode, LatchkeyError, ProviderError, TransportError } from '../errors.js';
import { BoundedMap } from '../internal/bounded-map.js';
import { isLoopbackHost } from '../internal/loopback.js';
import { type CheckedEndpoint, checkEndpoint, checkResolution, DEFAULT_ENDPOINT_POLICY, type EndpointPolicy } from './endpoint-policy.js';
import {
  badContentType,
  cancel,
  describeCause,
  describeUrl,
  isJsonType,
  isOAuthErrorBody,
  isPlainObject,
  optionalString,
  parseJsonBody,
  readBounded,
  tryParseJson,
} from './http-body.js';
import { type Cohort, endDeadline, startDeadline } from './http-deadline.js';
import { headerRecord, parseWwwAuthenticate } from './http-headers.js';
import { withoutSentSecrets } from './http-secrets.js';
import { type ExpectedBody, HTTP_DEFAULTS, type HttpOptions, type HttpRequest, type HttpResult } from './http-types.js';

export { isPlainObject, readLimitedText } from './http-body.js';
export { parseWwwAuthenticate, toHeaderRecord, type WwwAuthenticateChallenge } from './http-headers.js';
export { type ExpectedBody, HTTP_DEFAULTS, type HttpMethod, type HttpOptions, type HttpRequest, type HttpResult, type OAuthErrorMapper } from './http-types.js';

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
