/**
 * Sending a user whose provider grant is gone (`REAUTH_REQUIRED`) back through the provider's
 * sign-in, and back to the page they were on.
 *
 * @module
 */
import { ConfigurationError, isLatchkeyError, SessionError } from '../errors.js';

/** Options of {@link reauthUrl} and {@link reauthRedirect}. */
export interface ReauthOptions {
  /** The provider id, e.g. `google`. */
  readonly providerId: string;
  /** Where to come back to after the sign-in: a same-origin path such as `/calendar?week=3`. Default `/`. */
  readonly returnTo?: string;
  /** The auth routes' base path (`createAuth`'s `basePath`). Default `/auth`. */
  readonly basePath?: string;
  /**
   * Scopes the new consent must grant besides the provider's own (`REAUTH_REQUIRED`'s `scopes`),
   * sent as the login route's `scope` parameter; each must be in the provider's `scopes` or
   * `optionalScopes`, or the login route answers 400.
   */
  readonly scopes?: readonly string[];
}

/** RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

const PROVIDER_ID_RE = /^[a-z0-9][a-z0-9-]*$/;

/**
 * The sign-in URL (a path) that asks the provider again, for offline access when the provider is
 * configured with `offline: true` (Google: `access_type=offline` and `prompt=consent`; OIDC
 * providers: the `offline_access` scope), and returns to `returnTo`.
 *
 * @param options The provider, the page to return to, the base path.
 * @returns A same-origin path such as `/auth/google/login?returnTo=%2Fcalendar`.
 * @throws {SessionError} `RETURN_TO_INVALID` when `returnTo` is not a same-origin path.
 * @throws {ConfigurationError} `CONFIG_INVALID` for a malformed provider id or base path.
 * @example
 * ```ts
 * reauthUrl({ providerId: 'google', returnTo: '/calendar' }); // '/auth/google/login?returnTo=%2Fcalendar'
 * reauthUrl({ providerId: 'google', returnTo: '/calendar', scopes: ['https://www.googleapis.com/auth/calendar.readonly'] }); // …&scope=https%3A%2F%2F…
 * ```
 * @see [OpenID Connect Core 1.0, section 11](https://openid.net/specs/openid-connect-core-1_0.html#OfflineAccess)
 */
export function reauthUrl(options: ReauthOptions): string {
  const basePath = options.basePath ?? '/auth';
  if (!/^\/[A-Za-z0-9._~\-/]*[A-Za-z0-9._~-]$/.test(basePath) || basePath.includes('//')) {
    throw new ConfigurationError('`basePath` must be a path such as "/auth" without a trailing slash.');
  }
  if (!PROVIDER_ID_RE.test(options.providerId)) throw new ConfigurationError('The provider id is malformed.');
  const returnTo = options.returnTo ?? '/';
  // Open-redirect defence: only a path on this origin, never `//host` or `/\host` (browsers treat both as another host).
  if (!returnTo.startsWith('/') || returnTo.startsWith('//') || returnTo.startsWith('/\\') || /[\u0000-\u001f\u007f]/.test(returnTo)) {
    throw new SessionError('RETURN_TO_INVALID');
  }
  // Only well-formed scope tokens: the names came from a provider's `WWW-Authenticate` challenge.
  const scopes = [...new Set(options.scopes ?? [])].filter((x) => typeof x === 'string' && SCOPE_TOKEN.test(x));
  const scope = scopes.length > 0 ? `&scope=${encodeURIComponent(scopes.join(' '))}` : '';
  return `${basePath}/${options.providerId}/login?returnTo=${encodeURIComponent(returnTo)}${scope}`;
}

/**
 * Turns a `REAUTH_REQUIRED` or `INSUFFICIENT_SCOPE` error into a 302 to the provider's sign-in (and back to `returnTo`,
 * by default the path of `request`; asking for the error's `scopes` too). Returns `undefined` for
 * any other error, so callers can rethrow it. The adapters' reauth handlers (`lk.reauthRequired`,
 * `lk.errorHandler`, `lk.onError`, `lk.reauth`) do this for every framework, and answer API
 * clients with a 401 instead.
 *
 * @param error What the vault threw.
 * @param request The current request (its path and query are the default `returnTo`).
 * @param options `providerId` defaults to the error's provider; `basePath`, `returnTo`.
 * @returns The redirect, or undefined when `error` is neither.
 * @example
 * ```ts
 * try { return Response.json(await (await vault.fetch(user.id, 'google', url)).json()); }
 * catch (e) { return reauthRedirect(e, request) ?? Promise.reject(e); }
 * ```
 * @see [RFC 6749, section 6](https://www.rfc-editor.org/rfc/rfc6749.html#section-6)
 */
export function reauthRedirect(error: unknown, request: Request, options: Partial<ReauthOptions> = {}): Response | undefined {
  if (!isLatchkeyError(error, 'REAUTH_REQUIRED') && !isLatchkeyError(error, 'INSUFFICIENT_SCOPE')) return undefined;
  const provider = options.providerId ?? (error as { provider?: unknown }).provider;
  if (typeof provider !== 'string') return undefined;
  const url = new URL(request.url);
  const scopes = options.scopes ?? (error as { scopes?: readonly string[] }).scopes;
  const location = reauthUrl({
    providerId: provider,
    returnTo: options.returnTo ?? `${url.pathname}${url.search}`,
    ...(options.basePath !== undefined ? { basePath: options.basePath } : {}),
    ...(scopes !== undefined ? { scopes } : {}),
  });
  return new Response(null, { status: 302, headers: { location, 'cache-control': 'no-store' } });
}
