/**
 * DPoP (RFC 9449) against oidc-provider: a public client with PAR, DPoP-bound tokens, the
 * `use_dpop_nonce` retry at the token endpoint and at userinfo (a resource server), the same key
 * for refresh, and a resource call through `fetchResource`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OidcClient } from '../../src/core/client.js';
import { DPoPHandle } from '../../src/core/dpop.js';
import { isLatchkeyError } from '../../src/errors.js';
import { type OidcProviderHandle, startOidcProvider } from '../support/oidc-provider.js';
import { UserAgent } from '../support/user-agent.js';

const REDIRECT = 'http://127.0.0.1:1/cb';

let op: OidcProviderHandle;

interface Logged {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly authScheme?: string;
  readonly hasDpop: boolean;
}

function recordingFetch(log: Logged[]): typeof fetch {
  return async (input, init) => {
    const response = await globalThis.fetch(input, init);
    const headers = new Headers(init?.headers);
    const auth = headers.get('authorization');
    log.push({
      method: init?.method ?? 'GET',
      path: new URL(String(input)).pathname,
      status: response.status,
      ...(auth ? { authScheme: auth.split(' ')[0]! } : {}),
      hasDpop: headers.has('dpop'),
    });
    return response;
  };
}

beforeAll(async () => {
  op = await startOidcProvider({
    clients: [
      {
        client_id: 'spa',
        token_endpoint_auth_method: 'none',
        redirect_uris: [REDIRECT],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        require_pushed_authorization_requests: true,
        dpop_bound_access_tokens: true,
      },
    ],
  });
  op.knobs.requireDpopNonce = true;
});

afterAll(async () => {
  await op?.close();
});

describe('DPoP with oidc-provider (nonce required)', () => {
  it('PAR + DPoP-bound code exchange (nonce retry), userinfo and resource calls (nonce retry), refresh with the same key', async () => {
    const log: Logged[] = [];
    const client = await OidcClient.create({
      issuer: op.issuer,
      clientId: 'spa',
      redirectUri: REDIRECT,
      dpop: true,
      usePar: true,
      http: { fetch: recordingFetch(log) },
    });
    expect(client.dpop).toBeInstanceOf(DPoPHandle);
    const { url, transaction } = await client.authorizationUrl({ scope: ['openid', 'email'] });
    expect([...url.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
    expect(transaction.dpopJkt).toBe(await client.dpop!.thumbprint());
    const result = await new UserAgent().navigate(url, { stop: (u) => u.startsWith(REDIRECT) });

    log.length = 0;
    const tokens = await client.callback(new URL(result.url).searchParams, transaction);
    expect(tokens.tokenType).toBe('DPoP');
    // RFC 9449 §8: the first token request got use_dpop_nonce (400), the retry succeeded.
    expect(log.filter((l) => l.path === '/token').map((l) => l.status)).toEqual([400, 200]);
    expect(log.every((l) => l.path !== '/token' || l.hasDpop)).toBe(true);

    log.length = 0;
    const info = await client.userinfo(tokens);
    expect(info).toMatchObject({ sub: 'alice', email: 'alice@example.test' });
    const me = log.filter((l) => l.path === '/me');
    expect(me.length).toBeGreaterThanOrEqual(1);
    expect(me.every((l) => l.authScheme === 'DPoP' && l.hasDpop)).toBe(true);
    expect(me.at(-1)!.status).toBe(200);

    const res = await client.fetchResource(client.metadata.userinfo_endpoint!, tokens);
    expect(res.status).toBe(200);
    expect(((await res.json()) as { sub: string }).sub).toBe('alice');

    log.length = 0;
    const refreshed = await client.refresh(tokens.refreshToken!, { previousIdTokenClaims: tokens.idTokenClaims! });
    expect(refreshed.tokenType).toBe('DPoP');
    expect(log.filter((l) => l.path === '/token').at(-1)!.status).toBe(200);
    expect((await client.userinfo(refreshed)).sub).toBe('alice');
  });

  it('resource server nonce retry: a handle with the same key but no remembered nonce gets 401 use_dpop_nonce, then 200', async () => {
    const keyPair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign', 'verify'])) as CryptoKeyPair;
    const client = await OidcClient.create({ issuer: op.issuer, clientId: 'spa', redirectUri: REDIRECT, dpop: new DPoPHandle(keyPair, 'ES256'), usePar: true });
    const { url, transaction } = await client.authorizationUrl();
    const result = await new UserAgent().navigate(url, { stop: (u) => u.startsWith(REDIRECT) });
    const tokens = await client.callback(new URL(result.url).searchParams, transaction);

    const log: Logged[] = [];
    const fresh = await OidcClient.create({
      issuer: op.issuer,
      clientId: 'spa',
      redirectUri: REDIRECT,
      dpop: new DPoPHandle(keyPair, 'ES256'),
      http: { fetch: recordingFetch(log) },
    });
    expect((await fresh.userinfo(tokens)).sub).toBe('alice');
    // RFC 9449 §9: 401 WWW-Authenticate: DPoP error="use_dpop_nonce", then one retry with the nonce.
    expect(log.filter((l) => l.path === '/me').map((l) => l.status)).toEqual([401, 200]);

    log.length = 0;
    const other = await OidcClient.create({
      issuer: op.issuer,
      clientId: 'spa',
      redirectUri: REDIRECT,
      dpop: await DPoPHandle.generate('EdDSA'),
      http: { fetch: recordingFetch(log) },
    });
    // A token bound to another key is refused whatever the nonce: a typed error after at most one retry.
    const error = await other.userinfo(tokens).catch((e: unknown) => e);
    expect(isLatchkeyError(error, 'USERINFO_ERROR')).toBe(true);
    expect(log.filter((l) => l.path === '/me').length).toBeLessThanOrEqual(2);
  });

  it('a DPoP-bound token sent as Bearer is refused by the OP', async () => {
    const client = await OidcClient.create({ issuer: op.issuer, clientId: 'spa', redirectUri: REDIRECT, dpop: true, usePar: true });
    const { url, transaction } = await client.authorizationUrl();
    const result = await new UserAgent().navigate(url, { stop: (u) => u.startsWith(REDIRECT) });
    const tokens = await client.callback(new URL(result.url).searchParams, transaction);
    const res = await client.fetchResource(client.metadata.userinfo_endpoint!, { accessToken: tokens.accessToken, tokenType: 'Bearer' });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toMatch(/^DPoP /);
  });
});
