/**
 * Red team, hostile network: a resolver that never answers once (a stalled DNS-over-HTTPS call, a
 * resolver hook without a timeout) left its pending lookup in the verdict cache for good. Every
 * later request to that host waited on the same dead promise and timed out, for the life of the
 * process, although the resolver answered again. A lookup unanswered after `RESOLUTION_TTL_MS` is
 * now asked again. Only `Date` is faked (the transport's deadline timers run for real).
 */
import { afterEach, expect, it, vi } from 'vitest';
import { type HostResolver, RESOLUTION_TTL_MS } from '../../src/core/endpoint-policy.js';
import { httpRequest } from '../../src/core/http.js';
import { LatchkeyError } from '../../src/errors.js';

afterEach(() => {
  vi.useRealTimers();
});

function recordingFetch(): { fetch: typeof fetch; calls: string[] } {
  const calls: string[] = [];
  const f = (input: string | URL | Request): Promise<Response> => {
    calls.push(String(input instanceof Request ? input.url : input));
    return Promise.resolve(Response.json({ ok: true }));
  };
  return { fetch: f as typeof fetch, calls };
}

async function outcome(url: string, options: Parameters<typeof httpRequest>[1]): Promise<string> {
  try {
    await httpRequest({ url, expect: 'json' }, options);
    return 'sent';
  } catch (error) {
    expect(error).toBeInstanceOf(LatchkeyError);
    return (error as LatchkeyError).code;
  }
}

it('a lookup that never answered is asked again once the TTL has passed', async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  const rec = recordingFetch();
  let calls = 0;
  // First call: never answers. Later calls: a public address.
  const resolveHost: HostResolver = (hostname) => {
    calls++;
    return calls === 1 ? new Promise(() => {}) : Promise.resolve(hostname === 'stall.op.example' ? ['93.184.216.34'] : []);
  };
  const options = { fetch: rec.fetch, timeoutMs: 100, resolveHost };
  expect(await outcome('https://stall.op.example/a', options)).toBe('HTTP_TIMEOUT');
  // Within the TTL the pending lookup is shared (no second query), and the request still times out.
  expect(await outcome('https://stall.op.example/b', options)).toBe('HTTP_TIMEOUT');
  expect(calls).toBe(1);
  vi.setSystemTime(Date.now() + RESOLUTION_TTL_MS + 1);
  expect(await outcome('https://stall.op.example/c', options)).toBe('sent');
  expect(calls).toBe(2);
  expect(rec.calls).toEqual(['https://stall.op.example/c']);
});

it('a stalled lookup answered later with a private address is still refused, and nothing is sent', async () => {
  vi.useFakeTimers({ toFake: ['Date'] });
  const rec = recordingFetch();
  let calls = 0;
  const resolveHost: HostResolver = () => {
    calls++;
    return calls === 1 ? new Promise(() => {}) : Promise.resolve(['10.0.0.5']);
  };
  const options = { fetch: rec.fetch, timeoutMs: 100, resolveHost };
  expect(await outcome('https://stall2.op.example/a', options)).toBe('HTTP_TIMEOUT');
  vi.setSystemTime(Date.now() + RESOLUTION_TTL_MS + 1);
  expect(await outcome('https://stall2.op.example/b', options)).toBe('ENDPOINT_REFUSED');
  expect(rec.calls).toEqual([]);
});
