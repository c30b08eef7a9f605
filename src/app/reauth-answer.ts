/**
 * What every adapter's reauth handler answers when an app route fails with `REAUTH_REQUIRED` (the
 * provider grant is gone) or `INSUFFICIENT_SCOPE` (more scopes are needed): a browser navigation
 * gets a 302 to the login route of that provider (asking for the error's `scopes`, and back to the
 * page); an API client (the same rule as the guards: {@link isApiRequest}) gets a JSON body with the
 * code, the provider, the scopes and the login URL to send the user to (401, or 403 for scopes).
 *
 * @module
 */
import { ERROR_CODES, isLatchkeyError } from '../errors.js';
import { reauthUrl } from '../vault/reauth.js';
import { type GuardRequest, isApiRequest, type PlainResponse } from './guards.js';
import { AUTH_HEADERS } from './responses.js';
import { returnToOr } from './return-to.js';

/** What {@link reauthAnswer} needs of the app. */
export interface ReauthSite {
  /** The auth routes' prefix as the app sees it, e.g. `/auth`. */
  readonly routePrefix: string;
  /** The app's origin (`returnTo` stays on it). */
  readonly origin: string;
  /** The `WWW-Authenticate` realm. */
  readonly realm: string;
  /** Whether a provider id is configured. */
  readonly hasProvider: (providerId: string) => boolean;
}

/**
 * The answer to a request whose handler failed with `error`, when `error` is `REAUTH_REQUIRED` for
 * a configured provider; undefined otherwise (the caller passes the error on).
 *
 * @param site - the app's prefix, origin, realm and providers.
 * @param error - what the handler threw.
 * @param r - the request facts.
 * @returns a 302 to re-consent (browsers) or a 401 JSON answer (API clients), or undefined.
 */
export function reauthAnswer(site: ReauthSite, error: unknown, r: GuardRequest): PlainResponse | undefined {
  const code = isLatchkeyError(error, 'REAUTH_REQUIRED') ? 'REAUTH_REQUIRED' : isLatchkeyError(error, 'INSUFFICIENT_SCOPE') ? 'INSUFFICIENT_SCOPE' : undefined;
  if (code === undefined) return undefined;
  const { provider, scopes } = error as { provider?: unknown; scopes?: readonly string[] };
  if (typeof provider !== 'string' || !site.hasProvider(provider)) return undefined;
  const api = isApiRequest(r);
  // An API client's page is not the API path it called: its login URL returns to `/` (an SPA sets its own `returnTo`).
  const returnTo = api ? '/' : returnToOr(r.pathAndQuery, site.origin, '/');
  const loginUrl = reauthUrl({ providerId: provider, returnTo, basePath: site.routePrefix, ...(scopes !== undefined ? { scopes } : {}) });
  if (!api) return { status: 302, headers: { ...AUTH_HEADERS, location: loginUrl }, body: '' };
  const body = { error: code.toLowerCase(), code, message: ERROR_CODES[code].hint, provider, scopes: scopes ?? [], loginUrl };
  const json = { ...AUTH_HEADERS, 'content-type': 'application/json; charset=utf-8' };
  // RFC 6750 §3.1: a grant lacking scopes is a 403 (the session is fine; the user must consent to more).
  if (code === 'INSUFFICIENT_SCOPE') return { status: 403, headers: json, body: JSON.stringify(body) };
  // RFC 9110 §15.5.2: a 401 carries a challenge; the session itself is fine, so no error code (RFC 6750 §3.1).
  return { status: 401, headers: { ...json, 'www-authenticate': `Bearer realm="${site.realm}"` }, body: JSON.stringify(body) };
}
