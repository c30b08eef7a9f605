import { decodeJwt, decodeProtectedHeader, exportPKCS8, generateKeyPair, type CryptoKey as JoseKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigurationError, ProviderError } from '../../src/errors.js';
import { apple } from '../../src/providers/apple.js';
import { appleClientSecret } from '../../src/providers/internal/apple-secret.js';
import { type FixtureServer, startFixtureServer, verifyAppleSecret } from './fixture-server.js';
import { rejectionOf, signInThrough } from './sign-in.js';

const CLIENT_ID = 'com.example.web';
const TEAM_ID = 'ABCDE12345';
const KEY_ID = 'XYZ987QWER';
/** Recorded shape of an Apple ID token for a private-relay user (booleans as strings). */
const CLAIMS = {
  sub: '001234.8a1b2c3d4e5f60718293a4b5c6d7e8f9.1234',
  c_hash: 'kTWd5p1xN5cUWgqfCC3Khw',
  email: 'x7k2mfq9ab@privaterelay.appleid.com',
  email_verified: 'true',
  is_private_email: 'true',
  auth_time: 1_763_780_000,
  nonce_supported: true,
};
/** The `user` form field Apple posts on the first sign-in only. */
const FIRST_USER = JSON.stringify({ name: { firstName: 'Jane', lastName: 'Appleseed' }, email: CLAIMS.email });

let fx: FixtureServer;
let pem: string;
let publicKey: JoseKey;

beforeAll(async () => {
  fx = await startFixtureServer();
  const pair = await generateKeyPair('ES256', { extractable: true });
  pem = await exportPKCS8(pair.privateKey);
  publicKey = pair.publicKey;
  const clientAuth = {
    method: 'client_secret_post_jwt',
    // The token endpoint checks the client secret as Apple does: ES256 JWT, iss team, sub client, aud Apple.
    verify: (jwt: string) => verifyAppleSecret(jwt, publicKey, { iss: TEAM_ID, sub: CLIENT_ID, aud: `${fx.url}/apple`, kid: KEY_ID }),
  } as const;
  fx.oidc('/apple', {
    clientId: CLIENT_ID,
    clientAuth,
    claims: CLAIMS,
    formPostExtras: { user: FIRST_USER },
    tokenExtras: { refresh_token: 'r.apple.fixture' },
  });
  fx.oidc('/apple-again', {
    clientId: CLIENT_ID,
    clientAuth: {
      ...clientAuth,
      verify: (jwt: string) => verifyAppleSecret(jwt, publicKey, { iss: TEAM_ID, sub: CLIENT_ID, aud: `${fx.url}/apple-again`, kid: KEY_ID }),
    },
    claims: { ...CLAIMS, email: 'jane@example.com', is_private_email: 'false', email_verified: false },
  });
  fx.oidc('/apple-error', { clientId: CLIENT_ID, clientAuth, claims: CLAIMS, tokenAnswer: () => ({ status: 400, json: { error: 'invalid_client' } }) });
});
afterAll(() => fx.close());

const preset = (path: string) => apple({ clientId: CLIENT_ID, teamId: TEAM_ID, keyId: KEY_ID, privateKey: pem, issuer: `${fx.url}${path}`, env: {} });

describe('apple()', () => {
  it('form_post response, ES256 client-secret JWT, name from the first-sign-in user field, private relay email', async () => {
    const r = await signInThrough(preset('/apple'));
    expect(r.authorizationUrl.searchParams.get('response_mode')).toBe('form_post');
    expect(r.authorizationUrl.searchParams.get('scope')).toBe('openid name email');
    expect(r.tokens.refreshToken).toBe('r.apple.fixture');
    expect(r.profile).toMatchObject({
      issuer: `${fx.url}/apple`,
      subject: CLAIMS.sub,
      email: CLAIMS.email,
      emailVerified: true,
      name: 'Jane Appleseed',
      givenName: 'Jane',
      familyName: 'Appleseed',
    });
    expect(r.profile.raw.is_private_email).toBe('true');
    // client_id and client_secret in the body (the fixture verified the JWT's signature and claims).
    expect(fx.last('/apple/token')?.form.get('client_id')).toBe(CLIENT_ID);
  });

  it('later sign-ins carry no name; email_verified false stays false', async () => {
    const r = await signInThrough(preset('/apple-again'));
    expect(r.profile).toMatchObject({ name: null, givenName: null, email: 'jane@example.com', emailVerified: false });
  });

  it('turns a token error into TOKEN_ERROR', async () => {
    const error = await rejectionOf(signInThrough(preset('/apple-error')));
    expect(error).toBeInstanceOf(ProviderError);
    expect(error).toMatchObject({ code: 'TOKEN_ERROR', error: 'invalid_client' });
  });

  it('caches the client secret and signs a new one before the old expires', async () => {
    let now = 1_800_000_000_000;
    const secret = appleClientSecret({
      teamId: TEAM_ID,
      clientId: CLIENT_ID,
      keyId: KEY_ID,
      privateKey: pem,
      audience: 'https://appleid.apple.com',
      lifetimeSeconds: 3600,
      clock: () => now,
    });
    const [a, b] = await Promise.all([secret(), secret()]);
    expect(a).toBe(b);
    expect(decodeProtectedHeader(a)).toMatchObject({ alg: 'ES256', kid: KEY_ID });
    expect(decodeJwt(a)).toMatchObject({ iss: TEAM_ID, sub: CLIENT_ID, aud: 'https://appleid.apple.com', iat: now / 1000, exp: now / 1000 + 3600 });
    now += 2_000_000; // 33 min: still more than a quarter of the lifetime left
    expect(await secret()).toBe(a);
    now += 800_000; // 46 min: less than a quarter left, rotated
    const c = await secret();
    expect(c).not.toBe(a);
    expect(decodeJwt(c).exp).toBe(now / 1000 + 3600);
  });

  it('refuses a lifetime over six months and a key that is not PKCS #8 P-256', async () => {
    expect(() =>
      appleClientSecret({ teamId: TEAM_ID, clientId: CLIENT_ID, keyId: KEY_ID, privateKey: pem, audience: 'a', lifetimeSeconds: 16_000_000 }),
    ).toThrow(ConfigurationError);
    const bad = appleClientSecret({ teamId: TEAM_ID, clientId: CLIENT_ID, keyId: KEY_ID, privateKey: 'not a key', audience: 'a' });
    expect(await rejectionOf(bad())).toBeInstanceOf(ConfigurationError);
  });

  it('reads APPLE_* variables (a key pasted with literal \\n) and names the missing one', async () => {
    const env = { APPLE_CLIENT_ID: CLIENT_ID, APPLE_TEAM_ID: TEAM_ID, APPLE_KEY_ID: KEY_ID, APPLE_PRIVATE_KEY: pem.replace(/\n/g, '\\n') };
    const p = apple({ env });
    expect(p).toMatchObject({ issuer: 'https://appleid.apple.com', responseMode: 'form_post', tokenEndpointAuthMethod: 'client_secret_post' });
    expect(typeof p.clientSecret).toBe('function');
    const jwt = await (p.clientSecret as () => Promise<string>)();
    expect(decodeJwt(jwt).aud).toBe('https://appleid.apple.com');
    expect(() => apple({ env: { ...env, APPLE_KEY_ID: undefined } })).toThrow(/APPLE_KEY_ID/);
  });
});
