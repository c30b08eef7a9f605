/**
 * The demo app as a factory: `createDemoApp(options)` reads the environment, starts the development
 * identity provider in-process when a provider has no credentials, opens the store (SQLite under
 * `.latchkey/` by default, migrated on start), loads or generates the development secret, mounts
 * the auth handler and serves the pages. `demo/server.ts` runs it on port 3000; tests run it on
 * port 0 with a temporary data folder.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { closeSync, fchmodSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join, resolve } from 'node:path';
import { type Auth, createAuth, isLatchkeyError, type Session, SessionError } from 'latchkey';
import { latchkey } from 'latchkey/adapters/node';
import { isAllowedHost, type RunningDevIdp, startDevIdp } from 'latchkey/dev';
import { createSqlStore, type SqlStore } from 'latchkey/storage/sql';
// The Web fallback pieces of the Node adapters, for the requests the demo answers itself (its own
// pages, recorded flows): internal to the library, not part of its public API.
import { lingerThenClose, nodeRequest, readNodeBody, sendWebResponse, writeAnswer } from '../src/adapters/internal/node-http.js';
import type { AuthAnswer } from '../src/app/http-shapes.js';
import { describeUrl, type Flow, FlowInspector, redacted, redactParam } from './inspector.js';
import { type ErrorInput, errorPage } from './pages/error.js';
import { homePage, type ProviderView } from './pages/home.js';
import { inspectorPage } from './pages/inspector.js';
import { PAGE_HEADERS, type PageContext } from './pages/layout.js';
import { type AccountView, type ApiResultView, profilePage } from './pages/profile.js';
import { buildProviders, DEMO_PRESETS, type DemoEnv, type DemoProvider, has } from './providers.js';

/** Options of {@link createDemoApp}. */
export interface DemoOptions {
  /** The environment. Default `process.env`. */
  readonly env?: DemoEnv;
  /** Where the SQLite file and the development secret live. Default `DEMO_DATA_DIR`, else `<cwd>/.latchkey`. */
  readonly dataDir?: string;
  /** Port. Default `PORT` or 3000; 0 picks a free one (tests). */
  readonly port?: number;
  /** Interface. Default: loopback, both `127.0.0.1` and `::1`. */
  readonly host?: string;
  /** The dev IdP's port. Default `DEV_IDP_PORT`, else the app port + 1 (stable issuers across restarts), else 0. */
  readonly devIdpPort?: number;
  /** Where start-up lines go. Default stdout. */
  readonly log?: (line: string) => void;
}

/**
 * Whether the environment says development explicitly: development features (the in-process dev
 * IdP, `/dev/inspector`) start only then. An unset `NODE_ENV`, or an unknown one such as `prod`,
 * leaves them off, so a misspelt production never serves an IdP that signs anyone in as anyone.
 * `npm start` says development itself (`demo/server.ts --development` sets it when `NODE_ENV` is unset).
 *
 * @param env - the environment.
 * @returns true only for `NODE_ENV=development`.
 */
export function isDevelopment(env: DemoEnv): boolean {
  return (env.NODE_ENV ?? '').trim().toLowerCase() === 'development';
}

/** How `NODE_ENV` reads in a log line: its value (short, quoted), or that it is unset. */
function describeNodeEnv(env: DemoEnv): string {
  const v = (env.NODE_ENV ?? '').trim();
  return v === '' ? 'NODE_ENV is not set' : `NODE_ENV is "${v.slice(0, 20)}"`;
}

/** A running demo. */
export interface DemoApp {
  /** The app's base URL, e.g. `http://localhost:3000`. */
  readonly url: string;
  /** The in-process dev IdP, or null when every provider is real. */
  readonly devIdp: RunningDevIdp | null;
  readonly auth: Auth;
  readonly inspector: FlowInspector | null;
  readonly providers: readonly DemoProvider[];
  /** Stops the servers and closes the store. */
  close(): Promise<void>;
}

const MAX_BODY = 64 * 1024;

/** Loads the development secret from `<dataDir>/secret`, creating it (mode 0600) on first run. */
export function loadOrCreateSecret(dataDir: string): { secret: string; created: boolean } {
  const file = join(dataDir, 'secret');
  try {
    const existing = readFileSync(file, 'utf8').trim();
    if (existing.length >= 32) return { secret: existing, created: false };
  } catch {
    // absent: create below
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const secret = randomBytes(32).toString('base64url');
  try {
    writePrivateFile(file, `${secret}\n`, 'wx');
  } catch {
    // Another process created it meanwhile (or it was too short): use what is there, else overwrite.
    const again = readFileSync(file, 'utf8').trim();
    if (again.length >= 32) return { secret: again, created: false };
    writePrivateFile(file, `${secret}\n`, 'w');
  }
  return { secret, created: true };
}

/** Writes a file readable by its owner only (0600 whatever the umask, also when it existed). */
function writePrivateFile(file: string, text: string, flag: 'wx' | 'w'): void {
  const fd = openSync(file, flag, 0o600);
  try {
    fchmodSync(fd, 0o600);
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

/** The demo's own form bodies, read like the auth routes': bounded, counted as they arrive, with a deadline. */
async function readBody(req: IncomingMessage): Promise<string> {
  const text = await readNodeBody(req, MAX_BODY);
  if (text === undefined) {
    lingerThenClose(req);
    throw new SessionError('PAYLOAD_TOO_LARGE');
  }
  return text;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      server.off('error', fail);
      ok((server.address() as AddressInfo).port);
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((ok) => {
    server.close(() => ok());
    server.closeAllConnections();
  });
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Starts the demo.
 *
 * @param options - environment, data folder, ports.
 * @returns the running app.
 * @throws ConfigurationError when the configuration is invalid (the message says what to change).
 */
export async function createDemoApp(options: DemoOptions = {}): Promise<DemoApp> {
  const env = options.env ?? process.env;
  const log = options.log ?? ((l: string) => process.stdout.write(`${l}\n`));
  const production = env.NODE_ENV === 'production';
  const development = isDevelopment(env);
  const dataDir = resolve(options.dataDir ?? (env.DEMO_DATA_DIR?.trim() || '.latchkey'));
  const requestedPort = options.port ?? (env.PORT ? Number(env.PORT) : 3000);
  if (!Number.isInteger(requestedPort) || requestedPort < 0 || requestedPort > 65_535)
    throw new TypeError(`PORT must be a port number (got "${String(env.PORT)}").`);

  // ── listen first: with port 0 the URL (and so every redirect URI) is known only now ────────────
  let ready: ((req: IncomingMessage, res: ServerResponse) => Promise<void> | undefined) | undefined;
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    if (!ready) {
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '1' });
      res.end('Starting…');
      return;
    }
    ready(req, res)?.catch((error: unknown) => {
      // Bad input (a body too large, too slow or cut off) keeps its own 4xx; anything else is a 500.
      const status = isLatchkeyError(error) && error.status < 500 ? error.status : 500;
      if (!res.headersSent) res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...(status === 413 ? { connection: 'close' } : {}) });
      res.end(status === 500 ? 'Internal error' : `${isLatchkeyError(error) ? error.code : 'BAD_REQUEST'}\n`);
    });
  };
  const servers: Server[] = [];
  const hosts = options.host ? [options.host] : env.HOST ? [env.HOST] : ['127.0.0.1', '::1'];
  let port = requestedPort;
  for (const [i, host] of hosts.entries()) {
    const server = createServer(onRequest);
    try {
      port = await listen(server, port, host);
      servers.push(server);
    } catch (error) {
      // ::1 is optional (IPv6 may be off); the first interface is not.
      if (i === 0) throw error;
    }
  }
  const hostForUrl = options.host ?? env.HOST;
  const appUrl = (
    env.APP_URL?.trim() || (hostForUrl ? `http://${hostForUrl.includes(':') ? `[${hostForUrl}]` : hostForUrl}:${port}` : `http://localhost:${port}`)
  ).replace(/\/+$/, '');

  const cleanups: (() => Promise<void>)[] = [async () => void (await Promise.all(servers.map(closeServer)))];
  const closeAll = async (): Promise<void> => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  };

  try {
    // ── the development identity provider, for providers without credentials ──────────────────
    const needsDev = development && DEMO_PRESETS.some((p) => !has(env, p.variable));
    let devIdp: RunningDevIdp | null = null;
    if (needsDev) {
      const wanted = options.devIdpPort ?? (env.DEV_IDP_PORT ? Number(env.DEV_IDP_PORT) : requestedPort === 0 ? 0 : requestedPort + 1);
      // DEV_IDP_TOKEN_TTL (seconds): short-lived access tokens, to watch the token vault refresh them.
      const ttl = Number(env.DEV_IDP_TOKEN_TTL ?? '');
      const devOptions = { host: '127.0.0.1', acceptAnyClient: true, ...(Number.isInteger(ttl) && ttl > 0 ? { accessTokenTtlSeconds: ttl } : {}) };
      try {
        devIdp = await startDevIdp({ port: wanted, ...devOptions });
      } catch {
        log(`Port ${wanted} is taken: the development identity provider uses a free port instead (its issuers change, so accounts made before are not found).`);
        devIdp = await startDevIdp({ port: 0, ...devOptions });
      }
      const dev = devIdp;
      cleanups.push(() => dev.close());
    }

    // ── secret and store ─────────────────────────────────────────────────────────────────────────
    let secret = env.AUTH_SECRET?.trim();
    if (!secret) {
      if (production) throw new TypeError('AUTH_SECRET is required in production: generate one with `npx latchkey secret`.');
      const loaded = loadOrCreateSecret(dataDir);
      secret = loaded.secret;
      if (loaded.created) log(`Generated a development secret in ${join(dataDir, 'secret')} (mode 0600). Set AUTH_SECRET to use your own.`);
    }
    const databaseUrl = env.DATABASE_URL?.trim() || `sqlite:${join(dataDir, 'demo.db')}`;
    const store: SqlStore = await createSqlStore({ url: databaseUrl, secrets: [secret] });
    cleanups.push(() => store.close());
    await store.migrate();
    // Sessions: Redis when REDIS_URL is set (imported only then), else the SQL database.
    let sessionStore: SqlStore['sessions'] = store.sessions;
    if (has(env, 'REDIS_URL')) {
      const { createRedisSessionStore } = await import('latchkey/storage/redis');
      const redis = createRedisSessionStore({ url: env.REDIS_URL!.trim() });
      cleanups.push(async () => redis.close?.());
      sessionStore = redis;
    }

    // ── providers, inspector, auth ───────────────────────────────────────────────────────────────
    const inspector = development ? new FlowInspector() : null;
    const providers = await buildProviders(env, devIdp, appUrl, inspector ? { fetch: inspector.wrapFetch() } : undefined);
    if (providers.length === 0) {
      throw new TypeError(
        `No provider is configured and development features are off (${describeNodeEnv(env)}): run \`npm start\`, or set NODE_ENV=development, to sign in with the built-in emulations; or set GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET (or another provider).`,
      );
    }
    const byId = new Map(providers.map((p) => [p.config.id, p]));
    const names = new Map(providers.map((p) => [p.config.id, p.config.name]));
    // The error that ended an auth request the demo renders itself, keyed by its Web request.
    const errors = new WeakMap<Request, { error?: unknown }>();

    const auth = createAuth({
      baseUrl: appUrl,
      secret,
      providers: providers.map((p) => p.config),
      session: { strategy: 'server' },
      store: { users: store.users, sessions: sessionStore },
      logout: { returnTo: '/' },
      hooks: {
        onLogin: ({ providerId, profile, tokens }) => {
          if (!inspector) return undefined;
          const claims = tokens.idTokenClaims;
          if (claims) {
            const aud = Array.isArray(claims.aud) ? claims.aud.join(', ') : String(claims.aud);
            const now = Date.now();
            inspector.step('ok', 'ID token validated (OpenID Connect Core 3.1.3.7)', [
              ['signature', 'verified with the provider’s published key'],
              ['iss', `${String(claims.iss)} — the configured issuer`],
              ['aud', `${aud} — contains this app’s client id`],
              ['exp', `in the future (${Math.round((Number(claims.exp) * 1000 - now) / 1000)} s left)`],
              ['iat', `${new Date(Number(claims.iat) * 1000).toISOString()} — not in the future`],
              ['nonce', typeof claims.nonce === 'string' ? `matches the one sent with this login ${redacted(claims.nonce)}` : 'not required'],
              ['sub', `${String(claims.sub)}`],
            ]);
          } else {
            inspector.step('info', 'No ID token (OAuth 2.0 provider): the identity comes from the provider’s API', []);
          }
          inspector.step('ok', 'Profile built', [
            ['provider', providerId],
            ['subject', profile.subject],
            ['email', profile.email === null ? '(none)' : `${profile.email} (${profile.emailVerified ? 'verified' : 'not verified'} by the provider)`],
            ['name', profile.name ?? '(none)'],
            ['access token', `${tokens.tokenType}, ${tokens.expiresAt ? `expires ${new Date(tokens.expiresAt).toISOString()}` : 'no expiry given'}`],
            ['refresh token', tokens.refreshToken ? 'received (stored encrypted)' : 'none'],
            ['scopes granted', tokens.grantedScopes.join(' ') || '(none)'],
          ]);
          return undefined;
        },
        // Logging is Latchkey's (one line per failed sign-in, with its reference id); the hook keeps the error for the demo's page.
        onError: (error, ctx) => {
          const request = ctx.request;
          const slot = request ? errors.get(request) : undefined;
          if (slot) slot.error = error;
        },
      },
    });

    // ── request handling ─────────────────────────────────────────────────────────────────────────
    const views: ProviderView[] = providers.map((p) => ({
      id: p.config.id,
      name: p.config.name,
      emulated: p.emulated,
      issuer: p.issuer,
      redirectUri: auth.config.redirectUris[p.config.id]!,
    }));

    const send = (res: ServerResponse, status: number, html: string, headers: Record<string, string | string[]> = {}): void => {
      res.writeHead(status, { ...PAGE_HEADERS, ...headers });
      res.end(html);
    };
    const pageCtx = (path: string, session: Session | null): PageContext => ({
      path,
      development: inspector !== null,
      userName: session ? (session.user.name ?? session.user.email ?? 'you') : null,
    });
    const sessionOf = async (req: IncomingMessage): Promise<Session | null> => {
      try {
        return await auth.authenticate(req.headers.cookie, undefined);
      } catch {
        return null;
      }
    };
    const sendError = (res: ServerResponse, session: Session | null, path: string, e: ErrorInput, setCookies: string[] = []): void => {
      send(res, e.status, errorPage(pageCtx(path, session), e), setCookies.length > 0 ? { 'set-cookie': setCookies } : {});
    };
    const errorInput = (error: unknown, status: number, providerId?: string): ErrorInput => {
      const p = providerId !== undefined ? byId.get(providerId) : undefined;
      const base = p ? { providerId: p.config.id, providerName: p.config.name } : {};
      if (isLatchkeyError(error)) {
        const oauth = (error as { error?: unknown }).error;
        return { status, code: error.code, message: error.message, ...(typeof oauth === 'string' ? { oauthError: oauth } : {}), ...base };
      }
      return { status, code: 'INTERNAL_ERROR', message: 'An unexpected error occurred.', ...base };
    };

    /** Same-origin check for the demo's own forms (Origin, else Sec-Fetch-Site). */
    const sameOrigin = (req: IncomingMessage): boolean => {
      const origin = req.headers.origin;
      if (typeof origin === 'string') return origin === auth.config.origin;
      const site = req.headers['sec-fetch-site'];
      return site === undefined || site === 'same-origin';
    };

    async function authRoute(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
      const method = req.method ?? 'GET';
      // The library's route table first, as every adapter does: 405 + Allow, 404, a declared 413.
      const screened = auth.edge.screen(method, url.pathname, req.headers['content-length'], req.headers.accept);
      if (screened instanceof Response) {
        if (screened.status === 413) lingerThenClose(req);
        await sendWebResponse(res, screened);
        return;
      }
      let body: string | undefined;
      if (screened.readsBody) {
        try {
          body = await readNodeBody(req, auth.edge.bodyLimit, auth.edge.bodyTimeoutMs);
        } catch (error) {
          await sendWebResponse(res, auth.edge.failure(error, req.headers.accept));
          return;
        }
        if (body === undefined) {
          await sendWebResponse(res, auth.edge.tooLarge(req.headers.accept));
          return;
        }
      }
      // The lean path's request shape (as the node:http adapter builds it), with the body read above.
      const shape = nodeRequest(auth, req, `${url.pathname}${url.search}`, body === undefined ? undefined : { text: body, bytes: Buffer.byteLength(body) });
      const parts = url.pathname.slice(auth.routePrefix.length + 1).split('/');
      const [id, action] = parts;
      let flow: Flow | undefined;
      if (inspector && parts.length === 2 && id && byId.has(id)) {
        if (action === 'login') {
          flow = inspector.start(id, url.searchParams.get('intent') === 'link' ? 'link' : 'login');
        } else if (action === 'callback') {
          const params = method === 'POST' ? new URLSearchParams(body ?? '') : url.searchParams;
          flow = inspector.forCallback(id, params.get('state'));
          if (!params.has('lk_repost')) {
            inspector.step(
              params.has('error') ? 'fail' : 'info',
              `Callback from the provider (${method === 'POST' ? 'form_post' : 'query'})`,
              [...params].filter(([k]) => k !== 'lk_repost').map(([k, v]) => [k, describeParam(k, v)] as const),
              flow,
            );
          }
        }
      }
      if (inspector && url.pathname === `${auth.routePrefix}/logout` && method === 'POST') {
        const s = await sessionOf(req);
        if (s) flow = inspector.start(s.providerId, 'logout');
      }
      // `onError` hands the hooks the shape's Web request (built once, on first read): the key of this request's slot.
      const slot: { error?: unknown } = {};
      errors.set(shape.toWeb(), slot);
      const run = async (): Promise<AuthAnswer> => auth.edge.answer(shape);
      const answer = await (flow && inspector ? inspector.run(flow, run) : run());

      if (flow && inspector) record(inspector, flow, action ?? 'logout', answer, slot.error);
      const wantsHtml = (req.headers.accept ?? '').includes('text/html');
      if (answer.status >= 400 && wantsHtml && slot.error !== undefined) {
        sendError(res, await sessionOf(req), url.pathname, errorInput(slot.error, answer.status, id), [...answer.setCookies]);
        return;
      }
      writeAnswer(res, answer);
    }

    /** A callback parameter for the inspector: every credential-like name (`*_token`, `code`, `state`, …) redacted. */
    function describeParam(k: string, v: string): string {
      return redactParam(k, v);
    }

    function record(ins: FlowInspector, flow: Flow, action: string, answer: AuthAnswer, error: unknown): void {
      const location = answer.headers.location ?? null;
      if (error !== undefined) {
        const e = error as { code?: unknown; message?: unknown; claim?: unknown; expected?: unknown; actual?: unknown; error?: unknown };
        const details: [string, string][] = [];
        if (typeof e.code === 'string') details.push(['code', e.code]);
        if (typeof e.message === 'string') details.push(['why', e.message]);
        if (typeof e.claim === 'string') details.push(['check', e.claim]);
        if (e.expected !== undefined) details.push(['expected', String(e.expected).slice(0, 200)]);
        if (e.actual !== undefined) details.push(['actual', String(e.actual).slice(0, 200)]);
        ins.step('fail', `Failed: ${typeof e.code === 'string' ? e.code : 'error'}`, details, flow);
        flow.outcome = 'failed';
        return;
      }
      if (action === 'login' && location) {
        const { endpoint, params } = describeUrl(location);
        const state = new URL(location).searchParams.get('state');
        if (state) flow.statePrefix = state.slice(0, 8);
        ins.step(
          'ok',
          'Redirect to the provider’s authorization endpoint',
          [['endpoint', endpoint], ...params, ['transaction', 'state, nonce and PKCE verifier kept in an encrypted, HttpOnly cookie for this login only']],
          flow,
        );
      } else if (action === 'callback') {
        if (answer.status === 200) {
          ins.step(
            'info',
            'Re-posted from this site',
            [['why', 'the provider’s cross-site form_post carries no SameSite=Lax cookie; the page re-posts the same fields from this origin']],
            flow,
          );
        } else if (location) {
          ins.step('ok', 'Checks passed: state matched this browser’s login, code exchanged with the PKCE verifier', [], flow);
          ins.step('ok', 'Signed in: a new session (fresh id), user and account stored', [['redirect', location]], flow);
          flow.outcome = 'signed-in';
        }
      } else if (action === 'logout') {
        const external = location !== null && !location.startsWith('/') && !location.startsWith(appUrl);
        ins.step('ok', 'Local session ended', [], flow);
        if (external && location) {
          const { endpoint, params } = describeUrl(location);
          ins.step('ok', 'Redirect to the provider’s end-session endpoint', [['endpoint', endpoint], ...params], flow);
        }
        flow.outcome = 'signed-out';
      }
    }

    async function accountViews(userId: string): Promise<AccountView[]> {
      const accounts = await auth.users.listAccounts(userId);
      return accounts.map((a) => {
        const p = byId.get(a.providerId);
        return {
          id: a.id,
          providerId: a.providerId,
          providerName: p?.config.name ?? a.providerId,
          issuer: a.issuer,
          subject: a.subject,
          scopes: a.scopes,
          linkedAt: a.createdAt.getTime(),
          hasAccessToken: a.tokens?.accessToken !== undefined,
          accessTokenExpiresAt: a.tokens?.expiresAt ?? null,
          hasRefreshToken: a.tokens?.refreshToken !== undefined,
          hasIdToken: a.tokens?.idToken !== undefined,
          needsReauth: a.needsReauth,
          api: p?.api ? { label: p.api.label } : null,
        };
      });
    }

    async function renderProfile(
      res: ServerResponse,
      session: Session,
      url: URL,
      status = 200,
      extra: { notice?: { kind: 'ok' | 'bad'; text: string }; apiResult?: ApiResultView } = {},
    ): Promise<void> {
      const user = await auth.users.getUser(session.user.id);
      if (!user) {
        res.writeHead(303, { location: '/', 'cache-control': 'no-store' });
        res.end();
        return;
      }
      const accounts = await accountViews(user.id);
      const linked = new Set(accounts.map((a) => a.providerId));
      const sp = byId.get(session.providerId);
      let notice = extra.notice;
      const linkedNow = url.searchParams.get('linked');
      const unlinked = url.searchParams.get('unlinked');
      if (!notice && linkedNow && byId.has(linkedNow)) notice = { kind: 'ok', text: `${names.get(linkedNow)} is linked: you can now sign in with it too.` };
      if (!notice && unlinked && byId.has(unlinked)) notice = { kind: 'ok', text: `${names.get(unlinked)} is unlinked.` };
      if (!notice && url.searchParams.get('revoked') === '1') notice = { kind: 'ok', text: 'That device is signed out.' };
      // The cookie strategy keeps no list of sessions: the page says so instead.
      const devices = auth.config.strategy === 'server' ? await auth.sessions.list(session) : null;
      const html = profilePage(pageCtx('/profile', session), {
        user,
        session: {
          providerName: sp?.config.name ?? session.providerId,
          createdAt: session.createdAt,
          idleExpiresAt: session.idleExpiresAt,
          absoluteExpiresAt: session.absoluteExpiresAt,
          strategy: auth.config.strategy,
          hasProviderSession: session.sid !== undefined,
        },
        accounts,
        linkable: views.filter((v) => !linked.has(v.id)),
        csrfToken: await auth.csrfToken(session),
        providerLogout: sp?.providerLogout ?? false,
        devices,
        now: Date.now(),
        ...(notice ? { notice } : {}),
        ...(extra.apiResult ? { apiResult: extra.apiResult } : {}),
      });
      send(res, status, html);
    }

    /** Checks a demo form: same origin and the session's CSRF token. */
    async function checkForm(req: IncomingMessage, session: Session, form: URLSearchParams): Promise<boolean> {
      if (!sameOrigin(req)) return false;
      const presented = form.get('csrfToken');
      return presented !== null && sameText(presented, await auth.csrfToken(session));
    }

    async function callApi(accountId: string, userId: string): Promise<ApiResultView> {
      const account = await auth.users.getAccountById(accountId);
      if (!account || account.userId !== userId) return { accountId, label: 'API call', ok: false, status: null, summary: 'No such linked account.', via: '' };
      const p = byId.get(account.providerId);
      if (!p?.api) return { accountId, label: 'API call', ok: false, status: null, summary: 'No API is configured for this provider.', via: '' };
      const label = p.api.label;
      const before = account.tokenVersion;
      try {
        // The vault hands out a valid access token (refreshing it first when it expires within a
        // minute) and retries once on a 401 invalid_token; the token itself never reaches this page.
        const res = await auth.fetch(userId, account.providerId, p.api.url, { headers: { accept: 'application/json' } });
        const text = await res.text();
        let summary = text.slice(0, 800);
        try {
          summary = JSON.stringify(JSON.parse(text), null, 2).slice(0, 800);
        } catch {
          // not JSON: keep the text
        }
        const after = await auth.users.getAccountById(accountId);
        const refreshed = after !== null && after.tokenVersion !== before;
        return {
          accountId,
          label,
          ok: res.ok,
          status: res.status,
          summary,
          via: `GET ${new URL(p.api.url).pathname} through the token vault: ${refreshed ? 'the access token had expired, so the vault refreshed it first (new tokens stored encrypted)' : 'the stored access token was still valid'}.`,
        };
      } catch (error) {
        if (isLatchkeyError(error)) {
          return {
            accountId,
            label,
            ok: false,
            status: null,
            summary: `${error.code}: ${error.message}`,
            via: error.code === 'REAUTH_REQUIRED' ? `Sign in with ${p.config.name} again to grant access.` : '',
          };
        }
        return {
          accountId,
          label,
          ok: false,
          status: null,
          summary: `The provider could not be reached (${error instanceof Error ? error.name : 'error'}).`,
          via: '',
        };
      }
    }

    // The auth routes through the node:http adapter's lean path, as an app gets them; the demo
    // handles an auth request itself only to show its own pages or record a flow (see below).
    const lk = latchkey(auth);
    const perProvider = new Set<string>();
    for (const id of byId.keys()) for (const action of ['login', 'callback']) perProvider.add(`${auth.routePrefix}/${id}/${action}`);
    /**
     * Whether the demo answers an auth request itself (the Web handler, then its own error page or
     * a recorded flow): a browser navigation (`Accept: text/html`), or with the inspector on, a
     * provider's login or callback and a logout. Everything else (a page's `fetch` of
     * `/auth/session`, API clients) takes the lean path.
     */
    const demoHandles = (req: IncomingMessage, rawUrl: string): boolean => {
      if ((req.headers.accept ?? '').includes('text/html')) return true;
      if (!inspector) return false;
      const q = rawUrl.indexOf('?');
      const path = q === -1 ? rawUrl : rawUrl.slice(0, q);
      return perProvider.has(path) || path === `${auth.routePrefix}/logout`;
    };

    ready = (req, res) => {
      const rawUrl = req.url ?? '/';
      // Never rejects: every failure is an answer.
      if (rawUrl.startsWith(`${auth.routePrefix}/`) && !demoHandles(req, rawUrl)) return void lk.handle(req, res);
      return serve(req, res, rawUrl);
    };

    const serve = async (req: IncomingMessage, res: ServerResponse, rawUrl: string): Promise<void> => {
      const url = new URL(rawUrl, appUrl);
      const path = url.pathname;
      const method = req.method ?? 'GET';
      if (path === auth.routePrefix || path.startsWith(`${auth.routePrefix}/`)) return authRoute(req, res, url);

      if (path === '/' && (method === 'GET' || method === 'HEAD')) {
        const session = await sessionOf(req);
        const returnTo = url.searchParams.get('returnTo');
        const html = homePage(pageCtx('/', session), {
          providers: views,
          devIdpUrl: devIdp?.url ?? null,
          returnTo: returnTo?.startsWith('/') && !returnTo.startsWith('//') ? returnTo : '/profile',
          signedIn: session !== null,
          ...(url.searchParams.get('signedOut') === '1' && !session ? { notice: 'You are signed out.' } : {}),
        });
        return send(res, 200, html);
      }
      if (path === '/profile' && (method === 'GET' || method === 'HEAD')) {
        const session = await sessionOf(req);
        if (!session) {
          res.writeHead(303, { location: `/?returnTo=${encodeURIComponent(`${path}${url.search}`)}`, 'cache-control': 'no-store' });
          res.end();
          return;
        }
        return renderProfile(res, session, url);
      }
      // Unlinking and devices go through Latchkey's own routes (`/auth/:provider/unlink`,
      // `/auth/sessions/revoke`); the provider API call is the demo's.
      if (path === '/account/api' && method === 'POST') {
        const session = await sessionOf(req);
        const form = new URLSearchParams(await readBody(req));
        if (!session) return sendError(res, null, path, { status: 401, code: 'UNAUTHENTICATED', message: 'Sign in first.' });
        if (!(await checkForm(req, session, form)))
          return sendError(res, session, path, {
            status: 403,
            code: 'CSRF_FAILED',
            message: 'The form lacks a valid CSRF token or comes from another origin.',
          });
        return renderProfile(res, session, url, 200, { apiResult: await callApi(form.get('accountId') ?? '', session.user.id) });
      }
      // DNS rebinding: another site's page reaching 127.0.0.1 through its own name gets nothing here.
      if (inspector && path.startsWith('/dev/') && !isAllowedHost(req.headers.host, appUrl)) {
        res.writeHead(421, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
        res.end(`The development pages answer only to requests for ${appUrl} (the Host header names another site).\n`);
        return;
      }
      if (path === '/dev/inspector' && inspector && method === 'GET') {
        const session = await sessionOf(req);
        return send(res, 200, inspectorPage(pageCtx(path, session), inspector.list(), names));
      }
      if (path === '/favicon.ico') {
        res.writeHead(204, { 'cache-control': 'max-age=86400' });
        res.end();
        return;
      }
      const session = await sessionOf(req);
      sendError(res, session, path, { status: 404, code: 'NOT_FOUND', message: `Nothing at ${path.slice(0, 100)}.` });
    };

    log(`Latchkey demo on ${appUrl}`);
    if (!development) {
      log(
        `Development features are off (${describeNodeEnv(env)}): no development identity provider, no /dev/inspector. \`npm start\` turns them on; or set NODE_ENV=development.`,
      );
    }
    if (devIdp) {
      const emulated = providers.filter((p) => p.emulated).map((p) => p.config.name);
      log(`Development identity provider on ${devIdp.url}, emulating ${emulated.join(', ')} (no credentials set for them).`);
    }
    log(
      `Store: ${databaseUrl.startsWith('sqlite:') ? databaseUrl : `${databaseUrl.split(':')[0]} database`} (migrated); sessions in ${sessionStore === store.sessions ? 'the same database' : 'Redis'}.`,
    );

    return {
      url: appUrl,
      devIdp,
      auth,
      inspector,
      providers,
      close: closeAll,
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
