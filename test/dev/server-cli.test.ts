/**
 * Running the dev IdP: in-process (the handler alone, through openid-client's customFetch), over
 * node:http, and from the CLI entry point; plus the sign-in page's add-user form, two tabs signing
 * in at once, OP-initiated logout and failed back-channel deliveries.
 */
import { request as httpRequest } from 'node:http';
import * as oidc from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bindWarning } from '../../src/dev/cli.js';
import { createDevIdp, isAllowedHost, type RunningDevIdp, runDevIdp, startDevIdp } from '../../src/dev/index.js';
import { Browser, listedUsers, location, parseForm, startRecorder } from './browser.js';

const REDIRECT = 'http://127.0.0.1:9/cb';

async function pkceUrl(base: string, clientId: string, extra: Record<string, string> = {}): Promise<{ url: URL; verifier: string }> {
  const verifier = oidc.randomPKCECodeVerifier();
  const url = new URL(`${base}/oidc/authorize`);
  url.search = new URLSearchParams({
    client_id: clientId,
    response_type: 'code',
    scope: 'openid email profile',
    redirect_uri: REDIRECT,
    code_challenge: await oidc.calculatePKCECodeChallenge(verifier),
    code_challenge_method: 'S256',
    ...extra,
  }).toString();
  return { url, verifier };
}

describe('in-process handler', () => {
  it('serves a full openid-client login with no port, through customFetch', async () => {
    const idp = createDevIdp({ baseUrl: 'http://dev-idp.localhost', acceptAnyClient: true });
    const customFetch: oidc.CustomFetch = async (url, options) => idp.handler(new Request(url, options as RequestInit));
    const config = await oidc.discovery(new URL(idp.issuerFor('generic')), 'any-app', 'any-secret', oidc.ClientSecretBasic('any-secret'), {
      execute: [oidc.allowInsecureRequests],
      [oidc.customFetch]: customFetch,
    });
    const { url, verifier } = await pkceUrl('http://dev-idp.localhost', 'any-app', { state: 'ip' });
    const page = await (await idp.handler(new Request(url))).text();
    const action = new URL(parseForm(page).action, url);
    const res = await idp.handler(
      new Request(action, {
        method: 'POST',
        body: new URLSearchParams({ action: 'login', user: 'carol' }),
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      }),
    );
    const tokens = await oidc.authorizationCodeGrant(config, location(res), { pkceCodeVerifier: verifier, expectedState: 'ip' });
    expect(tokens.claims()).toMatchObject({ sub: 'carol', email_verified: false, iss: 'http://dev-idp.localhost/oidc' });
  });

  it('issuerFor needs a baseUrl; unknown paths are 404', async () => {
    const idp = createDevIdp();
    expect(() => idp.issuerFor('google')).toThrow(/baseUrl/);
    expect((await idp.handler(new Request('http://x.localhost/nope'))).status).toBe(404);
    expect((await idp.handler(new Request('http://x.localhost/oidc/nope'))).status).toBe(404);
    // Without baseUrl, issuers follow the request origin.
    const meta = (await (await idp.handler(new Request('http://x.localhost:4000/google/.well-known/openid-configuration'))).json()) as { issuer: string };
    expect(meta.issuer).toBe('http://x.localhost:4000/google');
  });

  it('refuses invalid user ids and clients', () => {
    expect(() => createDevIdp({ users: [{ id: 'Not Valid', name: 'x', email: null, emailVerified: false }] })).toThrow(/user id/);
    expect(() => createDevIdp({ clients: [{ client_id: 'c', redirect_uris: ['not a url'] }] })).toThrow(/redirect URI/);
  });

  it('genericRefreshTokens: "offline_access" issues refresh tokens only for that scope', async () => {
    const idp = createDevIdp({ baseUrl: 'http://dev-idp.localhost', acceptAnyClient: true, genericRefreshTokens: 'offline_access' });
    async function tokens(scope: string): Promise<Record<string, unknown>> {
      const { url, verifier } = await pkceUrl('http://dev-idp.localhost', 'app', { scope });
      const page = await (await idp.handler(new Request(url))).text();
      const res = await idp.handler(
        new Request(new URL(parseForm(page).action, url), {
          method: 'POST',
          body: new URLSearchParams({ action: 'login', user: 'alice' }),
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        }),
      );
      const code = location(res).searchParams.get('code')!;
      const t = await idp.handler(
        new Request('http://dev-idp.localhost/oidc/token', {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: 'app', code_verifier: verifier }),
        }),
      );
      return (await t.json()) as Record<string, unknown>;
    }
    expect(await tokens('openid')).not.toHaveProperty('refresh_token');
    expect(await tokens('openid offline_access')).toHaveProperty('refresh_token');
  });
});

describe('clock and keys', () => {
  it('codes expire after 60 s and access tokens after their lifetime (fake clock)', async () => {
    let t = Date.UTC(2030, 0, 1);
    const idp = createDevIdp({ baseUrl: 'http://dev-idp.localhost', acceptAnyClient: true, accessTokenTtlSeconds: 120, now: () => t });
    async function code(): Promise<{ code: string; verifier: string }> {
      const { url, verifier } = await pkceUrl('http://dev-idp.localhost', 'app');
      const page = await (await idp.handler(new Request(url))).text();
      const res = await idp.handler(
        new Request(new URL(parseForm(page).action, url), {
          method: 'POST',
          body: new URLSearchParams({ action: 'login', user: 'bob' }),
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
        }),
      );
      return { code: location(res).searchParams.get('code')!, verifier };
    }
    const exchange = async (c: { code: string; verifier: string }) =>
      (await (
        await idp.handler(
          new Request('http://dev-idp.localhost/oidc/token', {
            method: 'POST',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            body: new URLSearchParams({ grant_type: 'authorization_code', code: c.code, redirect_uri: REDIRECT, client_id: 'app', code_verifier: c.verifier }),
          }),
        )
      ).json()) as Record<string, unknown>;
    const stale = await code();
    t += 61_000;
    expect(await exchange(stale)).toMatchObject({ error: 'invalid_grant' });
    const fresh = await exchange(await code());
    expect(fresh.expires_in).toBe(120);
    const claims = JSON.parse(Buffer.from(String(fresh.id_token).split('.')[1]!, 'base64url').toString()) as { iat: number; exp: number };
    expect(claims.iat).toBe(Math.floor(t / 1000));
    expect(claims.exp - claims.iat).toBe(120);
    const userinfo = () => idp.handler(new Request('http://dev-idp.localhost/oidc/userinfo', { headers: { authorization: `Bearer ${fresh.access_token}` } }));
    expect((await userinfo()).status).toBe(200);
    t += 121_000;
    expect((await userinfo()).status).toBe(401);
  });

  it('keeps at most maxPublishedKeys keys in the JWKS, newest first', async () => {
    const idp = createDevIdp({ maxPublishedKeys: 2 });
    const first = (await idp.jwks()).keys[0]!.kid;
    const second = await idp.rotateKeys();
    const third = await idp.rotateKeys();
    const kids = (await idp.jwks()).keys.map((k) => k.kid);
    expect(kids).toEqual([third, second]);
    expect(kids).not.toContain(first);
    for (const k of (await idp.jwks()).keys) {
      expect(k).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
      expect(k).not.toHaveProperty('d');
    }
  });
});

describe('over node:http', () => {
  let dev: RunningDevIdp;
  let recorder: Awaited<ReturnType<typeof startRecorder>>;
  let failing: Awaited<ReturnType<typeof startRecorder>>;
  beforeAll(async () => {
    recorder = await startRecorder();
    failing = await startRecorder(500);
    dev = await startDevIdp({
      port: 0,
      clients: [
        { client_id: 'a', redirect_uris: [REDIRECT], backchannel_logout_uri: recorder.url },
        { client_id: 'b', redirect_uris: [REDIRECT], backchannel_logout_uri: failing.url },
      ],
    });
  });
  afterAll(async () => {
    await dev?.close();
    await recorder?.close();
    await failing?.close();
  });

  it('serves the index page and SVG avatars', async () => {
    const index = await (await fetch(`${dev.url}/`)).text();
    expect(index).toContain(`${dev.url}/google`);
    expect(index).toContain(`${dev.url}/microsoft/common/v2.0`);
    const svg = await fetch(`${dev.url}/avatars/alice.svg`);
    expect(svg.headers.get('content-type')).toBe('image/svg+xml');
    expect(await svg.text()).toContain('>AE<');
  });

  it('the sign-in page adds a user, who can then sign in', async () => {
    const browser = new Browser();
    const { url, verifier } = await pkceUrl(dev.url, 'a');
    const page = await (await browser.fetch(url)).text();
    const action = new URL(parseForm(page).action, url);
    const added = await browser.post(action, { action: 'add-user', name: 'Frank <Tester>', email: 'frank@example.org' });
    expect(added.status).toBe(303);
    const again = await (await browser.fetch(new URL(added.headers.get('location')!, dev.url))).text();
    expect(listedUsers(again)).toContain('frank-tester');
    expect(again).toContain('Frank &lt;Tester&gt;');
    expect(again).not.toContain('<Tester>');
    const invalid = await (await browser.post(action, { action: 'add-user', name: 'X', email: 'not an email' })).text();
    expect(invalid).toContain('role="alert"');
    expect(listedUsers(invalid)).not.toContain('x');
    const res = await browser.post(action, { action: 'login', user: 'frank-tester' });
    const code = location(res).searchParams.get('code')!;
    const t = (await (
      await fetch(`${dev.url}/oidc/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: 'a', code_verifier: verifier }),
      })
    ).json()) as { id_token: string };
    const claims = JSON.parse(Buffer.from(t.id_token.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    // No checkbox sent: email_verified is false.
    expect(claims).toMatchObject({ sub: 'frank-tester', email: 'frank@example.org', email_verified: false });
    expect(dev.idp.users.get('frank-tester')?.name).toBe('Frank <Tester>');
  });

  it('two tabs sign in at once with different users; each interaction is one-time', async () => {
    const browser = new Browser();
    const tab1 = await pkceUrl(dev.url, 'a', { state: 't1' });
    const tab2 = await pkceUrl(dev.url, 'a', { state: 't2' });
    const [p1, p2] = await Promise.all([browser.fetch(tab1.url).then((r) => r.text()), browser.fetch(tab2.url).then((r) => r.text())]);
    const a1 = new URL(parseForm(p1).action, dev.url);
    const a2 = new URL(parseForm(p2).action, dev.url);
    expect(a1.href).not.toBe(a2.href);
    const [r1, r2] = await Promise.all([browser.post(a1, { action: 'login', user: 'alice' }), browser.post(a2, { action: 'login', user: 'bob' })]);
    expect(location(r1).searchParams.get('state')).toBe('t1');
    expect(location(r2).searchParams.get('state')).toBe('t2');
    const replay = await browser.post(a1, { action: 'login', user: 'alice' });
    expect(replay.status).toBe(400);
  });

  it('logoutUser() ends the sessions and records back-channel deliveries, failed ones included', async () => {
    const browser = new Browser();
    for (const client of ['a', 'b']) {
      const { url } = await pkceUrl(dev.url, client);
      const page = await (await browser.fetch(url)).text();
      const form = new URL(parseForm(page).action, url);
      // The second client gets the one-click "continue" of the existing session.
      const res = client === 'a' ? await browser.post(form, { action: 'login', user: 'dana' }) : await browser.post(form, { action: 'continue' });
      expect(location(res).searchParams.get('code')).toBeTruthy();
    }
    const before = recorder.bodies.length;
    expect(await dev.idp.logoutUser('dana')).toBe(1);
    expect(recorder.bodies.length).toBe(before + 1);
    expect(failing.bodies.length).toBeGreaterThan(0);
    const last = dev.idp.logoutDeliveries.slice(-2);
    expect(last).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ clientId: 'a', ok: true, status: 200 }),
        expect.objectContaining({ clientId: 'b', ok: false, status: 500 }),
      ]),
    );
    expect(JSON.stringify(dev.idp.logoutDeliveries)).not.toContain('eyJ');
  });
});

describe('CLI', () => {
  it('prints help', async () => {
    const lines: string[] = [];
    expect(await runDevIdp(['--help'], (l) => lines.push(l))).toBeUndefined();
    expect(lines.join('\n')).toContain('--port');
  });

  it('refuses a bad port and unknown options', async () => {
    await expect(runDevIdp(['--port', 'abc'], () => {})).rejects.toThrow(/--port/);
    await expect(runDevIdp(['--nope'], () => {})).rejects.toThrow();
  });

  it('starts on the given port and prints every issuer and the client setup', async () => {
    const lines: string[] = [];
    const dev = await runDevIdp(['--port', '0'], (l) => lines.push(l));
    try {
      const text = lines.join('\n');
      for (const f of ['oidc', 'google', 'github', 'microsoft/common/v2.0', 'apple']) expect(text).toContain(`${dev!.url}/${f}`);
      expect(text).toContain('any client_id');
      const meta = await fetch(`${dev!.issuerFor('generic')}/.well-known/openid-configuration`);
      expect(meta.status).toBe(200);
    } finally {
      await dev?.close();
    }
  });
});

/** A GET through node:http with a chosen Host header (fetch does not let a caller set it). */
function statusWithHost(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: { host }, timeout: 5000 }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

describe('DNS rebinding: the Host header', () => {
  it('isAllowedHost: the origin and loopback names on its port, nothing else', () => {
    const origin = 'http://127.0.0.1:4000';
    for (const ok of ['127.0.0.1:4000', 'localhost:4000', 'LOCALHOST:4000', '[::1]:4000', 'localhost.:4000']) expect(isAllowedHost(ok, origin), ok).toBe(true);
    for (const bad of [
      undefined,
      '',
      'evil.example',
      'evil.example:4000',
      '127.0.0.1',
      '127.0.0.1:4001',
      'localhost:4000.evil.example',
      '127.0.0.1.evil.example:4000',
      'evil.example@127.0.0.1:4000',
      '127.0.0.1:4000/x',
      '127.0.0.1:4000 ',
      'a.localhost:4000',
      '127.0.0.2:4000',
    ]) {
      expect(isAllowedHost(bad, origin), String(bad)).toBe(false);
    }
    expect(isAllowedHost('dev-idp.example.test', 'https://dev-idp.example.test')).toBe(true);
    expect(isAllowedHost('dev-idp.example.test:443', 'https://dev-idp.example.test')).toBe(true);
    expect(isAllowedHost('dev-idp.example.test:8443', 'https://dev-idp.example.test')).toBe(false);
  });

  it('the dev IdP answers 421 to any other Host, and serves its own origin', async () => {
    const dev = await startDevIdp({ port: 0, acceptAnyClient: true });
    try {
      const meta = `${dev.url}/google/.well-known/openid-configuration`;
      const { port } = new URL(dev.url);
      expect(await statusWithHost(meta, `127.0.0.1:${port}`)).toBe(200);
      expect(await statusWithHost(meta, `localhost:${port}`)).toBe(200);
      for (const host of ['evil.example', `evil.example:${port}`, `127.0.0.1:${Number(port) + 1}`, `rebind.127.0.0.1.nip.example:${port}`])
        expect(await statusWithHost(meta, host), host).toBe(421);
      expect(dev.address).toEqual({ address: '127.0.0.1', family: 'IPv4', port: Number(port) });
    } finally {
      await dev.close();
    }
  });
});

describe('CLI safety', () => {
  it('refuses NODE_ENV=production unless --force (DEV_FEATURE_DISABLED), and starts with --force and a warning', async () => {
    await expect(runDevIdp(['--port', '0'], () => {}, { NODE_ENV: 'production' })).rejects.toMatchObject({ code: 'DEV_FEATURE_DISABLED' });
    const lines: string[] = [];
    const dev = await runDevIdp(['--port', '0', '--force'], (l) => lines.push(l), { NODE_ENV: 'production' });
    try {
      expect(lines[0]).toMatch(/^Warning: NODE_ENV says production/);
      expect(lines.join('\n')).toContain(`Listening on 127.0.0.1:${dev!.address.port};`);
    } finally {
      await dev?.close();
    }
  });

  it('warns for every bound address other machines can reach, not for loopback', () => {
    for (const address of ['127.0.0.1', '127.0.0.2', '::1', '::ffff:127.0.0.1']) expect(bindWarning({ address, port: 4000 }), address).toBeUndefined();
    for (const [address, shown] of [
      ['0.0.0.0', '0.0.0.0:4000'],
      ['::', '[::]:4000'],
      ['192.168.1.20', '192.168.1.20:4000'],
      ['fe80::1', '[fe80::1]:4000'],
    ] as const) {
      expect(bindWarning({ address, port: 4000 }), address).toMatch(
        new RegExp(`^Warning: listening on ${shown.replace(/[[\].]/g, '\\$&')}, which other machines can reach`),
      );
    }
  });
});
