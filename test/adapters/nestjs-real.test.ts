/**
 * The NestJS adapter inside the real framework: a Nest 12 application on its Express platform
 * (`NestFactory.create` with `ExpressAdapter`, Nest's own body parsers on, as by default), its
 * controllers declared with Nest's decorators (applied as functions: this repository compiles
 * without `experimentalDecorators`), end to end against oidc-provider: the module's middleware
 * answering `/auth/*` behind Nest's body parser (`form_post`), the guard's 302 / 401 / 503, and the
 * parameter decorators.
 */
import type http from 'node:http';
import { Controller, Get, Module, Req, type Type, UseGuards } from '@nestjs/common';
import { APP_GUARD, NestFactory } from '@nestjs/core';
import { ExpressAdapter } from '@nestjs/platform-express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LatchkeyGuard, LatchkeyModule, MaybeUser, User } from '../../src/adapters/nestjs.js';
import type { Auth } from '../../src/app/create-auth.js';
import type { SessionUser } from '../../src/app/sessions/types.js';
import { StorageError } from '../../src/errors.js';
import { MemorySessionStore } from '../../src/storage/memory.js';
import { listen, makeAuth, type RpServer, rawGet, startOp } from '../app/support.js';
import type { OidcProviderHandle } from '../support/oidc-provider.js';
import { browser, expectSignedOut, signIn, signOut } from './web-frameworks.js';

type Handler = (...args: never[]) => unknown;

/** What `@Get(path) @UseGuards(...) method(@Param...)` does, applied by hand. */
function route(cls: Type, name: string, path: string, options: { guarded?: boolean; params?: ParameterDecorator[] } = {}): void {
  const proto = cls.prototype as Record<string, Handler>;
  const descriptor = Object.getOwnPropertyDescriptor(proto, name)!;
  for (const [index, param] of (options.params ?? []).entries()) param(proto, name, index);
  if (options.guarded) UseGuards(LatchkeyGuard)(proto, name, descriptor);
  Get(path)(proto, name, descriptor);
}

class AppController {
  home(): string {
    return '<p>home</p>';
  }
  dashboard(user: SessionUser, req: { latchkey: { csrfToken: string } }): string {
    return `<p>${user.email}</p><form method="post" action="/auth/logout"><input type="hidden" name="csrfToken" value="${req.latchkey.csrfToken}"><button>Sign out</button></form>`;
  }
  me(user: SessionUser): { user: SessionUser } {
    return { user };
  }
  maybe(user: SessionUser | null): { email: string | null } {
    return { email: user?.email ?? null };
  }
  unguarded(user: SessionUser): { user: SessionUser } {
    return { user };
  }
}
Controller()(AppController);
route(AppController, 'home', '/');
route(AppController, 'dashboard', 'dashboard', { guarded: true, params: [User(), Req()] });
route(AppController, 'me', 'api/me', { guarded: true, params: [User()] });
route(AppController, 'maybe', 'maybe', { params: [MaybeUser()] });
route(AppController, 'unguarded', 'unguarded', { params: [User()] });

/** What Nest logged as a warning or an error (its logger is otherwise silent). */
const nestLog: string[] = [];
const logger = {
  log: () => {},
  warn: (...args: unknown[]) => void nestLog.push(`warn ${args.map(String).join(' ')}`),
  error: (...args: unknown[]) => void nestLog.push(`error ${args.map(String).join(' ')}`),
};

/** A Nest application for `auth`, as a node:http listener. */
async function nestApp(auth: Auth, options: { appGuard?: boolean } = {}): Promise<{ listener: http.RequestListener; close(): Promise<void> }> {
  class AppModule {}
  const providers = options.appGuard ? [{ provide: APP_GUARD, useClass: LatchkeyGuard }] : [];
  Module({ imports: [LatchkeyModule.forRoot(auth)], controllers: [AppController], providers })(AppModule);
  const app = await NestFactory.create(AppModule, new ExpressAdapter(), { logger });
  await app.init();
  return { listener: app.getHttpAdapter().getInstance() as http.RequestListener, close: () => app.close() };
}

describe('adapter: nestjs (real Nest application, Express platform)', () => {
  let rp: RpServer;
  let op: OidcProviderHandle;
  let nest: Awaited<ReturnType<typeof nestApp>>;

  beforeAll(async () => {
    rp = await listen(() => nest.listener);
    op = await startOp(rp.base);
    nest = await nestApp(makeAuth(rp.base, op));
  });

  afterAll(async () => {
    await nest?.close();
    await rp?.close();
    await op?.close();
  });

  it('guards a page (302) and an API route (401), and the maybe-user is null, signed out', async () => {
    await expectSignedOut(rp.base);
  });

  it('signs in with the query response, and signs out with the CSRF token of the request state', async () => {
    const ua = browser();
    await signOut(rp.base, ua, await signIn(rp.base, ua, 'op'));
  }, 60_000);

  it("signs in with form_post (the callback's form body already read by Nest's body parser)", async () => {
    const ua = browser();
    await signOut(rp.base, ua, await signIn(rp.base, ua, 'op-post'));
    // The guard's answers (sent, then `false` returned) leave Nest's exception layer nothing to log.
    expect(nestLog).toEqual([]);
  }, 60_000);

  it('answers the edge refusals of the auth routes through Nest (405 with Allow)', async () => {
    const r = await fetch(`${rp.base}/auth/session`, { method: 'PUT', headers: { accept: 'application/json' } });
    expect(r.status).toBe(405);
    expect(r.headers.get('allow')).toBe('GET, OPTIONS');
    await r.body?.cancel();
  });

  it("answers 413 to a form Nest's body parser read (its limit is 100 KB) that is over the 64 KB budget", async () => {
    const r = await fetch(`${rp.base}/auth/logout`, {
      method: 'POST',
      headers: { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded', origin: rp.base },
      body: `csrfToken=${'a'.repeat(70 * 1024)}`,
    });
    expect(r.status).toBe(413);
    expect(((await r.json()) as { code: string }).code).toBe('PAYLOAD_TOO_LARGE');
  });

  it('refuses @User() on a route without the guard (a configuration error, not a null user)', async () => {
    const r = await fetch(`${rp.base}/unguarded`, { headers: { accept: 'application/json' } });
    expect(r.status).toBe(500);
    expect(nestLog.join('\n')).toContain('@User() needs @UseGuards(LatchkeyGuard)');
    nestLog.length = 0;
  });
});

describe('adapter: nestjs, session store down', () => {
  let rp: RpServer;
  let op: OidcProviderHandle;
  let nest: Awaited<ReturnType<typeof nestApp>>;

  beforeAll(async () => {
    rp = await listen(() => nest.listener);
    op = await startOp(rp.base);
    const down = (): never => {
      throw new StorageError('STORAGE_UNAVAILABLE', 'The session store is unreachable.');
    };
    const sessions = Object.assign(new MemorySessionStore(), { get: down });
    nest = await nestApp(makeAuth(rp.base, op, { session: { strategy: 'server' }, store: { sessions } }));
  });

  afterAll(async () => {
    await nest?.close();
    await rp?.close();
    await op?.close();
  });

  it('fails closed with 503 in the guard, without sending the browser to sign in; the maybe-user is null', async () => {
    const cookie = `lk-session=${'a'.repeat(43)}`;
    const page = await rawGet(`${rp.base}/dashboard`, { cookie, accept: 'text/html', 'sec-fetch-mode': 'navigate' });
    expect(page.status).toBe(503);
    expect(page.headers.location).toBeUndefined();
    expect(JSON.parse(page.body)).toMatchObject({ code: 'STORAGE_UNAVAILABLE' });
    const maybe = await fetch(`${rp.base}/maybe`, { headers: { accept: 'application/json', cookie } });
    expect(await maybe.json()).toEqual({ email: null });
    expect(nestLog).toEqual([]);
  });
});

describe('adapter: nestjs, LatchkeyGuard as the app-wide guard (APP_GUARD)', () => {
  let rp: RpServer;
  let op: OidcProviderHandle;
  let nest: Awaited<ReturnType<typeof nestApp>>;

  beforeAll(async () => {
    rp = await listen(() => nest.listener);
    op = await startOp(rp.base);
    nest = await nestApp(makeAuth(rp.base, op), { appGuard: true });
  });

  afterAll(async () => {
    await nest?.close();
    await rp?.close();
    await op?.close();
  });

  it('guards every route of the app, while the auth routes (the middleware, before any guard) still answer', async () => {
    for (const path of ['/maybe', '/api/me']) {
      const r = await fetch(`${rp.base}${path}`, { headers: { accept: 'application/json' } });
      expect({ path, status: r.status, code: ((await r.json()) as { code: string }).code }).toEqual({ path, status: 401, code: 'UNAUTHENTICATED' });
    }
    const session = await fetch(`${rp.base}/auth/session`, { headers: { accept: 'application/json' } });
    expect(session.status).toBe(401);
    // Signed in, the guarded `/maybe` gives the user too (the scenario's sign-out lands on `/`, guarded here).
    await signIn(rp.base, browser(), 'op');
    expect(nestLog).toEqual([]);
  }, 60_000);
});
