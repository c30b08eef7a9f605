/**
 * Issue 13, item 4: credentialed CORS for apps on another origin, through every adapter on a real
 * server (127.0.0.1, port 0), stood up as its docs show: the preflights of `GET /auth/session`,
 * `POST /auth/logout` and `POST /auth/token` are answered for an allowed origin (exact origin,
 * credentials, methods, the CSRF header, max-age) and refused with a readable 403 for any other; the
 * answers themselves carry the CORS headers for an allowed origin only, and `Vary: Origin` always.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EDGE_ADAPTERS, edgeAuth, listenEdge } from './edge-support.js';

const SPA = 'http://localhost:5173';
const OTHER = 'http://localhost:5174';
const ROUTES = [
  ['/auth/session', 'GET'],
  ['/auth/logout', 'POST'],
  ['/auth/token', 'POST'],
] as const;

describe.each(Object.keys(EDGE_ADAPTERS))('adapter: %s', (name) => {
  let server: Awaited<ReturnType<typeof listenEdge>>;
  beforeAll(async () => {
    server = await listenEdge(name, (base) => edgeAuth(base, { cors: { origins: [SPA] }, cookies: { sameSite: 'none' } }));
  });
  afterAll(async () => {
    await server.close();
  });

  const preflight = (path: string, origin: string, method: string) =>
    fetch(`${server.base}${path}`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': 'content-type,x-csrf-token', accept: 'application/json' },
    });

  it.each(ROUTES)('answers the preflight of %s (%s) from the allowed origin, and refuses another', async (path, method) => {
    const ok = await preflight(path, SPA, method);
    expect({
      status: ok.status,
      origin: ok.headers.get('access-control-allow-origin'),
      credentials: ok.headers.get('access-control-allow-credentials'),
      methods: ok.headers.get('access-control-allow-methods'),
      headers: ok.headers.get('access-control-allow-headers'),
      maxAge: ok.headers.get('access-control-max-age'),
      vary: ok.headers.get('vary'),
    }).toEqual({
      status: 204,
      origin: SPA,
      credentials: 'true',
      methods: method,
      headers: 'content-type, x-csrf-token, authorization',
      maxAge: '600',
      vary: 'Origin',
    });
    const refused = await preflight(path, OTHER, method);
    expect({
      status: refused.status,
      origin: refused.headers.get('access-control-allow-origin'),
      methods: refused.headers.get('access-control-allow-methods'),
    }).toEqual({
      status: 403,
      origin: null,
      methods: null,
    });
    expect(await refused.json()).toMatchObject({ error: 'cors_origin_refused', code: 'CORS_ORIGIN_REFUSED' });
  });

  it('puts the CORS headers on the answers for the allowed origin only, errors included', async () => {
    const mine = await fetch(`${server.base}/auth/session`, { headers: { origin: SPA, accept: 'application/json' } });
    expect([mine.status, mine.headers.get('access-control-allow-origin'), mine.headers.get('access-control-allow-credentials')]).toEqual([401, SPA, 'true']);
    expect(mine.headers.get('vary')).toMatch(/Origin/);
    const theirs = await fetch(`${server.base}/auth/session`, { headers: { origin: OTHER, accept: 'application/json' } });
    expect([theirs.status, theirs.headers.get('access-control-allow-origin'), theirs.headers.get('vary')]).toEqual([401, null, 'Origin']);
    // No session: nothing to end, and the allowed app can read that.
    const out = await fetch(`${server.base}/auth/logout`, {
      method: 'POST',
      headers: { origin: SPA, accept: 'application/json', 'sec-fetch-site': 'cross-site' },
    });
    expect([out.status, out.headers.get('access-control-allow-origin')]).toEqual([200, SPA]);
    expect(out.headers.getSetCookie()).toEqual([expect.stringMatching(/; Secure; SameSite=None$/)]);
    const foreign = await fetch(`${server.base}/auth/logout`, { method: 'POST', headers: { origin: OTHER, accept: 'application/json' } });
    expect([foreign.status, foreign.headers.get('access-control-allow-origin')]).toEqual([403, null]);
    const token = await fetch(`${server.base}/auth/token`, { method: 'POST', headers: { origin: SPA, accept: 'application/json' } });
    expect([token.status, token.headers.get('access-control-allow-origin')]).toEqual([401, SPA]);
    const tokenForeign = await fetch(`${server.base}/auth/token`, { method: 'POST', headers: { origin: OTHER, accept: 'application/json' } });
    expect([tokenForeign.status, tokenForeign.headers.get('access-control-allow-origin')]).toEqual([403, null]);
  });
});
