/**
 * The lean edge: the Node-family adapters answer the auth routes with no Web `Request` or
 * `Response` built on the way (the request shape is read lazily from the Node request, the answer
 * written straight to the `ServerResponse`), and the CSRF token of a session is computed once.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthContext } from '../../src/app/context.js';
import type { Session } from '../../src/app/sessions/types.js';
import { listenEdge, neverContactedProvider, rawRequest } from './edge-support.js';

/** Counts the Web `Request` and `Response` objects constructed while installed. */
function countWebObjects(): { readonly counts: { request: number; response: number }; restore(): void } {
  const OriginalRequest = globalThis.Request;
  const OriginalResponse = globalThis.Response;
  const counts = { request: 0, response: 0 };
  globalThis.Request = class extends OriginalRequest {
    constructor(...args: ConstructorParameters<typeof Request>) {
      super(...args);
      counts.request++;
    }
  };
  globalThis.Response = class extends OriginalResponse {
    constructor(...args: ConstructorParameters<typeof Response>) {
      super(...args);
      counts.response++;
    }
  };
  return {
    counts,
    restore() {
      globalThis.Request = OriginalRequest;
      globalThis.Response = OriginalResponse;
    },
  };
}

const LEAN = ['node:http', 'express 5', 'express 4', 'express 5 + parsers', 'fastify'];

describe.each(LEAN)('the lean edge of %s', (name) => {
  let server: Awaited<ReturnType<typeof listenEdge>>;
  beforeAll(async () => {
    server = await listenEdge(name);
  });
  afterAll(async () => {
    await server?.close();
  });

  it('answers the session route, a refusal and a POST with a body without building a Web Request or Response', async () => {
    const counter = countWebObjects();
    try {
      const session = await rawRequest(server.port, 'GET /auth/session HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: other=1\r\n\r\n');
      expect(session.status).toBe(401);
      expect(session.headers['www-authenticate']).toMatch(/^Bearer realm=/);
      expect(session.headers['cache-control']).toBe('no-store');
      expect(JSON.parse(session.body)).toMatchObject({ error: 'unauthenticated', code: 'UNAUTHENTICATED' });

      const refused = await rawRequest(server.port, 'DELETE /auth/session HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n\r\n');
      expect(refused.status).toBe(405);
      expect(refused.headers.allow).toBe('GET, OPTIONS');

      const form = 'returnTo=%2Fbye';
      const logout = await rawRequest(
        server.port,
        `POST /auth/logout HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: ${form.length}\r\n\r\n`,
        { body: form },
      );
      expect(logout.status).toBe(200);
      expect(JSON.parse(logout.body)).toEqual({ loggedOut: true, redirectTo: '/bye' });
    } finally {
      counter.restore();
    }
    expect(counter.counts).toEqual({ request: 0, response: 0 });
  });
});

describe('the CSRF token of a session', () => {
  it('is computed once, then answered synchronously from a bounded cache, and still verifies', async () => {
    const ctx = createAuthContext({
      baseUrl: 'http://127.0.0.1:3999',
      secret: 'csrf-cache-secret-0123456789abcdefghijklmnopqrstuvwxyz',
      providers: [neverContactedProvider()],
    });
    const session = { id: 'session-id-1' } as Session;
    const first = ctx.csrfToken(session);
    expect(first).toBeInstanceOf(Promise);
    const token = await first;
    expect(token.length).toBeGreaterThan(20);
    // The second time: the same token, as a plain string (no HMAC, no promise).
    expect(ctx.csrfToken(session)).toBe(token);
    expect(await ctx.checkCsrf(session, token)).toBe(true);
    expect(await ctx.checkCsrf(session, `${token}x`)).toBe(false);
    // Another session's token differs.
    expect(await ctx.csrfToken({ id: 'session-id-2' } as Session)).not.toBe(token);
  });
});
