/**
 * Latchkey's error tree: one small class per failure layer, each carrying a stable `code`.
 *
 * Codes are declared once, as data, in {@link ERROR_CODES}; the app layer maps a code to its HTTP
 * status and to a sentence a developer can act on. Messages never contain a token, an authorization
 * code, a client secret or a cookie value; the raw provider response, when there is one, is attached
 * as a non-enumerable `response` so that it is neither logged nor serialized by accident.
 *
 * @module
 */
import { providerErrorMessage, redactUrl, redactUrlsIn, truncateText, urlWithoutQuery } from './internal/redact.js';

/** The failure layers. Each maps to one error class. */
export type ErrorLayer = 'transport' | 'provider' | 'validation' | 'configuration' | 'session' | 'storage' | 'account' | 'token';

interface CodeInfo {
  /** The failure layer, which decides the class. */
  readonly layer: ErrorLayer;
  /** The HTTP status the app layer answers with when this error ends a request. */
  readonly status: number;
  /** One sentence for developers: what happened and what to do. Never holds request data. */
  readonly hint: string;
}

/**
 * Every stable error code, with its layer, HTTP status and a hint. Codes never change meaning; new
 * ones may be added.
 */
export const ERROR_CODES = {
  // ── transport: talking to the provider ─────────────────────────────────────────────────────────
  HTTP_TIMEOUT: { layer: 'transport', status: 503, hint: 'The provider did not answer in time; it may be down or slow. Try again later.' },
  HTTP_REQUEST_FAILED: { layer: 'transport', status: 503, hint: 'The provider could not be reached (connection refused, DNS or TLS failure).' },
  HTTP_REDIRECT_REFUSED: {
    layer: 'transport',
    status: 502,
    hint: 'The provider answered with a redirect; Latchkey never follows redirects on back-channel requests. Check the endpoint URL.',
  },
  HTTP_BAD_STATUS: { layer: 'transport', status: 502, hint: 'The provider answered with an unexpected HTTP status.' },
  HTTP_PROVIDER_UNAVAILABLE: { layer: 'transport', status: 503, hint: 'The provider answered 5xx; it is having trouble. Try again later.' },
  HTTP_BAD_CONTENT_TYPE: {
    layer: 'transport',
    status: 502,
    hint: 'The provider answered with the wrong content type (an HTML page where JSON was due?). Check the endpoint URL.',
  },
  HTTP_BODY_TOO_LARGE: { layer: 'transport', status: 502, hint: 'The provider response exceeded the size limit.' },
  HTTP_INVALID_JSON: { layer: 'transport', status: 502, hint: 'The provider response was not valid JSON.' },
  INSECURE_TRANSPORT: {
    layer: 'configuration',
    status: 500,
    hint: 'Plain http is only allowed for loopback hosts, or for hosts named in `allowInsecureHttpHosts`.',
  },

  // ── discovery and keys ─────────────────────────────────────────────────────────────────────────
  DISCOVERY_ISSUER_MISMATCH: {
    layer: 'validation',
    status: 502,
    hint: 'The discovery document names another issuer than the one configured; configure the exact issuer URL.',
  },
  METADATA_INVALID: { layer: 'validation', status: 502, hint: 'The provider metadata is malformed.' },
  METADATA_MISSING_ENDPOINT: { layer: 'configuration', status: 500, hint: 'The provider metadata lacks an endpoint this operation needs.' },
  JWKS_INVALID: { layer: 'validation', status: 502, hint: 'The provider JWKS is malformed.' },
  JWKS_NO_MATCHING_KEY: { layer: 'validation', status: 400, hint: 'No key in the provider JWKS can verify this token, even after refetching the JWKS.' },
  JWKS_MULTIPLE_MATCHING_KEYS: { layer: 'validation', status: 400, hint: 'The token has no `kid` and several keys could verify it; none did.' },

  // ── authorization response (the callback) ──────────────────────────────────────────────────────
  STATE_MISSING: { layer: 'validation', status: 400, hint: 'The callback carries no `state`; start the login again.' },
  STATE_MISMATCH: { layer: 'validation', status: 400, hint: "The callback `state` does not match this browser's login; start the login again." },
  ISS_MISMATCH: { layer: 'validation', status: 400, hint: 'The callback `iss` names another provider (RFC 9207 mix-up defence); the response was discarded.' },
  ISS_MISSING: { layer: 'validation', status: 400, hint: 'The provider advertises RFC 9207 but the callback has no `iss`; the response was discarded.' },
  CODE_MISSING: { layer: 'validation', status: 400, hint: 'The callback carries no authorization `code`.' },
  AUTHORIZATION_RESPONSE_INVALID: { layer: 'validation', status: 400, hint: 'The callback parameters are malformed (repeated or unexpected parameters).' },
  AUTHORIZATION_ERROR: {
    layer: 'provider',
    status: 400,
    hint: 'The provider ended the sign-in with an error instead of a code: access_denied means the user declined; login_required or consent_required means the user must sign in or consent at the provider.',
  },

  // ── endpoints answering with an OAuth error body ───────────────────────────────────────────────
  TOKEN_ERROR: {
    layer: 'provider',
    status: 400,
    hint: 'The token endpoint refused the request: invalid_client means the client id or secret is wrong (check the provider configuration); invalid_grant means the code or refresh token is no longer valid, and the user must sign in again.',
  },
  PAR_ERROR: { layer: 'provider', status: 400, hint: 'The pushed authorization request endpoint refused the request; its OAuth error says why.' },
  USERINFO_ERROR: { layer: 'provider', status: 401, hint: 'The userinfo endpoint refused the access token.' },
  REVOCATION_ERROR: { layer: 'provider', status: 400, hint: 'The revocation endpoint refused the request.' },
  RESOURCE_ERROR: { layer: 'provider', status: 401, hint: 'The resource server refused the access token.' },

  // ── token endpoint response ────────────────────────────────────────────────────────────────────
  TOKEN_RESPONSE_INVALID: { layer: 'validation', status: 502, hint: 'The token endpoint response is not a conforming OAuth 2.0 token response.' },
  TOKEN_TYPE_UNSUPPORTED: {
    layer: 'validation',
    status: 502,
    hint: 'The provider issued an access token of a type Latchkey cannot use (only Bearer and DPoP).',
  },
  ID_TOKEN_MISSING: { layer: 'validation', status: 502, hint: 'The token response has no `id_token` although `openid` was requested.' },

  // ── ID token and JWT validation (OIDC Core 3.1.3.7) ────────────────────────────────────────────
  JWT_MALFORMED: { layer: 'validation', status: 400, hint: 'The token is not a well-formed JWT.' },
  JWT_ALG_NOT_ALLOWED: { layer: 'validation', status: 400, hint: 'The token is signed with an algorithm that is not allowed for this client.' },
  JWT_SIGNATURE_INVALID: { layer: 'validation', status: 400, hint: 'The token signature does not verify.' },
  JWT_TYPE_INVALID: { layer: 'validation', status: 400, hint: 'The token `typ` header is not the expected one.' },
  ID_TOKEN_ISS_MISMATCH: { layer: 'validation', status: 400, hint: "The ID token `iss` is not the provider's issuer." },
  ID_TOKEN_AUD_MISMATCH: { layer: 'validation', status: 400, hint: 'The ID token `aud` does not contain this client id, or names untrusted audiences.' },
  ID_TOKEN_AZP_MISMATCH: { layer: 'validation', status: 400, hint: 'The ID token `azp` is not this client id.' },
  ID_TOKEN_EXPIRED: { layer: 'validation', status: 400, hint: 'The ID token has expired; check the server clock if this repeats.' },
  ID_TOKEN_IAT_INVALID: { layer: 'validation', status: 400, hint: 'The ID token `iat` is missing or in the future; check the server clock if this repeats.' },
  ID_TOKEN_NONCE_MISMATCH: { layer: 'validation', status: 400, hint: 'The ID token `nonce` does not match the one sent for this login.' },
  ID_TOKEN_SUB_MISSING: { layer: 'validation', status: 400, hint: 'The ID token has no `sub`.' },
  ID_TOKEN_AUTH_TIME_INVALID: { layer: 'validation', status: 400, hint: '`max_age` was requested but `auth_time` is missing or too old.' },
  ID_TOKEN_CLAIM_INVALID: { layer: 'validation', status: 400, hint: 'An ID token claim failed a check (see `claim`).' },
  USERINFO_SUB_MISMATCH: { layer: 'validation', status: 400, hint: 'The userinfo `sub` differs from the ID token `sub`; its values were discarded.' },
  USERINFO_INVALID: { layer: 'validation', status: 502, hint: 'The userinfo response is malformed.' },
  REFRESH_ID_TOKEN_MISMATCH: {
    layer: 'validation',
    status: 400,
    hint: 'The refreshed ID token does not belong to the same user, issuer or client (OIDC Core 12.2).',
  },

  // ── logout ─────────────────────────────────────────────────────────────────────────────────────
  LOGOUT_STATE_MISMATCH: {
    layer: 'validation',
    status: 400,
    hint: 'The post-logout redirect carries a missing or different `state`; the logout confirmation is not trustworthy (the local session was ended anyway).',
  },
  LOGOUT_TOKEN_INVALID: { layer: 'validation', status: 400, hint: 'The back-channel logout token failed validation (see `claim`).' },
  END_SESSION_UNSUPPORTED: { layer: 'configuration', status: 400, hint: 'The provider publishes no `end_session_endpoint`; only the local session was ended.' },

  // ── DPoP ───────────────────────────────────────────────────────────────────────────────────────
  DPOP_NONCE_ERROR: { layer: 'provider', status: 502, hint: 'The server kept asking for a new DPoP nonce.' },

  // ── configuration ──────────────────────────────────────────────────────────────────────────────
  CONFIG_INVALID: { layer: 'configuration', status: 500, hint: 'The Latchkey configuration is invalid; the message says what to change.' },
  PROVIDER_UNKNOWN: { layer: 'configuration', status: 404, hint: 'No provider with this id is configured.' },
  GUARD_ON_AUTH_ROUTE: {
    layer: 'configuration',
    status: 404,
    hint: 'A guard (requireUser) ran on an auth route itself, so signing in would redirect to itself: mount the auth routes before the guard, or guard only your own routes.',
  },
  AUTH_ROUTES_NOT_MOUNTED: {
    layer: 'configuration',
    status: 404,
    hint: 'A guard would send the browser to the login route, but no auth route answers there: mount the auth routes (lk.router, lk.plugin, lk.handler, lk.handle) before the guarded routes.',
  },
  CORS_ORIGIN_INVALID: {
    layer: 'configuration',
    status: 500,
    hint: 'An entry of `cors.origins` is not an exact origin such as "https://spa.example.com" (no wildcard, no `null`, no path, https off loopback).',
  },
  COOKIE_SAMESITE_INSECURE: {
    layer: 'configuration',
    status: 500,
    hint: '`cookies.sameSite: "none"` needs Secure cookies (browsers drop SameSite=None without Secure); remove `cookies.secure: false`.',
  },

  // ── app layer: requests, cookies, sessions ─────────────────────────────────────────────────────
  TRANSACTION_MISSING: {
    layer: 'session',
    status: 400,
    hint: 'No login transaction cookie came with the callback (expired, blocked, or the login started in another browser); start the login again.',
  },
  TRANSACTION_INVALID: {
    layer: 'session',
    status: 400,
    hint: 'The login transaction cookie is tampered, expired or belongs to another provider; start the login again.',
  },
  RETURN_TO_INVALID: {
    layer: 'session',
    status: 400,
    hint: '`returnTo` must be a same-origin path such as `/dashboard`, or a URL on an origin listed in `cors.origins`.',
  },
  CSRF_FAILED: { layer: 'session', status: 403, hint: 'The request lacks a valid CSRF token or comes from another origin.' },
  CORS_ORIGIN_REFUSED: {
    layer: 'session',
    status: 403,
    hint: "A cross-origin request from an origin that is not in `cors.origins`; add the app's exact origin there to allow it.",
  },
  SESSION_INVALID: { layer: 'session', status: 401, hint: 'The session cookie is tampered, expired or revoked; sign in again.' },
  SESSION_TOO_LARGE: {
    layer: 'session',
    status: 500,
    hint: 'The session cookie would exceed 4 KB and be dropped by browsers; keep less in it or use server-side sessions.',
  },
  UNAUTHENTICATED: { layer: 'session', status: 401, hint: 'Sign in first.' },
  FORBIDDEN: { layer: 'session', status: 403, hint: 'The signed-in user may not do this.' },
  LOGIN_REJECTED: { layer: 'session', status: 403, hint: 'The application refused this sign-in (an `onLogin` hook said no).' },
  BAD_REQUEST: { layer: 'session', status: 400, hint: 'The request is malformed.' },
  NOT_FOUND: { layer: 'session', status: 404, hint: 'No such route.' },
  METHOD_NOT_ALLOWED: { layer: 'session', status: 405, hint: 'This route does not accept that HTTP method.' },
  INTERNAL_ERROR: { layer: 'session', status: 500, hint: 'An unexpected error occurred; the server log has the error name.' },

  // ── storage ────────────────────────────────────────────────────────────────────────────────────
  STORAGE_UNAVAILABLE: { layer: 'storage', status: 503, hint: 'The database or Redis is unreachable; requests that need it fail closed until it is back.' },
  STORAGE_CONFLICT: { layer: 'storage', status: 409, hint: 'A concurrent write conflicted; retry.' },
  TOKEN_DECRYPT_FAILED: {
    layer: 'storage',
    status: 500,
    hint: 'A stored provider token could not be decrypted: the secret that encrypted it was removed from `secrets`, or the row was altered. Keep old secrets (after the new one) when rotating.',
  },

  // ── accounts ───────────────────────────────────────────────────────────────────────────────────
  ACCOUNT_NOT_LINKED: {
    layer: 'account',
    status: 409,
    hint: 'An account with this email exists but this sign-in method is not linked to it. Sign in with the method you used before, then link this one from your profile.',
  },
  ACCOUNT_ALREADY_LINKED: { layer: 'account', status: 409, hint: 'This provider identity is already linked to another user.' },
  LAST_LOGIN_METHOD: { layer: 'account', status: 409, hint: 'This is the last way to sign in to this account; link another provider before unlinking it.' },
  ACCOUNT_NOT_FOUND: { layer: 'account', status: 404, hint: 'This user has no such linked account (provider or `accountId`); GET /auth/accounts lists them.' },

  // ── token vault ────────────────────────────────────────────────────────────────────────────────
  REAUTH_REQUIRED: { layer: 'token', status: 401, hint: 'No usable refresh token: the user must sign in again (and grant offline access).' },
  INSUFFICIENT_SCOPE: { layer: 'token', status: 403, hint: 'The provider grant lacks scopes this call needs: the user must consent to them (`loginUrl`).' },
  TOKEN_REFRESH_FAILED: { layer: 'token', status: 503, hint: 'Refreshing the access token failed for a transient reason; try again.' },
  LOCK_TIMEOUT: { layer: 'token', status: 503, hint: 'Another instance holds the refresh lock for this account and did not finish in time.' },

  // ── edge: request methods and bodies ──
  PAYLOAD_TOO_LARGE: {
    layer: 'session',
    status: 413,
    hint: 'The request body is over the 64 KB the auth routes read; nothing of it was used. Auth forms are a few KB: check what posts here.',
  },

  // ── redirects: returnTo, cookie budget, provider API origins ──
  COOKIE_TOO_LARGE: {
    layer: 'session',
    status: 500,
    hint: 'A cookie would exceed 4096 bytes (name plus value), which browsers drop silently; keep less in it.',
  },
  API_ORIGIN_REFUSED: {
    layer: 'token',
    status: 400,
    hint: "A provider's access token is sent only to that provider's API origins; add the origin to the provider's `apiOrigins` if it really is that provider's API.",
  },

  // ── vault API: provider API calls by path (auth.api) ──
  API_PATH_REFUSED: {
    layer: 'token',
    status: 400,
    hint: 'A provider API path must be a plain path under the API base URL, such as "/oauth2/v3/userinfo": no scheme or host, no `//`, backslash, dot segment or encoded slash or dot; nothing was sent.',
  },
  API_RESPONSE_ERROR: {
    layer: 'provider',
    status: 502,
    hint: "The provider API answered with an error status; the error's `httpStatus` and `body` say which and why.",
  },

  // ── sessions: idle expiry, bearer tokens, secrets at rest ──
  SESSIONS_UNSUPPORTED: {
    layer: 'session',
    status: 404,
    hint: "A user's sessions cannot be listed here: sealed cookie sessions keep no server-side record, and a custom `SessionStore` needs `listByUser`. Use server sessions with a store that lists them.",
  },
  SESSION_HANDLE_UNKNOWN: {
    layer: 'session',
    status: 404,
    hint: 'No live session of the signed-in user has this handle (it ended already, or is not theirs); GET /auth/sessions lists the current handles.',
  },

  RATE_LIMITED: {
    layer: 'session',
    status: 429,
    hint: 'Too many requests from this client address for this route (`rateLimits`); wait for `Retry-After` seconds.',
  },

  // ── devsafety: development features, CLI, dev IdP ──
  DATABASE_URL_INVALID: {
    layer: 'configuration',
    status: 500,
    hint: 'The database URL needs a scheme: `sqlite:./file.db` (or `file:./file.db`, `sqlite::memory:`), `postgres://…` or `mysql://…`.',
  },
  DEV_FEATURE_DISABLED: {
    layer: 'configuration',
    status: 500,
    hint: 'A development-only feature was asked for outside development: set NODE_ENV=development (or pass `--force` to `latchkey dev-idp`).',
  },

  // ── ssrf: endpoint policy ──
  ENDPOINT_REFUSED: {
    layer: 'transport',
    status: 502,
    hint: 'A provider URL points where Latchkey does not send requests (credentials in the URL, a numeric-encoded, private-network, link-local or foreign loopback address, an end-session endpoint on another host); no request was sent. For a provider on your own network, set `allowPrivateNetwork: true` on it.',
  },

  // ── jwks: key sets and token-response checks ──
  JWKS_LIMIT_EXCEEDED: {
    layer: 'validation',
    status: 502,
    hint: 'The provider JWKS exceeds a safety limit (keys per set, RSA modulus size or public exponent) and was refused; see docs/security.md to raise a limit.',
  },
  JWKS_TOO_MANY_CANDIDATES: {
    layer: 'validation',
    status: 400,
    hint: 'More keys of the provider JWKS could verify this token than Latchkey tries (a token without `kid` against a large key set); the token was refused.',
  },

  // ── rtedge: red-team findings at the HTTP edge ──
  BODY_ABORTED: { layer: 'session', status: 400, hint: 'The client closed the connection before the request body ended; nothing of it was used.' },
  BODY_TIMEOUT: {
    layer: 'session',
    status: 408,
    hint: 'The request body did not arrive within the 10 seconds the auth routes wait for it (at most 64 KB); nothing of it was used. Send the body at once.',
  },

  // ── locks: refresh leases ──
  LOCK_LOST: {
    layer: 'token',
    status: 503,
    hint: 'The refresh lock lapsed before the refresh token was used (the holder froze, or the lock backend was unreachable); nothing was sent to the provider. Try again.',
  },
} as const satisfies Record<string, CodeInfo>;

/** A stable Latchkey error code. */
export type ErrorCode = keyof typeof ERROR_CODES;

/** Options common to every Latchkey error. */
export interface LatchkeyErrorOptions {
  /** The underlying error (kept non-enumerable). */
  cause?: unknown;
  /** The raw HTTP response, if any (kept non-enumerable, never logged). */
  response?: Response;
}

/**
 * The base of every error Latchkey throws. `code` is stable and is the thing to branch on.
 */
export class LatchkeyError extends Error {
  /** The stable error code. */
  readonly code: ErrorCode;
  /** The HTTP status the app layer answers with when this error ends a request. */
  readonly status: number;
  declare readonly response?: Response;

  constructor(code: ErrorCode, message?: string, options: LatchkeyErrorOptions = {}) {
    // A message may quote a URL (an endpoint, a driver's or fetch's own message): never its credentials.
    super(redactUrlsIn(message ?? ERROR_CODES[code].hint));
    this.name = new.target.name;
    this.code = code;
    this.status = ERROR_CODES[code].status;
    if (options.cause !== undefined) {
      Object.defineProperty(this, 'cause', { value: options.cause, enumerable: false, writable: true, configurable: true });
    }
    if (options.response !== undefined) {
      Object.defineProperty(this, 'response', { value: options.response, enumerable: false, writable: true, configurable: true });
    }
  }

  /** The developer hint for this error's code. */
  get hint(): string {
    return ERROR_CODES[this.code].hint;
  }

  /** A JSON-safe view (code, message, and the public RFC fields of subclasses); never a token. */
  toJSON(): Record<string, unknown> {
    return { name: this.name, code: this.code, message: this.message };
  }
}

/** Talking to the provider failed: network, timeout, redirect, status, content type or body. */
export class TransportError extends LatchkeyError {
  /** The endpoint URL (without query string) the request went to. */
  readonly url?: string;
  constructor(code: ErrorCode, message: string, options: LatchkeyErrorOptions & { url?: string } = {}) {
    super(code, message, options);
    if (options.url !== undefined) this.url = redactUrl(urlWithoutQuery(options.url));
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), url: this.url };
  }
}

/**
 * The provider answered with an OAuth 2.0 error: at the callback (RFC 6749 §4.1.2.1) or in an
 * endpoint's error body (RFC 6749 §5.2, RFC 6750 §3).
 *
 * @see [RFC 6749 - The OAuth 2.0 Authorization Framework](https://www.rfc-editor.org/rfc/rfc6749.html#section-5.2)
 */
export class ProviderError extends LatchkeyError {
  /** The OAuth `error` code, e.g. `access_denied`, `invalid_grant`, `login_required`. */
  readonly error: string;
  /** The provider's `error_description`, if any. */
  readonly error_description?: string;
  /** The provider's `error_uri`, if any. */
  readonly error_uri?: string;
  /** The HTTP status of the provider response (absent for callback errors). */
  readonly httpStatus?: number;

  constructor(
    code: ErrorCode,
    fields: { error: string; error_description?: string; error_uri?: string; httpStatus?: number },
    options: LatchkeyErrorOptions = {},
  ) {
    super(code, providerErrorMessage(code, fields), options);
    this.error = fields.error;
    if (fields.error_description !== undefined) this.error_description = fields.error_description;
    if (fields.error_uri !== undefined) this.error_uri = fields.error_uri;
    if (fields.httpStatus !== undefined) this.httpStatus = fields.httpStatus;
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), error: this.error, error_description: this.error_description, error_uri: this.error_uri };
  }
}

/**
 * A protocol check failed. `claim` names the parameter or claim; `expected` and `actual` are given
 * only for values that are not secret (issuers, audiences, algorithms), never for tokens or nonces.
 */
export class ValidationError extends LatchkeyError {
  /** The claim, parameter or header that failed, e.g. `iss`, `aud`, `state`, `alg`. */
  readonly claim?: string;
  /** The expected value, when it is not secret. */
  readonly expected?: unknown;
  /** The value received, when it is not secret. */
  readonly actual?: unknown;
  constructor(code: ErrorCode, message: string, details: { claim?: string; expected?: unknown; actual?: unknown } & LatchkeyErrorOptions = {}) {
    super(code, message, details);
    if (details.claim !== undefined) this.claim = details.claim;
    if (details.expected !== undefined) this.expected = details.expected;
    if (details.actual !== undefined) this.actual = details.actual;
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), claim: this.claim, expected: this.expected, actual: this.actual };
  }
}

/** The configuration is wrong; raised at start-up or on first use, never for bad request input. */
export class ConfigurationError extends LatchkeyError {
  constructor(message: string, code: ErrorCode = 'CONFIG_INVALID', options: LatchkeyErrorOptions = {}) {
    super(code, message, options);
  }
}

/** A request-level problem in the app layer: cookies, transactions, CSRF, sessions. */
export class SessionError extends LatchkeyError {}

/** The store (database, Redis) failed; requests that need it fail closed with 503. */
export class StorageError extends LatchkeyError {}

/** Account linking refused a sign-in or an unlink. */
export class AccountError extends LatchkeyError {
  /** The provider id involved, if any. */
  readonly provider?: string;
  constructor(code: ErrorCode, message?: string, options: LatchkeyErrorOptions & { provider?: string } = {}) {
    super(code, message, options);
    if (options.provider !== undefined) this.provider = options.provider;
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), provider: this.provider };
  }
}

/** The token vault could not hand out a usable access token. */
export class TokenError extends LatchkeyError {
  /** The provider id involved, if any. */
  readonly provider?: string;
  /** With `INSUFFICIENT_SCOPE` (and `REAUTH_REQUIRED`): the scopes the new consent must grant. */
  readonly scopes?: readonly string[];
  /** With `INSUFFICIENT_SCOPE`: the login route asking for exactly those scopes (add `returnTo` to come back). */
  readonly loginUrl?: string;
  constructor(code: ErrorCode, message?: string, options: LatchkeyErrorOptions & { provider?: string; scopes?: readonly string[]; loginUrl?: string } = {}) {
    super(code, message, options);
    if (options.provider !== undefined) this.provider = options.provider;
    if (options.scopes !== undefined) this.scopes = Object.freeze([...options.scopes]);
    if (options.loginUrl !== undefined) this.loginUrl = options.loginUrl;
  }
}

/**
 * A provider API answered a call through `auth.api(...)` with a non-2xx status
 * (`API_RESPONSE_ERROR`). The answer's body (parsed JSON, or text; at most the read budget) is
 * kept non-enumerable, so that it is neither logged nor serialized by accident.
 */
export class ProviderApiError extends LatchkeyError {
  /** The provider id. */
  readonly provider: string;
  /** The API's HTTP status. */
  readonly httpStatus: number;
  /** The method and path called (without the query). */
  readonly method: string;
  readonly path: string;
  declare readonly body?: unknown;
  constructor(fields: { provider: string; httpStatus: number; method: string; path: string; body?: unknown }, options: LatchkeyErrorOptions = {}) {
    super('API_RESPONSE_ERROR', `The ${fields.provider} API answered ${fields.httpStatus} to ${fields.method} ${truncateText(fields.path, 200)}.`, options);
    this.provider = fields.provider;
    this.httpStatus = fields.httpStatus;
    this.method = fields.method;
    this.path = fields.path;
    if (fields.body !== undefined) Object.defineProperty(this, 'body', { value: fields.body, enumerable: false, writable: true, configurable: true });
  }
  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), provider: this.provider, httpStatus: this.httpStatus };
  }
}

/** True when `value` is a Latchkey error, optionally with the given code. */
export function isLatchkeyError(value: unknown, code?: ErrorCode): value is LatchkeyError {
  return value instanceof LatchkeyError && (code === undefined || value.code === code);
}
