/**
 * Whether the auth routes are reachable in front of the guards, so that a guard never sends a
 * browser somewhere that cannot sign it in:
 *
 * - A guard that runs on an auth route itself (`app.use(lk.requireUser)` before `app.use(lk.router)`)
 *   would redirect the login route to itself, nesting `returnTo` without end. It answers
 *   `GUARD_ON_AUTH_ROUTE` (404) instead, in every environment: such a loop is never intended.
 * - A guard whose redirect would land on the framework's 404 (the routes were never mounted, or are
 *   mounted at another path) is caught in development only: when no auth route has been served yet
 *   and the base URL is on loopback, the first guard that would redirect asks the app's own
 *   `<prefix>/session` once (a loopback request, at most {@link PROBE_TIMEOUT_MS}). If our router
 *   answers, sign-in works; if something else answers, the guard answers `AUTH_ROUTES_NOT_MOUNTED`
 *   with what to mount. A probe that cannot connect (a container mapping another port) proves
 *   nothing and changes nothing. In production the guards never probe: the auth routes may be
 *   served by another service of the same origin.
 *
 * Both answers carry a stable code, name the fix in the log (once per `Auth`), and show the fix on
 * the page in development only; end users in production see a short page without internals.
 *
 * @module
 */
import { ConfigurationError, type ErrorCode } from '../errors.js';
import { isLoopbackHost } from '../internal/loopback.js';
import type { AuthContext } from './context.js';
import { findRoute } from './edge.js';
import { renderOptions } from './failures.js';
import { type GuardAdapter, type GuardRequest, isApiRequest, type PlainResponse } from './guards.js';
import { errorAnswer } from './responses.js';

/** How long the one development probe of the auth routes may take. */
export const PROBE_TIMEOUT_MS = 2000;

/** What is known of the auth routes of one `Auth`. */
interface MountState {
  /** An auth route was answered by this process: the routes are mounted. */
  served: boolean;
  /** The probe ran: `reachable` (our router answered), `unreachable` (something else did) or `unknown` (no answer). */
  probe: 'reachable' | 'unreachable' | 'unknown' | Promise<void> | undefined;
  /** The codes already logged. */
  readonly logged: Set<ErrorCode>;
}

const states = new WeakMap<AuthContext, MountState>();

function stateOf(ctx: AuthContext): MountState {
  let s = states.get(ctx);
  if (!s) {
    s = { served: false, probe: undefined, logged: new Set() };
    states.set(ctx, s);
  }
  return s;
}

/**
 * Records that an auth route was answered: the routes are mounted. Called by the dispatch on every
 * auth request (one `WeakMap` read once known).
 *
 * @param ctx - the auth context.
 */
export function markServed(ctx: AuthContext): void {
  const s = states.get(ctx);
  if (s === undefined) states.set(ctx, { served: true, probe: undefined, logged: new Set() });
  else s.served = true;
}

/** How each adapter mounts the auth routes, for the messages. */
const MOUNT: Readonly<Record<GuardAdapter, { guard: string; mount: string }>> = {
  express: { guard: 'lk.requireUser', mount: 'app.use(lk.router)' },
  fastify: { guard: 'lk.requireUser', mount: 'await app.register(lk.plugin)' },
  hono: { guard: 'lk.requireUser', mount: "app.all('<prefix>/*', lk.handler)" },
  node: { guard: 'lk.requireUser(req, res)', mount: 'if (await lk.handle(req, res)) return;' },
  web: { guard: 'auth.requireUser(request)', mount: 'return auth.handler(request) for <prefix>/*' },
  sveltekit: { guard: 'the `protect` option of lk.handle', mount: 'export const handle = lk.handle (first in sequence())' },
  'react-router': { guard: 'lk.requireUser(request)', mount: "a resource route '<prefix>/*' exporting lk.loader and lk.action" },
  astro: { guard: 'the `protect` option of lk.onRequest', mount: 'export const onRequest = lk.onRequest (first in sequence())' },
  nestjs: { guard: '@UseGuards(LatchkeyGuard)', mount: 'imports: [LatchkeyModule.forRoot(auth)] in the app module' },
  koa: { guard: 'lk.requireUser', mount: 'app.use(lk.middleware) (before body parsers)' },
  nuxt: {
    guard: 'the `protect` option of lk.middleware, or lk.requireUser(event)',
    mount: 'export default defineEventHandler(lk.middleware) in server/middleware/',
  },
  h3: { guard: 'the `protect` option of lk.middleware, or lk.requireUser(event)', mount: 'app.use(lk.middleware) (a server middleware in Nitro)' },
  elysia: { guard: 'the `protect` option of lk.plugin, or lk.requireUser(context)', mount: 'app.use(lk.plugin) (before the routes)' },
};

function mountHint(ctx: AuthContext, adapter: GuardAdapter | undefined): { guard: string; mount: string } {
  const m = MOUNT[adapter ?? 'web'];
  return { guard: m.guard, mount: m.mount.replace('<prefix>', ctx.routePrefix) };
}

/** The path of a guarded request, without its query. */
function pathOf(r: GuardRequest): string {
  const q = r.pathAndQuery.search(/[?#]/);
  return q === -1 ? r.pathAndQuery : r.pathAndQuery.slice(0, q);
}

/**
 * Whether a guarded request is one a guard must never redirect: an auth route itself, or the
 * app's own sign-in page (either would redirect to itself).
 *
 * @param ctx - the auth context.
 * @param r - the guarded request.
 * @returns true when the guard runs in front of the auth routes.
 */
export function guardsAuthRoute(ctx: AuthContext, r: GuardRequest): boolean {
  const path = pathOf(r);
  return findRoute(ctx.routePrefix, path) !== undefined || (ctx.config.signInPage !== undefined && path === ctx.config.signInPage);
}

/** True where the process says production (`NODE_ENV=production`). */
function inProduction(): boolean {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env;
  return env?.NODE_ENV?.trim().toLowerCase() === 'production';
}

/**
 * The answer of a misplaced guard: the fix on the page in development, a short page without
 * internals in production; the fix in the log once per code.
 */
function misplacedAnswer(ctx: AuthContext, code: ErrorCode, developerMessage: string, r: GuardRequest): PlainResponse {
  const error = new ConfigurationError(developerMessage, code);
  const s = stateOf(ctx);
  let referenceId: string | undefined;
  if (!s.logged.has(code)) {
    s.logged.add(code);
    // Through the app's logger, once per code; the message is built from the configuration only
    // (no request data), so it may be logged.
    referenceId = ctx.report(error, 'guard');
  }
  const shown = inProduction() ? new ConfigurationError('Sign-in is not available on this page. The server log says what to change.', code) : error;
  // The fix is the developer's business: on the page wherever the process is not in production.
  const a = errorAnswer(shown, r.accept, [], { ...renderOptions(ctx, 'guard', referenceId), development: !inProduction() });
  return { status: a.status, headers: a.headers, body: typeof a.body === 'string' ? a.body : '' };
}

/**
 * What a guard answers instead of redirecting, when the auth routes are known not to be reachable
 * in front of it: a guard running on an auth route (always), or routes found not mounted by the
 * development probe.
 *
 * @param ctx - the auth context.
 * @param r - the guarded request.
 * @returns the answer, or undefined when the guard may redirect.
 */
export function misplacedGuard(ctx: AuthContext, r: GuardRequest): PlainResponse | undefined {
  const hint = mountHint(ctx, r.adapter);
  if (guardsAuthRoute(ctx, r)) {
    return misplacedAnswer(
      ctx,
      'GUARD_ON_AUTH_ROUTE',
      `${hint.guard} ran on an auth route under ${ctx.routePrefix}/, so signing in would redirect to itself. Mount the auth routes first (${hint.mount} before ${hint.guard}), or guard only your own routes, not ${ctx.routePrefix}/*.`,
      r,
    );
  }
  const s = states.get(ctx);
  // API clients keep their 401: only a browser would be sent to the missing login route.
  if (s !== undefined && !s.served && s.probe === 'unreachable' && !isApiRequest(r)) {
    return misplacedAnswer(
      ctx,
      'AUTH_ROUTES_NOT_MOUNTED',
      `${hint.guard} would send this browser to ${ctx.loginPath} to sign in, but no Latchkey route answers under ${ctx.routePrefix}/ (it would land on the framework's 404). Mount the auth routes before the guarded routes: ${hint.mount}.`,
      r,
    );
  }
  return undefined;
}

/**
 * The development probe, when one is due: no auth route served yet, no probe yet, not in
 * production, a loopback base URL, and the guard would send the browser to the built-in login
 * route (an app's own `signInPage` is the app's business).
 *
 * @param ctx - the auth context.
 * @returns a promise that settles once the probe is done (never rejects), or undefined when none is due.
 */
export function probeIfDue(ctx: AuthContext): Promise<void> | undefined {
  const s = stateOf(ctx);
  if (s.served || s.probe instanceof Promise) return s.probe instanceof Promise ? s.probe : undefined;
  if (s.probe !== undefined || ctx.config.signInPage !== undefined || inProduction()) return undefined;
  const base = new URL(ctx.config.baseUrl);
  if (!isLoopbackHost(base.hostname)) {
    s.probe = 'unknown';
    return undefined;
  }
  const probe = fetch(`${ctx.config.origin}${ctx.routePrefix}/session`, {
    headers: { accept: 'application/json', 'x-latchkey-probe': '1' },
    redirect: 'manual',
    signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
  }).then(
    async (res) => {
      // Our session route answers 401 with this realm (or 200); another process of the app counts too.
      const ours = (res.headers.get('www-authenticate') ?? '').startsWith(`Bearer realm="${ctx.realm}"`) && res.status === 401;
      await res.body?.cancel().catch(() => {});
      s.probe = s.served || ours ? 'reachable' : 'unreachable';
    },
    () => {
      // Nothing answered (another port in a container, a proxy that is down): nothing is known.
      s.probe = 'unknown';
    },
  );
  s.probe = probe;
  return probe;
}
