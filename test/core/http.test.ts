import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchJsonObject, httpRequest, parseWwwAuthenticate, readLimitedText } from '../../src/core/http.js';
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
  it('parses WWW-Authenticate challenges case-insensitively', () => {
    const c = parseWwwAuthenticate('DPoP realm="x", error="use_dpop_nonce", error_description="nonce \\"needed\\""');
    expect(c?.scheme).toBe('dpop');
    expect(c?.error).toBe('use_dpop_nonce');
    expect(c?.error_description).toBe('nonce "needed"');
  });
});
