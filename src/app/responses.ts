/**
 * Responses of the auth routes: security headers on every one, and failures rendered by content
 * negotiation: an accessible HTML page for browsers, JSON for API clients. End users read kind words
 * (`error-texts.ts`) and the reference id of the log line; in development the page and the JSON also
 * carry the developer detail (the error's message and the hint from `ERROR_CODES`). Neither ever
 * carries request data such as a token, a code or a cookie value.
 *
 * JSON error shape (every route): `{ "error": "<code in lower case>", "code": "<CODE>", "message": "<sentence>", "referenceId"?: "<id>" }`,
 * e.g. `{ "error": "token_error", "code": "TOKEN_ERROR", "message": "We could not complete your sign-in. …", "referenceId": "K7QX-2M9P-4ADE" }`.
 *
 * @module
 */
import { ERROR_CODES, type ErrorCode, isLatchkeyError, ProviderError } from '../errors.js';
import { escapeHtml } from '../internal/html.js';
import { endUserText } from './error-texts.js';
import { type AuthAnswer, answerToWeb } from './http-shapes.js';
import { appPageHeaders, contextOf, DEFAULT_VIEW, fillHtml, type PageView } from './page-options.js';

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
  /** In production, words for the end user; in development, the error's message for the developer. */
  readonly message: string;
  /** The id of the log line of this failure, when it was logged (quote it to support). */
  readonly referenceId?: string;
  /** In development only: what to do, from `ERROR_CODES`, when it adds to the message. */
  readonly hint?: string;
}

/** How a failure is rendered: its reference id, development detail, and the links of the page. */
export interface ErrorRenderOptions {
  /** The id of the log line of this failure (absent when the failure is not logged). */
  readonly referenceId?: string | undefined;
  /** Show the developer detail (code, message, hint) on the page and in the JSON. Default false. */
  readonly development?: boolean;
  /** The app's home page, for the page's "Back to the home page" link. Default `/`. */
  readonly homeHref?: string;
  /** A "Try again" link (the login route of a failed sign-in). */
  readonly retryHref?: string | undefined;
  /** The page's language, words and the app's renderers (`pages`). Default: English, built-in pages. */
  readonly view?: PageView;
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
 * {@link jsonAnswer} for a value already serialised.
 *
 * @param json - the JSON text.
 * @param status - HTTP status.
 * @param setCookies - `Set-Cookie` values.
 * @returns the answer.
 */
export function jsonTextAnswer(json: string, status = 200, setCookies: readonly string[] = NO_COOKIES): AuthAnswer {
  return { status, headers: withAuthHeaders(JSON_TYPE, NO_HEADERS), setCookies, body: json };
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

/** Codes whose message an app may word for its users: `LOGIN_REJECTED`, thrown from `onLogin` (Latchkey throws it without a message). */
const APP_WORDED: ReadonlySet<ErrorCode> = new Set(['LOGIN_REJECTED']);

/** A failure, described once for both renderings. */
interface Failure {
  readonly status: number;
  readonly code: ErrorCode;
  /** The end-user title and message. */
  readonly title: string;
  readonly userMessage: string;
  /** The error's message for developers (for an unexpected error, the hint of `INTERNAL_ERROR`). */
  readonly developerMessage: string;
  /** The hint, when it says more than the message. */
  readonly hint: string | undefined;
}

function describeFailure(error: unknown, view: PageView): Failure {
  if (!isLatchkeyError(error)) {
    const text = endUserText('INTERNAL_ERROR', undefined, view.texts);
    const name = error instanceof Error ? error.name.slice(0, 80) : typeof error;
    // Its message may hold request data: never shown, not even in development (hooks.onError receives the error itself).
    const developerMessage = `An unexpected ${name} was thrown; its message is not shown (\`hooks.onError\` receives the error itself).`;
    return { status: 500, code: 'INTERNAL_ERROR', title: text.title, userMessage: text.message, developerMessage, hint: ERROR_CODES.INTERNAL_ERROR.hint };
  }
  const text = endUserText(error.code, error instanceof ProviderError ? error.error : undefined, view.texts);
  const hint = ERROR_CODES[error.code].hint;
  // An app's own words (a LOGIN_REJECTED thrown from onLogin) are meant for its users.
  const userMessage = APP_WORDED.has(error.code) && error.message !== hint ? error.message : text.message;
  // Messages never hold request data (errors.ts convention); a raw provider response is never shown.
  return {
    status: error.status,
    code: error.code,
    title: text.title,
    userMessage,
    developerMessage: error.message,
    hint: hint !== error.message ? hint : undefined,
  };
}

/**
 * The status and JSON body of any thrown value: Latchkey errors keep their code and status;
 * anything else is an internal error whose details are not shown.
 *
 * @param error - the thrown value.
 * @param options - the reference id and whether to show the developer detail.
 * @returns what to render.
 */
export function describeError(error: unknown, options: ErrorRenderOptions = {}): { status: number; body: ErrorBody } {
  const f = describeFailure(error, options.view ?? DEFAULT_VIEW);
  const body: ErrorBody = {
    error: f.code.toLowerCase(),
    code: f.code,
    message: options.development === true ? f.developerMessage : f.userMessage,
    ...(options.referenceId !== undefined ? { referenceId: options.referenceId } : {}),
    ...(options.development === true && f.hint !== undefined ? { hint: f.hint } : {}),
  };
  return { status: f.status, body };
}

/**
 * Renders a failure: HTML for browsers, JSON otherwise.
 *
 * @param error - the thrown value.
 * @param accept - the request's `Accept` header.
 * @param setCookies - `Set-Cookie` values to send anyway (e.g. deleting a used transaction cookie).
 * @param options - the reference id, development detail and links.
 * @returns the answer.
 */
export function errorAnswer(
  error: unknown,
  accept: string | null | undefined,
  setCookies: readonly string[] = [],
  options: ErrorRenderOptions = {},
): AuthAnswer {
  if (!wantsHtml(accept)) {
    const { status, body } = describeError(error, options);
    return jsonAnswer(body, status, setCookies);
  }
  return htmlErrorAnswer(describeFailure(error, options.view ?? DEFAULT_VIEW), options, setCookies);
}

/**
 * {@link errorAnswer} as a Web `Response`.
 *
 * @param error - the thrown value.
 * @param accept - the request's `Accept` header.
 * @param setCookies - `Set-Cookie` values to send anyway.
 * @param options - the reference id, development detail and links.
 * @returns the response.
 */
export function errorResponse(error: unknown, accept: string | null, setCookies: readonly string[] = [], options: ErrorRenderOptions = {}): Response {
  return answerToWeb(errorAnswer(error, accept, setCookies, options));
}

/** Escaped text, with the `name` spans of developer messages shown as code. */
function developerHtml(text: string): string {
  return escapeHtml(text).replace(/`([^`]+)`/g, '<code>$1</code>');
}

/** The developer detail of the page (development only). */
function developerSection(f: Failure): string {
  const row = (name: string, value: string): string => `<dt>${name}</dt><dd>${value}</dd>`;
  return `<section aria-labelledby="lk-dev"><h2 id="lk-dev">For developers</h2>
<p class="note">Shown because development mode is on (NODE_ENV=development, or <code>development: true</code>). Production pages leave this out; the server log has it.</p>
<dl>${row('Code', `<code>${escapeHtml(f.code)}</code>`)}${row('HTTP status', String(f.status))}${row('Message', developerHtml(f.developerMessage))}${
    f.hint !== undefined ? row('Hint', developerHtml(f.hint)) : ''
  }</dl></section>`;
}

/**
 * An accessible HTML error page: a title, kind words for the end user, the reference id of the log
 * line, a way back; in development, the developer detail too.
 *
 * @param f - the failure.
 * @param options - the reference id, development detail and links.
 * @param setCookies - `Set-Cookie` values.
 * @returns the answer.
 */
function htmlErrorAnswer(f: Failure, options: ErrorRenderOptions, setCookies: readonly string[]): AuthAnswer {
  const view = options.view ?? DEFAULT_VIEW;
  const homeHref = options.homeHref ?? '/';
  const own = view.render.error !== undefined ? appErrorAnswer(f, options, view, setCookies) : undefined;
  if (own) return own;
  const t = view.texts;
  const reference = options.referenceId !== undefined ? `<p>${fillHtml(t.reference, 'reference', `<code>${escapeHtml(options.referenceId)}</code>`)}</p>` : '';
  const retry = options.retryHref !== undefined ? `<a href="${escapeHtml(options.retryHref)}">${escapeHtml(t.tryAgain)}</a> · ` : '';
  const html = `<!doctype html>
<html lang="${escapeHtml(view.lang)}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(f.title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1a1a1a;background:#fff}a{color:#1a4f8f}:focus-visible{outline:3px solid #1a5fb4;outline-offset:2px}code{background:#f2f2f2;padding:.1rem .3rem;border-radius:3px}section{margin-top:2rem;border-top:1px solid #ccc}.note{color:#555}dt{font-weight:600}dd{margin:0 0 .5rem}</style>
</head><body><main data-error-code="${escapeHtml(f.code)}">
<h1>${escapeHtml(f.title)}</h1>
<p role="alert">${escapeHtml(f.userMessage)}</p>
${reference}
<p>${retry}<a href="${escapeHtml(homeHref)}">${escapeHtml(t.backHome)}</a></p>
${options.development === true ? developerSection(f) : ''}
</main></body></html>`;
  return authAnswer(
    html,
    f.status,
    { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': PAGE_CSP, 'content-language': view.lang },
    setCookies,
  );
}

/** The app's own error page (`pages.render.error`), or `undefined` when it throws: an error page must not fail. */
function appErrorAnswer(f: Failure, options: ErrorRenderOptions, view: PageView, setCookies: readonly string[]): AuthAnswer | undefined {
  const page = contextOf(view);
  const data = {
    status: f.status,
    code: f.code,
    title: f.title,
    message: f.userMessage,
    referenceId: options.referenceId,
    homeHref: options.homeHref ?? '/',
    retryHref: options.retryHref,
  };
  try {
    const html = view.render.error?.(data, page);
    return typeof html === 'string' ? authAnswer(html, f.status, appPageHeaders("'self'", page), setCookies) : undefined;
  } catch {
    return undefined;
  }
}
