/**
 * The loopback test for host names, below the core so that internal helpers (API origins) and the
 * core's transport share one definition (`http.ts` re-exports it inside the core; `latchkey/core` does not export it).
 *
 * @module
 */

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/**
 * True when `hostname` is a loopback host as a browser sees it (127.0.0.0/8, ::1, `localhost`,
 * and `*.localhost`, which browsers resolve to loopback themselves, RFC 6761 §6.3). For URLs the
 * browser opens (the app's base URL, redirect URIs). The back channel does not rely on it: there
 * a `*.localhost` name counts as loopback only once it resolves to loopback addresses.
 *
 * @param hostname - `URL.hostname` (IPv6 in brackets).
 * @returns whether the host is loopback.
 */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127(?:\.\d{1,3}){3}$/.test(hostname) || hostname.endsWith('.localhost');
}
