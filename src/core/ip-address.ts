/**
 * What an IP address is, by the IANA special-purpose address registries (RFC 6890): public,
 * loopback, private, shared, link-local, unique-local, unspecified or reserved. The endpoint
 * policy (`./endpoint-policy.ts`) classifies address literals and DNS answers with it.
 *
 * @see [RFC 6890 - Special-Purpose IP Address Registries](https://www.rfc-editor.org/rfc/rfc6890.html)
 * @module
 */

/** What an IP address is, for the policy (RFC 6890 special-purpose registries). */
export type AddressClass = 'public' | 'loopback' | 'private' | 'shared' | 'link-local' | 'unique-local' | 'unspecified' | 'reserved';

/** An IPv4 address as a dotted quad (each part checked for range by the caller). */
export const IPV4_DOTTED = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/**
 * What an IP address is, by the IANA special-purpose registries (RFC 6890). IPv6 forms that embed
 * an IPv4 address (IPv4-mapped `::ffff:0:0/96`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) take the
 * class of the embedded address.
 *
 * @param address - an IPv4 dotted quad or an IPv6 address (no brackets; a `%zone` is ignored).
 * @returns the class, or `undefined` when `address` is not an IP address.
 */
export function classifyAddress(address: string): AddressClass | undefined {
  const v4 = IPV4_DOTTED.exec(address);
  if (v4) return classifyIPv4(v4.slice(1).map(Number));
  const groups = parseIPv6(address.replace(/%.*$/, ''));
  return groups ? classifyIPv6(groups) : undefined;
}

/**
 * The class of an IPv4 address by RFC 6890.
 *
 * @param o - its four octets.
 * @returns the class.
 */
export function classifyIPv4(o: readonly number[]): AddressClass {
  const [a, b, c] = o as [number, number, number, number];
  if (a === 0) return 'unspecified'; // RFC 1122 §3.2.1.3: "this network"; Linux connects 0.0.0.0 to the local host
  if (a === 10 || (a === 172 && (b & 0xf0) === 16) || (a === 192 && b === 168)) return 'private'; // RFC 1918
  if (a === 100 && (b & 0xc0) === 64) return 'shared'; // RFC 6598
  if (a === 127) return 'loopback'; // RFC 1122
  if (a === 169 && b === 254) return 'link-local'; // RFC 3927
  if (a === 192 && b === 0 && (c === 0 || c === 2)) return 'reserved'; // RFC 6890, RFC 5737
  if (a === 198 && ((b & 0xfe) === 18 || (b === 51 && c === 100))) return 'reserved'; // RFC 2544, RFC 5737
  if (a === 203 && b === 0 && c === 113) return 'reserved'; // RFC 5737
  if (a >= 224) return 'reserved'; // multicast (RFC 5771), 240/4 (RFC 1112), broadcast
  return 'public';
}

/** The class of an IPv6 address (its eight groups) by RFC 6890 and the IANA IPv6 address space. */
function classifyIPv6(g: readonly number[]): AddressClass {
  const zeroUpTo = (n: number): boolean => g.slice(0, n).every((x) => x === 0);
  const embedded = (hi: number, lo: number): AddressClass => classifyIPv4([hi >> 8, hi & 0xff, lo >> 8, lo & 0xff]);
  if (zeroUpTo(8)) return 'unspecified';
  if (zeroUpTo(7) && g[7] === 1) return 'loopback';
  if (zeroUpTo(5) && g[5] === 0xffff) return embedded(g[6]!, g[7]!); // RFC 4291 §2.5.5.2: IPv4-mapped
  if (zeroUpTo(6)) return 'reserved'; // RFC 4291 §2.5.5.1: IPv4-compatible (deprecated)
  if (g[0] === 0x64 && g[1] === 0xff9b) {
    if (g.slice(2, 6).every((x) => x === 0)) return embedded(g[6]!, g[7]!); // RFC 6052: NAT64 well-known prefix
    return g[2] === 1 ? 'private' : 'reserved'; // RFC 8215: local-use NAT64 prefix
  }
  if (g[0] === 0x2002) return embedded(g[1]!, g[2]!); // RFC 3056: 6to4
  if ((g[0]! & 0xffc0) === 0xfe80) return 'link-local'; // RFC 4291 §2.5.6
  if ((g[0]! & 0xffc0) === 0xfec0) return 'private'; // RFC 3879: site-local (deprecated)
  if ((g[0]! & 0xfe00) === 0xfc00) return 'unique-local'; // RFC 4193
  if ((g[0]! & 0xff00) === 0xff00) return 'reserved'; // RFC 4291 §2.7: multicast
  if (g[0] === 0x0100 && g[1] === 0 && g[2] === 0 && g[3] === 0) return 'reserved'; // RFC 6666: discard
  if (g[0] === 0x2001 && (g[1] === 0 || g[1] === 0x0db8)) return 'reserved'; // RFC 4380 Teredo, RFC 3849 documentation
  // RFC 4291 §2.4 / IANA IPv6 address space: only 2000::/3 is global unicast. The rest of ::/8
  // (e.g. the SIIT IPv4-translated ::ffff:0:a.b.c.d, RFC 2765) and the other unassigned blocks
  // reach no public host.
  if ((g[0]! & 0xe000) !== 0x2000) return 'reserved';
  return 'public';
}

/** The eight 16-bit groups of an IPv6 address (RFC 4291 §2.2 text forms), or `undefined`. */
function parseIPv6(text: string): number[] | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(text) || !text.includes(':')) return undefined;
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const part = (s: string): number[] | undefined => {
    if (s === '') return [];
    const out: number[] = [];
    const pieces = s.split(':');
    for (let i = 0; i < pieces.length; i++) {
      const p = pieces[i]!;
      const v4 = i === pieces.length - 1 ? IPV4_DOTTED.exec(p) : null;
      if (v4) {
        const o = v4.slice(1).map(Number);
        if (o.some((x) => x > 255)) return undefined;
        out.push((o[0]! << 8) | o[1]!, (o[2]! << 8) | o[3]!);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(p)) out.push(Number.parseInt(p, 16));
      else return undefined;
    }
    return out;
  };
  const head = part(halves[0]!);
  const tail = halves.length === 2 ? part(halves[1]!) : [];
  if (!head || !tail) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  const fill = 8 - head.length - tail.length;
  return fill >= 1 ? [...head, ...new Array<number>(fill).fill(0), ...tail] : undefined;
}
