/**
 * Issue 11, item 1: every method gets an answer and nothing crashes. Through every adapter on a real
 * server (127.0.0.1, port 0), each auth route answers the methods it does not serve with 405 and
 * `Allow` (TRACE made `new Request()` throw, which crashed the documented node:http server and gave
 * Express a 500), the server keeps serving afterwards, and whatever escapes a handler or a store is
 * a 500 page or JSON with only the error's class name logged. The documented node:http pattern runs
 * in a child process too, where an unhandled rejection would end the process.
 */
import type { ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Auth } from '../../src/app/create-auth.js';
import { throwingSessionStore } from '../app/support.js';
import { EDGE_ADAPTERS, edgeAuth, listenEdge, rawRequest, startEdgeServer } from './edge-support.js';

/** Every auth route and the methods it serves, as `Allow` lists them. */
const ROUTES: readonly (readonly [path: string, allow: string])[] = [
  ['/auth/session', 'GET, OPTIONS'],
  ['/auth/token', 'POST, OPTIONS'],
  ['/auth/login', 'GET'],
  // GET shows the sign-out confirmation (issue 13, item 5); OPTIONS is its CORS preflight (item 4); HEAD is still never served.
  ['/auth/logout', 'GET, POST, OPTIONS'],
  ['/auth/logout/callback', 'GET'],
  ['/auth/op/login', 'GET'],
  ['/auth/op/callback', 'GET, POST'],
  ['/auth/op/backchannel-logout', 'POST'],
  // The user's own view (issue 16 part 4): same-origin only, so no OPTIONS.
  ['/auth/accounts', 'GET'],
  ['/auth/sessions', 'GET'],
  ['/auth/sessions/revoke', 'POST'],
  ['/auth/op/unlink', 'POST'],
];
/** Methods Node's parser delivers to a request listener. */
const NODE_METHODS = ['TRACE', 'PROPFIND', 'DELETE', 'PUT', 'PATCH', 'HEAD', 'OPTIONS', 'M-SEARCH'];
/** Next routes only the methods a route module may export; it answers the others itself. */
const NEXT_METHODS = ['DELETE', 'PUT', 'PATCH', 'HEAD', 'OPTIONS'];

const head = (method: string, path: string, extra = ''): string => `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n${extra}\r\n`;

async function stillServing(base: string): Promise<void> {
  const r = await fetch(`${base}/auth/session`, { headers: { accept: 'application/json' } });
  expect(r.status).toBe(401);
  expect(((await r.json()) as { code: string }).code).toBe('UNAUTHENTICATED');
}

describe.each(Object.keys(EDGE_ADAPTERS))('adapter: %s', (name) => {
  let server: Awaited<ReturnType<typeof listenEdge>>;
  beforeAll(async () => {
    server = await listenEdge(name);
  });
  afterAll(async () => {
    await server.close();
  });

  it.each(ROUTES)('answers the methods %s does not serve with 405 and Allow: %s, and keeps serving', async (path, allow) => {
    const methods = (name === 'next' ? NEXT_METHODS : NODE_METHODS).filter((m) => !allow.split(', ').includes(m));
    for (const method of methods) {
      const r = await rawRequest(server.port, head(method, path, 'Content-Length: 0\r\n'));
      expect({ method, status: r.status, allow: r.headers.allow }).toEqual({ method, status: 405, allow });
      if (method !== 'HEAD') expect(JSON.parse(r.body)).toMatchObject({ error: 'method_not_allowed', code: 'METHOD_NOT_ALLOWED' });
      expect(r.headers['cache-control']).toBe('no-store');
    }
    await stillServing(server.base);
  });

  it('survives what Node itself refuses: TRACK and FOO (400 from the parser), CONNECT (closed)', async () => {
    // Node's HTTP parser never hands these to a request listener; the server must simply live on.
    for (const method of ['TRACK', 'FOO']) expect((await rawRequest(server.port, head(method, '/auth/session'))).status).toBe(400);
    const connect = await rawRequest(server.port, head('CONNECT', '/auth/session'));
    expect(connect.status).toBe(0);
    await stillServing(server.base);
  });
});

describe.each(Object.keys(EDGE_ADAPTERS))('adapter: %s, when something throws', (name) => {
  let throwing: Awaited<ReturnType<typeof listenEdge>>;
  let failingStore: Awaited<ReturnType<typeof listenEdge>>;
  const logged: string[] = [];
  beforeAll(async () => {
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void logged.push(args.map(String).join(' ')));
    throwing = await listenEdge(name, (base) => {
      const auth = edgeAuth(base);
      return {
        ...auth,
        handler: async () => {
          throw new TypeError('boom with request data: code=SECRETCODE');
        },
      } as Auth;
    });
    const store = throwingSessionStore('the store exploded near SECRETROW');
    failingStore = await listenEdge(name, (base) => edgeAuth(base, { session: { strategy: 'server' }, store: { sessions: store } }));
  });
  afterEach(() => {
    logged.length = 0;
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await throwing.close();
    await failingStore.close();
  });

  it('answers a throwing handler with a 500 page or JSON, logs the class name only, and lives on', async () => {
    const json = await rawRequest(throwing.port, head('GET', '/auth/session'));
    expect(json.status).toBe(500);
    const body = JSON.parse(json.body) as { referenceId: string };
    expect(body).toEqual({
      error: 'internal_error',
      code: 'INTERNAL_ERROR',
      message: expect.any(String),
      referenceId: expect.stringMatching(/^\w{4}-\w{4}-\w{4}$/),
    });
    const html = await rawRequest(throwing.port, `GET /auth/op/login HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/html\r\n\r\n`);
    expect(html.status).toBe(500);
    expect(html.headers['content-type']).toMatch(/^text\/html/);
    expect(html.body).toContain('INTERNAL_ERROR');
    for (const answer of [json.body, html.body]) expect(answer).not.toContain('SECRETCODE');
    // One line per failure, with the reference id its answer shows.
    expect(logged.some((l) => l.includes('TypeError') && l.includes(`ref=${body.referenceId}`))).toBe(true);
    expect(logged.join('\n')).not.toContain('SECRETCODE');
    // The same process answers the next request.
    expect((await rawRequest(throwing.port, head('GET', '/auth/session'))).status).toBe(500);
    expect((await rawRequest(throwing.port, head('TRACE', '/auth/session'))).status).toBe(405);
  });

  it('answers a throwing session store with a 500 and lives on', async () => {
    const cookie = `Cookie: ${failingStore.auth.config.cookies.session}=${'a'.repeat(43)}\r\n`;
    const r = await rawRequest(failingStore.port, head('GET', '/auth/session', cookie));
    expect(r.status).toBe(500);
    expect(JSON.parse(r.body)).toMatchObject({ code: 'INTERNAL_ERROR' });
    expect(r.body).not.toContain('SECRETROW');
    expect(logged.join('\n')).not.toContain('SECRETROW');
    await stillServing(failingStore.base);
  });
});

describe('the Web handler itself', () => {
  const auth = edgeAuth('http://127.0.0.1:3999');
  it.each(ROUTES)('answers extension methods on %s with 405 and Allow: %s', async (path, allow) => {
    for (const method of ['FOO', 'PROPFIND', 'DELETE', 'PUT', 'PATCH', 'HEAD', 'OPTIONS', 'patch']) {
      if (allow.split(', ').includes(method)) continue;
      const r = await auth.handler(new Request(`http://127.0.0.1:3999${path}`, { method, headers: { accept: 'application/json' } }));
      expect({ method, status: r.status, allow: r.headers.get('allow') }).toEqual({ method, status: 405, allow });
    }
  });
});

describe('the node:http pattern of docs/app.md, in its own process', () => {
  let child: ChildProcess | undefined;
  afterAll(() => {
    child?.kill('SIGTERM');
  });

  it('answers TRACE with 405 and is still running afterwards', async () => {
    const started = await startEdgeServer('node:http');
    child = started.child;
    const r = await rawRequest(started.port, head('TRACE', '/auth/session'));
    expect(r.status).toBe(405);
    expect(r.headers.allow).toBe('GET, OPTIONS');
    // An unhandled rejection would have ended the process by now.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(child.exitCode).toBeNull();
    await stillServing(`http://127.0.0.1:${started.port}`);
  }, 30_000);
});
