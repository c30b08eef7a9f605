/**
 * The endpoint policy: which URLs the back channel may contact, in one place. The transport
 * ({@link httpRequest}, {@link fetchStream}) applies it to every request, and `checkMetadata`
 * applies it to every metadata member before a client is built, so a hostile or mistaken
 * discovery document cannot aim the client (its secret, codes and PKCE verifiers) at an internal
 * service.
 *
 * Refused, whatever the issuer:
 * - credentials in a URL (`https://user:pass@host`): they would be sent, and end up in logs;
 * - IPv4 addresses written in a numeric encoding (`http://2130706433`, `0x7f.1`, `0177.0.0.1`,
 *   `127.1`, percent-encoded digits): the WHATWG parser turns them into dotted quads, so they are
 *   found by comparing the parsed host with the written one;
 * - an `end_session_endpoint` on another host than the issuer's and the authorization endpoint's
 *   (the browser would carry the ID token there as `id_token_hint`).
 *
 * Refused unless the provider opts in with `allowPrivateNetwork: true`:
 * - private (10/8, 172.16/12, 192.168/16), shared (100.64/10), link-local (169.254/16, fe80::/10),
 *   unique-local (fc00::/7), unspecified (0.0.0.0/8, ::), reserved and multicast addresses, IPv6
 *   outside global unicast 2000::/3, and the IPv4-mapped, NAT64 and 6to4 IPv6 forms of refused
 *   IPv4 addresses: as literals, and after DNS resolution;
 * - loopback (127/8, ::1), except on the loopback host of an issuer (or of explicit metadata)
 *   the developer configured in code ({@link IssuerSource} `configured`). With `runtime` (an
 *   issuer chosen by a tenant or a request) loopback needs the opt-in too.
 *
 * `localhost` and `*.localhost` count as loopback only when they resolve to loopback addresses.
 * DNS answers are checked through {@link HostResolver} (default: `node:dns` `lookup`, loaded
 * lazily; none on runtimes without it). `fetch` resolves the name again when it connects: a DNS
 * server that answers differently the second time (rebinding) is not caught here.
 *
 * @see [RFC 6890 - Special-Purpose IP Address Registries](https://www.rfc-editor.org/rfc/rfc6890.html)
 * @see [RFC 9700 - Best Current Practice for OAuth 2.0 Security, section 2.6](https://www.rfc-editor.org/rfc/rfc9700.html#section-2.6)
 * @module
 */
import { TransportError } from '../errors.js';
import { BoundedMap } from '../internal/bounded-map.js';
import { type AddressClass, classifyAddress, classifyIPv4, IPV4_DOTTED } from './ip-address.js';

export { type AddressClass, classifyAddress } from './ip-address.js';

/**
 * The transport options an endpoint check reads: the fields of `HttpOptions` (`http.ts`) that
 * concern the policy. Declared here so that this module does not import the transport that uses it.
 */
export interface EndpointCheckOptions {
  /** `HttpOptions.allowInsecureHttpHosts`: named hosts allowed over plain http. */
  readonly allowInsecureHttpHosts?: readonly string[];
  /** `HttpOptions.endpointPolicy`: the policy; default {@link DEFAULT_ENDPOINT_POLICY}. */
  readonly endpointPolicy?: EndpointPolicy;
  /** `HttpOptions.resolveHost`: the resolver; default `node:dns` `lookup` where it exists. */
  readonly resolveHost?: HostResolver;
}

/**
 * Who chose the issuer. `configured` (default): the developer wrote it in code, so a loopback
 * issuer is a deliberate local provider and its endpoints may use that loopback host.
 * `runtime`: it came from data (a tenant, a request); loopback needs `allowPrivateNetwork` too.
 */
export type IssuerSource = 'configured' | 'runtime';

/**
 * Resolves a host name to its IP addresses (IPv4 and IPv6 text forms), as `fetch` will when it
 * connects. Rejects, or resolves to `[]`, when the name does not resolve.
 */
export type HostResolver = (hostname: string) => Promise<readonly string[]>;

/** Inputs of {@link createEndpointPolicy}. */
export interface EndpointPolicyOptions {
  /** The issuer the endpoints belong to. Without one, any loopback literal is accepted (a URL written in code). */
  readonly issuer?: string;
  /** Who chose the issuer. Default `configured`. */
  readonly issuerSource?: IssuerSource;
  /** Accept private-network and loopback addresses for this provider. Default false. */
  readonly allowPrivateNetwork?: boolean;
  /** Metadata written in code (discovery skipped): its loopback hosts count as configured ones. */
  readonly configuredMetadata?: Readonly<Record<string, unknown>>;
}

/** A compiled endpoint policy, carried by `HttpOptions.endpointPolicy`. Immutable. */
export interface EndpointPolicy {
  readonly issuerSource: IssuerSource;
  readonly allowPrivateNetwork: boolean;
  /** Loopback host names accepted without the opt-in; `any` when the policy has no issuer. */
  readonly loopbackHosts: ReadonlySet<string> | 'any';
  /** Metadata member names by URL, to name the member in a refusal. */
  readonly members: ReadonlyMap<string, string>;
  /** The inputs in one string (a cache key for metadata accepted under this policy). */
  readonly key: string;
}

/** The policy of a request that carries none: loopback literals accepted (the caller wrote the URL). */
export const DEFAULT_ENDPOINT_POLICY: EndpointPolicy = Object.freeze({
  issuerSource: 'configured',
  allowPrivateNetwork: false,
  loopbackHosts: 'any',
  members: new Map<string, string>(),
  key: 'default',
});

/** How long a DNS verdict is reused, in ms. */
export const RESOLUTION_TTL_MS = 30_000;
const RESOLUTIONS_MAX = 1000;

/** Members that are URLs (OIDC Discovery §3, RFC 8414 §2, RFC 9126 §5): checked by `checkMetadata`. */
export const METADATA_URL_MEMBERS = [
  'authorization_endpoint',
  'token_endpoint',
  'userinfo_endpoint',
  'jwks_uri',
  'registration_endpoint',
  'revocation_endpoint',
  'introspection_endpoint',
  'end_session_endpoint',
  'pushed_authorization_request_endpoint',
  'device_authorization_endpoint',
] as const;

/**
 * Compiles the endpoint policy of one provider.
 *
 * @param options - the issuer, who chose it, the private-network opt-in, explicit metadata.
 * @returns the policy, for `HttpOptions.endpointPolicy`.
 * @example createEndpointPolicy({ issuer: 'https://tenant.example', issuerSource: 'runtime' })
 */
export function createEndpointPolicy(options: EndpointPolicyOptions = {}): EndpointPolicy {
  const issuerSource = options.issuerSource ?? 'configured';
  const allowPrivateNetwork = options.allowPrivateNetwork === true;
  if (options.issuer === undefined && issuerSource === 'configured') {
    return Object.freeze({ ...DEFAULT_ENDPOINT_POLICY, allowPrivateNetwork, key: `default|${allowPrivateNetwork ? 1 : 0}` });
  }
  const hosts = new Set<string>();
  const members = new Map<string, string>();
  if (options.issuer !== undefined) {
    const base = options.issuer.replace(/\/+$/, '');
    members.set(`${base}/.well-known/openid-configuration`, 'issuer');
    const issuerUrl = parseOrUndefined(options.issuer);
    if (issuerUrl) {
      const path = issuerUrl.pathname === '/' ? '' : issuerUrl.pathname.replace(/\/+$/, '');
      members.set(`${issuerUrl.origin}/.well-known/oauth-authorization-server${path}`, 'issuer');
    }
  }
  if (issuerSource === 'configured') {
    const written = [options.issuer, ...METADATA_URL_MEMBERS.map((m) => options.configuredMetadata?.[m])];
    for (const value of written) {
      const url = typeof value === 'string' ? parseOrUndefined(value) : undefined;
      if (url && (isLoopbackLiteral(url.hostname) || isLocalhostName(url.hostname))) hosts.add(url.hostname);
    }
  }
  const key = `${issuerSource}|${allowPrivateNetwork ? 1 : 0}|${[...hosts].sort().join(',')}`;
  return Object.freeze({ issuerSource, allowPrivateNetwork, loopbackHosts: hosts, members, key });
}

/**
 * The policy with the metadata's endpoint URLs labelled, so that a refusal at request time (after
 * DNS resolution) names the metadata member.
 *
 * @param policy - the provider's policy.
 * @param metadata - the validated metadata.
 */
export function labelEndpoints(policy: EndpointPolicy, metadata: Readonly<Record<string, unknown>>): EndpointPolicy {
  const members = new Map(policy.members);
  for (const member of METADATA_URL_MEMBERS) {
    const value = metadata[member];
    if (typeof value === 'string') members.set(value, `metadata ${member}`);
  }
  return Object.freeze({ ...policy, members });
}

/** A URL that passed the checks that need no DNS. */
export interface CheckedEndpoint {
  readonly url: URL;
  /** `check`: a name whose addresses are still to be checked; `confirm-loopback`: `localhost`/`*.localhost`, which must resolve to loopback. */
  readonly resolve: 'none' | 'check' | 'confirm-loopback';
  /** The verdict used `allowInsecureHttpHosts` (it depends on the options, so it is not cached by URL). */
  readonly usedInsecureHostAllowance: boolean;
}

/**
 * The checks that need no DNS: a valid absolute URL, no credentials, `https` (or `http` to
 * loopback or to a host named in `allowInsecureHttpHosts`), no numeric-encoded IPv4 address, and
 * an address class the policy accepts.
 *
 * @param url - the URL as written (a string keeps the written form, needed to see numeric encodings).
 * @param options - transport options; `endpointPolicy` (default {@link DEFAULT_ENDPOINT_POLICY}).
 * @param what - what the URL is, for messages (`issuer`, `metadata token_endpoint`).
 * @returns the parsed URL and what DNS must still confirm.
 * @throws TransportError `ENDPOINT_REFUSED` (policy), `INSECURE_TRANSPORT` (scheme, or not a URL).
 */
export function checkEndpoint(url: string | URL, options: EndpointCheckOptions = {}, what?: string): CheckedEndpoint {
  const policy = options.endpointPolicy ?? DEFAULT_ENDPOINT_POLICY;
  const label = what ?? (typeof url === 'string' ? policy.members.get(url) : undefined) ?? 'endpoint';
  let parsed: URL;
  try {
    parsed = typeof url === 'string' ? new URL(url) : url;
  } catch (cause) {
    throw new TransportError('INSECURE_TRANSPORT', `The ${label} is not a valid absolute URL.`, { cause });
  }
  const written = typeof url === 'string' ? writtenHost(url) : undefined;
  // RFC 3986 §3.2.1 / RFC 9110 §4.2.4: userinfo in a URL is deprecated; it would be sent and logged.
  if (parsed.username !== '' || parsed.password !== '' || written?.hasUserinfo === true) {
    throw refused(parsed, label, 'it carries credentials (user:password@); put them nowhere in a URL');
  }
  const host = parsed.hostname;
  const usedInsecureHostAllowance = checkScheme(parsed, host, options, label);
  const ipv4 = IPV4_DOTTED.exec(host);
  // WHATWG URL §3.5 (IPv4 parser): decimal, hex, octal and short forms become a dotted quad.
  if (ipv4 && typeof url === 'string' && written?.host !== host) {
    throw refused(parsed, label, 'its IPv4 address is written in a numeric encoding (decimal, hex, octal or a short form)');
  }
  const cls = ipv4 ? classifyIPv4(ipv4.slice(1).map(Number)) : host.startsWith('[') ? classifyAddress(host.slice(1, -1)) : undefined;
  if (cls !== undefined) {
    if (cls !== 'public' && !accepts(policy, cls, host)) throw refused(parsed, label, refusalReason(cls, policy));
    return { url: parsed, resolve: 'none', usedInsecureHostAllowance };
  }
  if (isLocalhostName(host)) {
    if (!accepts(policy, 'loopback', host)) throw refused(parsed, label, refusalReason('loopback', policy));
    return { url: parsed, resolve: 'confirm-loopback', usedInsecureHostAllowance };
  }
  return { url: parsed, resolve: 'check', usedInsecureHostAllowance };
}

/**
 * The check of a name's DNS answers (see {@link checkEndpoint}). Synchronous when the verdict is
 * cached: `undefined` means accepted, and a refusal is thrown. Otherwise a promise that resolves
 * when the addresses are accepted. A name that does not resolve is left for `fetch` to report,
 * except `localhost` names, which must be confirmed as loopback.
 *
 * @param checked - the result of {@link checkEndpoint}.
 * @param options - transport options (`resolveHost`, `endpointPolicy`).
 * @param urlText - the URL as requested (to name the metadata member).
 * @throws TransportError `ENDPOINT_REFUSED`.
 */
export function checkResolution(checked: CheckedEndpoint, options: EndpointCheckOptions, urlText?: string): Promise<void> | undefined {
  if (checked.resolve === 'none') return undefined;
  const policy = options.endpointPolicy ?? DEFAULT_ENDPOINT_POLICY;
  // Nothing a `check` lookup could find would be refused.
  if (checked.resolve === 'check' && policy.allowPrivateNetwork) return undefined;
  const resolver = options.resolveHost ?? loadedNodeResolver;
  if (resolver === null) return decideResolved(checked, policy, undefined, 'unavailable', urlText);
  if (resolver === undefined) {
    return loadNodeResolver().then((loaded) => checkResolution(checked, loaded === null ? options : { ...options, resolveHost: loaded }, urlText));
  }
  const hostname = checked.url.hostname;
  const cache = cacheFor(resolver);
  const hit = cache.get(hostname);
  const now = Date.now();
  if (hit !== undefined && !isPending(hit) && hit.expiresAt > now) {
    return decideResolved(checked, policy, hit.classes, 'failed', urlText);
  }
  // A lookup still unanswered after the TTL (a resolver that never answers) is not waited on forever: ask again.
  const pending = hit !== undefined && isPending(hit) && now - hit.startedAt < RESOLUTION_TTL_MS ? hit.pending : lookup(resolver, cache, hostname);
  return pending.then((resolution) => decideResolved(checked, policy, resolution.classes, 'failed', urlText));
}

/**
 * RP-Initiated Logout §2 sends the browser to `end_session_endpoint` with the ID token as
 * `id_token_hint`: the endpoint must be on the issuer's host or the authorization endpoint's.
 *
 * @param metadata - the metadata (endpoints already checked as URLs).
 * @param expectedIssuer - the issuer configured.
 * @throws TransportError `ENDPOINT_REFUSED` for an end-session endpoint on another host.
 * @see [OpenID Connect RP-Initiated Logout 1.0, section 2](https://openid.net/specs/openid-connect-rpinitiated-1_0.html#RPLogout)
 */
export function checkEndSessionHost(metadata: Readonly<Record<string, unknown>>, expectedIssuer: string): void {
  const value = metadata.end_session_endpoint;
  if (typeof value !== 'string') return;
  const endSession = new URL(value);
  const hosts = [
    parseOrUndefined(expectedIssuer)?.hostname,
    typeof metadata.authorization_endpoint === 'string' ? parseOrUndefined(metadata.authorization_endpoint)?.hostname : undefined,
  ];
  if (!hosts.includes(endSession.hostname)) {
    throw refused(
      endSession,
      'metadata end_session_endpoint',
      "it is on another host than the issuer and the authorization endpoint (the browser would carry the user's ID token there)",
    );
  }
}

// ── internals ──────────────────────────────────────────────────────────────────────────────────

/** True for `127.x.x.x` (dotted, as written) and `[::1]`: loopback addresses, no DNS involved. */
function isLoopbackLiteral(hostname: string): boolean {
  return hostname === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(hostname);
}

/** `localhost` and `*.localhost` (RFC 6761 §6.3): loopback by convention, confirmed by resolution here. */
function isLocalhostName(hostname: string): boolean {
  return hostname === 'localhost' || hostname.endsWith('.localhost');
}

/** Plain `http` only to loopback, or to hosts the app named; returns whether the named-host allowance was used. */
function checkScheme(parsed: URL, host: string, options: EndpointCheckOptions, label: string): boolean {
  if (parsed.protocol === 'https:') return false;
  if (parsed.protocol === 'http:') {
    // RFC 9700 §2.6 / RFC 8252 §8.3: plain http only for loopback (development).
    if (isLoopbackLiteral(host) || isLocalhostName(host)) return false;
    if (options.allowInsecureHttpHosts?.includes(host)) return true;
    throw new TransportError(
      'INSECURE_TRANSPORT',
      `The ${label} ${parsed.origin} uses plain http; use https, or name "${host}" in allowInsecureHttpHosts for development.`,
      {
        url: parsed.href,
      },
    );
  }
  throw new TransportError('INSECURE_TRANSPORT', `The ${label} must be an https URL (got "${parsed.protocol}").`, {
    url: `${parsed.protocol}//${parsed.host}${parsed.pathname}`,
  });
}

function accepts(policy: EndpointPolicy, cls: AddressClass, host: string): boolean {
  if (cls === 'public' || policy.allowPrivateNetwork) return true;
  if (cls !== 'loopback' || policy.issuerSource !== 'configured') return false;
  // Only loopback as developers write it (127.x.x.x, [::1], localhost names), not [::ffff:7f00:1].
  if (policy.loopbackHosts === 'any') return isLoopbackLiteral(host) || isLocalhostName(host);
  return policy.loopbackHosts.has(host);
}

function refusalReason(cls: AddressClass, policy: EndpointPolicy): string {
  const optIn = 'set allowPrivateNetwork: true on this provider if it really is on your network';
  if (cls === 'loopback') {
    return policy.issuerSource === 'runtime'
      ? `it is a loopback address and the issuer was chosen at run time; ${optIn}`
      : `it is a loopback address and the issuer is not on this loopback host; ${optIn}`;
  }
  const names: Record<Exclude<AddressClass, 'loopback'>, string> = {
    public: 'a public address',
    private: 'a private-network address (RFC 1918)',
    shared: 'a shared address space address (100.64.0.0/10, RFC 6598)',
    'link-local': 'a link-local address (169.254.0.0/16 or fe80::/10, cloud metadata services live here)',
    'unique-local': 'a unique-local IPv6 address (fc00::/7)',
    unspecified: 'the unspecified address (0.0.0.0/8 or ::, which reaches this host)',
    reserved: 'a reserved, multicast or documentation address',
  };
  return `it is ${names[cls]}; ${optIn}`;
}

function refused(url: URL, label: string, reason: string): TransportError {
  // Origin and path only: never the userinfo, the query or the fragment.
  const shown = `${url.protocol}//${url.host}${url.pathname}`;
  return new TransportError('ENDPOINT_REFUSED', `The ${label} ${shown} was refused: ${reason}. No request was sent.`, { url: shown });
}

/** The host as written in a URL string, lower-cased, and whether it had userinfo (WHATWG URL §4.4 basic URL parser, simplified). */
function writtenHost(text: string): { host: string; hasUserinfo: boolean } | undefined {
  // WHATWG URL: leading and trailing C0 controls and spaces are stripped, tabs and newlines removed.
  const s = text.replace(/[\t\n\r]/g, '').replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '');
  const m = /^[A-Za-z][A-Za-z0-9+.-]*:[\\/]*([^\\/?#]*)/.exec(s);
  if (!m) return undefined;
  let authority = m[1]!;
  const at = authority.lastIndexOf('@');
  const hasUserinfo = at !== -1;
  if (hasUserinfo) authority = authority.slice(at + 1);
  if (authority.startsWith('[')) return { host: authority.slice(0, authority.indexOf(']') + 1).toLowerCase(), hasUserinfo };
  const colon = authority.indexOf(':');
  return { host: (colon === -1 ? authority : authority.slice(0, colon)).toLowerCase(), hasUserinfo };
}

function parseOrUndefined(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

// ── DNS ────────────────────────────────────────────────────────────────────────────────────────

interface Resolution {
  /** The classes of the addresses, or `undefined` when the name did not resolve. */
  readonly classes: readonly AddressClass[] | undefined;
  readonly expiresAt: number;
}

/** A lookup on its way, shared by concurrent requests for the name. */
interface PendingResolution {
  readonly pending: Promise<Resolution>;
  readonly startedAt: number;
}

function isPending(entry: Resolution | PendingResolution): entry is PendingResolution {
  return 'pending' in entry;
}

const resolutions = new WeakMap<HostResolver, BoundedMap<string, Resolution | PendingResolution>>();

function cacheFor(resolver: HostResolver): BoundedMap<string, Resolution | PendingResolution> {
  let cache = resolutions.get(resolver);
  if (!cache) {
    cache = new BoundedMap({ maxEntries: RESOLUTIONS_MAX });
    resolutions.set(resolver, cache);
  }
  return cache;
}

function lookup(resolver: HostResolver, cache: BoundedMap<string, Resolution | PendingResolution>, hostname: string): Promise<Resolution> {
  let answer: Promise<readonly string[]>;
  try {
    answer = resolver(hostname);
  } catch (error) {
    answer = Promise.reject(error);
  }
  const pending = answer.then(
    (addresses) => ({
      classes: addresses.length === 0 ? undefined : addresses.map((a) => classifyAddress(a) ?? 'reserved'),
      expiresAt: Date.now() + RESOLUTION_TTL_MS,
    }),
    () => ({ classes: undefined, expiresAt: Date.now() + RESOLUTION_TTL_MS }),
  );
  const entry: PendingResolution = { pending, startedAt: Date.now() };
  cache.set(hostname, entry);
  void pending.then((resolution) => {
    if (cache.get(hostname) === entry) cache.set(hostname, resolution);
  });
  return pending;
}

/** Applies the policy to a name's addresses; throws the refusal. */
function decideResolved(
  checked: CheckedEndpoint,
  policy: EndpointPolicy,
  classes: readonly AddressClass[] | undefined,
  why: 'failed' | 'unavailable',
  urlText: string | undefined,
): undefined {
  const label = (urlText !== undefined ? policy.members.get(urlText) : undefined) ?? 'endpoint';
  const url = checked.url;
  if (checked.resolve === 'confirm-loopback') {
    if (classes === undefined) {
      // RFC 6761 §6.3: `localhost` itself may be taken as loopback where no resolver is at hand.
      if (why === 'unavailable' && url.hostname === 'localhost') return undefined;
      throw refused(url, label, 'it is a localhost name that could not be resolved to confirm a loopback address');
    }
    if (classes.some((c) => c !== 'loopback')) throw refused(url, label, 'it is a localhost name that does not resolve to loopback addresses only');
    return undefined;
  }
  // A name that resolves to loopback is refused too: only loopback literals and localhost names can be configured as loopback.
  const worst = policy.allowPrivateNetwork ? undefined : classes?.find((c) => c !== 'public');
  if (worst !== undefined) throw refused(url, label, `its name resolves to ${refusalReason(worst, policy).replace(/^it is /, '')}`);
  return undefined;
}

/** `undefined`: not loaded yet; `null`: this runtime has no `node:dns`. */
let loadedNodeResolver: HostResolver | null | undefined;
let loadingNodeResolver: Promise<HostResolver | null> | undefined;

/** The default resolver: `node:dns` `lookup` (what Node's `fetch` connects with), loaded on first use. */
function loadNodeResolver(): Promise<HostResolver | null> {
  loadingNodeResolver ??= (async () => {
    const proc = (globalThis as { process?: { versions?: { node?: string } } }).process;
    if (typeof proc?.versions?.node !== 'string') return null;
    // Cloudflare's workerd with `nodejs_compat` names a Node version too, but its `node:dns` asks a
    // DNS-over-HTTPS server that its `fetch` does not use: `localhost` would fail to resolve there
    // (and be refused), and every other name would cost a subrequest (`test/workers/signin.test.ts`).
    if ((globalThis as { navigator?: { userAgent?: unknown } }).navigator?.userAgent === 'Cloudflare-Workers') return null;
    try {
      const dns = await import(/* webpackIgnore: true */ /* @vite-ignore */ 'node:dns');
      const resolver: HostResolver = async (hostname) => (await dns.promises.lookup(hostname, { all: true, verbatim: true })).map((a) => a.address);
      return resolver;
    } catch {
      return null;
    }
  })().then((resolver) => {
    loadedNodeResolver = resolver;
    return resolver;
  });
  return loadingNodeResolver;
}
