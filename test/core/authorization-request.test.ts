/**
 * createAuthorizationRequest: the parameters of the login redirect, checked against oidc-provider's
 * own discovery document (a real peer) for the metadata, and the PKCE vector of RFC 7636 App. B.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthorizationRequest, pkceChallenge } from '../../src/core/authorization-request.js';
import { discover } from '../../src/core/discovery.js';
import { DPoPHandle } from '../../src/core/dpop.js';
import type { ServerMetadata } from '../../src/core/types.js';
import { base64url, sha256 } from '../../src/internal/encoding.js';
import { type OidcProviderHandle, startOidcProvider } from '../support/oidc-provider.js';

const REDIRECT = 'http://127.0.0.1:1/cb';
let op: OidcProviderHandle;
let metadata: ServerMetadata;
const client = { client_id: 'rp', client_secret: 'a-long-client-secret-0123456789abcdef' };

beforeAll(async () => {
  op = await startOidcProvider({ clients: [{ ...client, redirect_uris: [REDIRECT] }] });
  metadata = await discover(op.issuer);
});
afterAll(async () => {
  await op?.close();
});

describe('pkceChallenge', () => {
  it('matches RFC 7636 Appendix B (conformance.md quotes it with a typo: ...GMSstw)', async () => {
    expect(await pkceChallenge('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk')).toBe('E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM');
  });
});

describe('createAuthorizationRequest', () => {
  it('sends response_type=code, state, nonce and PKCE S256, and records them in the transaction', async () => {
    const { url, transaction } = await createAuthorizationRequest(metadata, client, REDIRECT, { scope: ['email'], clock: () => 1_000 });
    expect(url.origin + url.pathname).toBe(metadata.authorization_endpoint);
    const p = url.searchParams;
    expect(p.get('response_type')).toBe('code');
    expect(p.get('client_id')).toBe('rp');
    expect(p.get('redirect_uri')).toBe(REDIRECT);
    // OIDC Core 3.1.2.1: openid is added when missing.
    expect(p.get('scope')).toBe('openid email');
    expect(p.get('state')).toBe(transaction.state);
    expect(p.get('nonce')).toBe(transaction.nonce);
    expect(p.get('code_challenge_method')).toBe('S256');
    expect(p.get('code_challenge')).toBe(base64url(await sha256(transaction.codeVerifier)));
    expect(transaction.codeVerifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(transaction.state).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(transaction).toMatchObject({ issuer: op.issuer, redirectUri: REDIRECT, scope: ['openid', 'email'], createdAt: 1_000, responseMode: 'query' });
  });

  it('each request gets fresh state, nonce and verifier', async () => {
    const a = await createAuthorizationRequest(metadata, client, REDIRECT);
    const b = await createAuthorizationRequest(metadata, client, REDIRECT);
    expect(a.transaction.state).not.toBe(b.transaction.state);
    expect(a.transaction.nonce).not.toBe(b.transaction.nonce);
    expect(a.transaction.codeVerifier).not.toBe(b.transaction.codeVerifier);
  });

  it('never downgrades to plain, even when the metadata lists only plain (RFC 7636 §7.2)', async () => {
    const { url } = await createAuthorizationRequest({ ...metadata, code_challenge_methods_supported: ['plain'] }, client, REDIRECT);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
  });

  it('prompt, max_age, login_hint, acr_values, form_post and extra parameters', async () => {
    const { url, transaction } = await createAuthorizationRequest(metadata, client, REDIRECT, {
      prompt: 'consent',
      maxAge: 0,
      loginHint: 'alice@example.test',
      acrValues: ['urn:a', 'urn:b'],
      responseMode: 'form_post',
      extraParams: { access_type: 'offline', hd: 'example.test' },
    });
    const p = url.searchParams;
    expect(p.get('prompt')).toBe('consent');
    expect(p.get('max_age')).toBe('0');
    expect(p.get('login_hint')).toBe('alice@example.test');
    expect(p.get('acr_values')).toBe('urn:a urn:b');
    expect(p.get('response_mode')).toBe('form_post');
    expect(p.get('access_type')).toBe('offline');
    expect(p.get('hd')).toBe('example.test');
    expect(transaction.maxAge).toBe(0);
    expect(transaction.responseMode).toBe('form_post');
  });

  it('extra parameters cannot override the protected ones', async () => {
    for (const key of ['state', 'nonce', 'code_challenge_method', 'redirect_uri', 'response_type', 'request_uri']) {
      await expect(createAuthorizationRequest(metadata, client, REDIRECT, { extraParams: { [key]: 'x' } })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    }
  });

  it('oauth2 kind: no nonce and no forced openid scope', async () => {
    const { url, transaction } = await createAuthorizationRequest(metadata, client, REDIRECT, { kind: 'oauth2', scope: ['read:user'] });
    expect(url.searchParams.has('nonce')).toBe(false);
    expect(url.searchParams.get('scope')).toBe('read:user');
    expect(transaction.nonce).toBeUndefined();
  });

  it('binds the code to a DPoP key with dpop_jkt', async () => {
    const dpop = await DPoPHandle.generate();
    const { url, transaction } = await createAuthorizationRequest(metadata, client, REDIRECT, { dpop });
    expect(url.searchParams.get('dpop_jkt')).toBe(await dpop.thumbprint());
    expect(transaction.dpopJkt).toBe(await dpop.thumbprint());
  });

  it('METADATA_MISSING_ENDPOINT without an authorization endpoint', async () => {
    const { authorization_endpoint: _a, ...rest } = metadata;
    await expect(createAuthorizationRequest(rest, client, REDIRECT)).rejects.toMatchObject({ code: 'METADATA_MISSING_ENDPOINT' });
  });

  it('the URL is accepted by oidc-provider (it answers with a redirect to its interaction, not an error)', async () => {
    const { url } = await createAuthorizationRequest(metadata, client, REDIRECT, { prompt: 'login' });
    const res = await fetch(url, { redirect: 'manual' });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toMatch(/^\/interaction\//);
  });
});
