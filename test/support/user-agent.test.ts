/**
 * The test UserAgent's cookie jar and navigation, against a loopback server: other suites (the app
 * layer's login tests) rely on it behaving like a browser.
 */
import { once } from 'node:events';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserAgent } from './user-agent.js';

let server: http.Server;
let base: string;
const seen: { path: string; method: string; cookie: string; body: string }[] = [];

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://x');
      seen.push({ path: url.pathname, method: req.method ?? 'GET', cookie: req.headers.cookie ?? '', body: Buffer.concat(chunks).toString('utf8') });
      switch (url.pathname) {
        case '/set':
          res.setHeader('set-cookie', [
            'a=1; Path=/',
            'scoped=2; Path=/app',
            'sec=3; Secure; Path=/',
            '__Host-h=4; Secure; Path=/',
            'short=5; Max-Age=10; Path=/',
            'strict=6; SameSite=Strict; Path=/',
          ]);
          res.end('ok');
          return;
        case '/delete':
          res.setHeader('set-cookie', ['a=; Max-Age=0; Path=/', 'scoped=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/app']);
          res.end('ok');
          return;
        case '/redirect':
          res.writeHead(302, { location: '/app/page', 'set-cookie': 'fromredirect=7; Path=/' }).end();
          return;
        case '/post-307':
          res.writeHead(307, { location: '/echo' }).end();
          return;
        case '/post-303':
          res.writeHead(303, { location: '/echo' }).end();
          return;
        case '/form':
          res
            .writeHead(200, { 'content-type': 'text/html' })
            .end(
              `<html><body><form method="post" action="/echo"><input type="hidden" name="code" value="a&amp;b"/><input type="hidden" name="state" value="s"/><input type="submit" name="go" value="Go"/></form></body></html>`,
            );
          return;
        default:
          res.writeHead(200, { 'content-type': 'text/plain' }).end(`${req.method} ${url.pathname}`);
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise<void>((r) => {
    server.closeAllConnections();
    server.close(() => r());
  });
});

describe('UserAgent cookies', () => {
  it('path scoping, Secure and __Host- over http://127.0.0.1 (a secure context), Max-Age expiry with an injected clock, deletion', async () => {
    let now = 1_000_000;
    const ua = new UserAgent({ clock: () => now });
    await ua.navigate(`${base}/set`);
    expect(ua.cookies(`${base}/`).sort()).toEqual(['__Host-h=4', 'a=1', 'sec=3', 'short=5', 'strict=6']);
    expect(ua.cookies(`${base}/app/x`)).toContain('scoped=2');
    expect(ua.cookies(`${base}/application`)).not.toContain('scoped=2');
    // Longest path first.
    expect(ua.cookies(`${base}/app`)[0]).toBe('scoped=2');
    now += 11_000;
    expect(ua.cookies(`${base}/`)).not.toContain('short=5');
    await ua.navigate(`${base}/delete`);
    expect(ua.cookies(`${base}/app/x`).sort()).toEqual(['__Host-h=4', 'sec=3', 'strict=6']);
    seen.length = 0;
    await ua.navigate(`${base}/check`);
    expect(seen[0]!.cookie.split('; ').sort()).toEqual(['__Host-h=4', 'sec=3', 'strict=6']);
  });

  it('Secure cookies are not stored from, nor sent to, a non-loopback http origin; SameSite=None needs Secure', () => {
    const ua = new UserAgent();
    ua.setCookie('x=1; Secure', 'http://rp.example/');
    ua.setCookie('y=2; SameSite=None', 'https://rp.example/');
    ua.setCookie('z=3; Secure; SameSite=None', 'https://rp.example/');
    expect(ua.cookies('https://rp.example/')).toEqual(['z=3']);
    expect(ua.cookies('http://rp.example/')).toEqual([]);
  });

  it('SameSite: Strict only same-site, Lax also on cross-site GET, None always', () => {
    const ua = new UserAgent();
    ua.setCookie('s=1; SameSite=Strict; Path=/', 'https://rp.example/');
    ua.setCookie('l=2; Path=/', 'https://rp.example/');
    ua.setCookie('n=3; SameSite=None; Secure; Path=/', 'https://rp.example/');
    expect(ua.cookies('https://rp.example/cb', { method: 'POST', initiator: 'https://op.other/' })).toEqual(['n=3']);
    expect(ua.cookies('https://rp.example/cb', { method: 'GET', initiator: 'https://op.other/' }).sort()).toEqual(['l=2', 'n=3']);
    expect(ua.cookies('https://rp.example/cb', { method: 'POST', initiator: 'https://www.rp.example/' }).sort()).toEqual(['l=2', 'n=3', 's=1']);
  });

  it('Domain cookies match subdomains; host-only cookies do not', () => {
    const ua = new UserAgent();
    ua.setCookie('d=1; Domain=example.test', 'https://app.example.test/');
    ua.setCookie('h=2', 'https://app.example.test/');
    ua.setCookie('bad=3; Domain=other.test', 'https://app.example.test/');
    expect(ua.cookies('https://api.example.test/')).toEqual(['d=1']);
    expect(ua.cookies('https://app.example.test/').sort()).toEqual(['d=1', 'h=2']);
  });
});

describe('UserAgent navigation', () => {
  it('follows redirects, stores cookies set on redirects, and stops before a matching URL', async () => {
    const ua = new UserAgent();
    const stopped = await ua.navigate(`${base}/redirect`, { stop: (u) => u.includes('/app/') });
    expect(stopped).toMatchObject({ stopped: true, url: `${base}/app/page`, method: 'GET' });
    expect(ua.cookies(`${base}/`)).toContain('fromredirect=7');
    const page = await ua.navigate(`${base}/redirect`);
    expect(page).toMatchObject({ stopped: false, status: 200, html: 'GET /app/page' });
  });

  it('307 keeps method and body; 303 becomes GET', async () => {
    const ua = new UserAgent();
    seen.length = 0;
    await ua.navigate(`${base}/post-307`, { method: 'POST', body: new URLSearchParams({ a: '1' }) });
    expect(seen.at(-1)).toMatchObject({ path: '/echo', method: 'POST', body: 'a=1' });
    await ua.navigate(`${base}/post-303`, { method: 'POST', body: new URLSearchParams({ a: '1' }) });
    expect(seen.at(-1)).toMatchObject({ path: '/echo', method: 'GET', body: '' });
  });

  it('parses and submits forms (entities decoded, submit buttons skipped); autoSubmitForms stops before the POST', async () => {
    const ua = new UserAgent();
    const forms = UserAgent.parseForms(
      '<form method="post" action="/echo"><input type="hidden" name="code" value="a&amp;b"/><input type="submit" name="go" value="Go"/></form>',
      `${base}/form`,
    );
    expect(forms).toHaveLength(1);
    expect(forms[0]!.action).toBe(`${base}/echo`);
    expect(Object.fromEntries(forms[0]!.fields)).toEqual({ code: 'a&b' });
    const posted = await ua.navigate(`${base}/form`, { autoSubmitForms: true, stop: (u) => u.endsWith('/echo') });
    expect(posted).toMatchObject({ stopped: true, method: 'POST' });
    expect(Object.fromEntries(posted.body!)).toEqual({ code: 'a&b', state: 's' });
    const page = await ua.navigate(`${base}/form`);
    const submitted = await ua.submitForm(page.html!, page.url);
    expect(submitted.html).toBe('POST /echo');
  });

  it('bounded: too many redirects throw instead of looping', async () => {
    const ua = new UserAgent();
    await expect(ua.navigate(`${base}/redirect`, { maxSteps: 1 })).rejects.toThrow(/more than 1 requests/);
  });
});
