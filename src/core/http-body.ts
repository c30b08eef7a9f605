/**
 * Response bodies of the transport: read within a byte bound (declared or counted), checked for
 * their content type, parsed as JSON; and how URLs and failures are described in messages
 * (never a query, never a quoted credential).
 *
 * @module
 */
import { TransportError } from '../errors.js';
import { readBoundedText } from '../internal/bounded-read.js';
import { HTTP_DEFAULTS } from './http-types.js';

/** True for a JSON object that is not an array or null. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
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

/** `application/json` or an `application/*+json` type. */
export function isJsonType(contentType: string): boolean {
  return contentType === 'application/json' || (contentType.startsWith('application/') && contentType.endsWith('+json'));
}

/** The parsed JSON body of a successful response, whose content type must be JSON. */
export function parseJsonBody(text: string, contentType: string, url: string, response: Response): unknown {
  if (!isJsonType(contentType)) throw badContentType(contentType, 'application/json', url, response);
  const parsed = tryParseJson(text);
  if (parsed === undefined) {
    throw new TransportError('HTTP_INVALID_JSON', `${describeUrl(url)} answered with a body that is not valid JSON.`, { url, response });
  }
  return parsed;
}

/** The error for a response of the wrong content type (an HTML page hints at a wrong endpoint URL). */
export function badContentType(actual: string, expected: string, url: string, response: Response): TransportError {
  return new TransportError(
    'HTTP_BAD_CONTENT_TYPE',
    `${describeUrl(url)} answered with content type "${actual || 'none'}" where "${expected}" was expected${actual === 'text/html' ? ' (an HTML page: is the endpoint URL right?)' : ''}.`,
    { url, response },
  );
}

/** The parsed JSON, or `undefined` for text that is not JSON. */
export function tryParseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** An RFC 6749 §5.2 error body: an object with a non-empty `error`. */
export function isOAuthErrorBody(body: unknown): body is { error: string; error_description?: unknown; error_uri?: unknown } {
  return isPlainObject(body) && typeof body.error === 'string' && body.error.length > 0;
}

/** The value when it is a string. */
export function optionalString(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** The body as text, within `limit` bytes (declared or counted); a failure is a typed transport error. */
export async function readBounded(response: Response, limit: number, url: string, signal: AbortSignal, timeoutMs: number): Promise<string> {
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

/** Releases a body that will not be read. */
export async function cancel(response: Response): Promise<void> {
  try {
    await response.body?.cancel();
  } catch {
    // The body may already be closed; nothing to release.
  }
}

/** A URL as messages show it: origin and path, never the query (which may carry a credential). */
export function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.origin}${u.pathname}`;
  } catch {
    return 'the provider';
  }
}

/** Why fetch failed, as messages show it: the system error code, or the message without its quoted parts. */
export function describeCause(cause: unknown): string {
  const inner = (cause as { cause?: { code?: unknown; message?: unknown } } | undefined)?.cause;
  if (inner && typeof inner.code === 'string') return inner.code;
  // Fetch quotes a header value it refuses ("Headers.append: "Bearer <token>" is an invalid header
  // value"): a quoted part of a message may be a credential, so it is never shown.
  if (cause instanceof Error) return cause.message.replace(/"[\s\S]*"/, '"…"').slice(0, 200);
  return 'network error';
}
