/**
 * NestJS adapter (Nest on its Express platform, `@nestjs/platform-express`): a global module whose
 * middleware answers the auth routes, a guard that lets signed-in users through (302 to sign in for
 * browsers, 401 for API calls, 503 when the store fails: the answers of the Express adapter's
 * `requireUser`), and parameter decorators for the user. The guard and the decorators record the
 * user in `request.user` and the request state (`{ user, session, csrfToken }`) in
 * `request.latchkey`. Written without decorator syntax, so it needs no compiler flags; the app's
 * own classes use decorators as usual:
 *
 * ```ts
 * import { LatchkeyGuard, LatchkeyModule, MaybeUser, User } from 'latchkey/adapters/nestjs';
 *
 * @Module({ imports: [LatchkeyModule.forRoot(auth)], controllers: [AppController] })
 * export class AppModule {}
 *
 * @Controller()
 * export class AppController {
 *   @Get('me') @UseGuards(LatchkeyGuard) me(@User() user: SessionUser) { return { user }; }
 *   @Get() home(@MaybeUser() user: SessionUser | null) { return user ? `hi ${user.name}` : 'sign in'; }
 * }
 * ```
 *
 * @module
 */
import type { ServerResponse } from 'node:http';
import {
  type CanActivate,
  createParamDecorator,
  type DynamicModule,
  type ExecutionContext,
  Inject,
  Injectable,
  type MiddlewareConsumer,
  type NestModule,
} from '@nestjs/common';
import type { Auth } from '../app/create-auth.js';
import type { LatchkeyState } from '../app/guards.js';
import type { Session, SessionUser } from '../app/sessions/types.js';
import { ConfigurationError } from '../errors.js';
import { type ExpressRequestLike, latchkey } from './express.js';
import { credentialHeaders, guardFacts, sendGuardAnswer } from './internal/node-http.js';

/** The injection token of the `Auth` given to {@link LatchkeyModule.forRoot} (`@Inject(LATCHKEY_AUTH) auth: Auth`). */
export const LATCHKEY_AUTH = 'LATCHKEY_AUTH';

const AUTH = Symbol('latchkey.auth');

/** What the adapter records on the Express request. */
export interface LatchkeyRequest extends ExpressRequestLike {
  /** The signed-in user, or null (set by the guard and the decorators). */
  user?: SessionUser | null;
  /** The request state: the user, the session and the CSRF token `POST /auth/logout` needs. */
  latchkey?: LatchkeyState;
  [AUTH]?: Auth;
}

/** The session of a request (null when the lookup fails), and the failure if any. */
async function sessionOf(auth: Auth, req: LatchkeyRequest): Promise<{ session: Session | null; error?: unknown }> {
  const { cookie, authorization } = credentialHeaders(req);
  try {
    return { session: await auth.authenticate(cookie, authorization) };
  } catch (error) {
    return { session: null, error };
  }
}

/** Records the request state on the request. */
async function record(auth: Auth, req: LatchkeyRequest, session: Session | null): Promise<LatchkeyState> {
  const state = await auth.requestState(session);
  req.user = state.user;
  req.latchkey = state;
  return state;
}

/** Guard (`@UseGuards(LatchkeyGuard)`, or `APP_GUARD`): lets signed-in users through, answers the others itself. */
export class LatchkeyGuard implements CanActivate {
  readonly #auth: Auth;
  /** @param auth - injected: the `Auth` of {@link LatchkeyModule.forRoot}. */
  constructor(auth: Auth) {
    this.#auth = auth;
  }
  /**
   * Records the user and the request state, or writes the answer (302, 401 with
   * `WWW-Authenticate`, 503) to the response and returns false: Nest's exception layer then finds
   * the response sent and only ends it (an app's catch-all exception filter should check
   * `response.headersSent`, as Nest's own does).
   *
   * @param context - Nest's execution context (HTTP).
   * @returns whether the route runs.
   */
  async canActivate(context: ExecutionContext): Promise<boolean> {
    const req = context.switchToHttp().getRequest<LatchkeyRequest>();
    const { session, error } = await sessionOf(this.#auth, req);
    if (session) {
      await record(this.#auth, req, session);
      return true;
    }
    await sendGuardAnswer(
      context.switchToHttp().getResponse<ServerResponse>(),
      this.#auth.guardAnswer(guardFacts(req, req.originalUrl ?? req.url, 'nestjs'), error),
    );
    return false;
  }
}
Injectable()(LatchkeyGuard);
Inject(LATCHKEY_AUTH)(LatchkeyGuard, undefined, 0);

/** The dynamic module: `imports: [LatchkeyModule.forRoot(auth)]` (global: the guard works in every module). */
export class LatchkeyModule implements NestModule {
  readonly #auth: Auth;
  /** @param auth - injected: the `Auth` of {@link LatchkeyModule.forRoot}. */
  constructor(auth: Auth) {
    this.#auth = auth;
  }
  /**
   * Applies the auth-route middleware to every route: the Express adapter's router, which answers
   * `/auth/*` (a body Nest's parser already read included) and passes every other request on.
   *
   * @param consumer - Nest's middleware consumer.
   */
  configure(consumer: MiddlewareConsumer): void {
    const auth = this.#auth;
    const { router } = latchkey(auth);
    consumer
      .apply((req: LatchkeyRequest, res: Parameters<typeof router>[1], next: (error?: unknown) => void) => {
        req[AUTH] = auth;
        router(req, res, next);
      })
      .forRoutes('{*path}');
  }
  /**
   * @param auth - from `createAuth`.
   * @returns the module, providing {@link LATCHKEY_AUTH} and {@link LatchkeyGuard}.
   */
  static forRoot(auth: Auth): DynamicModule {
    const providers = [{ provide: LATCHKEY_AUTH, useValue: auth }, LatchkeyGuard];
    return { module: LatchkeyModule, global: true, providers, exports: providers };
  }
}
Inject(LATCHKEY_AUTH)(LatchkeyModule, undefined, 0);

/** The request of a parameter decorator, and the `Auth` its middleware left on it. */
function authOf(ctx: ExecutionContext): { req: LatchkeyRequest; auth: Auth } {
  const req = ctx.switchToHttp().getRequest<LatchkeyRequest>();
  const auth = req[AUTH];
  if (!auth) throw new ConfigurationError('@User()/@MaybeUser() need LatchkeyModule.forRoot(auth) in the imports of the app module.');
  return { req, auth };
}

/**
 * Parameter decorator: the signed-in user (`SessionUser`) of a route behind {@link LatchkeyGuard}.
 *
 * @throws ConfigurationError `CONFIG_INVALID` when the route has no `LatchkeyGuard`.
 */
export const User = createParamDecorator((_data: unknown, ctx: ExecutionContext): SessionUser => {
  const { req } = authOf(ctx);
  if (!req.latchkey?.user) throw new ConfigurationError('@User() needs @UseGuards(LatchkeyGuard) on the route; use @MaybeUser() on unguarded routes.');
  return req.latchkey.user;
});

/** Parameter decorator: the signed-in user or null, on any route (reads the session when no guard did). */
export const MaybeUser = createParamDecorator(async (_data: unknown, ctx: ExecutionContext): Promise<SessionUser | null> => {
  const { req, auth } = authOf(ctx);
  return (req.latchkey ?? (await record(auth, req, (await sessionOf(auth, req)).session))).user;
});
