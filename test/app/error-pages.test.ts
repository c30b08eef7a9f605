/**
 * Error pages and logging (issue 13, item 6), end to end through the Node adapter against the real
 * oidc-provider: a wrong client secret (the provider's 401 at the token endpoint), a dead provider
 * (ECONNREFUSED), a provider error at the callback whose description is hostile, production and
 * development rendering, the default one-line console log, a custom logger's structured events, and
 * JSON errors with reference ids. Every failed sign-in is logged exactly once, with the reference id
 * its page shows, and never with a secret or a code.
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { latchkey } from '../../src/adapters/node.js';
import type { AuthOptions, ErrorContext } from '../../src/app/config.js';
import { type Auth, createAuth } from '../../src/app/create-auth.js';
import type { AuthErrorEvent } from '../../src/app/error-log.js';
import { errorResponse } from '../../src/app/responses.js';
import { ERROR_CODES, type ErrorCode, LatchkeyError, ProviderError } from '../../src/errors.js';
import { type MisbehavingOp, startMisbehavingOp } from '../support/misbehaving-op.js';
import type { OidcProviderHandle } from '../support/oidc-provider.js';
import { CLIENT_SECRET, listen, makeAuth, nodeApp, opProvider, type RpServer, SECRET_A, startOp, throwingSessionStore, UserAgent } from './support.js';

const WRONG_SECRET = 'wrong-client-secret-0123456789abcdefghijklmnop';
const REFERENCE = /\b[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}\b/;

/** What an end user must never read: provider text, internal URLs, errnos. */
function expectKindPage(html: string, internals: readonly string[]): void {
  for (const s of ['ECONNREFUSED', 'invalid_client', 'client authentication failed', 'http://', '`', ...internals]) expect(html, s).not.toContain(s);
  expect(html).not.toContain('For developers');
  expect(html).toMatch(REFERENCE);
}

function referenceOn(text: string): string {
  const m = REFERENCE.exec(text);
  expect(m, text.slice(0, 400)).not.toBeNull();
  return m![0];
}

describe('error pages and logging, against oidc-provider', () => {
  let rp: RpServer;
  let op: OidcProviderHandle;
  let auth: Auth;
  let deadIssuer: string;
  const events: AuthErrorEvent[] = [];
  const hookCalls: ErrorContext[] = [];

  /** The RP with a wrong client secret for `op`, a dead provider `dead`, and the capturing logger unless `options` says otherwise. */
  function configure(options: Partial<AuthOptions> = {}): void {
    auth = makeAuth(rp.base, op, {
      providers: [opProvider(op.issuer, { clientSecret: WRONG_SECRET }), opProvider(deadIssuer, { id: 'dead' }), opProvider(op.issuer, { id: 'op-post' })],
      logger: (event) => void events.push(event),
      hooks: { onError: (_error, ctx) => void hookCalls.push(ctx) },
      ...options,
    });
  }

  /** Signs in at the OP, then sends the callback (with its code) as `accept`. */
  async function failingCallback(accept: string, provider = 'op'): Promise<{ res: Response; code: string }> {
    const ua = new UserAgent();
    const start = await ua.navigate(`${rp.base}/auth/${provider}/login`, {
      autoSubmitForms: true,
      stop: (u) => u.startsWith(`${rp.base}/auth/${provider}/callback`),
    });
    expect(start.stopped).toBe(true);
    const code = new URL(start.url).searchParams.get('code');
    expect(code).toBeTruthy();
    const res = await fetch(start.url, { redirect: 'manual', headers: { cookie: ua.cookieHeader(start.url), accept } });
    return { res, code: code! };
  }

  beforeAll(async () => {
    rp = await listen(() => nodeApp(() => auth));
    op = await startOp(rp.base);
    // A port that was just free: nothing listens there (ECONNREFUSED).
    const closed = http.createServer().listen(0, '127.0.0.1');
    await new Promise((r) => closed.once('listening', r));
    deadIssuer = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
    await new Promise((r) => closed.close(r));
  });
  afterEach(() => {
    events.length = 0;
    hookCalls.length = 0;
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });
  afterAll(async () => {
    await rp.close();
    await op.close();
  });

  it('a wrong client secret: a kind page with a reference id, and exactly one console line with the code and the same id, no secret, no code', async () => {
    const lines: string[] = [];
    for (const level of ['log', 'info', 'warn', 'error', 'debug'] as const) {
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' ')));
    }
    configure({ logger: undefined });
    const { res, code } = await failingCallback('text/html');
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expectKindPage(html, [op.issuer, new URL(op.issuer).host, WRONG_SECRET, code]);
    expect(html).toContain('We could not complete your sign-in');
    expect(html).toContain('<a href="/auth/login">Try again</a>');
    const ref = referenceOn(html);
    const logged = lines.filter((l) => l.includes('[latchkey]'));
    expect(logged).toHaveLength(1);
    const line = logged[0]!;
    expect(line).toMatch(
      new RegExp(`^\\[latchkey\\] TOKEN_ERROR ref=${ref} route=callback provider=op status=400 provider_error=invalid_client provider_status=401: `),
    );
    expect(line).not.toContain('\n');
    for (const s of [WRONG_SECRET, CLIENT_SECRET, code]) expect(line).not.toContain(s);
  });

  it('a wrong client secret, as JSON: { error, code, message, referenceId } with words for end users, the same id in the structured event', async () => {
    configure();
    const { res, code } = await failingCallback('application/json');
    expect(res.status).toBe(400);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toEqual({
      error: 'token_error',
      code: 'TOKEN_ERROR',
      message: expect.stringContaining('We could not complete your sign-in'),
      referenceId: expect.any(String),
    });
    expect(String(body.message)).not.toMatch(/invalid_client|client authentication|`/);
    expect(body.referenceId).toMatch(REFERENCE);
    expect(events).toHaveLength(1);
    expect(events[0]).toEqual({
      level: 'error',
      code: 'TOKEN_ERROR',
      status: 400,
      referenceId: body.referenceId,
      route: 'callback',
      provider: 'op',
      providerError: 'invalid_client',
      providerStatus: 401,
      errorName: 'ProviderError',
      message: expect.stringMatching(/^The token endpoint answered "invalid_client"/),
    });
    expect(JSON.stringify(events)).not.toContain(code);
    expect(JSON.stringify(events)).not.toContain(WRONG_SECRET);
    // hooks.onError sees the same failure, with the same reference id (and the request it ended).
    expect(hookCalls).toHaveLength(1);
    expect(hookCalls[0]).toMatchObject({ route: 'callback', referenceId: body.referenceId, provider: 'op' });
    expect(hookCalls[0]?.request).toBeInstanceOf(Request);
  });

  it('an object logger ({ warn, error }) gets the one-line text and the event', async () => {
    const calls: [string, string, AuthErrorEvent][] = [];
    configure({
      logger: { warn: (line, event) => void calls.push(['warn', line, event]), error: (line, event) => void calls.push(['error', line, event]) },
    });
    const { res } = await failingCallback('application/json');
    const { referenceId } = (await res.json()) as { referenceId: string };
    expect(calls).toHaveLength(1);
    const [level, line, event] = calls[0]!;
    expect(level).toBe('error');
    expect(line).toMatch(new RegExp(`^\\[latchkey\\] TOKEN_ERROR ref=${referenceId} route=callback provider=op `));
    expect(event.referenceId).toBe(referenceId);
  });

  it('a dead provider: 503, no ECONNREFUSED or internal URL on the page or in the JSON; logged once with the reference id', async () => {
    configure();
    const page = await fetch(`${rp.base}/auth/dead/login`, { headers: { accept: 'text/html' } });
    expect(page.status).toBe(503);
    const html = await page.text();
    expectKindPage(html, [deadIssuer, new URL(deadIssuer).host]);
    expect(html).toContain('Temporarily unavailable');
    const pageRef = referenceOn(html);
    const json = await fetch(`${rp.base}/auth/dead/login`, { headers: { accept: 'application/json' } });
    expect(json.status).toBe(503);
    const body = (await json.json()) as Record<string, string>;
    expect(body).toMatchObject({ error: 'http_request_failed', code: 'HTTP_REQUEST_FAILED', referenceId: expect.stringMatching(REFERENCE) });
    for (const s of ['ECONNREFUSED', deadIssuer, new URL(deadIssuer).host]) expect(body.message).not.toContain(s);
    expect(events.map((e) => [e.code, e.level, e.route, e.provider, e.status, e.referenceId])).toEqual([
      ['HTTP_REQUEST_FAILED', 'error', 'login', 'dead', 503, pageRef],
      ['HTTP_REQUEST_FAILED', 'error', 'login', 'dead', 503, body.referenceId],
    ]);
    // The developer's log keeps the detail.
    expect(events[0]!.message).toContain('ECONNREFUSED');
  });

  it("a provider error at the callback: the end user's page never shows the provider's error_description", async () => {
    configure();
    const ua = new UserAgent();
    const start = await ua.navigate(`${rp.base}/auth/op/login`, { stop: (u) => u.startsWith(op.issuer) });
    const state = new URL(start.url).searchParams.get('state')!;
    const params = { error: 'access_denied', error_description: '<script>alert(1)</script> see http://op.internal:8080/x', state, iss: op.issuer };
    const callback = `${rp.base}/auth/op/callback?${new URLSearchParams(params)}`;
    const res = await fetch(callback, { headers: { cookie: ua.cookieHeader(callback), accept: 'text/html' } });
    expect(res.status).toBe(400);
    const html = await res.text();
    expectKindPage(html, ['alert(1)', 'op.internal', 'access_denied', '<script']);
    expect(html).toContain('Sign-in cancelled');
    expect(events.map((e) => [e.code, e.level, e.providerError, e.referenceId])).toEqual([['AUTHORIZATION_ERROR', 'warn', 'access_denied', referenceOn(html)]]);
  });

  it('development (the option, or NODE_ENV=development) adds the developer detail to the page and the JSON, escaped', async () => {
    for (const how of ['option', 'NODE_ENV'] as const) {
      events.length = 0;
      if (how === 'NODE_ENV') vi.stubEnv('NODE_ENV', 'development');
      configure(how === 'option' ? { development: true } : {});
      const { res } = await failingCallback('text/html');
      const html = await res.text();
      expect(html, how).toContain('For developers');
      expect(html, how).toContain('<code>TOKEN_ERROR</code>');
      expect(html, how).toContain('The token endpoint answered &quot;invalid_client&quot;');
      expect(html, how).toContain(ERROR_CODES.TOKEN_ERROR.hint);
      expect(html, how).not.toContain('`');
      expect(referenceOn(html)).toBe(events[0]!.referenceId);
      const { res: jsonRes } = await failingCallback('application/json');
      const body = (await jsonRes.json()) as Record<string, string>;
      expect(body.message, how).toMatch(/^The token endpoint answered "invalid_client"/);
      expect(body.hint, how).toBe(ERROR_CODES.TOKEN_ERROR.hint);
      expect(body.referenceId, how).toMatch(REFERENCE);
      vi.unstubAllEnvs();
    }
    // NODE_ENV=test (vitest) is not development: the kind page alone.
    configure();
    expectKindPage(await (await failingCallback('text/html')).res.text(), []);
  });

  it('refuses development: true when NODE_ENV is production; the production page has no developer detail', async () => {
    vi.stubEnv('NODE_ENV', 'production');
    // A random secret: production refuses guessable ones.
    const secret = randomBytes(32).toString('base64url');
    expect(() => configure({ secret, development: true })).toThrow(/NODE_ENV is production/);
    configure({ secret });
    const page = await fetch(`${rp.base}/auth/dead/login`, { headers: { accept: 'text/html' } });
    expectKindPage(await page.text(), [deadIssuer]);
  });

  it("does not log the client's own mistakes (no CSRF token, no session, an unknown route), and their answers carry no reference id", async () => {
    configure();
    const csrf = await fetch(`${rp.base}/auth/logout`, { method: 'POST', headers: { accept: 'application/json', origin: 'https://evil.example' } });
    expect(csrf.status).toBe(403);
    expect(await csrf.json()).toEqual({ error: 'csrf_failed', code: 'CSRF_FAILED', message: expect.any(String) });
    expect((await fetch(`${rp.base}/auth/nope`, { headers: { accept: 'application/json' } })).status).toBe(404);
    expect((await fetch(`${rp.base}/auth/session`, { headers: { accept: 'application/json' } })).status).toBe(401);
    expect(events).toEqual([]);
    expect(hookCalls.map((c) => c.route)).toEqual(['logout', 'unknown']);
    expect(hookCalls.every((c) => c.referenceId === undefined)).toBe(true);
  });

  it('JSON errors of the back-channel logout and of a guard whose store fails carry the reference id of their log event', async () => {
    configure();
    const bcl = await fetch(`${rp.base}/auth/op/backchannel-logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'logout_token=not-a-jwt',
    });
    expect(bcl.status).toBe(400);
    const bclBody = (await bcl.json()) as Record<string, string>;
    expect(bclBody).toMatchObject({ error: 'invalid_request', code: 'JWT_MALFORMED', referenceId: expect.stringMatching(REFERENCE) });
    expect(events.map((e) => [e.route, e.code, e.referenceId])).toEqual([['backchannel-logout', 'JWT_MALFORMED', bclBody.referenceId]]);
    events.length = 0;
    configure({
      session: { strategy: 'server' },
      store: { sessions: throwingSessionStore('store down near SECRETROW') },
    });
    const me = await fetch(`${rp.base}/me`, { headers: { accept: 'application/json', cookie: `${auth.config.cookies.session}=${'a'.repeat(43)}` } });
    expect(me.status).toBe(500);
    const meBody = (await me.json()) as Record<string, string>;
    expect(meBody).toMatchObject({ code: 'INTERNAL_ERROR', referenceId: expect.stringMatching(REFERENCE) });
    expect(JSON.stringify(meBody)).not.toContain('SECRETROW');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ route: 'guard', code: 'INTERNAL_ERROR', errorName: 'RangeError', referenceId: meBody.referenceId });
    expect(JSON.stringify(events)).not.toContain('SECRETROW');
  });
});

describe('a provider whose error description quotes the code and the client secret (misbehaving OP)', () => {
  let op: MisbehavingOp;
  let rp: RpServer;
  let auth: Auth;
  beforeAll(async () => {
    op = await startMisbehavingOp();
    rp = await listen(() => (req, res) => void latchkey(auth).handle(req, res));
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await rp.close();
    await op.close();
  });

  it('logs one line that repeats neither, and cannot be split into a forged second line', async () => {
    const lines: string[] = [];
    for (const level of ['warn', 'error'] as const)
      vi.spyOn(console, level).mockImplementation((...args: unknown[]) => void lines.push(args.map(String).join(' ')));
    auth = createAuth({ baseUrl: rp.base, secret: SECRET_A, providers: [opProvider(op.issuer, { clientId: op.clientId, clientSecret: op.clientSecret })] });
    op.handlers.set('/token', async (req) => {
      const form = new URLSearchParams(await req.text());
      const basic = Buffer.from((req.headers.get('authorization') ?? '').replace(/^Basic /, ''), 'base64').toString();
      const description = `code ${form.get('code')} refused for ${basic}\n[latchkey] FORGED ref=AAAA-AAAA-AAAA route=callback`;
      return Response.json({ error: 'invalid_grant', error_description: description }, { status: 400 });
    });
    const ua = new UserAgent();
    const start = await ua.navigate(`${rp.base}/auth/op/login`, { stop: (u) => u.startsWith(`${rp.base}/auth/op/callback`) });
    const code = new URL(start.url).searchParams.get('code')!;
    expect(code.length).toBeGreaterThan(0);
    const res = await fetch(start.url, { headers: { cookie: ua.cookieHeader(start.url), accept: 'text/html' } });
    expect(res.status).toBe(400);
    const html = await res.text();
    for (const s of [code, op.clientSecret, 'refused for', 'FORGED']) expect(html).not.toContain(s);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(
      new RegExp(
        `^\\[latchkey\\] TOKEN_ERROR ref=${referenceOn(html)} route=callback provider=op status=400 provider_error=invalid_grant provider_status=400: `,
      ),
    );
    expect(lines[0]).not.toContain('\n');
    // The description is there (the developer's detail), its credentials masked.
    expect(lines[0]).toContain('refused for');
    for (const s of [code, op.clientSecret]) expect(lines[0]).not.toContain(s);
  });
});

describe('the words of every error code', () => {
  const codes = Object.keys(ERROR_CODES) as ErrorCode[];
  // LOGIN_REJECTED shows the app's own words (next block); every other code shows Latchkey's.
  const latchkeyWorded = codes.filter((c) => c !== 'LOGIN_REJECTED');

  it('production pages and JSON messages never show the developer message, the hint or a backtick', async () => {
    for (const code of latchkeyWorded) {
      const error = new LatchkeyError(code, `Developer detail for ${code}: \`someOption\` at https://internal.example/x.`);
      const html = await errorResponse(error, 'text/html', [], { referenceId: 'AAAA-BBBB-CCCC' }).text();
      for (const s of ['Developer detail', ERROR_CODES[code].hint, '`', 'internal.example']) expect(html, code).not.toContain(s);
      expect(html, code).toContain('AAAA-BBBB-CCCC');
      const body = (await errorResponse(error, 'application/json').json()) as { message: string; hint?: string };
      expect(body.message, code).not.toMatch(/Developer detail|`/);
      expect(body.hint, code).toBeUndefined();
    }
  });

  it('development pages render backticks as code and never repeat the message as the hint', async () => {
    for (const code of codes) {
      const html = await errorResponse(new LatchkeyError(code), 'text/html', [], { development: true }).text();
      const detail = html.slice(html.indexOf('For developers'));
      expect(detail, code).not.toContain('`');
      // With no message of its own, the message is the hint: shown once.
      expect(detail.split('<dt>').length, code).toBe(4);
    }
  });

  it('a provider error is one sentence that says who answered what, and does not repeat the hint', () => {
    const e = new ProviderError('TOKEN_ERROR', { error: 'invalid_client', error_description: 'client authentication failed', httpStatus: 401 });
    expect(e.message).toBe('The token endpoint answered "invalid_client": client authentication failed.');
    const a = new ProviderError('AUTHORIZATION_ERROR', { error: 'access_denied', error_description: 'The user said no.\nTwice.' });
    expect(a.message).toBe('The provider answered the sign-in with "access_denied": The user said no. Twice.');
    expect(new ProviderError('USERINFO_ERROR', { error: 'invalid_token' }).message).toBe('The userinfo endpoint answered "invalid_token".');
    for (const p of [e, a]) expect(p.hint.startsWith(p.message.split(' "')[0]!)).toBe(false);
  });

  it('escapes what an app puts in LOGIN_REJECTED, its own words for its users', async () => {
    const html = await errorResponse(new LatchkeyError('LOGIN_REJECTED', 'Only <b>members</b> may sign in.'), 'text/html').text();
    expect(html).toContain('Only &lt;b&gt;members&lt;/b&gt; may sign in.');
  });
});
