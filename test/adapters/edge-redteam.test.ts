/**
 * Red-team findings at the HTTP edge, after issue 11 (each failed on the code it was found on):
 *
 * 1. A body trickled slowly ("slow POST") was waited for without end by the auth routes: 300 s with
 *    Node's defaults, forever under Fastify (`requestTimeout: 0`), holding the connection and up to
 *    64 KB each. Every adapter now answers 408 `BODY_TIMEOUT` with `Connection: close` once the body
 *    has taken 10 s, and keeps serving.
 * 2. A client that closed the connection mid-body surfaced as a plain `Error` from the body reader:
 *    reported to `hooks.onError` (and logged) as an unexpected server failure, a 500, once per
 *    request an attacker cares to cut short. It is now the typed 4xx `BODY_ABORTED`.
 * 3. A `returnTo` whose separators and dots are both encoded (`/x/%2e%2e%2f%2fevil.example`) passed
 *    the "decoded again downstream" check, which decoded the separators but did not resolve the dot
 *    segments they form: decoded once, it is `/x/..//evil.example`, which resolves to `//evil.example`.
 *
 * Real servers on 127.0.0.1 port 0, raw `node:net` clients.
 */
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { safeReturnTo } from '../../src/app/return-to.js';
import { EDGE_ADAPTERS, edgeAuth, listenEdge, rawRequest } from './edge-support.js';

const BODY_TIMEOUT_MS = 10_000;
/** Adapters whose auth routes read the body themselves (a parser mounted first reads by its own rules). */
const READING_ADAPTERS = Object.keys(EDGE_ADAPTERS).filter((name) => !name.includes('parsers'));

interface Trickled {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly elapsedMs: number;
}

/**
 * Declares a 1,000-byte form body and sends one byte of it every 400 ms (it would take 400 s), until
 * the server answers or closes, or `giveUpMs` passes.
 */
function trickle(port: number, path: string, giveUpMs: number): Promise<Trickled> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const started = Date.now();
    let data = '';
    let done = false;
    const finish = (): void => {
      if (done) return;
      done = true;
      clearInterval(drip);
      clearTimeout(timer);
      socket.destroy();
      const [head = '', ...rest] = data.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const l of lines) {
        const i = l.indexOf(':');
        if (i > 0) headers[l.slice(0, i).trim().toLowerCase()] = l.slice(i + 1).trim();
      }
      resolve({ status: Number(statusLine.split(' ')[1] ?? 0), headers, body: rest.join('\r\n\r\n'), elapsedMs: Date.now() - started });
    };
    const drip = setInterval(() => {
      if (!socket.destroyed) socket.write('a');
    }, 400);
    const timer = setTimeout(finish, giveUpMs);
    socket.on('data', (d: Buffer) => {
      data += d.toString('latin1');
      if (data.includes('\r\n\r\n')) setTimeout(finish, 50);
    });
    socket.on('error', () => {});
    socket.on('close', finish);
    socket.write(
      `POST ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n`,
    );
  });
}

describe('a body trickled slowly is answered 408 once it has taken 10 s, through every adapter', () => {
  const servers = new Map<string, Awaited<ReturnType<typeof listenEdge>>>();
  beforeAll(async () => {
    for (const name of READING_ADAPTERS) servers.set(name, await listenEdge(name));
  });
  afterAll(async () => {
    for (const s of servers.values()) await s.close();
  });

  it('answers every adapter within the deadline and keeps serving', { timeout: 40_000 }, async () => {
    // All adapters at once (they wait, they do not work), on two POST routes each.
    const runs = [...servers].flatMap(([name, s]) =>
      ['/auth/logout', '/auth/op/callback'].map(async (path) => ({ name, path, r: await trickle(s.port, path, BODY_TIMEOUT_MS + 8000) })),
    );
    for (const { name, path, r } of await Promise.all(runs)) {
      expect({ name, path, status: r.status }).toEqual({ name, path, status: 408 });
      expect(r.headers.connection).toBe('close');
      // The body may come chunked: look for the code in it rather than parse it.
      expect(r.body).toContain('"code":"BODY_TIMEOUT"');
      expect(r.elapsedMs).toBeGreaterThanOrEqual(BODY_TIMEOUT_MS - 500);
      expect(r.elapsedMs).toBeLessThan(BODY_TIMEOUT_MS + 4000);
    }
    for (const [name, s] of servers) {
      const r = await rawRequest(s.port, 'GET /auth/session HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\nConnection: close\r\n\r\n');
      expect({ name, status: r.status }).toEqual({ name, status: 401 });
    }
  });

  it('the Web handler stops waiting for a body stream that never ends, and cancels it', { timeout: 20_000 }, async () => {
    const auth = edgeAuth('http://127.0.0.1:3999');
    let cancelled = false;
    // One chunk, then nothing: a client that stopped sending but keeps the connection open.
    let sentOne = false;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (!sentOne) {
          sentOne = true;
          controller.enqueue(new TextEncoder().encode('state=s'));
        }
        return new Promise(() => {});
      },
      cancel() {
        cancelled = true;
      },
    });
    const started = Date.now();
    const r = await auth.handler(
      new Request('http://127.0.0.1:3999/auth/logout', {
        method: 'POST',
        body,
        duplex: 'half',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      } as RequestInit),
    );
    expect(r.status).toBe(408);
    expect(r.headers.get('connection')).toBe('close');
    expect(((await r.json()) as { code: string }).code).toBe('BODY_TIMEOUT');
    expect(cancelled).toBe(true);
    expect(Date.now() - started).toBeLessThan(BODY_TIMEOUT_MS + 3000);
  });
});

describe('a client that goes away mid-body is bad input, not a server failure', () => {
  it.each(['node:http', 'express 5', 'express 4', 'fastify', 'hono', 'next'])(
    'through %s: reported as BODY_ABORTED (4xx), the server still serving',
    async (name) => {
      const reported: unknown[] = [];
      const server = await listenEdge(name, (base) => edgeAuth(base, { hooks: { onError: (error) => void reported.push(error) } }));
      try {
        // 10 of 1,000 declared bytes, then the connection is closed.
        await new Promise<void>((resolve) => {
          const socket = net.connect(server.port, '127.0.0.1', () => {
            socket.write(
              'POST /auth/logout HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nstate=abcd',
            );
            setTimeout(() => socket.destroy(), 150);
          });
          socket.on('error', () => {});
          socket.on('close', () => resolve());
        });
        const deadline = Date.now() + 3000;
        while (reported.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 25));
        expect(reported.length).toBe(1);
        expect(reported[0]).toMatchObject({ code: 'BODY_ABORTED', status: 400 });
        const r = await rawRequest(server.port, 'GET /auth/session HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\nConnection: close\r\n\r\n');
        expect(r.status).toBe(401);
      } finally {
        await server.close();
      }
    },
  );
});

/** Separators and dots both encoded: each resolves to `//evil.example` once decoded downstream. */
const ENCODED_DOT_SEGMENT_PAYLOADS = [
  '/x/%2e%2e%2f%2fevil.example',
  '/x/%2E%2E%2F%2Fevil.example',
  '/x/..%2f%2fevil.example',
  '/..%2f%2fevil.example',
  '/..%2f..%2f/evil.example',
  '/%2e%2e%5c%5cevil.example',
  '/x/%2e%2e%5c%5cevil.example',
  '/x/.%2e%2f/evil.example',
  '/x/%2e%2e%252f%252fevil.example',
  '/x/%252e%252e%252f%252fevil.example',
  '/x/y/%2e%2e%2f%2e%2e%2f%2fevil.example',
  '/x/%2e%2e%2f%09/evil.example',
];

describe('returnTo: encoded dot segments that a second decoding turns into another host', () => {
  it.each(ENCODED_DOT_SEGMENT_PAYLOADS)('safeReturnTo refuses %s', (value) => {
    expect(() => safeReturnTo(value, 'http://127.0.0.1:3999')).toThrow(expect.objectContaining({ code: 'RETURN_TO_INVALID' }));
  });

  it.each(['/x/%2e%2e%2fok', '/a/..%2fb', '/docs/%2e%2e/guide', '/x/%2fy'])('still accepts %s (stays a path once decoded)', (value) => {
    const out = safeReturnTo(value, 'http://127.0.0.1:3999');
    expect(out.startsWith('/')).toBe(true);
    expect(out.startsWith('//')).toBe(false);
  });

  describe.each(['node:http', 'express 5', 'fastify', 'hono'])('the login route through %s', (name) => {
    let server: Awaited<ReturnType<typeof listenEdge>>;
    beforeAll(async () => {
      server = await listenEdge(name);
    });
    afterAll(async () => {
      await server.close();
    });

    it('answers 400 RETURN_TO_INVALID with no Location and no cookie for each payload', async () => {
      for (const value of ENCODED_DOT_SEGMENT_PAYLOADS) {
        const r = await rawRequest(
          server.port,
          `GET /auth/op/login?returnTo=${encodeURIComponent(value)} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\nConnection: close\r\n\r\n`,
        );
        expect({ value, status: r.status }).toEqual({ value, status: 400 });
        expect(r.headers.location).toBeUndefined();
        expect(r.headers['set-cookie']).toBeUndefined();
        expect(JSON.parse(r.body)).toMatchObject({ code: 'RETURN_TO_INVALID' });
      }
    });
  });
});
