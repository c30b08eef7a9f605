/**
 * The polled `GET /auth/session` answered synchronously from the caches (no promise from the
 * adapter to the socket), and the request handed to `hooks.onError` so an app can pair an error
 * with its own per-request state (the demo does, instead of an `AsyncLocalStorage`).
 */
import { describe, expect, it } from 'vitest';
import type { AuthOptions, ErrorContext } from '../../src/app/config.js';
import { createAuthContext } from '../../src/app/context.js';
import { webShape } from '../../src/app/http-shapes.js';
import { answerRequest } from '../../src/app/router.js';
import { neverContactedProvider } from './edge-support.js';

const BASE = 'http://127.0.0.1:3998';

function options(hooks: AuthOptions['hooks'] = {}): AuthOptions {
  return {
    baseUrl: BASE,
    secret: 'sync-session-secret-0123456789abcdefghijklmnopqrstuvwxyz',
    hooks,
    providers: [neverContactedProvider()],
  };
}

describe('GET /auth/session from the caches', () => {
  it('is answered synchronously once the session and its CSRF token are cached, with the same answer', async () => {
    const ctx = createAuthContext(options());
    const user = { id: 'u1', email: 'a@example.test', emailVerified: true, name: 'A', image: null };
    const { setCookie } = await ctx.sessions.create({ user, providerId: 'op', issuer: 'http://127.0.0.1:9/never', subject: 's1', data: { plan: 'x' } });
    const cookie = setCookie.split(';')[0]!;
    const ask = () => answerRequest(ctx, webShape(new Request(`${BASE}/auth/session`, { headers: { cookie, accept: 'application/json' } })));
    // The first poll computes the CSRF token (an HMAC through WebCrypto): a promise.
    const first = await ask();
    expect(first.status).toBe(200);
    // From then on: a plain answer, no promise on the way.
    const second = ask();
    expect(second).not.toBeInstanceOf(Promise);
    const answer = second as Exclude<typeof second, Promise<unknown>>;
    expect(answer.status).toBe(200);
    expect(answer.body).toBe(first.body);
    expect(answer.headers).toMatchObject({
      'cache-control': 'no-store',
      'content-type': 'application/json; charset=utf-8',
      'x-content-type-options': 'nosniff',
    });
    expect(JSON.parse(String(answer.body))).toMatchObject({ user, provider: 'op', data: { plan: 'x' } });
    // Anonymous: the 401, synchronously too, with its challenge.
    const anonymous = answerRequest(ctx, webShape(new Request(`${BASE}/auth/session`)));
    expect(anonymous).not.toBeInstanceOf(Promise);
    expect((anonymous as typeof answer).status).toBe(401);
    expect((anonymous as typeof answer).headers['www-authenticate']).toMatch(/^Bearer realm=/);
  });
});

describe('hooks.onError', () => {
  it('receives the request the error ended, so an app can pair the two', async () => {
    const seen: ErrorContext[] = [];
    const ctx = createAuthContext(options({ onError: (_error, c) => void seen.push(c) }));
    const request = new Request(`${BASE}/auth/session`, { method: 'DELETE' });
    const answer = await answerRequest(ctx, webShape(request));
    expect(answer.status).toBe(405);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.route).toBe('session');
    expect(seen[0]!.request).toBe(request);
  });
});
