/**
 * The endpoint policy, at the transport: every payload is sent through `httpRequest` towards a
 * real server on 127.0.0.1 (or a recording `fetch` for addresses that cannot exist here), and the
 * test asserts both the typed refusal and that nothing arrived.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { checkMetadata } from '../../src/core/discovery.js';
import { type AddressClass, classifyAddress, createEndpointPolicy, type HostResolver } from '../../src/core/endpoint-policy.js';
import { fetchStream, type HttpOptions, httpRequest } from '../../src/core/http.js';
import { LatchkeyError, TransportError } from '../../src/errors.js';

let server: Server;
let port: number;
const received: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    received.push(`${req.method} ${req.url}`);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end('{"ok":true}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  received.length = 0;
});

/** A fetch that records the URLs it is asked for and answers `{}` (for hosts that cannot exist on this machine). */
function recordingFetch(): { fetch: typeof fetch; calls: string[] } {
  const calls: string[] = [];
  const f = (input: string | URL | Request): Promise<Response> => {
    calls.push(String(input instanceof Request ? input.url : input));
    return Promise.resolve(Response.json({ ok: true }));
  };
  return { fetch: f as typeof fetch, calls };
}

/** A resolver with fixed answers, counting its calls. */
function fakeResolver(answers: Readonly<Record<string, readonly string[] | Error>>): HostResolver & { calls: string[] } {
  const calls: string[] = [];
  const resolver = async (hostname: string): Promise<readonly string[]> => {
    calls.push(hostname);
    const answer = answers[hostname];
    if (answer === undefined) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    if (answer instanceof Error) throw answer;
    return answer;
  };
  return Object.assign(resolver, { calls });
}

async function outcome(url: string, options: HttpOptions = {}): Promise<LatchkeyError | 'sent'> {
  try {
    await httpRequest({ url, expect: 'json' }, options);
    return 'sent';
  } catch (error) {
    expect(error).toBeInstanceOf(LatchkeyError);
    return error as LatchkeyError;
  }
}

async function expectRefused(url: string, options: HttpOptions = {}): Promise<TransportError> {
  const result = await outcome(url, options);
  expect(result, url).toBeInstanceOf(TransportError);
  expect((result as TransportError).code, url).toBe('ENDPOINT_REFUSED');
  return result as TransportError;
}

describe('classifyAddress (RFC 6890 special-purpose addresses)', () => {
  const table: [string, AddressClass][] = [
    ['8.8.8.8', 'public'],
    ['93.184.216.34', 'public'],
    ['10.0.0.5', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'shared'],
    ['100.127.255.255', 'shared'],
    ['100.128.0.1', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['224.0.0.1', 'reserved'],
    ['255.255.255.255', 'reserved'],
    ['::1', 'loopback'],
    ['::', 'unspecified'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf::1', 'link-local'],
    ['fd00::1', 'unique-local'],
    ['fc00::1', 'unique-local'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.0.0.5', 'private'],
    ['::ffff:a9fe:a9fe', 'link-local'],
    ['::ffff:8.8.8.8', 'public'],
    ['64:ff9b::a00:5', 'private'],
    ['2002:a9fe:a9fe::1', 'link-local'],
    ['::7f00:1', 'reserved'],
    ['ff02::1', 'reserved'],
    ['2001:db8::1', 'reserved'],
    ['2606:4700:4700::1111', 'public'],
    ['2001:4860:4860::8888', 'public'],
  ];
  it.each(table)('%s is %s', (address, cls) => {
    expect(classifyAddress(address)).toBe(cls);
  });
  it('returns undefined for names and malformed addresses', () => {
    for (const s of ['example.com', 'localhost', '1::2::3', '12345::', '1.2.3', ':::']) expect(classifyAddress(s), s).toBeUndefined();
  });
});

describe('numeric-encoded IPv4 addresses (the WHATWG parser turns them into 127.0.0.1)', () => {
  const encodings = ['2130706433', '0x7f000001', '0177.0.0.1', '127.1', '0x7f.0.0.1', '0x7f.1', '%31%32%37.0.0.1', '127.0.0.1.', '１２７.０.０.１'];
  it.each(encodings)('http://%s:<port>/ is refused and nothing is sent', async (host) => {
    const url = `http://${host}:${port}/internal`;
    expect(new URL(url).hostname).toBe('127.0.0.1');
    const error = await expectRefused(url);
    expect(error.message).toContain('numeric encoding');
    expect(received).toEqual([]);
  });
  it('a decimal public address is refused too (no configuration writes one)', async () => {
    const rec = recordingFetch();
    await expectRefused('https://134744072/x', { fetch: rec.fetch });
    expect(rec.calls).toEqual([]);
  });
  it('the dotted form of the same loopback address is still accepted without an issuer (a URL written in code)', async () => {
    expect(await outcome(`http://127.0.0.1:${port}/ok`)).toBe('sent');
    expect(received).toEqual(['GET /ok']);
  });
});

describe('credentials in URLs', () => {
  const urls = (p: number): string[] => [
    `http://alice-admin:s3cr3t-pa55@127.0.0.1:${p}/x`,
    `http://alice-admin@127.0.0.1:${p}/x`,
    `http://:s3cr3t-pa55@127.0.0.1:${p}/x`,
    `http://@127.0.0.1:${p}/x`,
  ];
  it('are refused, the message names no credential, and nothing is sent', async () => {
    for (const url of urls(port)) {
      const error = await expectRefused(url);
      expect(error.message).toContain('credentials');
      expect(error.message).not.toContain('s3cr3t');
      expect(error.message).not.toContain('alice-admin');
      expect(JSON.stringify(error)).not.toContain('s3cr3t');
      expect(error.url).toBe(`http://127.0.0.1:${port}/x`);
    }
    expect(received).toEqual([]);
  });
});

describe('resource calls (fetchStream, the path of OidcClient.fetchResource) go through the same policy', () => {
  it('credentials, numeric encodings and private literals are refused before fetch', async () => {
    const rec = recordingFetch();
    for (const url of [`http://alice-admin:s3cr3t-pa55@127.0.0.1:${port}/api`, `http://2130706433:${port}/api`, 'https://169.254.169.254/api']) {
      const error = await fetchStream({ url }, { fetch: rec.fetch }).catch((e: unknown) => e);
      expect((error as LatchkeyError).code, url).toBe('ENDPOINT_REFUSED');
    }
    expect(rec.calls).toEqual([]);
    expect(received).toEqual([]);
  });
});

describe('private-network literals', () => {
  const refusedUrls = [
    'https://10.0.0.5/token',
    'https://172.20.1.1/token',
    'https://192.168.0.10/token',
    'https://100.64.3.4/token',
    'https://169.254.169.254/latest/meta-data/',
    'https://0.0.0.0/token',
    'https://[fd00::1]/token',
    'https://[fe80::1]/token',
    'https://[::]/token',
    'https://[::ffff:169.254.169.254]/latest/meta-data/',
    'https://[::ffff:10.0.0.5]/token',
    'https://[::ffff:127.0.0.1]/token',
  ];
  it.each(refusedUrls)('%s is refused before fetch is called', async (url) => {
    const rec = recordingFetch();
    const error = await expectRefused(url, { fetch: rec.fetch });
    expect(error.message).toContain('allowPrivateNetwork');
    expect(rec.calls).toEqual([]);
  });
  it('allowPrivateNetwork admits them', async () => {
    const rec = recordingFetch();
    const endpointPolicy = createEndpointPolicy({ issuer: 'https://sso.corp.example', allowPrivateNetwork: true });
    for (const url of refusedUrls) expect(await outcome(url, { fetch: rec.fetch, endpointPolicy }), url).toBe('sent');
    expect(rec.calls).toHaveLength(refusedUrls.length);
  });
  it('public literals pass', async () => {
    const rec = recordingFetch();
    expect(await outcome('https://93.184.216.34/x', { fetch: rec.fetch })).toBe('sent');
    expect(await outcome('https://[2606:4700:4700::1111]/x', { fetch: rec.fetch })).toBe('sent');
    expect(rec.calls).toHaveLength(2);
  });
});

describe('loopback, by who chose the issuer', () => {
  it('configured loopback issuer: its own host is accepted, another loopback spelling is not', async () => {
    const endpointPolicy = createEndpointPolicy({ issuer: `http://127.0.0.1:${port}` });
    expect(await outcome(`http://127.0.0.1:${port}/a`, { endpointPolicy })).toBe('sent');
    const error = await expectRefused(`http://[::1]:${port}/a`, { endpointPolicy });
    expect(error.message).toContain('loopback');
    expect(received).toEqual(['GET /a']);
  });
  it('public issuer: loopback endpoints are refused, over http and https', async () => {
    const endpointPolicy = createEndpointPolicy({ issuer: 'https://op.example' });
    await expectRefused(`http://127.0.0.1:${port}/internal`, { endpointPolicy });
    await expectRefused(`https://127.0.0.1:${port}/internal`, { endpointPolicy });
    expect(received).toEqual([]);
  });
  it('runtime-chosen issuer (strict mode): a loopback issuer is refused unless the provider opts in', async () => {
    const strict = createEndpointPolicy({ issuer: `http://127.0.0.1:${port}`, issuerSource: 'runtime' });
    const error = await expectRefused(`http://127.0.0.1:${port}/.well-known/openid-configuration`, { endpointPolicy: strict });
    expect(error.message).toContain('chosen at run time');
    expect(error.message).toMatch(/^The issuer /);
    expect(received).toEqual([]);
    const optedIn = createEndpointPolicy({ issuer: `http://127.0.0.1:${port}`, issuerSource: 'runtime', allowPrivateNetwork: true });
    expect(await outcome(`http://127.0.0.1:${port}/.well-known/openid-configuration`, { endpointPolicy: optedIn })).toBe('sent');
  });
  it('explicit metadata written in code makes its loopback hosts configured ones (emulators), in configured mode only', async () => {
    const configuredMetadata = { issuer: 'https://discord.com', token_endpoint: `http://127.0.0.1:${port}/discord.com/api/oauth2/token` };
    const configured = createEndpointPolicy({ issuer: 'https://discord.com', configuredMetadata });
    expect(await outcome(`http://127.0.0.1:${port}/discord.com/api/users/@me`, { endpointPolicy: configured })).toBe('sent');
    const strict = createEndpointPolicy({ issuer: 'https://discord.com', configuredMetadata, issuerSource: 'runtime' });
    await expectRefused(`http://127.0.0.1:${port}/discord.com/api/users/@me`, { endpointPolicy: strict });
    expect(received).toHaveLength(1);
  });
});

describe('checkMetadata applies the policy to every member, naming it', () => {
  it('a public issuer whose token_endpoint is loopback http', () => {
    const md = { issuer: 'https://op.example', authorization_endpoint: 'https://op.example/auth', token_endpoint: `http://127.0.0.1:${port}/internal` };
    expect(() => checkMetadata(md, 'https://op.example')).toThrow(/metadata token_endpoint .*was refused: it is a loopback address/);
  });
  it('a loopback issuer whose endpoint is on another loopback host, or on a private address', () => {
    const issuer = `http://127.0.0.1:${port}`;
    expect(() => checkMetadata({ issuer, token_endpoint: `http://localhost:${port}/t` }, issuer)).toThrow(/metadata token_endpoint/);
    expect(() => checkMetadata({ issuer, jwks_uri: 'https://10.1.2.3/jwks' }, issuer)).toThrow(/metadata jwks_uri .*private-network/);
    expect(checkMetadata({ issuer, token_endpoint: `${issuer}/token` }, issuer).token_endpoint).toBe(`${issuer}/token`);
  });
  it('an end_session_endpoint on another host than the issuer and the authorization endpoint', () => {
    const md = { issuer: 'https://op.example', authorization_endpoint: 'https://login.op.example/auth', end_session_endpoint: 'https://evil.example/logout' };
    expect(() => checkMetadata(md, 'https://op.example')).toThrow(/metadata end_session_endpoint .*another host/);
    expect(checkMetadata({ ...md, end_session_endpoint: 'https://login.op.example/logout' }, 'https://op.example').end_session_endpoint).toBe(
      'https://login.op.example/logout',
    );
  });
  it('an issuer with credentials, or written as a number', () => {
    try {
      checkMetadata({ issuer: 'https://u:hunter2@op.example' }, 'https://u:hunter2@op.example');
      expect.unreachable();
    } catch (error) {
      expect((error as LatchkeyError).code).toBe('ENDPOINT_REFUSED');
      expect((error as Error).message).not.toContain('hunter2');
    }
    expect(() => checkMetadata({ issuer: 'http://2130706433' }, 'http://2130706433')).toThrow(/issuer .*numeric encoding/);
  });
});

describe('addresses after DNS resolution (injected resolver)', () => {
  it('a public-looking name that resolves to a private address is refused before fetch is called', async () => {
    const rec = recordingFetch();
    const resolveHost = fakeResolver({ 'tokens.op.example': ['10.0.0.5'] });
    const error = await expectRefused('https://tokens.op.example/token', { fetch: rec.fetch, resolveHost });
    expect(error.message).toContain('resolves to a private-network address');
    expect(error.message).not.toContain('10.0.0.5');
    expect(rec.calls).toEqual([]);
  });
  it.each([[['93.184.216.34', '10.0.0.5']], [['::ffff:10.0.0.5']], [['169.254.169.254']], [['fd12::1']], [['127.0.0.1']]])(
    'one refused address among the answers is enough: %j',
    async (answer) => {
      const rec = recordingFetch();
      await expectRefused('https://api.op.example/x', { fetch: rec.fetch, resolveHost: fakeResolver({ 'api.op.example': answer }) });
      expect(rec.calls).toEqual([]);
    },
  );
  it('a name that resolves to public addresses is accepted, and the verdict is reused', async () => {
    const rec = recordingFetch();
    const resolveHost = fakeResolver({ 'api.op.example': ['93.184.216.34', '2606:2800:220:1::1'] });
    expect(await outcome('https://api.op.example/a', { fetch: rec.fetch, resolveHost })).toBe('sent');
    expect(await outcome('https://api.op.example/b', { fetch: rec.fetch, resolveHost })).toBe('sent');
    expect(rec.calls).toEqual(['https://api.op.example/a', 'https://api.op.example/b']);
    expect(resolveHost.calls).toEqual(['api.op.example']);
  });
  it('a cached refusal is reused too', async () => {
    const rec = recordingFetch();
    const resolveHost = fakeResolver({ 'meta.op.example': ['169.254.169.254'] });
    await expectRefused('https://meta.op.example/a', { fetch: rec.fetch, resolveHost });
    await expectRefused('https://meta.op.example/b', { fetch: rec.fetch, resolveHost });
    expect(resolveHost.calls).toEqual(['meta.op.example']);
    expect(rec.calls).toEqual([]);
  });
  it('a name that does not resolve is left for fetch to report (fetch resolves it again anyway)', async () => {
    const rec = recordingFetch();
    expect(await outcome('https://gone.op.example/x', { fetch: rec.fetch, resolveHost: fakeResolver({}) })).toBe('sent');
    expect(rec.calls).toEqual(['https://gone.op.example/x']);
  });
  it('allowPrivateNetwork skips the lookup', async () => {
    const rec = recordingFetch();
    const resolveHost = fakeResolver({ 'sso.corp.example': ['10.0.0.5'] });
    const endpointPolicy = createEndpointPolicy({ issuer: 'https://sso.corp.example', allowPrivateNetwork: true });
    expect(await outcome('https://sso.corp.example/token', { fetch: rec.fetch, resolveHost, endpointPolicy })).toBe('sent');
    expect(resolveHost.calls).toEqual([]);
  });
  it('a resolver that never answers is bounded by the request timeout, and nothing is sent', async () => {
    const rec = recordingFetch();
    const started = Date.now();
    const result = await outcome('https://slow.op.example/x', { fetch: rec.fetch, timeoutMs: 150, resolveHost: () => new Promise(() => {}) });
    expect((result as LatchkeyError).code).toBe('HTTP_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(rec.calls).toEqual([]);
  });
});

describe('.localhost names count as loopback only when they resolve to loopback', () => {
  it('a .localhost name that resolves to a public address is refused (plain http would leave the machine)', async () => {
    const rec = recordingFetch();
    const error = await expectRefused(`http://evil.localhost:${port}/x`, {
      fetch: rec.fetch,
      resolveHost: fakeResolver({ 'evil.localhost': ['93.184.216.34'] }),
    });
    expect(error.message).toContain('does not resolve to loopback');
    expect(rec.calls).toEqual([]);
  });
  it('a .localhost name that does not resolve is refused', async () => {
    const rec = recordingFetch();
    const error = await expectRefused(`http://missing.localhost:${port}/x`, { fetch: rec.fetch, resolveHost: fakeResolver({}) });
    expect(error.message).toContain('could not be resolved');
    expect(rec.calls).toEqual([]);
  });
  it('a .localhost name that resolves to loopback is accepted', async () => {
    const rec = recordingFetch();
    expect(await outcome(`http://idp.localhost:${port}/x`, { fetch: rec.fetch, resolveHost: fakeResolver({ 'idp.localhost': ['127.0.0.1', '::1'] }) })).toBe(
      'sent',
    );
    expect(rec.calls).toEqual([`http://idp.localhost:${port}/x`]);
  });
  it('localhost itself, through the default node:dns resolver, reaches the server', async () => {
    expect(await outcome(`http://localhost:${port}/default-resolver`)).toBe('sent');
    expect(received).toEqual(['GET /default-resolver']);
  });
  it('a configured .localhost issuer makes that name a configured loopback host, not others', async () => {
    const resolveHost = fakeResolver({ 'idp.localhost': ['127.0.0.1'], 'other.localhost': ['127.0.0.1'] });
    const endpointPolicy = createEndpointPolicy({ issuer: `http://idp.localhost:${port}` });
    const rec = recordingFetch();
    expect(await outcome(`http://idp.localhost:${port}/x`, { fetch: rec.fetch, resolveHost, endpointPolicy })).toBe('sent');
    await expectRefused(`http://other.localhost:${port}/x`, { fetch: rec.fetch, resolveHost, endpointPolicy });
    expect(rec.calls).toEqual([`http://idp.localhost:${port}/x`]);
  });
});
