/**
 * Responses of the auth routes: security headers on every one, and failures rendered by content
 * negotiation: an accessible HTML page for browsers, JSON for API clients. Both carry the stable
 * error code and the developer hint from `ERROR_CODES`; neither ever carries request data such as a
 * token, a code or a cookie value.
 *
 * JSON error shape (every route): `{ "error": "<code in lower case>", "code": "<CODE>", "message": "<sentence>" }`,
 * e.g. `{ "error": "unauthenticated", "code": "UNAUTHENTICATED", "message": "Sign in first." }`.
 *
 * @module
 */
import { ERROR_CODES, type ErrorCode, isLatchkeyError } from '../errors.js';
import { escapeHtml } from '../internal/html.js';
import { type AuthAnswer, answerToWeb } from './http-shapes.js';

export { escapeHtml };

/** Headers on every auth response: never cached, never leaking the URL in `Referer`. */
export const AUTH_HEADERS: Readonly<Record<string, string>> = {
  'cache-control': 'no-store',
  pragma: 'no-cache',
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
};

const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/** The body of a failure as JSON clients receive it. */
export interface ErrorBody {
  /** The code in lower case (`unauthenticated`, `transaction_missing`, …). */
  readonly error: string;
  /** The stable code. */
  readonly code: ErrorCode;
  /** One sentence a developer can act on. */
  readonly message: string;
}

/**
 * Whether the client wants HTML (a browser navigation) rather than JSON.
 *
 * @param accept - the `Accept` header.
 * @returns true when `text/html` is acceptable.
 */
export function wantsHtml(accept: string | null | undefined): boolean {
  return accept?.includes('text/html') === true;
}

/**
 * Builds an answer with the auth security headers.
 *
 * @param body - the body, or null.
 * @param status - the HTTP status.
 * @param headers - extra headers, names in lower case.
 * @param setCookies - `Set-Cookie` values.
 * @returns the answer.
 */
export function authAnswer(
  body: string | null,
  status: number,
  headers: Readonly<Record<string, string>> = NO_HEADERS,
  setCookies: readonly string[] = NO_COOKIES,
): AuthAnswer {
  return { status, headers: withAuthHeaders(undefined, headers), setCookies, body };
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});
const NO_COOKIES: readonly string[] = Object.freeze([]);
const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * A fresh header object: the auth headers, the content type (if any), then `extra` (which may
 * override either). Built as one object literal: spreading a frozen record into another costs
 * more than the rest of a cached `GET /auth/session`.
 */
function withAuthHeaders(contentType: string | undefined, extra: Readonly<Record<string, string>>): Record<string, string> {
  const h: Record<string, string> = {
    'cache-control': AUTH_HEADERS['cache-control']!,
    pragma: AUTH_HEADERS.pragma!,
    'referrer-policy': AUTH_HEADERS['referrer-policy']!,
    'x-content-type-options': AUTH_HEADERS['x-content-type-options']!,
  };
  if (contentType !== undefined) h['content-type'] = contentType;
  for (const k in extra) h[k] = extra[k]!;
  return h;
}

/**
 * A JSON answer with the auth headers.
 *
 * @param value - serialized with `JSON.stringify`.
 * @param status - default 200.
 * @param setCookies - `Set-Cookie` values.
 * @param headers - extra headers.
 * @returns the answer.
 */
export function jsonAnswer(
  value: unknown,
  status = 200,
  setCookies: readonly string[] = NO_COOKIES,
  headers: Readonly<Record<string, string>> = NO_HEADERS,
): AuthAnswer {
  return { status, headers: withAuthHeaders(JSON_TYPE, headers), setCookies, body: JSON.stringify(value) };
}

/**
 * A 302 redirect with the auth headers.
 *
 * @param location - absolute URL or same-origin path.
 * @param setCookies - `Set-Cookie` values.
 * @returns the answer.
 */
export function redirectAnswer(location: string, setCookies: readonly string[] = []): AuthAnswer {
  return authAnswer(null, 302, { location }, setCookies);
}

/**
 * The code, status and message of any thrown value. Latchkey errors keep theirs; anything else is
 * an internal error whose details are not shown.
 *
 * @param error - the thrown value.
 * @returns what to render.
 */
export function describeError(error: unknown): { status: number; body: ErrorBody } {
  if (isLatchkeyError(error)) {
    // Messages never hold request data (errors.ts convention); a raw provider response is never shown.
    return { status: error.status, body: { error: error.code.toLowerCase(), code: error.code, message: error.message } };
  }
  return {
    status: 500,
    body: { error: 'internal_error', code: 'INTERNAL_ERROR', message: ERROR_CODES.INTERNAL_ERROR.hint },
  };
}

/**
 * Renders a failure: HTML for browsers, JSON otherwise.
 *
 * @param error - the thrown value.
 * @param accept - the request's `Accept` header.
 * @param setCookies - `Set-Cookie` values to send anyway (e.g. deleting a used transaction cookie).
 * @returns the answer.
 */
export function errorAnswer(error: unknown, accept: string | null | undefined, setCookies: readonly string[] = []): AuthAnswer {
  const { status, body } = describeError(error);
  if (!wantsHtml(accept)) return jsonAnswer(body, status, setCookies);
  return htmlErrorAnswer(body, status, setCookies);
}

/**
 * {@link errorAnswer} as a Web `Response`.
 *
 * @param error - the thrown value.
 * @param accept - the request's `Accept` header.
 * @param setCookies - `Set-Cookie` values to send anyway.
 * @returns the response.
 */
export function errorResponse(error: unknown, accept: string | null, setCookies: readonly string[] = []): Response {
  return answerToWeb(errorAnswer(error, accept, setCookies));
}

/**
 * An accessible HTML error page with the code, the message and the hint.
 *
 * @param body - the error body.
 * @param status - the HTTP status.
 * @param setCookies - `Set-Cookie` values.
 * @returns the answer.
 */
export function htmlErrorAnswer(body: ErrorBody, status: number, setCookies: readonly string[] = []): AuthAnswer {
  const hint = body.code === 'INTERNAL_ERROR' ? '' : ERROR_CODES[body.code].hint;
  const title = status >= 500 ? 'Something went wrong' : 'Sign-in problem';
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${title}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1a1a1a}code{background:#f2f2f2;padding:.1rem .3rem;border-radius:3px}</style>
</head><body><main>
<h1>${title}</h1>
<p role="alert">${escapeHtml(body.message)}</p>
${hint && hint !== body.message ? `<p>${escapeHtml(hint)}</p>` : ''}
<p>Error code: <code>${escapeHtml(body.code)}</code></p>
<p><a href="/">Back to the home page</a></p>
</main></body></html>`;
  return authAnswer(html, status, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': PAGE_CSP }, setCookies);
}
