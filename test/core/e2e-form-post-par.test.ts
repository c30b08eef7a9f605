/**
 * Happy paths against oidc-provider: response_mode=form_post, and Pushed Authorization Requests
 * (RFC 9126) when the client registration requires it, when the app asks, and when the provider
 * requires it for everyone (server metadata).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OidcClient } from '../../src/core/client.js';
import { ProviderError } from '../../src/errors.js';
import { type OidcProviderHandle, startOidcProvider } from '../support/oidc-provider.js';
import { UserAgent } from '../support/user-agent.js';

const REDIRECT = 'http://127.0.0.1:1/cb';
const SECRET = 'a-long-client-secret-for-form-post-and-par-0123456789';

let op: OidcProviderHandle;
let opParRequired: OidcProviderHandle;

beforeAll(async () => {
  const base = { redirect_uris: [REDIRECT], grant_types: ['authorization_code'], response_types: ['code'], client_secret: SECRET };
  op = await startOidcProvider({
    clients: [
      { ...base, client_id: 'rp' },
      { ...base, client_id: 'rp-par', require_pushed_authorization_requests: true },
    ],
  });
  opParRequired = await startOidcProvider({
    clients: [{ ...base, client_id: 'rp' }],
    config: { features: { pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: true } } },
  });
});

afterAll(async () => {
  await op?.close();
  await opParRequired?.close();
});

describe('response_mode=form_post', () => {
  it('the OP posts code, state and iss in an HTML form; the callback accepts the POSTed form', async () => {
    const client = await OidcClient.create({ issuer: op.issuer, clientId: 'rp', clientSecret: SECRET, redirectUri: REDIRECT });
    const { url, transaction } = await client.authorizationUrl({ responseMode: 'form_post', scope: ['openid', 'profile'] });
    expect(url.searchParams.get('response_mode')).toBe('form_post');
    expect(transaction.responseMode).toBe('form_post');
    const posted = await new UserAgent().navigate(url, { stop: (u) => u.startsWith(REDIRECT), autoSubmitForms: true });
    expect(posted.stopped).toBe(true);
    expect(posted.method).toBe('POST');
    expect(new URL(posted.url).search).toBe('');
    expect([...posted.body!.keys()].sort()).toEqual(['code', 'iss', 'state']);
    const tokens = await client.callback(posted.body!, transaction);
    expect(tokens.idTokenClaims?.name).toBe('User alice');
  });
});

describe('PAR (RFC 9126)', () => {
  it('used when the client registration requires it: the redirect carries only client_id and request_uri', async () => {
    const client = await OidcClient.create({ issuer: op.issuer, clientId: 'rp-par', clientSecret: SECRET, redirectUri: REDIRECT });
    // The client-side flag comes from the app's knowledge of its registration.
    const { url, transaction } = await client.authorizationUrl({ usePar: true });
    expect([...url.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
    expect(url.searchParams.get('request_uri')).toMatch(/^urn:ietf:params:oauth:request_uri:/);
    const result = await new UserAgent().navigate(url, { stop: (u) => u.startsWith(REDIRECT) });
    const tokens = await client.callback(new URL(result.url).searchParams, transaction);
    expect(tokens.idTokenClaims?.sub).toBe('alice');
  });

  it('a client that requires PAR but does not push is refused by the OP (the flag matters)', async () => {
    const client = await OidcClient.create({ issuer: op.issuer, clientId: 'rp-par', clientSecret: SECRET, redirectUri: REDIRECT });
    const { url, transaction } = await client.authorizationUrl();
    expect(url.searchParams.has('request_uri')).toBe(false);
    const result = await new UserAgent().navigate(url, { stop: (u) => u.startsWith(REDIRECT) });
    const error = await client.callback(new URL(result.url).searchParams, transaction).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).code).toBe('AUTHORIZATION_ERROR');
    expect((error as ProviderError).error).toBe('invalid_request');
  });

  it('used when the provider metadata requires it for every client', async () => {
    const client = await OidcClient.create({ issuer: opParRequired.issuer, clientId: 'rp', clientSecret: SECRET, redirectUri: REDIRECT });
    expect(client.metadata.require_pushed_authorization_requests).toBe(true);
    const { url, transaction } = await client.authorizationUrl({ scope: ['openid', 'email'] });
    expect([...url.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
    const result = await new UserAgent().navigate(url, { stop: (u) => u.startsWith(REDIRECT) });
    const tokens = await client.callback(new URL(result.url).searchParams, transaction);
    expect(tokens.idTokenClaims?.email).toBe('alice@example.test');
  });

  it('a PAR refusal surfaces as PAR_ERROR (wrong client secret)', async () => {
    const client = await OidcClient.create({ issuer: op.issuer, clientId: 'rp', clientSecret: 'not-the-secret', redirectUri: REDIRECT, usePar: true });
    const error = await client.authorizationUrl().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).code).toBe('PAR_ERROR');
    expect((error as ProviderError).error).toBe('invalid_client');
  });
});
