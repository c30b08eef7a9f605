/**
 * Red team, provider side: IPv6 addresses outside global unicast (2000::/3) counted as public.
 * Only 2000::/3 is allocated for global unicast (RFC 4291 §2.4, IANA IPv6 address space); the rest
 * of ::/8 includes the SIIT "IPv4-translated" form `::ffff:0:a.b.c.d` (RFC 2765), which a
 * stateless translator on the network maps to the embedded IPv4 address (10.0.0.1 here). As a
 * literal and as a DNS answer these were accepted and the request was sent; now they are refused
 * unless the provider opts in with `allowPrivateNetwork`, like the other reserved ranges.
 */
import { describe, expect, it } from 'vitest';
import { classifyAddress, createEndpointPolicy, type HostResolver } from '../../src/core/endpoint-policy.js';
import { type HttpOptions, httpRequest } from '../../src/core/http.js';
import { LatchkeyError, TransportError } from '../../src/errors.js';

/** A fetch that records the URLs it is asked for (these addresses cannot exist on this machine). */
function recordingFetch(): { fetch: typeof fetch; calls: string[] } {
  const calls: string[] = [];
  const f = (input: string | URL | Request): Promise<Response> => {
    calls.push(String(input instanceof Request ? input.url : input));
    return Promise.resolve(Response.json({ ok: true }));
  };
  return { fetch: f as typeof fetch, calls };
}

function resolverAnswering(addresses: readonly string[]): HostResolver {
  return async () => addresses;
}

async function outcome(url: string, options: HttpOptions): Promise<LatchkeyError | 'sent'> {
  try {
    await httpRequest({ url, expect: 'json' }, options);
    return 'sent';
  } catch (error) {
    expect(error).toBeInstanceOf(LatchkeyError);
    return error as LatchkeyError;
  }
}

const OUTSIDE_GLOBAL_UNICAST = ['::ffff:0:a00:1', '::ffff:0:7f00:1', '::ffff:0:a9fe:a9fe', '1::1', '4000::1', 'e000::1', '::1:0:0:1'];

describe('IPv6 outside 2000::/3', () => {
  it.each(OUTSIDE_GLOBAL_UNICAST)('classifies %s as reserved', (address) => {
    expect(classifyAddress(address)).toBe('reserved');
  });

  it.each(OUTSIDE_GLOBAL_UNICAST)('refuses the literal https://[%s]/token before sending', async (address) => {
    const rec = recordingFetch();
    const result = await outcome(`https://[${address}]/token`, { fetch: rec.fetch, endpointPolicy: createEndpointPolicy({ issuer: 'https://op.example' }) });
    expect(result).toBeInstanceOf(TransportError);
    expect((result as TransportError).code).toBe('ENDPOINT_REFUSED');
    expect(rec.calls).toEqual([]);
  });

  it.each(OUTSIDE_GLOBAL_UNICAST)('refuses a name that resolves to %s (also mixed with a public answer)', async (address) => {
    for (const answer of [[address], ['93.184.216.34', address]]) {
      const rec = recordingFetch();
      const result = await outcome(`https://tokens-${answer.length}.op.example/token`, { fetch: rec.fetch, resolveHost: resolverAnswering(answer) });
      expect((result as TransportError).code).toBe('ENDPOINT_REFUSED');
      expect(rec.calls).toEqual([]);
    }
  });

  it('still accepts global unicast answers and the literal of one', async () => {
    const rec = recordingFetch();
    expect(
      await outcome('https://v6.op.example/a', {
        fetch: rec.fetch,
        resolveHost: resolverAnswering(['2606:2800:220:1::1', '2a00:1450:4001::1', '3fff:ffff::1']),
      }),
    ).toBe('sent');
    expect(await outcome('https://[2606:4700::1111]/b', { fetch: rec.fetch })).toBe('sent');
    expect(rec.calls).toHaveLength(2);
  });

  it('admits them with allowPrivateNetwork, like every reserved range', async () => {
    const rec = recordingFetch();
    const endpointPolicy = createEndpointPolicy({ issuer: 'https://sso.corp.example', allowPrivateNetwork: true });
    expect(await outcome('https://[::ffff:0:a00:1]/token', { fetch: rec.fetch, endpointPolicy })).toBe('sent');
    expect(rec.calls).toEqual(['https://[::ffff:0:a00:1]/token']);
  });
});
