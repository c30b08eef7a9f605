/**
 * OidcClient wiring against the misbehaving OP: option checks, explicit metadata, the default
 * client authentication method, the one-time transaction, a transaction from another provider, and
 * the oauth2 kind.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OidcClient } from '../../src/core/client.js';
import { authorizeAt, type MisbehavingOp, runRpFlow, startMisbehavingOp } from '../support/misbehaving-op.js';

const REDIRECT = 'http://127.0.0.1:9/cb';
let op: MisbehavingOp;
let other: MisbehavingOp;

beforeAll(async () => {
  op = await startMisbehavingOp();
  other = await startMisbehavingOp();
});
afterAll(async () => {
  await op.close();
  await other.close();
});
beforeEach(() => {
  op.reset();
  other.reset();
});

describe('OidcClient.create', () => {
  it('refuses inconsistent options with CONFIG_INVALID before any request', async () => {
    await expect(
      OidcClient.create({ issuer: op.issuer, clientId: 'x', redirectUri: REDIRECT, tokenEndpointAuthMethod: 'private_key_jwt' }),
    ).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(
      OidcClient.create({ issuer: op.issuer, clientId: 'x', redirectUri: REDIRECT, tokenEndpointAuthMethod: 'client_secret_post' }),
    ).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(OidcClient.create({ issuer: op.issuer, clientId: '', redirectUri: REDIRECT })).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    expect(op.requests).toHaveLength(0);
  });

  it('explicit metadata skips discovery and is checked (issuer mismatch refused)', async () => {
    const doc = await (await fetch(`${op.issuer}/.well-known/openid-configuration`)).json();
    op.reset();
    const client = await OidcClient.create({ issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret, redirectUri: REDIRECT, metadata: doc });
    expect(client.metadata.token_endpoint).toBe(`${op.issuer}/token`);
    expect(op.requestsTo('/.well-known/openid-configuration')).toHaveLength(0);
    await expect(OidcClient.create({ issuer: other.issuer, clientId: 'x', redirectUri: REDIRECT, metadata: doc })).rejects.toMatchObject({
      code: 'DISCOVERY_ISSUER_MISMATCH',
    });
  });

  it('uses client_secret_post when the provider lists it and not client_secret_basic', async () => {
    op.faults.discoveryOverrides = { token_endpoint_auth_methods_supported: ['client_secret_post'] };
    const client = await OidcClient.create({
      issuer: op.issuer,
      clientId: op.clientId,
      clientSecret: op.clientSecret,
      redirectUri: REDIRECT,
      discoveryTtlSeconds: 0,
    });
    expect(client.client.token_endpoint_auth_method).toBe('client_secret_post');
    const { error } = await runRpFlow(client);
    expect(error).toBeUndefined();
    expect(op.requestsTo('/token')[0]!.clientAuth).toBe('client_secret_post');
  });

  it('keeps the client secret out of its public, loggable state', async () => {
    const client = await OidcClient.create({ issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret, redirectUri: REDIRECT });
    expect(JSON.stringify(client)).not.toContain(op.clientSecret);
    expect(JSON.stringify(client.client)).not.toContain(op.clientSecret);
    // …and still authenticates with it.
    const { error } = await runRpFlow(client);
    expect(error).toBeUndefined();
    expect(op.requestsTo('/token')[0]!.clientAuth).toBe('client_secret_basic');
  });

  it('sends S256 even when the metadata lists only plain', async () => {
    op.faults.discoveryOverrides = { code_challenge_methods_supported: ['plain'] };
    const client = await OidcClient.create({
      issuer: op.issuer,
      clientId: op.clientId,
      clientSecret: op.clientSecret,
      redirectUri: REDIRECT,
      discoveryTtlSeconds: 0,
    });
    const { url } = await client.authorizationUrl();
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
  });
});

describe('OidcClient.callback', () => {
  it('a transaction started at another provider is refused (ISS_MISMATCH) with no token request anywhere', async () => {
    const a = await OidcClient.create({ issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret, redirectUri: REDIRECT });
    const b = await OidcClient.create({ issuer: other.issuer, clientId: other.clientId, clientSecret: other.clientSecret, redirectUri: REDIRECT });
    const { url, transaction } = await b.authorizationUrl();
    const params = await authorizeAt(url);
    // The response of provider B is handed to client A (mix-up): refused.
    await expect(a.callback(params, transaction)).rejects.toMatchObject({ code: 'ISS_MISMATCH' });
    expect(op.requestsTo('/token')).toHaveLength(0);
    expect(other.requestsTo('/token')).toHaveLength(0);
  });

  it('kind oauth2: no nonce, no openid, no ID token required', async () => {
    const client = await OidcClient.create({ issuer: op.issuer, kind: 'oauth2', clientId: op.clientId, clientSecret: op.clientSecret, redirectUri: REDIRECT });
    const { url, transaction } = await client.authorizationUrl({ scope: ['email'] });
    expect(url.searchParams.has('nonce')).toBe(false);
    expect(url.searchParams.get('scope')).toBe('email');
    const tokens = await client.callback(await authorizeAt(url), transaction);
    expect(tokens.idToken).toBeUndefined();
    expect(tokens.tokenType).toBe('Bearer');
  });
});
