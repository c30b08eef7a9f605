/**
 * Provider metadata: OpenID Connect Discovery 1.0 (`/.well-known/openid-configuration` appended to
 * the issuer), falling back to RFC 8414 (`/.well-known/oauth-authorization-server` inserted before
 * the issuer path) on a 404. The document's `issuer` must equal the issuer asked for, exactly; a
 * preset may name aliases or a templated issuer through {@link ProtocolHooks}. Results are cached
 * per issuer for a TTL, and concurrent discoveries of one issuer share one request.
 *
 * @module
 */
import { LatchkeyError, ValidationError } from '../errors.js';
import { BoundedMap } from '../internal/bounded-map.js';
import { checkEndpoint, checkEndSessionHost, createEndpointPolicy, type IssuerSource, METADATA_URL_MEMBERS } from './endpoint-policy.js';
import { assertSecureUrl, fetchJsonObject, type HttpOptions } from './http.js';
import type { CoreOptions, ProtocolHooks, ServerMetadata } from './types.js';

/** Options of {@link discover}. */
export interface DiscoveryOptions extends CoreOptions {
  /** Provider quirks: issuer aliases or a templated issuer. */
  readonly hooks?: ProtocolHooks;
  /** How long the metadata is cached, in seconds. Default 3600. */
  readonly ttlSeconds?: number;
  /**
   * Who chose the issuer: `configured` (default, written in code) or `runtime` (a tenant, a
   * request), where a loopback issuer needs `allowPrivateNetwork` too. Ignored when
   * `http.endpointPolicy` is set.
   */
  readonly issuerSource?: IssuerSource;
  /** Accept private-network and loopback endpoints for this provider. Default false. Ignored when `http.endpointPolicy` is set. */
  readonly allowPrivateNetwork?: boolean;
}

/** The default metadata cache lifetime in seconds. */
export const DISCOVERY_DEFAULT_TTL_SECONDS = 3600;

interface CacheEntry {
  readonly metadata: ServerMetadata;
  readonly expiresAt: number;
}

/**
 * Validated metadata by issuer, hooks and policy, least recently used first out: a spray of
 * issuers (templated, multi-tenant) evicts the idle documents, not the ones in use.
 */
const cache = new BoundedMap<string, CacheEntry>({ maxEntries: 1000, refreshOnGet: true, expiresAt: (entry) => entry.expiresAt });
const inflight = new Map<string, Promise<ServerMetadata>>();

/** Metadata members that are endpoint URLs (OIDC Discovery §3, RFC 8414 §2, RFC 9126 §5). */
const URL_MEMBERS = METADATA_URL_MEMBERS;

/** Metadata members that are booleans. */
const BOOLEAN_MEMBERS = [
  'require_pushed_authorization_requests',
  'authorization_response_iss_parameter_supported',
  'backchannel_logout_supported',
  'backchannel_logout_session_supported',
  'frontchannel_logout_supported',
  'claims_parameter_supported',
  'request_parameter_supported',
  'request_uri_parameter_supported',
] as const;

/**
 * Fetches, validates and caches a provider's metadata.
 *
 * @param issuer The issuer identifier, exactly as the provider spells it (https, or http to a loopback host).
 * @param options Transport, clock, cache TTL and provider hooks.
 * @returns The validated metadata; pass it to the other core functions.
 * @throws {ValidationError} `DISCOVERY_ISSUER_MISMATCH` when the document names another issuer;
 *   `METADATA_INVALID` when it is malformed.
 * @throws {TransportError} `INSECURE_TRANSPORT`, `HTTP_*` when it cannot be fetched.
 * @see [OpenID Connect Discovery 1.0, section 4](https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfig)
 * @see [RFC 8414 - OAuth 2.0 Authorization Server Metadata, section 3](https://www.rfc-editor.org/rfc/rfc8414.html#section-3)
 */
export function discover(issuer: string, options: DiscoveryOptions = {}): Promise<ServerMetadata> {
  const now = (options.clock ?? Date.now)();
  const http = withPolicy(issuer, options);
  // The hooks that relax the issuer check are part of the key: metadata accepted under an alias or
  // a template is never handed to a caller that did not declare it. So is the endpoint policy:
  // metadata accepted with allowPrivateNetwork is never handed to a caller without it.
  const key = `${issuer}\u0000${options.hooks?.templatedIssuer ?? ''}\u0000${(options.hooks?.issuerAliases ?? []).join(' ')}\u0000${http.endpointPolicy!.key}`;
  const hit = cache.get(key, now);
  if (hit) return Promise.resolve(hit.metadata);
  let pending = inflight.get(key);
  if (!pending) {
    pending = fetchMetadata(issuer, { ...options, http })
      .then((metadata) => {
        const ttlMs = (options.ttlSeconds ?? DISCOVERY_DEFAULT_TTL_SECONDS) * 1000;
        const storedAt = (options.clock ?? Date.now)();
        cache.set(key, { metadata, expiresAt: storedAt + ttlMs }, storedAt);
        return metadata;
      })
      .finally(() => {
        inflight.delete(key);
      });
    inflight.set(key, pending);
  }
  return pending;
}

/** Forgets every cached discovery document (tests, key rollovers announced out of band). */
export function clearDiscoveryCache(): void {
  cache.clear();
}

/** The transport options with the endpoint policy of this issuer (the caller's own policy wins). */
function withPolicy(issuer: string, options: Pick<DiscoveryOptions, 'http' | 'issuerSource' | 'allowPrivateNetwork'>): HttpOptions {
  if (options.http?.endpointPolicy !== undefined) return options.http;
  const endpointPolicy = createEndpointPolicy({ issuer, issuerSource: options.issuerSource, allowPrivateNetwork: options.allowPrivateNetwork });
  return { ...options.http, endpointPolicy };
}

/**
 * Validates discovered or explicitly configured metadata: `issuer` equality (or a declared alias
 * or templated issuer), endpoint members are absolute https (or loopback http) URLs that the
 * endpoint policy accepts, `*_supported` members are arrays of strings, flags are booleans.
 *
 * @param metadata The metadata document.
 * @param expectedIssuer The issuer the document was fetched for.
 * @param hooks Provider hooks (`issuerAliases`, `templatedIssuer`).
 * @param http Transport options (`allowInsecureHttpHosts` relaxes the https rule for named hosts;
 *   `endpointPolicy`, default: the policy of `expectedIssuer` for discovered metadata).
 * @returns The metadata, typed and frozen.
 * @throws {ValidationError} `DISCOVERY_ISSUER_MISMATCH`, `METADATA_INVALID`.
 * @throws {TransportError} `INSECURE_TRANSPORT` for an endpoint over plain http to a non-loopback host;
 *   `ENDPOINT_REFUSED` for an endpoint the policy refuses (credentials, private or foreign loopback
 *   address, numeric encoding, an end-session endpoint on another host).
 * @see [OpenID Connect Discovery 1.0, section 4.3](https://openid.net/specs/openid-connect-discovery-1_0.html#ProviderConfigurationValidation)
 * @see [RFC 8414, section 3.3](https://www.rfc-editor.org/rfc/rfc8414.html#section-3.3)
 */
export function checkMetadata(metadata: Readonly<Record<string, unknown>>, expectedIssuer: string, hooks?: ProtocolHooks, http?: HttpOptions): ServerMetadata {
  const policyHttp = withPolicy(expectedIssuer, { http });
  // RFC 8414 §2 / OIDC Discovery §3: the issuer identifier is an https URL (loopback http for development).
  checkEndpoint(expectedIssuer, policyHttp, 'issuer');
  const issuer = metadata.issuer;
  if (typeof issuer !== 'string' || issuer.length === 0) {
    throw new ValidationError('METADATA_INVALID', 'The provider metadata has no "issuer".', { claim: 'issuer' });
  }
  // OIDC Discovery 4.3 / RFC 8414 3.3: the issuer must be identical to the one the document was fetched for.
  const accepted =
    issuer === expectedIssuer ||
    (hooks?.templatedIssuer !== undefined && issuer === hooks.templatedIssuer) ||
    (hooks?.issuerAliases?.includes(issuer) ?? false);
  if (!accepted) {
    throw new ValidationError(
      'DISCOVERY_ISSUER_MISMATCH',
      `The provider metadata names issuer "${issuer.slice(0, 200)}" but "${expectedIssuer}" was configured; the metadata was not used.`,
      {
        claim: 'issuer',
        expected: expectedIssuer,
        actual: issuer.slice(0, 200),
      },
    );
  }
  for (const member of URL_MEMBERS) {
    const value = metadata[member];
    if (value === undefined) continue;
    if (typeof value !== 'string') throw invalid(member, 'is not a string');
    try {
      new URL(value);
    } catch {
      throw invalid(member, 'is not an absolute URL');
    }
    // RFC 9700 §2.6 / OIDC Discovery §3: endpoints are https (loopback http allowed for development),
    // and never an RFC 6890 special-purpose address (private, link-local, foreign loopback) unless the provider opts in.
    checkEndpoint(value, policyHttp, `metadata ${member}`);
  }
  checkEndSessionHost(metadata, expectedIssuer);
  for (const [member, value] of Object.entries(metadata)) {
    // OIDC Discovery §3 / RFC 8414 §2: the *_supported members are JSON arrays of strings.
    if (member.endsWith('_supported') && !BOOLEAN_MEMBERS.includes(member as (typeof BOOLEAN_MEMBERS)[number]) && value !== undefined) {
      if (typeof value === 'boolean') continue; // e.g. claims_parameter_supported, tls_client_certificate_bound_access_tokens
      if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) throw invalid(member, 'is not an array of strings');
    }
  }
  for (const member of BOOLEAN_MEMBERS) {
    const value = metadata[member];
    if (value !== undefined && typeof value !== 'boolean') throw invalid(member, 'is not a boolean');
  }
  return Object.freeze({ ...metadata, issuer }) as ServerMetadata;
}

async function fetchMetadata(issuer: string, options: DiscoveryOptions): Promise<ServerMetadata> {
  const base = assertSecureUrl(issuer, options.http, 'issuer');
  // OIDC Discovery 4.1: append /.well-known/openid-configuration to the issuer (trailing slash removed).
  const oidcUrl = `${issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  let body: Record<string, unknown>;
  try {
    body = await fetchJsonObject({ url: oidcUrl }, options.http);
  } catch (error) {
    if (!(error instanceof LatchkeyError && error.code === 'HTTP_BAD_STATUS' && error.response?.status === 404)) throw error;
    // RFC 8414 §3.1: insert /.well-known/oauth-authorization-server between the host and the path.
    const path = base.pathname === '/' ? '' : base.pathname.replace(/\/+$/, '');
    body = await fetchJsonObject({ url: `${base.origin}/.well-known/oauth-authorization-server${path}` }, options.http);
  }
  return checkMetadata(body, issuer, options.hooks, options.http);
}

function invalid(member: string, what: string): ValidationError {
  return new ValidationError('METADATA_INVALID', `The provider metadata member "${member}" ${what}.`, { claim: member });
}
