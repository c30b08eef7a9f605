/**
 * Where the vault sends a provider's access token: only to that provider's API origins (the
 * origins of its issuer and userinfo endpoint, plus the `apiOrigins` the app and its preset
 * declare). Any other URL is refused with `API_ORIGIN_REFUSED` before the token is even read.
 *
 * @see [RFC 6750 - Bearer Token Usage, section 5.3](https://www.rfc-editor.org/rfc/rfc6750.html#section-5.3)
 * @module
 */
import type { OidcClient } from '../core/client.js';
import { TokenError } from '../errors.js';
import { type ApiOriginMatcher, compileApiOrigins, normalizeApiOrigin, originOf } from '../internal/api-origins.js';
import { BoundedMap } from '../internal/bounded-map.js';

/** Checks an API URL for a provider and returns the URL to request; throws `API_ORIGIN_REFUSED` otherwise. */
export type ApiUrlCheck = (providerId: string, client: OidcClient, url: string | URL) => string;

/**
 * Creates the API URL check of one vault (its compiled origins and approved URLs are its own).
 *
 * @param apiOrigins - the app's and presets' extra origins per provider (`TokenVaultOptions.apiOrigins`).
 * @returns the check.
 */
export function createApiUrlCheck(apiOrigins: ((providerId: string) => readonly string[] | undefined) | undefined): ApiUrlCheck {
  /** Compiled API origins per provider: the issuer's and userinfo's origins plus `apiOrigins`. */
  const apiOriginsOf = new Map<string, ApiOriginMatcher>();
  /** `provider\nurl` strings found on an API origin (bounded; the oldest go first). */
  const approvedUrls = new BoundedMap<string, true>({ maxEntries: 1000 });
  /**
   * RFC 6750 §5.3 / RFC 9700 §4.9: a bearer token is sent only to the resource servers it is meant
   * for; a URL built from user input must not hand the user's provider token to another host.
   * Returns the URL to request: the checked string (a `URL` object is copied, so that changing
   * it after the check changes nothing).
   */
  return (providerId: string, client: OidcClient, url: string | URL): string => {
    // Hot path: an API URL string already approved for this provider is not parsed again.
    const memoKey = typeof url === 'string' ? `${providerId}\n${url}` : undefined;
    if (memoKey !== undefined && approvedUrls.has(memoKey)) return url as string;
    let matcher = apiOriginsOf.get(providerId);
    if (matcher === undefined) {
      const own = [originOf(client.metadata.issuer), originOf(client.metadata.userinfo_endpoint)].filter((o): o is string => o !== undefined);
      const extra = (apiOrigins?.(providerId) ?? []).map((o) => normalizeApiOrigin(o, `the ${providerId} provider`));
      matcher = compileApiOrigins([...own, ...extra]);
      apiOriginsOf.set(providerId, matcher);
    }
    let target: URL | undefined;
    try {
      target = new URL(url);
    } catch {
      target = undefined;
    }
    if (target !== undefined && matcher.matches(target)) {
      if (memoKey !== undefined) {
        approvedUrls.set(memoKey, true);
      }
      return typeof url === 'string' ? url : target.href;
    }
    const where = target === undefined ? 'a malformed URL' : target.origin === 'null' ? `a ${target.protocol} URL` : target.origin.slice(0, 100);
    throw new TokenError(
      'API_ORIGIN_REFUSED',
      `The ${providerId} access token is not sent to ${where}: it goes only to ${matcher.entries.join(', ')}; add the origin to the provider's \`apiOrigins\` if it is that provider's API.`,
      { provider: providerId },
    );
  };
}
