/**
 * The demo's HTTP edge holds like the adapters' (issue 11, items 1 and 2): `npm start` serves its
 * auth routes through its own node:http listener, so it must screen methods and bound bodies the
 * same way. Odd methods get 405 with `Allow`, oversized bodies 413, never a 500, and the demo's own
 * form routes are bounded too. The demo runs as a child process, as `npm start` runs it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRequest } from '../adapters/raw-http.js';
import { type DemoProcess, startDemoProcess } from './spawn.js';

describe('demo: the auth routes and forms hold at the edge', () => {
  let demo: DemoProcess;
  let port: number;
  let host: string;

  beforeAll(async () => {
    demo = await startDemoProcess({ NODE_ENV: 'development' });
    const u = new URL(demo.url);
    port = Number(u.port);
    host = u.host;
  }, 60_000);
  afterAll(async () => {
    await demo?.close();
  });

  it('answers odd methods on auth routes with 405 and Allow, then keeps serving', async () => {
    for (const [method, path, allow] of [
      ['TRACE', '/auth/session', 'GET, OPTIONS'],
      ['PROPFIND', '/auth/session', 'GET, OPTIONS'],
      ['DELETE', '/auth/logout', 'GET, POST, OPTIONS'],
      ['PUT', '/auth/google/callback', 'GET, POST'],
    ] as const) {
      const answer = await rawRequest(port, `${method} ${path} HTTP/1.1\r\nHost: ${host}\r\nAccept: application/json\r\nConnection: close\r\n\r\n`);
      expect(answer.status, `${method} ${path}`).toBe(405);
      expect(answer.headers.allow, `${method} ${path}`).toBe(allow);
    }
    const after = await fetch(`${demo.url}/auth/session`, { headers: { accept: 'application/json' } });
    expect(after.status).toBe(401);
  });

  it('refuses a declared and a chunked oversized body with 413 on the callback, then keeps serving', async () => {
    const declared = await rawRequest(
      port,
      `POST /auth/google/callback HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 50000000\r\n\r\n`,
      { body: 'state=' },
    );
    expect(declared.status).toBe(413);
    const chunked = await rawRequest(
      port,
      `POST /auth/google/callback HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n`,
      { chunked: { chunks: 64, chunkBytes: 16 * 1024 } },
    );
    expect(chunked.status).toBe(413);
    expect((await fetch(`${demo.url}/`)).status).toBe(200);
  });

  it("bounds the demo's own form routes: an oversized chunked POST is a 413, not a 500", async () => {
    const answer = await rawRequest(
      port,
      `POST /account/api HTTP/1.1\r\nHost: ${host}\r\nOrigin: ${demo.url}\r\nContent-Type: application/x-www-form-urlencoded\r\nTransfer-Encoding: chunked\r\n\r\n`,
      { chunked: { chunks: 64, chunkBytes: 16 * 1024 } },
    );
    expect(answer.status).toBe(413);
    expect(answer.body).toContain('PAYLOAD_TOO_LARGE');
    expect((await fetch(`${demo.url}/`)).status).toBe(200);
  });
});
