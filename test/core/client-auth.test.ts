/**
 * applyClientAuthentication: each method's wire form, one method per request, and RFC 7523
 * assertions verified with jose.
 */
import { exportJWK, generateKeyPair, importJWK, jwtVerify } from 'jose';
import { describe, expect, it } from 'vitest';
import { applyClientAuthentication, basicAuthorization, JWT_BEARER_ASSERTION_TYPE, resolveClientAuthMethod } from '../../src/core/client-auth.js';
import type { ClientAuthMethod, ServerMetadata } from '../../src/core/types.js';
import { utf8 } from '../../src/internal/encoding.js';

const metadata: ServerMetadata = { issuer: 'https://op.example', token_endpoint: 'https://op.example/token' };
const client = { client_id: 'rp', client_secret: 'a-long-secret-for-hmac-0123456789abcdef' };

async function apply(
  method: ClientAuthMethod,
  extra: Parameters<typeof applyClientAuthentication>[5] = {},
  c: Parameters<typeof applyClientAuthentication>[1] = client,
) {
  const body = new URLSearchParams({ grant_type: 'authorization_code', client_secret: 'stray', client_assertion: 'stray' });
  const headers = new Headers({ authorization: 'Basic stray' });
  await applyClientAuthentication(method, c, metadata, body, headers, extra);
  return { body, headers };
}

describe('client authentication', () => {
  it('default method: private_key_jwt with a key, basic with a secret, none otherwise; explicit wins', () => {
    expect(resolveClientAuthMethod({ client_id: 'x' })).toBe('none');
    expect(resolveClientAuthMethod({ client_id: 'x', client_secret: 's' })).toBe('client_secret_basic');
    expect(resolveClientAuthMethod({ client_id: 'x', token_endpoint_auth_method: 'client_secret_post', client_secret: 's' })).toBe('client_secret_post');
  });

  it('client_secret_basic: only the Authorization header, form-encoded then base64', async () => {
    const { body, headers } = await apply('client_secret_basic');
    expect(headers.get('authorization')).toBe(`Basic ${btoa(`rp:${client.client_secret}`)}`);
    expect([...body.keys()]).toEqual(['grant_type']);
    expect(basicAuthorization('a b', 'c:d%e+f')).toBe(`Basic ${btoa('a+b:c%3Ad%25e%2Bf')}`);
    // Non-ASCII secrets are UTF-8 percent-encoded first, so base64 stays ASCII.
    expect(basicAuthorization('rp', 'pässwörd')).toBe(`Basic ${btoa('rp:p%C3%A4ssw%C3%B6rd')}`);
  });

  it('client_secret_post: client_id and client_secret in the body, no Authorization header', async () => {
    const { body, headers } = await apply('client_secret_post');
    expect(headers.has('authorization')).toBe(false);
    expect(body.get('client_id')).toBe('rp');
    expect(body.get('client_secret')).toBe(client.client_secret);
    expect(body.has('client_assertion')).toBe(false);
  });

  it('none: client_id only', async () => {
    const { body, headers } = await apply('none');
    expect(headers.has('authorization')).toBe(false);
    expect(body.get('client_id')).toBe('rp');
    expect(body.has('client_secret')).toBe(false);
  });

  it('client_secret_jwt: an HS256 assertion with iss=sub=client_id, aud=token endpoint, jti, short exp (RFC 7523 §3)', async () => {
    const { body, headers } = await apply('client_secret_jwt', { clock: () => Date.now() });
    expect(headers.has('authorization')).toBe(false);
    expect(body.has('client_secret')).toBe(false);
    expect(body.get('client_assertion_type')).toBe(JWT_BEARER_ASSERTION_TYPE);
    const { payload, protectedHeader } = await jwtVerify(body.get('client_assertion')!, utf8(client.client_secret), {
      issuer: 'rp',
      subject: 'rp',
      audience: metadata.token_endpoint!,
    });
    expect(protectedHeader.alg).toBe('HS256');
    expect(payload.exp! - payload.iat!).toBeLessThanOrEqual(60);
    expect(payload.jti).toBeTypeOf('string');
    const again = await apply('client_secret_jwt');
    expect((await jwtVerify(again.body.get('client_assertion')!, utf8(client.client_secret))).payload.jti).not.toBe(payload.jti);
  });

  it('private_key_jwt: signed with the private key (kid in the header), verifiable with the public key', async () => {
    const pair = await generateKeyPair('ES256');
    const { body } = await apply('private_key_jwt', { privateKey: { key: pair.privateKey, alg: 'ES256', kid: 'k-1' } }, { client_id: 'rp' });
    const publicKey = await importJWK(await exportJWK(pair.publicKey), 'ES256');
    const { payload, protectedHeader } = await jwtVerify(body.get('client_assertion')!, publicKey, {
      issuer: 'rp',
      subject: 'rp',
      audience: metadata.token_endpoint!,
    });
    expect(protectedHeader).toMatchObject({ alg: 'ES256', kid: 'k-1' });
    expect(body.get('client_id')).toBe('rp');
    expect(payload.jti).toBeTypeOf('string');
  });

  it('the assertion aud falls back to the issuer without a token endpoint', async () => {
    const body = new URLSearchParams();
    await applyClientAuthentication('client_secret_jwt', client, { issuer: 'https://op.example' }, body, new Headers());
    await expect(jwtVerify(body.get('client_assertion')!, utf8(client.client_secret), { audience: 'https://op.example' })).resolves.toBeDefined();
  });

  it('missing secret or key is CONFIG_INVALID', async () => {
    await expect(apply('client_secret_basic', {}, { client_id: 'rp' })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(apply('client_secret_post', {}, { client_id: 'rp' })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(apply('private_key_jwt', {}, { client_id: 'rp' })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(apply('client_secret_jwt', {}, { client_id: 'rp', client_secret: 's', token_endpoint_auth_signing_alg: 'RS256' })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
    });
  });
});
