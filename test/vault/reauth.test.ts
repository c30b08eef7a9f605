/**
 * The re-sign-in helper for REAUTH_REQUIRED, and the in-process single flight.
 */
import { describe, expect, it } from 'vitest';
import { isLatchkeyError, TokenError } from '../../src/errors.js';
import { reauthRedirect, reauthUrl } from '../../src/vault/reauth.js';
import { SingleFlight } from '../../src/vault/single-flight.js';

describe('reauthUrl / reauthRedirect', () => {
  it('builds the provider login route with an encoded same-origin returnTo', () => {
    expect(reauthUrl({ providerId: 'google', returnTo: '/calendar?week=3&x=a b' })).toBe('/auth/google/login?returnTo=%2Fcalendar%3Fweek%3D3%26x%3Da%20b');
    expect(reauthUrl({ providerId: 'github', basePath: '/api/auth' })).toBe('/api/auth/github/login?returnTo=%2F');
  });

  it('refuses open redirects and malformed ids', () => {
    for (const returnTo of ['https://evil.example/', '//evil.example/', '/\\evil.example', 'relative', '/ok\nSet-Cookie: x']) {
      let error: unknown;
      try {
        reauthUrl({ providerId: 'google', returnTo });
      } catch (e) {
        error = e;
      }
      expect(isLatchkeyError(error, 'RETURN_TO_INVALID')).toBe(true);
    }
    expect(() => reauthUrl({ providerId: '../admin' })).toThrow();
    expect(() => reauthUrl({ providerId: 'google', basePath: 'auth/' })).toThrow();
  });

  it('turns REAUTH_REQUIRED into a 302 back to the current page; other errors give undefined', () => {
    const request = new Request('https://app.example/calendar?week=3');
    const res = reauthRedirect(new TokenError('REAUTH_REQUIRED', undefined, { provider: 'google' }), request)!;
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('/auth/google/login?returnTo=%2Fcalendar%3Fweek%3D3');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(reauthRedirect(new TokenError('TOKEN_REFRESH_FAILED', undefined, { provider: 'google' }), request)).toBeUndefined();
    expect(reauthRedirect(new Error('x'), request)).toBeUndefined();
    expect(
      reauthRedirect(new TokenError('REAUTH_REQUIRED', undefined, { provider: 'google' }), request, { returnTo: '/settings' })!.headers.get('location'),
    ).toBe('/auth/google/login?returnTo=%2Fsettings');
  });
});

describe('SingleFlight', () => {
  it('shares one execution among concurrent callers per key, then starts afresh', async () => {
    const flights = new SingleFlight<number>();
    let runs = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const work = async () => {
      runs++;
      await gate;
      return runs;
    };
    const a = Array.from({ length: 10 }, () => flights.run('k', work));
    const other = flights.run('other', async () => 42);
    expect(flights.size).toBe(2);
    release();
    expect(await Promise.all(a)).toEqual(Array(10).fill(1));
    expect(await other).toBe(42);
    expect(flights.size).toBe(0);
    expect(await flights.run('k', work)).toBe(2);
  });

  it('shares a rejection and does not cache it', async () => {
    const flights = new SingleFlight<number>();
    let calls = 0;
    const failing = async () => {
      calls++;
      throw new Error('boom');
    };
    const results = await Promise.allSettled([flights.run('k', failing), flights.run('k', failing)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(calls).toBe(1);
    expect(await flights.run('k', async () => 7)).toBe(7);
  });
});
