/**
 * `auth.api(user, providerId)`: provider API calls by path relative to the provider's API base
 * (issue 13, item 7). Against oidc-provider: a GET with the user's token, a refresh when the token
 * expired, one refresh and one retry when the API answers `401 invalid_token` (RFC 6750 §3.1), and
 * paths that would leave the base refused before anything is sent (a second server stands for the
 * attacker's host and must see nothing). Against the misbehaving OP: an API that refuses every
 * token (exactly one retry), `403 insufficient_scope`, non-JSON and oversized answers, error
 * statuses, and methods with bodies.
 */
import type http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latchkey as nodeLatchkey } from '../../src/adapters/node.js';
import { type Auth, createAuth } from '../../src/app/create-auth.js';
import { OidcClient } from '../../src/core/client.js';
import { isLatchkeyError, ProviderApiError, TokenError } from '../../src/errors.js';
import { github, google, slack } from '../../src/providers/index.js';
import { MemoryUserStore } from '../../src/storage/memory.js';
import { createTokenVault } from '../../src/vault/vault.js';
import { listen, login, opProvider, type RpServer, SECRET_A, sessionOf, startOp, UserAgent } from '../app/support.js';
import { type MisbehavingOp, runRpFlow, startMisbehavingOp } from '../support/misbehaving-op.js';
import type { OidcProviderHandle } from '../support/oidc-provider.js';
import { accountTokens, createLinkedUser, errorOf, startServer } from './support.js';

/** A server on 127.0.0.1 that records every request (the attacker's host). */
async function startRecorder() {
  const requests: string[] = [];
  const s = await startServer((req, res) => {
    requests.push(req.url ?? '');
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  return { ...s, requests };
}

/** Paths that must never leave the API base, whatever a server would make of them. */
const ESCAPES = (evilHost: string): unknown[] => [
  `http://${evilHost}/steal`,
  `//${evilHost}/steal`,
  `/\\${evilHost}/steal`,
  `\\\\${evilHost}\\steal`,
  `/%5c${evilHost}/steal`,
  `/%2f${evilHost}/steal`,
  '/..',
  '/../steal',
  '/a/../../steal',
  '/./me',
  '/%2e%2e/steal',
  '/%2E%2E/steal',
  '/%252e%252e/steal',
  '/a%2F..%2Fsteal',
  '/me#fragment',
  '/me\t',
  '/ me',
  '/me\nHost: evil',
  'me',
  '',
  'javascript:alert(1)',
  `https:${evilHost}`,
  42,
  '/x'.repeat(3000),
];

describe('auth.api against oidc-provider', () => {
  let rp: RpServer;
  let op: OidcProviderHandle;
  let auth: Auth;
  let evil: Awaited<ReturnType<typeof startRecorder>>;
  let userId: string;
  const seen: string[] = [];

  beforeAll(async () => {
    let listener: http.RequestListener | undefined;
    rp = await listen(() => listener!);
    op = await startOp(rp.base);
    evil = await startRecorder();
    op.server.prependListener('request', (req: http.IncomingMessage) => seen.push(`${req.method} ${new URL(req.url ?? '/', op.issuer).pathname}`));
    auth = createAuth({ baseUrl: rp.base, secret: SECRET_A, providers: [opProvider(op.issuer)] });
    const lk = nodeLatchkey(auth);
    listener = (req, res) => {
      void (async () => {
        if (!(await lk.handle(req, res))) res.writeHead(404).end();
      })();
    };
    const ua = new UserAgent();
    expect((await login(ua, rp.base, '/')).stopped).toBe(true);
    userId = ((await sessionOf(ua, rp.base)).body.user as { id: string }).id;
  });
  afterAll(async () => {
    await evil?.close();
    await rp?.close();
    await op?.close();
  });

  const requests = (what: string): number => seen.filter((s) => s === what).length;

  it('gets a path relative to the API base (here the issuer) with the user’s token', async () => {
    seen.length = 0;
    const me = await auth.api(userId, 'op').get<{ sub: string; email: string }>('/me');
    expect(me.sub).toBe('alice');
    expect(me.email).toBe('alice@example.test');
    // The session user object works too, and query parameters are appended encoded.
    const again = await auth.api({ id: userId }, 'op').get<{ sub: string }>('/me', { query: { note: 'a b&c' } });
    expect(again.sub).toBe('alice');
    expect(requests('GET /me')).toBe(2);
    expect(requests('POST /token')).toBe(0);
  });

  it('refreshes an expired token before the call', async () => {
    const [account] = await auth.users.listAccounts(userId);
    expect(account?.tokens?.refreshToken).toBeTruthy();
    await auth.users.updateAccountTokens(account!.id, { tokens: { ...account!.tokens!, expiresAt: Date.now() - 60_000 } });
    // A fresh app instance on the same store: no token cached in this process.
    const fresh = createAuth({ baseUrl: rp.base, secret: SECRET_A, providers: [opProvider(op.issuer)], store: { users: auth.users } });
    seen.length = 0;
    expect((await fresh.api(userId, 'op').get<{ sub: string }>('/me')).sub).toBe('alice');
    expect(requests('POST /token')).toBe(1);
    expect(requests('GET /me')).toBe(1);
    const [after] = await auth.users.listAccounts(userId);
    expect(after!.tokens!.accessToken).not.toBe(account!.tokens!.accessToken);
  });

  it('on 401 invalid_token (the stored token is not one the provider knows) refreshes once and retries once', async () => {
    const fresh = createAuth({ baseUrl: rp.base, secret: SECRET_A, providers: [opProvider(op.issuer)], store: { users: auth.users } });
    const [account] = await auth.users.listAccounts(userId);
    // An unexpired access token that the provider refuses (lost, or ended there early); the refresh token still works.
    await auth.users.updateAccountTokens(account!.id, {
      tokens: { ...account!.tokens!, accessToken: 'not-a-token-the-provider-issued', expiresAt: Date.now() + 3_600_000 },
    });
    seen.length = 0;
    expect((await fresh.api(userId, 'op').get<{ sub: string }>('/me')).sub).toBe('alice');
    expect(requests('GET /me')).toBe(2);
    expect(requests('POST /token')).toBe(1);
  });

  it('refuses every path that would leave the API base, before reading or sending anything', async () => {
    const api = auth.api(userId, 'op');
    seen.length = 0;
    for (const path of ESCAPES(new URL(evil.url).host)) {
      for (const call of [() => api.get(path as string), () => api.fetch(path as string), () => api.post(path as string, { a: 1 })]) {
        const error = await errorOf(call());
        expect(error.code, JSON.stringify(path)).toBe('API_PATH_REFUSED');
        expect(error.status).toBe(400);
      }
    }
    expect(seen).toEqual([]);
    expect(evil.requests).toEqual([]);
  });

  it('an API base with a path keeps calls under that path; a base on a foreign origin is refused by the API origins', async () => {
    const based = createAuth({
      baseUrl: rp.base,
      secret: SECRET_A,
      providers: [opProvider(op.issuer, { apiBaseUrl: `${op.issuer}/api/` })],
      store: { users: auth.users },
    });
    for (const path of ['/../me', '/%2e%2e/me', '/x/../../me']) expect((await errorOf(based.api(userId, 'op').get(path))).code).toBe('API_PATH_REFUSED');
    // A base whose origin is not one of the provider's API origins: API_ORIGIN_REFUSED, nothing sent.
    const foreign = createAuth({
      baseUrl: rp.base,
      secret: SECRET_A,
      providers: [opProvider(op.issuer, { apiBaseUrl: evil.url })],
      store: { users: auth.users },
    });
    expect((await errorOf(foreign.api(userId, 'op').get('/steal'))).code).toBe('API_ORIGIN_REFUSED');
    expect(evil.requests).toEqual([]);
    // A malformed base fails at start-up.
    expect(() => createAuth({ baseUrl: rp.base, secret: SECRET_A, providers: [opProvider(op.issuer, { apiBaseUrl: `${op.issuer}/?q=1` })] })).toThrow(
      /apiBaseUrl/,
    );
  });

  it('a grant without the scopes the calls need: INSUFFICIENT_SCOPE naming them and the login URL asking for exactly them, nothing sent', async () => {
    seen.length = 0;
    const error = await errorOf(auth.api(userId, 'op', { scopes: ['phone', 'email'] }).get('/me'));
    expect(error).toBeInstanceOf(TokenError);
    expect(error.code).toBe('INSUFFICIENT_SCOPE');
    expect((error as TokenError).scopes).toEqual(['phone']);
    expect((error as TokenError).provider).toBe('op');
    // createAuth's vault knows the login routes: the URL asks for the missing scope only.
    expect((error as TokenError).loginUrl).toBe('/auth/op/login?returnTo=%2F&scope=phone');
    expect(requests('GET /me')).toBe(0);
  });

  it('auth.api without a user is refused', () => {
    expect(() => auth.api(null as unknown as string, 'op')).toThrow(expect.objectContaining({ code: 'UNAUTHENTICATED' }));
  });
});

describe('auth.api against a misbehaving provider', () => {
  let op: MisbehavingOp;
  let vault: ReturnType<typeof createTokenVault>;
  let userId: string;

  beforeAll(async () => {
    op = await startMisbehavingOp();
    const client = await OidcClient.create({ issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret, redirectUri: 'http://127.0.0.1:1/cb' });
    const flow = await runRpFlow(client, { scope: ['openid', 'email'] });
    expect(flow.error).toBeUndefined();
    const users = new MemoryUserStore();
    vault = createTokenVault({ users, clientFor: async () => client });
    userId = (await createLinkedUser(users, op.issuer, 'mop', accountTokens(flow.tokens!))).user.id;
  });
  afterAll(async () => {
    await op?.close();
  });

  const calls = (path: string): number => op.requestsTo(path).length;

  it('an API that refuses every token: one refresh, exactly one retry, then API_RESPONSE_ERROR 401', async () => {
    op.handlers.set('/api/always-401', () => new Response(null, { status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } }));
    const tokenCalls = calls('/token');
    const error = await errorOf(vault.api(userId, 'mop').get('/api/always-401'));
    expect(error).toBeInstanceOf(ProviderApiError);
    expect(error.code).toBe('API_RESPONSE_ERROR');
    expect((error as ProviderApiError).httpStatus).toBe(401);
    expect(calls('/api/always-401')).toBe(2);
    expect(calls('/token') - tokenCalls).toBe(1);
  });

  it('403 insufficient_scope: INSUFFICIENT_SCOPE with the scopes of the challenge (RFC 6750 §3.1)', async () => {
    op.handlers.set(
      '/api/calendar',
      () => new Response('{}', { status: 403, headers: { 'www-authenticate': 'Bearer error="insufficient_scope", scope="calendar.read calendar.write"' } }),
    );
    const error = await errorOf(vault.api(userId, 'mop').get('/api/calendar'));
    expect(error.code).toBe('INSUFFICIENT_SCOPE');
    expect((error as TokenError).scopes).toEqual(['calendar.read', 'calendar.write']);
    expect((error as TokenError).provider).toBe('mop');
    // A vault made without `loginBasePath` cannot know where the login routes are.
    expect((error as TokenError).loginUrl).toBeUndefined();
  });

  it('error statuses carry the status and the (bounded) body; non-JSON and oversized answers are typed errors', async () => {
    op.handlers.set('/api/missing', () => Response.json({ error: { message: 'no such item' } }, { status: 404 }));
    op.handlers.set('/api/html', () => new Response('<!doctype html><p>Sign in', { headers: { 'content-type': 'text/html' } }));
    op.handlers.set('/api/broken', () => new Response('{"items": [', { headers: { 'content-type': 'application/json' } }));
    op.handlers.set('/api/huge', () => Response.json({ items: 'x'.repeat(50_000) }));
    op.handlers.set('/api/redirect', () => new Response(null, { status: 302, headers: { location: 'https://evil.example/' } }));
    const api = vault.api(userId, 'mop', { maxBodyBytes: 10_000 });
    const missing = await errorOf(api.get('/api/missing?id=7'));
    expect(missing).toBeInstanceOf(ProviderApiError);
    expect((missing as ProviderApiError).httpStatus).toBe(404);
    expect((missing as ProviderApiError).path).toBe('/api/missing');
    expect((missing as ProviderApiError).body).toEqual({ error: { message: 'no such item' } });
    // The body stays out of logs and JSON.
    expect(JSON.stringify(missing)).not.toContain('no such item');
    expect((await errorOf(api.get('/api/html'))).code).toBe('HTTP_BAD_CONTENT_TYPE');
    expect((await errorOf(api.get('/api/broken'))).code).toBe('HTTP_INVALID_JSON');
    expect((await errorOf(api.get('/api/huge'))).code).toBe('HTTP_BODY_TOO_LARGE');
    // A redirect is not followed (RFC 9700 §4.11): the token never goes to its target.
    expect((await errorOf(api.get('/api/redirect'))).code).toBe('API_RESPONSE_ERROR');
    // fetch() hands the raw answer over, whatever its status.
    const raw = await api.fetch('/api/missing');
    expect(raw.status).toBe(404);
    await raw.body?.cancel();
  });

  it('sends each method with its body (JSON serialized), and an empty answer is undefined', async () => {
    const received: { method: string; type: string | null; body: string; auth: string | null }[] = [];
    op.handlers.set('/api/items', async (req) => {
      received.push({ method: req.method, type: req.headers.get('content-type'), body: await req.text(), auth: req.headers.get('authorization') });
      return req.method === 'DELETE' ? new Response(null, { status: 204 }) : Response.json({ ok: req.method });
    });
    const api = vault.api(userId, 'mop');
    expect(await api.post('/api/items', { name: 'a' })).toEqual({ ok: 'POST' });
    expect(await api.put('/api/items', 'raw text', { headers: { 'content-type': 'text/plain' } })).toEqual({ ok: 'PUT' });
    expect(await api.patch('/api/items', new URLSearchParams({ a: '1' }))).toEqual({ ok: 'PATCH' });
    expect(await api.delete('/api/items')).toBeUndefined();
    expect(received.map((r) => r.method)).toEqual(['POST', 'PUT', 'PATCH', 'DELETE']);
    expect(received[0]).toMatchObject({ type: 'application/json', body: '{"name":"a"}' });
    expect(received[1]).toMatchObject({ type: 'text/plain', body: 'raw text' });
    expect(received[2]!.body).toBe('a=1');
    for (const r of received) expect(r.auth).toMatch(/^Bearer /);
  });
});

describe('API base URLs of the presets', () => {
  it('Google, GitHub and Slack declare their API bases; an issuer override or apiBaseUrl replaces them', async () => {
    const creds = { clientId: 'c', clientSecret: 's', env: {} };
    expect(google(creds).apiBaseUrl).toBe('https://www.googleapis.com');
    expect(google({ ...creds, issuer: 'http://127.0.0.1:4000/google' }).apiBaseUrl).toBe('http://127.0.0.1:4000/google');
    expect(github(creds).apiBaseUrl).toBe('https://api.github.com');
    expect(github({ ...creds, baseUrl: 'https://github.example.com' }).apiBaseUrl).toBe('https://github.example.com/api/v3');
    expect(slack(creds).apiBaseUrl).toBe('https://slack.com/api');
    const proxied = google({ ...creds, apiBaseUrl: 'https://google-proxy.example/v1/' });
    expect(proxied.apiBaseUrl).toBe('https://google-proxy.example/v1');
    // An API base set in code is that provider's API: its origin may receive the token.
    expect(proxied.apiOrigins).toContain('https://google-proxy.example');
    expect(isLatchkeyError(new TokenError('API_PATH_REFUSED'), 'API_PATH_REFUSED')).toBe(true);
  });
});
