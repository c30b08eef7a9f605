/**
 * conformance.md §2.9 (PAR) and §2.10 (DPoP) items, against the misbehaving OP: PAR used when the
 * provider requires it, a PAR refusal surfacing as PAR_ERROR with no further call; DPoP proofs
 * (typ, jwk, htm, htu, ath), the `use_dpop_nonce` retry at the token endpoint and at a resource
 * server (scheme matched case-insensitively), and no endless nonce loop.
 */
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OidcClient } from '../../src/core/client.js';
import { ProviderError } from '../../src/errors.js';
import { base64url, sha256 } from '../../src/internal/encoding.js';
import { authorizeAt, type MisbehavingOp, startMisbehavingOp } from '../support/misbehaving-op.js';

const REDIRECT = 'http://127.0.0.1:9/cb';
let op: MisbehavingOp;

beforeAll(async () => {
  op = await startMisbehavingOp();
});
afterAll(async () => {
  await op.close();
});
beforeEach(() => {
  op.reset();
});

describe('PAR (RFC 9126)', () => {
  it('is used when the provider metadata requires it: all parameters pushed, the redirect carries client_id and request_uri only', async () => {
    op.faults.discoveryOverrides = { require_pushed_authorization_requests: true };
    const client = await OidcClient.create({
      issuer: op.issuer,
      clientId: op.clientId,
      clientSecret: op.clientSecret,
      redirectUri: REDIRECT,
      discoveryTtlSeconds: 0,
    });
    const { url, transaction } = await client.authorizationUrl({ scope: ['openid', 'email'], extraParams: { ui_locales: 'fr' } });
    expect([...url.searchParams.keys()].sort()).toEqual(['client_id', 'request_uri']);
    const [push] = op.requestsTo('/par');
    expect(push!.clientAuth).toBe('client_secret_basic');
    expect(push!.form).toMatchObject({
      response_type: 'code',
      client_id: op.clientId,
      redirect_uri: REDIRECT,
      scope: 'openid email',
      state: transaction.state,
      nonce: transaction.nonce,
      code_challenge_method: 'S256',
      ui_locales: 'fr',
    });
    expect(push!.form).not.toHaveProperty('request_uri');
    const tokens = await client.callback(await authorizeAt(url), transaction);
    expect(tokens.idTokenClaims?.sub).toBe(op.subject);
  });

  it('a PAR refusal is PAR_ERROR (error, error_description) and nothing else is called', async () => {
    op.faults.discoveryOverrides = { require_pushed_authorization_requests: true };
    op.handlers.set('/par', () => Response.json({ error: 'invalid_request', error_description: 'bad scope' }, { status: 400 }));
    const client = await OidcClient.create({
      issuer: op.issuer,
      clientId: op.clientId,
      clientSecret: op.clientSecret,
      redirectUri: REDIRECT,
      discoveryTtlSeconds: 0,
    });
    const error = await client.authorizationUrl().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: 'PAR_ERROR', error: 'invalid_request', error_description: 'bad scope', httpStatus: 400 });
    expect(op.requests.map((r) => r.path).filter((p) => p !== '/.well-known/openid-configuration')).toEqual(['/par']);
  });
});

describe('DPoP (RFC 9449)', () => {
  it('token endpoint: use_dpop_nonce → one retry with the nonce; the proof has typ, public jwk, htm, htu, iat, jti', async () => {
    const proofs: string[] = [];
    op.handlers.set('/token', (req) => {
      const proof = req.headers.get('dpop') ?? '';
      proofs.push(proof);
      if (decodeJwt(proof).nonce !== 'server-nonce-1') {
        return Response.json({ error: 'use_dpop_nonce', error_description: 'nonce required' }, { status: 400, headers: { 'dpop-nonce': 'server-nonce-1' } });
      }
      return Response.json({ access_token: 'dpop-at', token_type: 'DPoP', expires_in: 60 }, { headers: { 'cache-control': 'no-store' } });
    });
    const client = await OidcClient.create({ issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret, redirectUri: REDIRECT, dpop: true });
    const tokens = await client.clientCredentials({ scope: ['api'] });
    expect(tokens.tokenType).toBe('DPoP');
    expect(op.requestsTo('/token')).toHaveLength(2);
    const header = decodeProtectedHeader(proofs[1]!);
    expect(header).toMatchObject({ typ: 'dpop+jwt', alg: 'ES256' });
    expect(header.jwk).toMatchObject({ kty: 'EC', crv: 'P-256' });
    expect(header.jwk).not.toHaveProperty('d');
    const claims = decodeJwt(proofs[1]!);
    expect(claims).toMatchObject({ htm: 'POST', htu: `${op.issuer}/token`, nonce: 'server-nonce-1' });
    expect(claims.jti).toBeTypeOf('string');
    expect(claims.iat).toBeTypeOf('number');
    expect(claims).not.toHaveProperty('ath');
    expect(decodeJwt(proofs[0]!).jti).not.toBe(claims.jti);
  });

  it('token endpoint: a server that keeps asking for a new nonce gets DPOP_NONCE_ERROR after exactly one retry', async () => {
    let n = 0;
    op.handlers.set('/token', () => Response.json({ error: 'use_dpop_nonce' }, { status: 400, headers: { 'dpop-nonce': `nonce-${++n}` } }));
    const client = await OidcClient.create({ issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret, redirectUri: REDIRECT, dpop: true });
    await expect(client.clientCredentials()).rejects.toMatchObject({ code: 'DPOP_NONCE_ERROR' });
    expect(op.requestsTo('/token')).toHaveLength(2);
  });

  it('resource server: 401 WWW-Authenticate "dpop" (any case) error=use_dpop_nonce → one retry; Authorization DPoP with ath', async () => {
    op.handlers.set('/token', () => Response.json({ access_token: 'rs-at', token_type: 'dpop' }));
    const seen: { auth: string | null; proof: string }[] = [];
    op.handlers.set('/api', (req) => {
      const proof = req.headers.get('dpop') ?? '';
      seen.push({ auth: req.headers.get('authorization'), proof });
      if (decodeJwt(proof).nonce !== 'rs-nonce') {
        return new Response(null, {
          status: 401,
          headers: { 'www-authenticate': 'dpop error="use_dpop_nonce", error_description="nonce"', 'dpop-nonce': 'rs-nonce' },
        });
      }
      return Response.json({ ok: true });
    });
    const client = await OidcClient.create({ issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret, redirectUri: REDIRECT, dpop: true });
    const tokens = await client.clientCredentials();
    expect(tokens.tokenType).toBe('DPoP');
    const res = await client.fetchResource(`${op.issuer}/api?x=1`, tokens);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true });
    expect(seen).toHaveLength(2);
    expect(seen[1]!.auth).toBe('DPoP rs-at');
    const claims = decodeJwt(seen[1]!.proof);
    // RFC 9449 §4.2: htu without the query; ath = base64url(SHA-256(access token)).
    expect(claims).toMatchObject({ htm: 'GET', htu: `${op.issuer}/api`, nonce: 'rs-nonce', ath: base64url(await sha256('rs-at')) });
  });

  it('resource server: a Bearer token goes as "Bearer" with no DPoP proof, and the status is returned as is', async () => {
    const seen: { auth: string | null; dpop: string | null }[] = [];
    op.handlers.set('/api', (req) => {
      seen.push({ auth: req.headers.get('authorization'), dpop: req.headers.get('dpop') });
      return new Response('nope', { status: 403, headers: { 'content-type': 'text/plain' } });
    });
    const client = await OidcClient.create({ issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret, redirectUri: REDIRECT });
    const res = await client.fetchResource(`${op.issuer}/api`, { accessToken: 'plain-at', tokenType: 'Bearer' });
    expect(res.status).toBe(403);
    expect(await res.text()).toBe('nope');
    expect(seen).toEqual([{ auth: 'Bearer plain-at', dpop: null }]);
  });

  it('resource server: a redirect is returned unfollowed, so the token never reaches the redirect target', async () => {
    op.handlers.set('/moved', () => new Response('moved', { status: 302, headers: { location: `${op.issuer}/elsewhere` } }));
    const client = await OidcClient.create({ issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret, redirectUri: REDIRECT });
    const res = await client.fetchResource(`${op.issuer}/moved`, { accessToken: 'plain-at', tokenType: 'Bearer' });
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe(`${op.issuer}/elsewhere`);
    expect(op.requestsTo('/elsewhere')).toHaveLength(0);
  });
});
