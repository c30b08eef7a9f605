/**
 * Logging of failed auth requests: which failures are logged (every failed sign-in, and every
 * other failure that is the app's or the provider's fault), the structured event, the one-line
 * text form, the reference id that the error page and the log share, and the pluggable logger
 * (`logger` on `createAuth`; default: the console, one line per failure).
 *
 * An event never holds a token, an authorization code, a secret or a cookie value: its message is
 * the Latchkey error's message (which holds no request data) with credentials masked again
 * (`redactCredentialsIn`), and an unexpected error is named by its class only.
 *
 * @module
 */
import { ERROR_CODES, type ErrorCode, isLatchkeyError, ProviderError } from '../errors.js';
import { redactCredentialsIn } from '../internal/redact.js';

/** One failed auth request, as the logger receives it. */
export interface AuthErrorEvent {
  /** `error` for server faults (5xx) and the app's own misconfiguration (a wrong client secret); `warn` otherwise. */
  readonly level: 'warn' | 'error';
  /** The stable error code (`INTERNAL_ERROR` for anything unexpected). */
  readonly code: ErrorCode;
  /** The HTTP status of the answer. */
  readonly status: number;
  /** The id shown to the user on the error page and in the JSON body, e.g. `K7QX-2M9P-4ADE`. */
  readonly referenceId: string;
  /** The auth route (`callback`, `login`, `session`, …) or the helper (`guard`, `getSession`, `adapter`). */
  readonly route: string;
  /** The provider id, when the failure concerns one. */
  readonly provider?: string;
  /** The provider's OAuth `error` (`invalid_client`, `access_denied`, …), for provider errors. */
  readonly providerError?: string;
  /** The HTTP status the provider answered with, for provider errors from an endpoint. */
  readonly providerStatus?: number;
  /** The error class (`ProviderError`, `TransportError`, `TypeError`, …). */
  readonly errorName: string;
  /** What happened, for developers; credentials masked. For an unexpected error, its class only. */
  readonly message: string;
}

/**
 * Where failures are logged: a function taking the structured event, or an object with `warn` and
 * `error` (such as `console`) called with the one-line text and the event.
 */
export type AuthLogger =
  | ((event: AuthErrorEvent) => void)
  | {
      warn(message: string, event: AuthErrorEvent): void;
      error(message: string, event: AuthErrorEvent): void;
    };

/** The sign-in routes: every failure there is a failed sign-in and is logged. */
export const SIGN_IN_ROUTES: ReadonlySet<string> = new Set(['login', 'callback', 'login-chooser']);

/** Refusals of the HTTP edge: the client's mistake (a wrong method or path, a bad body), never logged. */
const EDGE_REFUSALS: ReadonlySet<ErrorCode> = new Set(['NOT_FOUND', 'METHOD_NOT_ALLOWED', 'PAYLOAD_TOO_LARGE', 'BODY_TIMEOUT', 'BODY_ABORTED', 'RATE_LIMITED']);

/** OAuth errors that say the app's own client registration or credentials are wrong (RFC 6749 §5.2). */
const CLIENT_FAULTS: ReadonlySet<string> = new Set(['invalid_client', 'unauthorized_client', 'unsupported_grant_type']);

/** Crockford's base32 alphabet: no I, L, O or U, so a reference id read aloud is not misheard. */
const REFERENCE_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A fresh reference id: 12 random base32 characters in groups of four (60 bits), e.g. `K7QX-2M9P-4ADE`.
 *
 * @returns the id.
 */
export function newReferenceId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  let id = '';
  for (let i = 0; i < bytes.length; i++) id += `${i > 0 && i % 4 === 0 ? '-' : ''}${REFERENCE_ALPHABET[bytes[i]! & 31]}`;
  return id;
}

/**
 * Whether a failure is logged: every failed sign-in, every server fault, and every failure that is
 * the app's or the provider's fault; not the client's own mistakes on other routes (a missing CSRF
 * token, no session) nor the refusals of the HTTP edge (404, 405, 408, 413, an aborted body).
 *
 * @param error - the thrown value.
 * @param route - the route or helper it ended.
 * @returns true when it is logged (and its answer carries a reference id).
 */
export function isLoggedFailure(error: unknown, route: string): boolean {
  if (!isLatchkeyError(error)) return true;
  if (error.status >= 500) return true;
  if (EDGE_REFUSALS.has(error.code)) return false;
  if (SIGN_IN_ROUTES.has(route)) return true;
  return ERROR_CODES[error.code].layer !== 'session';
}

/**
 * The structured event of a failure.
 *
 * @param error - the thrown value.
 * @param where - the route, the provider id (if any) and the reference id.
 * @returns the event.
 */
export function errorEvent(
  error: unknown,
  where: { readonly route: string; readonly provider?: string | undefined; readonly referenceId: string },
): AuthErrorEvent {
  const latchkey = isLatchkeyError(error) ? error : undefined;
  const status = latchkey?.status ?? 500;
  const oauth = error instanceof ProviderError ? error : undefined;
  const provider = where.provider || (latchkey as { provider?: unknown } | undefined)?.provider;
  // The app's own mistakes (its client credentials, its configuration) are errors, like server faults.
  const appFault = (oauth !== undefined && CLIENT_FAULTS.has(oauth.error)) || (latchkey !== undefined && ERROR_CODES[latchkey.code].layer === 'configuration');
  const level = status >= 500 || appFault ? 'error' : 'warn';
  return {
    level,
    code: latchkey?.code ?? 'INTERNAL_ERROR',
    status,
    referenceId: where.referenceId,
    route: where.route,
    ...(typeof provider === 'string' && provider !== '' ? { provider } : {}),
    ...(oauth !== undefined ? { providerError: oauth.error.slice(0, 80) } : {}),
    ...(oauth?.httpStatus !== undefined ? { providerStatus: oauth.httpStatus } : {}),
    errorName: error instanceof Error ? error.name.slice(0, 80) : typeof error,
    // An unexpected error's message may hold request data: its class only.
    message: latchkey
      ? oneLine(redactCredentialsIn(latchkey.message))
      : `An unexpected ${error instanceof Error ? error.name.slice(0, 80) : 'error'} was thrown.`,
  };
}

/**
 * The event as one readable line, e.g.
 * `[latchkey] TOKEN_ERROR ref=K7QX-2M9P-4ADE route=callback provider=google status=400 provider_error=invalid_client provider_status=401: The token endpoint answered "invalid_client".`
 *
 * @param event - the event.
 * @returns the line (no line break in it).
 */
export function formatErrorEvent(event: AuthErrorEvent): string {
  const fields = [
    `ref=${event.referenceId}`,
    `route=${event.route}`,
    ...(event.provider !== undefined ? [`provider=${event.provider}`] : []),
    `status=${event.status}`,
    ...(event.providerError !== undefined ? [`provider_error=${oneLine(event.providerError)}`] : []),
    ...(event.providerStatus !== undefined ? [`provider_status=${event.providerStatus}`] : []),
  ];
  return `[latchkey] ${event.code} ${fields.join(' ')}: ${event.message}`;
}

/**
 * Sends an event to the logger: a function gets the event; an object gets the line and the event
 * on its `warn` or `error`; no logger means the console, the line alone.
 *
 * @param logger - the configured logger, if any.
 * @param event - the event.
 */
export function logErrorEvent(logger: AuthLogger | undefined, event: AuthErrorEvent): void {
  if (typeof logger === 'function') logger(event);
  else if (logger) logger[event.level](formatErrorEvent(event), event);
  else console[event.level](formatErrorEvent(event));
}

/** Text on one line: control characters (a provider's description may hold line breaks) become spaces. */
function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ');
}
