import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchJsonObject, fetchStream, httpRequest, parseWwwAuthenticate, readLimitedText } from '../../src/core/http.js';
import { ProviderError, TransportError } from '../../src/errors.js';

let base = '';
const server = createServer((req: IncomingMessage, res: ServerResponse) => {
  switch (req.url) {
    case '/json':
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end('{"a":1}');
      return;
    case '/html':
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>');
      return;
    case '/redirect':
      res.writeHead(302, { location: '/json' }).end();
      return;
    case '/slow':
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'), 2_000);
      return;
    case '/slow-body':
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('"partial');
      setTimeout(() => res.end('"'), 3_000).unref();
      return;
    case '/big':
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(`"${'x'.repeat(5000)}"`);
      return;
    case '/oauth-error':
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_grant","error_description":"grant expired"}');
      return;
    case '/bad-json':
      res.writeHead(200, { 'content-type': 'application/json' }).end('{not json');
      return;
    case '/down':
      res.writeHead(503, { 'content-type': 'text/plain' }).end('maintenance');
      return;
    default:
      res.writeHead(404).end();
  }
});

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as TransportError).code;
  }
  return 'no error';
}

describe('transport', () => {
  it('parses a JSON object', async () => {
    expect(await fetchJsonObject({ url: `${base}/json` })).toEqual({ a: 1 });
  });
  it('refuses an HTML page where JSON was due', async () => {
    const err = await httpRequest({ url: `${base}/html`, expect: 'json' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect((err as TransportError).code).toBe('HTTP_BAD_CONTENT_TYPE');
    expect((err as TransportError).message).toMatch(/HTML page/);
  });
  it('refuses redirects', async () => {
    expect(await codeOf(httpRequest({ url: `${base}/redirect`, expect: 'json' }))).toBe('HTTP_REDIRECT_REFUSED');
  });
  it('times out', async () => {
    expect(await codeOf(httpRequest({ url: `${base}/slow`, expect: 'json' }, { timeoutMs: 200 }))).toBe('HTTP_TIMEOUT');
  });
  it('bounds the body size', async () => {
    expect(await codeOf(httpRequest({ url: `${base}/big`, expect: 'json' }, { maxResponseBytes: 1000 }))).toBe('HTTP_BODY_TOO_LARGE');
  });
  it('turns an OAuth error body into a ProviderError with the RFC fields', async () => {
    const err = await httpRequest({ url: `${base}/oauth-error`, method: 'POST', expect: 'json', oauthErrorCode: 'TOKEN_ERROR' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).code).toBe('TOKEN_ERROR');
    expect((err as ProviderError).error).toBe('invalid_grant');
    expect((err as ProviderError).error_description).toBe('grant expired');
    expect(Object.keys(err as object)).not.toContain('response');
  });
  it('reports invalid JSON and 5xx distinctly', async () => {
    expect(await codeOf(httpRequest({ url: `${base}/bad-json`, expect: 'json' }))).toBe('HTTP_INVALID_JSON');
    expect(await codeOf(httpRequest({ url: `${base}/down`, expect: 'json' }))).toBe('HTTP_PROVIDER_UNAVAILABLE');
  });
  it('reports a dead provider as a request failure', async () => {
    const dead = createServer();
    await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
    const port = (dead.address() as AddressInfo).port;
    await new Promise((r) => dead.close(r));
    expect(await codeOf(httpRequest({ url: `http://127.0.0.1:${port}/`, expect: 'json' }))).toBe('HTTP_REQUEST_FAILED');
  });
  it('allows plain http only for loopback or hosts named explicitly', async () => {
    expect(await codeOf(httpRequest({ url: 'http://provider.example/x', expect: 'json' }))).toBe('INSECURE_TRANSPORT');
    const seen: string[] = [];
    const fakeFetch = (async (u: string | URL | Request) => {
      seen.push(String(u));
      return new Response('{}', { headers: { 'content-type': 'application/json' } });
    }) as typeof fetch;
    await httpRequest({ url: 'http://provider.example/x', expect: 'json' }, { fetch: fakeFetch, allowInsecureHttpHosts: ['provider.example'] });
    expect(seen).toEqual(['http://provider.example/x']);
  });
  it('hands a streamed body to the caller unread, still bounded by the deadline', async () => {
    const ok = await httpRequest({ url: `${base}/json`, expect: 'stream' });
    expect(ok.text).toBe('');
    expect(await ok.response.json()).toEqual({ a: 1 });
    const slow = await httpRequest({ url: `${base}/slow-body`, expect: 'stream' }, { timeoutMs: 300 });
    const started = Date.now();
    const err = await slow.response.text().catch((e: unknown) => e);
    expect((err as Error).name).toBe('TimeoutError');
    expect(Date.now() - started).toBeLessThan(1_500);
  });
  it('bounds a streamed body read with readLimitedText', async () => {
    const big = await httpRequest({ url: `${base}/big`, expect: 'stream' });
    expect(await codeOf(readLimitedText(big.response, `${base}/big`, 1000))).toBe('HTTP_BODY_TOO_LARGE');
    const slow = await httpRequest({ url: `${base}/slow-body`, expect: 'stream' }, { timeoutMs: 300 });
    expect(await codeOf(readLimitedText(slow.response, `${base}/slow-body`))).toBe('HTTP_TIMEOUT');
    const ok = await httpRequest({ url: `${base}/json`, expect: 'stream' });
    expect(await readLimitedText(ok.response, `${base}/json`)).toBe('{"a":1}');
  });
  it('times out every request of a crowd, each after its full timeout and not much later', async () => {
    // Requests started together share a deadline (one signal per cohort of at most 16, opened for
    // 50 ms): 150 requests span several cohorts, and the late starters still get their whole timeout.
    const timeoutMs = 300;
    const one = async (delayMs: number): Promise<{ code: string; elapsed: number }> => {
      await new Promise((r) => setTimeout(r, delayMs));
      const started = performance.now();
      const code = await codeOf(httpRequest({ url: `${base}/slow`, expect: 'json' }, { timeoutMs }));
      return { code, elapsed: performance.now() - started };
    };
    const results = await Promise.all(Array.from({ length: 150 }, (_, i) => one(i % 3 === 0 ? 0 : i % 3 === 1 ? 30 : 60)));
    expect(new Set(results.map((r) => r.code))).toEqual(new Set(['HTTP_TIMEOUT']));
    const elapsed = results.map((r) => r.elapsed);
    expect(Math.min(...elapsed)).toBeGreaterThanOrEqual(timeoutMs - 5);
    // The cohort window (50 ms) plus scheduling slack on a loaded machine; far below the server's 2 s.
    expect(Math.max(...elapsed)).toBeLessThan(timeoutMs + 50 + 1200);
  });
  it("sends one header set: the request's own names win over the transport defaults, repeats combine", async () => {
    const sent: Record<string, string>[] = [];
    const fakeFetch = (async (_u: string | URL | Request, init?: RequestInit) => {
      sent.push({ ...(init?.headers as Record<string, string>) });
      return new Response('{}', { headers: { 'content-type': 'application/json' } });
    }) as typeof fetch;
    const defaults = { 'User-Agent': 'app/1', 'X-Trace': 'default' };
    await httpRequest({ url: `${base}/json`, expect: 'json', headers: { 'x-trace': 'own' } }, { fetch: fakeFetch, headers: defaults });
    await httpRequest(
      {
        url: `${base}/json`,
        expect: 'stream',
        headers: [
          ['X-A', '1'],
          ['x-a', '2'],
        ],
      },
      { fetch: fakeFetch, headers: defaults },
    );
    await httpRequest({ url: `${base}/json`, expect: 'json', headers: new Headers({ Accept: 'application/custom+json' }) }, { fetch: fakeFetch });
    expect(sent[0]).toEqual({ 'user-agent': 'app/1', 'x-trace': 'own', accept: 'application/json' });
    // A streamed resource call leaves Accept to fetch (a wildcard) unless the caller names one.
    expect(sent[1]).toEqual({ 'user-agent': 'app/1', 'x-trace': 'default', 'x-a': '1, 2' });
    expect(sent[2]).toEqual({ accept: 'application/custom+json' });
  });
  it('fetchStream: any status as received, redirects unfollowed, every failure typed and rejected (never thrown)', async () => {
    const down = await fetchStream({ url: `${base}/down` });
    expect(down.status).toBe(503);
    expect(await down.text()).toBe('maintenance');
    const redirect = await fetchStream({ url: `${base}/redirect` });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe('/json');
    expect(await redirect.text()).toBe('');
    const slowBody = await fetchStream({ url: `${base}/slow-body` }, { timeoutMs: 300 });
    expect(await codeOf(readLimitedText(slowBody, `${base}/slow-body`))).toBe('HTTP_TIMEOUT');
    expect(await codeOf(fetchStream({ url: `${base}/slow` }, { timeoutMs: 200 }))).toBe('HTTP_TIMEOUT');
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const deadUrl = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/x`;
    await new Promise((r) => closed.close(r));
    expect(await codeOf(fetchStream({ url: deadUrl }))).toBe('HTTP_REQUEST_FAILED');
    const insecure = fetchStream({ url: 'http://api.example/x' });
    expect(insecure).toBeInstanceOf(Promise);
    expect(await codeOf(insecure)).toBe('INSECURE_TRANSPORT');
    // A fetch that hides the redirect (redirect: 'manual' in a browser-like fetch) is refused.
    const hidden = (async () => Object.defineProperty(new Response(null, { status: 200 }), 'type', { value: 'opaqueredirect' })) as unknown as typeof fetch;
    expect(await codeOf(fetchStream({ url: `${base}/json` }, { fetch: hidden }))).toBe('HTTP_REDIRECT_REFUSED');
  });
  it('parses WWW-Authenticate challenges case-insensitively', () => {
    const c = parseWwwAuthenticate('DPoP realm="x", error="use_dpop_nonce", error_description="nonce \\"needed\\""');
    expect(c?.scheme).toBe('dpop');
    expect(c?.error).toBe('use_dpop_nonce');
    expect(c?.error_description).toBe('nonce "needed"');
  });
});
