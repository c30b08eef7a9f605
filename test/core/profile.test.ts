/**
 * The profile fetch is a core operation (`src/core/profile.ts`, OIDC Core §5.3): userinfo claims
 * merged over the ID token's, the hooks' context, and the §5.3.2 rule that a userinfo `sub` other
 * than the ID token's is refused before any hook sees it. Happy path against oidc-provider; the
 * refusal against the misbehaving OP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OidcClient } from '../../src/core/client.js';
import { buildProfile, type ProfileContext, type ProfileSource } from '../../src/core/profile.js';
import { opProvider } from '../app/support.js';
import { authorizeAt, type MisbehavingOp, startMisbehavingOp } from '../support/misbehaving-op.js';
import { type OidcProviderHandle, startOidcProvider } from '../support/oidc-provider.js';
import { UserAgent } from '../support/user-agent.js';

const REDIRECT = 'http://127.0.0.1:1/cb';
const SECRET = 'a-long-client-secret-for-the-profile-client-0123456789';

/** The test OP's mapping (`opProvider`), recording what it was given. */
function recordingSource(seen: { raw?: Readonly<Record<string, unknown>>; ctx?: ProfileContext }, extra: Partial<ProfileSource> = {}): ProfileSource {
  return {
    kind: 'oidc',
    mapProfile: (raw, ctx) => {
      seen.raw = raw;
      seen.ctx = ctx;
      return opProvider(ctx.issuer).mapProfile(raw, ctx);
    },
    ...extra,
  };
}

describe('buildProfile against oidc-provider', () => {
  let op: OidcProviderHandle;
  beforeAll(async () => {
    op = await startOidcProvider({
      clients: [{ client_id: 'rp-profile', client_secret: SECRET, redirect_uris: [REDIRECT], token_endpoint_auth_method: 'client_secret_basic' }],
    });
  });
  afterAll(async () => {
    await op?.close();
  });

  async function signIn(): Promise<{ client: OidcClient; params: URLSearchParams; tokens: Awaited<ReturnType<OidcClient['callback']>> }> {
    const client = await OidcClient.create({ issuer: op.issuer, clientId: 'rp-profile', clientSecret: SECRET, redirectUri: REDIRECT });
    const { url, transaction } = await client.authorizationUrl({ scope: ['openid', 'email', 'profile'] });
    const result = await new UserAgent().navigate(url, { stop: (u) => u.startsWith(REDIRECT) });
    const params = new URL(result.url).searchParams;
    return { client, params, tokens: await client.callback(params, transaction) };
  }

  it('merges userinfo over the ID token claims, and hands the hooks the callback extras only', async () => {
    const { client, params, tokens } = await signIn();
    params.set('user', '{"name":"first sign-in"}');
    const seen: { raw?: Readonly<Record<string, unknown>>; ctx?: ProfileContext } = {};
    const { profile, raw } = await buildProfile(client, tokens, recordingSource(seen), params);
    expect(profile).toMatchObject({ issuer: op.issuer, subject: 'alice', email: 'alice@example.test', emailVerified: true, name: 'User alice' });
    // The ID token's own claims are there (aud, nonce), and userinfo's on top.
    expect(raw).toMatchObject({ sub: 'alice', aud: 'rp-profile', name: 'User alice' });
    expect(seen.ctx?.userinfo).toMatchObject({ sub: 'alice', email: 'alice@example.test' });
    expect(seen.ctx?.callbackParams).toEqual({ user: '{"name":"first sign-in"}' });
  });

  it('userinfo: false skips the endpoint; a fetchProfile hook builds the raw profile instead', async () => {
    const { client, params, tokens } = await signIn();
    const seen: { raw?: Readonly<Record<string, unknown>>; ctx?: ProfileContext } = {};
    const source = recordingSource(seen, { userinfo: false, fetchProfile: async (ctx) => ({ sub: ctx.tokens.idTokenClaims?.sub, from: 'hook' }) });
    const { raw } = await buildProfile(client, tokens, source, params);
    expect(raw).toEqual({ sub: 'alice', from: 'hook' });
    expect(seen.ctx?.userinfo).toBeUndefined();
  });
});

describe('buildProfile against a misbehaving OP', () => {
  let op: MisbehavingOp;
  beforeAll(async () => {
    op = await startMisbehavingOp();
  });
  afterAll(async () => {
    await op.close();
  });

  it('OIDC Core 5.3.2: a userinfo sub other than the ID token sub is USERINFO_SUB_MISMATCH; no hook runs', async () => {
    const client = await OidcClient.create({ issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret, redirectUri: 'http://127.0.0.1:9/cb' });
    const { url, transaction } = await client.authorizationUrl({ scope: ['openid', 'email'] });
    const params = await authorizeAt(url);
    const tokens = await client.callback(params, transaction);
    op.faults.userinfo.sub = 'mallory';
    let hookRan = false;
    const source = recordingSource(
      {},
      {
        fetchProfile: async () => {
          hookRan = true;
          return {};
        },
      },
    );
    await expect(buildProfile(client, tokens, source, params)).rejects.toMatchObject({ code: 'USERINFO_SUB_MISMATCH', claim: 'sub' });
    expect(hookRan).toBe(false);
    expect(op.requestsTo('/userinfo')).toHaveLength(1);
  });
});
