/**
 * Provider API calls by path: `auth.api(user, 'google').get('/oauth2/v3/userinfo')`. The path is
 * relative to the provider's API base URL (its preset's `apiBaseUrl`, or the issuer) and can never
 * leave it; the token, the refresh and the one retry on `401 invalid_token` are the vault's
 * ({@link TokenVault.fetch}); the JSON helpers read a bounded body and turn a non-2xx answer into a
 * {@link ProviderApiError}, and `403 insufficient_scope` into `INSUFFICIENT_SCOPE` naming the scopes.
 *
 * @see [RFC 6750 - Bearer Token Usage, section 3.1](https://www.rfc-editor.org/rfc/rfc6750.html#section-3.1)
 * @module
 */
import { parseWwwAuthenticate, toHeaderRecord } from '../core/http.js';
import { ConfigurationError, ProviderApiError, TokenError, TransportError } from '../errors.js';
import { readBoundedText } from '../internal/bounded-read.js';
import { reauthUrl } from './reauth.js';
import type { ApiMethod, ProviderApi, ProviderApiInit, ProviderApiOptions, TokenVault, VaultAccessToken, VaultFetchInit } from './types.js';

/** What a {@link ProviderApi} needs of its vault. */
export interface ProviderApiDeps {
  readonly vault: Pick<TokenVault, 'get' | 'fetch'>;
  readonly userId: string;
  readonly providerId: string;
  /** The provider's API base URL, parsed by {@link parseApiBase}. */
  readonly base: () => Promise<URL>;
  /** The app's login routes prefix, for the `loginUrl` of `INSUFFICIENT_SCOPE`. */
  readonly loginBasePath?: string;
}

const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
const MAX_PATH_LENGTH = 4096;

/**
 * Checks a configured API base URL: absolute, no credentials, query or fragment; trailing slashes
 * dropped (`https://slack.com/api/` → `https://slack.com/api`).
 *
 * @param text - the base URL.
 * @param providerId - for the message.
 * @returns the parsed base.
 * @throws {ConfigurationError} `CONFIG_INVALID` for anything else.
 */
export function parseApiBase(text: string, providerId: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(text);
  } catch {
    url = undefined;
  }
  if (url === undefined || url.origin === 'null' || url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw new ConfigurationError(
      `The ${providerId} provider's \`apiBaseUrl\` must be an absolute URL without credentials, query or fragment (got "${String(text).slice(0, 100)}").`,
    );
  }
  url.pathname = url.pathname.replace(/\/+$/, '');
  return url;
}

/**
 * The URL of an API path under `base`. The path must be a plain absolute path: a scheme, `//host`,
 * a backslash, a control character or space, a fragment, a dot segment or an encoded dot, slash or
 * backslash (also double-encoded) is refused, and the URL parser must agree that the result stays
 * on the base's origin and under its path.
 *
 * @param base - the API base (from {@link parseApiBase}).
 * @param path - the path, e.g. `/oauth2/v3/userinfo?fields=email`.
 * @param query - more query parameters.
 * @param providerId - for the message.
 * @returns the absolute URL.
 * @throws {TokenError} `API_PATH_REFUSED`.
 */
export function resolveApiPath(base: URL, path: unknown, query: ProviderApiInit['query'], providerId: string): string {
  const refuse = (why: string): TokenError =>
    new TokenError(
      'API_PATH_REFUSED',
      `The ${providerId} API path is refused (${why}): pass a path such as "/v1/items", relative to ${base.href.slice(0, 200)}. Nothing was sent.`,
      { provider: providerId },
    );
  if (typeof path !== 'string') throw refuse('not a string');
  if (path.length > MAX_PATH_LENGTH) throw refuse('too long');
  if (!path.startsWith('/')) throw refuse(/^[A-Za-z][A-Za-z0-9+.-]*:/.test(path) ? 'an absolute URL' : 'it does not start with "/"');
  if (path.startsWith('//')) throw refuse('a "//host" URL');
  if (/[\\\u0000-\u0020\u007f#]/.test(path)) throw refuse('a backslash, space, control character or fragment');
  const q = path.indexOf('?');
  const pathname = q === -1 ? path : path.slice(0, q);
  // A server that decodes `%2e%2e` or `%2f` (even twice) would walk out of the base path.
  if (/%(?:25)*(?:2e|2f|5c|00)/i.test(pathname)) throw refuse('an encoded dot, slash or backslash');
  if (pathname.split('/').some((segment) => segment === '.' || segment === '..')) throw refuse('a dot segment');
  const basePath = base.pathname === '/' ? '' : base.pathname;
  const url = new URL(`${base.origin}${basePath}${path}`);
  // The URL parser must agree: same origin, under the base path.
  if (url.origin !== base.origin || !(url.pathname === basePath || url.pathname.startsWith(`${basePath}/`))) throw refuse('outside the API base');
  for (const [name, value] of Object.entries(query ?? {})) if (value !== undefined) url.searchParams.append(name, String(value));
  return url.href;
}

/**
 * Creates the API of one user at one provider.
 *
 * @param deps - the vault, the user and provider, and the API base.
 * @param options - the account, the scopes the calls need, the body budget.
 * @returns the API.
 */
export function createProviderApi(deps: ProviderApiDeps, options: ProviderApiOptions = {}): ProviderApi {
  const { vault, userId, providerId } = deps;
  const limit = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!(limit > 0)) throw new ConfigurationError('`maxBodyBytes` must be a positive number of bytes.');
  const choice = options.accountId !== undefined ? { accountId: options.accountId } : {};

  const send = async (method: ApiMethod, path: string, init: ProviderApiInit, json: boolean): Promise<{ url: string; response: Response }> => {
    // The path is checked before the token is read: a refused path reads, refreshes and sends nothing.
    const url = resolveApiPath(await deps.base(), path, init.query, providerId);
    if (options.scopes !== undefined && options.scopes.length > 0) {
      // A token cached here may predate a new consent (in this process or another): the store decides.
      const missing = missingScopes(await vault.get(userId, providerId, choice), options.scopes);
      if (missing.length > 0) assertScopes(await vault.get(userId, providerId, { ...choice, skipCache: true }), options.scopes, providerId, deps.loginBasePath);
    }
    const request: VaultFetchInit = { ...choice, method, headers: requestHeaders(init, json), ...bodyOf(init.body) };
    return { url, response: await vault.fetch(userId, providerId, url, request) };
  };

  const request = async <T>(method: ApiMethod, path: string, init: ProviderApiInit = {}): Promise<T> => {
    const { url, response } = await send(method, path, init, true);
    return (await jsonAnswer(response, { providerId, method, path, url, limit, scopes: options.scopes, loginBasePath: deps.loginBasePath })) as T;
  };

  return {
    fetch: async (path, init = {}) => (await send(init.method ?? 'GET', path, init, false)).response,
    request,
    get: (path, init) => request('GET', path, init),
    post: (path, body, init) => request('POST', path, { ...init, body }),
    put: (path, body, init) => request('PUT', path, { ...init, body }),
    patch: (path, body, init) => request('PATCH', path, { ...init, body }),
    delete: (path, init) => request('DELETE', path, init),
  };
}

function missingScopes(token: VaultAccessToken, needed: readonly string[]): string[] {
  return needed.filter((s) => !token.scopes.includes(s));
}

/** Throws `INSUFFICIENT_SCOPE` naming the scopes the grant lacks. */
function assertScopes(token: VaultAccessToken, needed: readonly string[], providerId: string, loginBasePath: string | undefined): void {
  const missing = missingScopes(token, needed);
  if (missing.length === 0) return;
  throw insufficientScope(
    `The ${providerId} grant lacks the scopes ${missing.join(' ').slice(0, 300)}; the user must consent to them.`,
    providerId,
    missing,
    loginBasePath,
  );
}

/**
 * `INSUFFICIENT_SCOPE`: the grant lacks `scopes`; with the login routes' prefix, the URL that asks
 * for exactly those (incremental authorization; the login route allows only the provider's
 * `scopes` and `optionalScopes`).
 */
function insufficientScope(message: string, providerId: string, scopes: readonly string[], loginBasePath: string | undefined): TokenError {
  let loginUrl: string | undefined;
  try {
    loginUrl = loginBasePath === undefined ? undefined : reauthUrl({ providerId, basePath: loginBasePath, scopes });
  } catch {
    // A base path reauthUrl refuses: the error still names the scopes.
  }
  return new TokenError('INSUFFICIENT_SCOPE', message, { provider: providerId, scopes, ...(loginUrl !== undefined ? { loginUrl } : {}) });
}

/** The caller's headers, plus `accept: application/json` for the JSON helpers and the JSON body's content type. */
function requestHeaders(init: ProviderApiInit, json: boolean): Record<string, string> {
  const headers = toHeaderRecord(init.headers);
  if (json && headers.accept === undefined) headers.accept = 'application/json';
  if (isJsonBody(init.body) && headers['content-type'] === undefined) headers['content-type'] = 'application/json';
  return headers;
}

function isJsonBody(body: unknown): boolean {
  return body !== undefined && typeof body !== 'string' && !(body instanceof URLSearchParams);
}

function bodyOf(body: unknown): { body?: string | URLSearchParams } {
  if (body === undefined) return {};
  if (typeof body === 'string' || body instanceof URLSearchParams) return { body };
  return { body: JSON.stringify(body) };
}

/** What {@link jsonAnswer} reports errors with. */
interface CallFacts {
  readonly providerId: string;
  readonly method: ApiMethod;
  readonly path: string;
  readonly url: string;
  readonly limit: number;
  readonly scopes: readonly string[] | undefined;
  readonly loginBasePath: string | undefined;
}

/** A 2xx answer's JSON (bounded), or the typed error of any other answer. */
async function jsonAnswer(response: Response, facts: CallFacts): Promise<unknown> {
  const { status } = response;
  if (status < 200 || status >= 300) throw await errorOf(response, facts);
  if (status === 204 || status === 205) {
    await response.body?.cancel().catch(() => {});
    return undefined;
  }
  const type = (response.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== '' && type !== 'application/json' && !type.endsWith('+json')) {
    await response.body?.cancel().catch(() => {});
    throw new TransportError('HTTP_BAD_CONTENT_TYPE', `The ${facts.providerId} API answered ${type.slice(0, 80)} where JSON was expected.`, { url: facts.url });
  }
  const text = await readBody(response, facts);
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new TransportError('HTTP_INVALID_JSON', `The ${facts.providerId} API answered a body that is not valid JSON.`, { url: facts.url });
  }
}

function readBody(response: Response, facts: CallFacts): Promise<string> {
  return readBoundedText(
    response.body,
    facts.limit,
    () => new TransportError('HTTP_BODY_TOO_LARGE', `The ${facts.providerId} API answer is over ${facts.limit} bytes.`, { url: facts.url }),
  );
}

/**
 * The error for a non-2xx answer. RFC 6750 §3.1: `insufficient_scope` (403) means the token lacks
 * scopes the resource needs: the user must consent to them (`INSUFFICIENT_SCOPE` with `scopes`, from
 * the challenge's `scope` attribute, else the options'). A redirect was not followed (RFC 9700 §4.11).
 */
async function errorOf(response: Response, facts: CallFacts): Promise<Error> {
  const challenge = parseWwwAuthenticate(response.headers.get('www-authenticate'));
  if (response.status === 403 && challenge?.error === 'insufficient_scope') {
    await response.body?.cancel().catch(() => {});
    const named = (challenge.params.scope ?? '').split(' ').filter((s) => s !== '');
    const scopes = named.length > 0 ? named : [...(facts.scopes ?? [])];
    return insufficientScope(
      `The ${facts.providerId} API needs more scopes (insufficient_scope); the user must consent to them.`,
      facts.providerId,
      scopes,
      facts.loginBasePath,
    );
  }
  let body: unknown;
  try {
    const text = await readBody(response, facts);
    try {
      body = JSON.parse(text);
    } catch {
      body = text;
    }
  } catch {
    // Over the budget or cut short: the status alone is reported.
    body = undefined;
  }
  const path = facts.path.split('?')[0]!;
  return new ProviderApiError({ provider: facts.providerId, httpStatus: response.status, method: facts.method, path, ...(body !== undefined ? { body } : {}) });
}
