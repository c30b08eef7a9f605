/**
 * The types of the core's transport (`./http.ts`): its options and defaults, a request as it is
 * sent, and a checked response. Apart from the transport so that its helper modules can name
 * them without importing it.
 *
 * @module
 */
import type { ErrorCode } from '../errors.js';
import type { EndpointPolicy, HostResolver } from './endpoint-policy.js';

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
