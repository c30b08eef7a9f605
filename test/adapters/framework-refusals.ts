/**
 * What the Koa and h3 tests check beyond the sign-in scenario of `web-frameworks.ts`, through the
 * real framework: the edge's refusals (an odd method answered 405 with `Allow`, a body over the 64 KB
 * budget answered 413 with `Connection: close`, declared or chunked) and the guard's answer when the
 * session store is down (503, never a redirect to sign in; the maybe-user is null).
 */
import { expect } from 'vitest';
import type { Auth } from '../../src/app/create-auth.js';
import { StorageError } from '../../src/errors.js';
import type { SessionStore } from '../../src/storage/types.js';
import { rawRequest } from './raw-http.js';

const FORM = 'application/x-www-form-urlencoded';
const head = (method: string, path: string, extra: string): string =>
  `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: application/json\r\n${extra}\r\n`;

/** PUT and DELETE on `/auth/session` are 405 with `Allow`; a 100 KB callback body is 413, declared or chunked; the app still serves. */
export async function expectEdgeRefusals(base: string): Promise<void> {
  const port = Number(new URL(base).port);
  for (const method of ['PUT', 'DELETE']) {
    const r = await rawRequest(port, head(method, '/auth/session', 'Content-Length: 0\r\n'));
    expect({ method, status: r.status, allow: r.headers.allow }).toEqual({ method, status: 405, allow: 'GET, OPTIONS' });
    expect(JSON.parse(r.body)).toMatchObject({ code: 'METHOD_NOT_ALLOWED' });
  }
  const body = `state=${'a'.repeat(100 * 1024)}`;
  const declared = await rawRequest(port, head('POST', '/auth/op/callback', `Content-Type: ${FORM}\r\nContent-Length: ${body.length}\r\n`), { body });
  const chunked = await rawRequest(port, head('POST', '/auth/op/callback', `Content-Type: ${FORM}\r\nTransfer-Encoding: chunked\r\n`), {
    chunked: { chunks: 4, chunkBytes: 32 * 1024 },
  });
  for (const [framing, r] of [
    ['declared', declared],
    ['chunked', chunked],
  ] as const) {
    expect({ framing, status: r.status, connection: r.headers.connection }).toEqual({ framing, status: 413, connection: 'close' });
    expect(JSON.parse(r.body)).toMatchObject({ code: 'PAYLOAD_TOO_LARGE' });
  }
  const session = await fetch(`${base}/auth/session`, { headers: { accept: 'application/json' } });
  expect(session.status).toBe(401);
  await session.body?.cancel();
}

/** A session store that is down: every read fails with `STORAGE_UNAVAILABLE`. */
export function downSessionStore(): SessionStore {
  const down = async (): Promise<never> => {
    throw new StorageError('STORAGE_UNAVAILABLE', 'the session store is down (test)');
  };
  return { get: down, create: down, touch: down, delete: down, deleteByUser: down, deleteBySid: down, deleteBySubject: down };
}

/** With the store down and a session cookie: a guarded page and API are 503 (not 302/401), the maybe-user is null. */
export async function expectStoreDown(base: string, auth: Auth): Promise<void> {
  const cookie = `${auth.config.cookies.session}=${'a'.repeat(43)}`;
  for (const [path, accept] of [
    ['/dashboard', 'text/html'],
    ['/api/me', 'application/json'],
  ]) {
    const r = await fetch(`${base}${path}`, { headers: { accept, cookie }, redirect: 'manual' });
    expect({ path, status: r.status }).toEqual({ path, status: 503 });
    await r.body?.cancel();
  }
  const maybe = await fetch(`${base}/maybe`, { headers: { accept: 'application/json', cookie } });
  expect(maybe.status).toBe(200);
  expect(await maybe.json()).toEqual({ email: null });
}
