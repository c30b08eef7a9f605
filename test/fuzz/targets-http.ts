/**
 * Fuzz targets of whole HTTP answers: the real app (`createAuth` with the real oidc-provider as its
 * provider, after one real sign-in) through the `node:http` adapter over raw sockets and through
 * `auth.handler` with Web `Request`s, and the dev IdP's endpoints and sign-in forms.
 */
import fc from 'fast-check';
import { latchkey } from '../../src/adapters/node.js';
import { createDevIdp } from '../../src/dev/index.js';
import { rawRequest } from '../adapters/raw-http.js';
import { listen, login, makeAuth, startOp, UserAgent } from '../app/support.js';
import { anyString, type FuzzTarget, hostileString, invariant, watchBoundedMaps } from './support.js';

const METHODS = ['GET', 'POST', 'OPTIONS', 'HEAD', 'PUT', 'DELETE', 'PATCH', 'TRACE', 'get', 'FOO'];
const PATHS = [
  '/auth/session',
  '/auth/token',
  '/auth/login',
  '/auth/logout',
  '/auth/logout/callback',
  '/auth/op/login',
  '/auth/op/callback',
  '/auth/op-post/callback',
  '/auth/op/backchannel-logout',
  '/auth/nope/login',
  '/auth/',
  '/auth//session',
  '/auth/op/callback/',
  '/auth/%2e%2e/session',
  '/me',
];
const QUERY_NAMES = ['returnTo', 'state', 'code', 'iss', 'error', 'provider', 'prompt', 'logout_token', 'csrfToken'];

/** Removes what would break HTTP/1.1 framing (the raw client writes headers as given). */
/** encodeURI that does not throw on a lone surrogate. */
const encodePath = (s: string): string => encodeURI(s.replace(/[\ud800-\udfff]/g, '\ufffd'));

const headerSafe = (s: string): string => s.replace(/[\r\n\u0000]/g, '').replace(/[^\x20-\x7e\t]/g, '');

/** One hostile request, built around the session and transaction cookies of a real sign-in. */
function requestArb(cookies: readonly string[]) {
  const cookie = fc.oneof(
    fc.constantFrom(...cookies),
    fc.tuple(fc.constantFrom(...cookies), fc.nat({ max: 2000 }), hostileString(4)).map(([c, at, s]) => c.slice(0, at) + s + c.slice(at + 1)),
    fc.array(fc.constantFrom(...cookies), { maxLength: 3 }).map((list) => list.join('; ')),
    anyString(60),
  );
  const query = fc
    .array(fc.tuple(fc.constantFrom(...QUERY_NAMES), fc.oneof(fc.constantFrom('/dashboard', '//evil.example', 'x'), anyString(20))), { maxLength: 3 })
    .map((pairs) => (pairs.length === 0 ? '' : `?${new URLSearchParams(pairs).toString()}`));
  const body = fc.oneof(
    fc.constant(''),
    fc.array(fc.tuple(fc.constantFrom(...QUERY_NAMES), anyString(30)), { maxLength: 4 }).map((p) => new URLSearchParams(p).toString()),
    anyString(200),
    fc.constantFrom('{"a":1}', 'logout_token=a.b.c', 'csrfToken=x&csrfToken=y'),
  );
  return fc.record({
    method: fc.constantFrom(...METHODS),
    path: fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...PATHS) },
      { weight: 1, arbitrary: hostileString(12).map((s) => `/auth/${encodePath(s).replace(/%25/g, '%')}`) },
    ),
    query,
    cookie: fc.option(cookie, { nil: undefined }),
    origin: fc.option(fc.constantFrom('SELF', 'https://evil.example', 'null', ''), { nil: undefined }),
    accept: fc.option(fc.constantFrom('application/json', 'text/html', '*/*', ''), { nil: undefined }),
    contentType: fc.option(fc.constantFrom('application/x-www-form-urlencoded', 'application/json', 'text/plain', 'multipart/form-data; boundary=x'), {
      nil: undefined,
    }),
    authorization: fc.option(
      fc.oneof(
        fc.constantFrom('Bearer ', 'Bearer a.b.c', 'Basic x'),
        anyString(30).map((s) => `Bearer ${s}`),
      ),
      { nil: undefined },
    ),
    body,
  });
}

/** The real app behind the `node:http` adapter, and the cookies of one real sign-in. */
async function startApp() {
  let listener: Parameters<typeof listen>[0] extends () => infer L ? L : never = () => {};
  const rp = await listen(() => listener);
  const op = await startOp(rp.base);
  // Each refusal is logged once (its code and reference id): counted here, not printed.
  const logged = { events: 0 };
  const auth = makeAuth(rp.base, op, {
    logger: () => {
      logged.events++;
    },
  });
  const lk = latchkey(auth);
  listener = async (req, res) => {
    if (await lk.handle(req, res)) return;
    const user = await lk.requireUser(req, res);
    if (user) res.end(JSON.stringify({ user }));
  };
  const ua = new UserAgent();
  await login(ua, rp.base);
  // A second login left half-way: a live transaction cookie.
  await ua.navigate(`${rp.base}/auth/op/login?returnTo=%2Fx`, { stop: (u) => !u.startsWith(rp.base) });
  const cookies = ua
    .cookieHeader(`${rp.base}/auth/session`)
    .split('; ')
    .filter((c) => c.includes('='));
  invariant(cookies.length >= 2, `the sign-in left ${cookies.length} cookies`);
  return {
    rp,
    auth,
    cookies,
    opOrigin: new URL(op.issuer).origin,
    logged,
    async close() {
      await rp.close();
      await op.close();
    },
  };
}

/** The real app through the `node:http` adapter, over raw sockets. */
export const nodeAppTarget: FuzzTarget = {
  name: 'app-http (node:http adapter)',
  invariants: [
    'every request gets an answer within 5 s, and it is a 2xx, 3xx or 4xx: never a 5xx, a hang or a dropped connection',
    'a 405 carries Allow; a 3xx carries a Location on the app origin or the provider',
    'every bounded map written to stays within its bound',
  ],
  quickRuns: 300,
  async start() {
    const app = await startApp();
    const maps = watchBoundedMaps();
    const port = Number(new URL(app.rp.base).port);
    const opOrigin = app.opOrigin;
    return {
      property: fc.asyncProperty(requestArb(app.cookies), async (r) => {
        const headers = [
          `${r.method} ${r.path}${r.query} HTTP/1.1`,
          'Host: 127.0.0.1',
          ...(r.cookie !== undefined ? [`Cookie: ${headerSafe(r.cookie)}`] : []),
          ...(r.origin !== undefined ? [`Origin: ${r.origin === 'SELF' ? app.rp.base : r.origin}`] : []),
          ...(r.accept !== undefined ? [`Accept: ${r.accept}`] : []),
          ...(r.contentType !== undefined ? [`Content-Type: ${r.contentType}`] : []),
          ...(r.authorization !== undefined ? [`Authorization: ${headerSafe(r.authorization)}`] : []),
          `Content-Length: ${Buffer.byteLength(r.body)}`,
          'Connection: close',
        ];
        const answer = await rawRequest(port, `${headers.join('\r\n')}\r\n\r\n`, { body: r.body, timeoutMs: 5000 });
        maps.check();
        invariant(answer.status >= 200 && answer.status < 500, `${r.method} ${r.path}${r.query} answered ${answer.status}: ${answer.body.slice(0, 300)}`);
        if (answer.status === 405) invariant(answer.headers.allow, '405 without Allow');
        if (answer.status >= 300 && answer.status < 400) {
          const to = new URL(answer.headers.location ?? '', app.rp.base).origin;
          invariant(to === app.rp.base || to === opOrigin, `${r.method} ${r.path}${r.query} redirected to ${answer.headers.location}`);
        }
      }) as never,
      async close() {
        maps.restore();
        await app.close();
      },
    };
  },
};

/** The real app through `auth.handler`, with Web `Request`s. */
export const webHandlerTarget: FuzzTarget = {
  name: 'app-http (auth.handler)',
  invariants: ['every Request gets a Response, a 2xx, 3xx or 4xx (never a 5xx or a rejection)'],
  quickRuns: 300,
  async start() {
    const app = await startApp();
    const maps = watchBoundedMaps();
    return {
      property: fc.asyncProperty(requestArb(app.cookies), async (r) => {
        let request: Request;
        try {
          const headers = new Headers();
          if (r.cookie !== undefined) headers.set('cookie', headerSafe(r.cookie));
          if (r.origin !== undefined) headers.set('origin', r.origin === 'SELF' ? app.rp.base : r.origin);
          if (r.accept !== undefined) headers.set('accept', r.accept);
          if (r.contentType !== undefined) headers.set('content-type', r.contentType);
          if (r.authorization !== undefined) headers.set('authorization', headerSafe(r.authorization));
          const hasBody = r.method !== 'GET' && r.method !== 'HEAD' && r.method !== 'get';
          request = new Request(`${app.rp.base}${r.path}${r.query}`, { method: r.method, headers, ...(hasBody ? { body: r.body } : {}) });
        } catch {
          return; // a request the Fetch standard itself refuses to build (TRACE) never reaches a handler
        }
        const response = await app.auth.handler(request);
        maps.check();
        invariant(response.status >= 200 && response.status < 500, `${r.method} ${r.path}${r.query} answered ${response.status}`);
        await response.body?.cancel();
      }) as never,
      async close() {
        maps.restore();
        await app.close();
      },
    };
  },
};

/** The dev IdP: its endpoints and its sign-in page's forms. */
export const devIdpTarget: FuzzTarget = {
  name: 'dev-idp-forms',
  invariants: [
    'every request to the dev IdP is answered without its catch-all 500 (no exception escapes an endpoint)',
    'the sign-in forms (log in, continue, deny, add a user) answer 2xx, 3xx or 4xx whatever the fields',
  ],
  quickRuns: 600,
  async start() {
    const base = 'http://127.0.0.1:4999';
    const idp = createDevIdp({ baseUrl: base, acceptAnyClient: true });
    const redirect = 'http://127.0.0.1:9/cb';
    const authorize = `${base}/oidc/authorize?${new URLSearchParams({
      client_id: 'fuzz',
      response_type: 'code',
      scope: 'openid email',
      redirect_uri: redirect,
      state: 'st',
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
    })}`;
    const field = fc.oneof(fc.constantFrom('alice', 'bob', '', 'login', 'deny', 'continue', 'add-user', 'server-error', 'Ann Lee', 'a@b', 'on'), anyString(20));
    const form = fc.dictionary(fc.constantFrom('action', 'user', 'name', 'email', 'email_verified', 'x'), field, { maxKeys: 5 });
    const other = fc.record({
      method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE'),
      path: fc.oneof(
        fc.constantFrom(
          '/oidc/authorize',
          '/oidc/token',
          '/oidc/userinfo',
          '/oidc/revoke',
          '/oidc/end_session',
          '/oidc/jwks',
          '/oidc/.well-known/openid-configuration',
          '/',
          '/avatars/x.svg',
          '/github/login/oauth/authorize',
        ),
        hostileString(12).map((s) => `/oidc/${encodePath(s)}`),
      ),
      query: fc.array(
        fc.tuple(
          fc.constantFrom('client_id', 'redirect_uri', 'response_type', 'scope', 'state', 'code_challenge', 'prompt', 'max_age', 'id_token_hint'),
          anyString(20),
        ),
        { maxLength: 4 },
      ),
      body: fc.array(fc.tuple(fc.constantFrom('grant_type', 'code', 'client_id', 'redirect_uri', 'code_verifier', 'refresh_token', 'token'), anyString(20)), {
        maxLength: 4,
      }),
      authorization: fc.option(fc.constantFrom('Bearer x', 'Basic Zm9vOmJhcg==', 'Basic !!', 'Basic '), { nil: undefined }),
    });
    return {
      property: fc.asyncProperty(
        fc.oneof(
          form.map((f) => ({ kind: 'form' as const, f })),
          other.map((o) => ({ kind: 'other' as const, o })),
        ),
        async (input) => {
          let response: Response;
          if (input.kind === 'form') {
            const page = await (await idp.handler(new Request(authorize))).text();
            const id = /interaction\/([A-Za-z0-9_-]+)/.exec(page)?.[1];
            invariant(id, 'the authorization page has no sign-in form');
            response = await idp.handler(
              new Request(`${base}/oidc/interaction/${id}`, {
                method: 'POST',
                headers: { 'content-type': 'application/x-www-form-urlencoded' },
                body: new URLSearchParams(input.f as Record<string, string>),
              }),
            );
          } else {
            const { method, path, query, body, authorization } = input.o;
            const url = `${base}${path}${query.length ? `?${new URLSearchParams(query)}` : ''}`;
            response = await idp.handler(
              new Request(url, {
                method,
                headers: { 'content-type': 'application/x-www-form-urlencoded', ...(authorization ? { authorization } : {}) },
                ...(method === 'GET' ? {} : { body: new URLSearchParams(body).toString() }),
              }),
            );
          }
          const text = await response.text();
          invariant(response.status < 500, `the dev IdP answered ${response.status}: ${text.slice(0, 200)}`);
        },
      ) as never,
    };
  },
};
