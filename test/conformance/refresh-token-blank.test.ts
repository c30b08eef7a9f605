/**
 * Red team, provider side: `refresh_token: ""` was treated as absent, but a blank one (`"   "`,
 * `"\t"`, `"\n"`) replaced the stored refresh token, so the next refresh failed with
 * `invalid_grant` and the account needed a new sign-in. RFC 6749 §6: without a new refresh token
 * the client keeps the old one; a blank member is no token. Likewise a blank `access_token` was
 * accepted (and sent as `Authorization: Bearer` with nothing after it); it is now refused like an
 * empty one (RFC 6749 §5.1: access_token is REQUIRED).
 */
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { OidcClient } from '../../src/core/client.js';
import { MemoryUserStore } from '../../src/storage/memory.js';
import { createTokenVault } from '../../src/vault/vault.js';
import { type MisbehavingOp, runRpFlow, startMisbehavingOp } from '../support/misbehaving-op.js';
import { accountTokens, createLinkedUser } from '../vault/support.js';

let op: MisbehavingOp;
let client: OidcClient;
beforeAll(async () => {
  op = await startMisbehavingOp();
  client = await OidcClient.create({ issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret, redirectUri: 'http://127.0.0.1:9/cb' });
});
afterAll(async () => {
  await op.close();
});
beforeEach(() => op.reset());

async function signIn() {
  const { tokens, error } = await runRpFlow(client, { scope: ['openid', 'email', 'offline_access'] });
  expect(error).toBeUndefined();
  expect(tokens?.refreshToken).toBeTypeOf('string');
  return tokens!;
}

for (const blank of ['   ', '\t', '\n', ' \r\n ']) {
  it(`the token vault keeps the stored refresh token after a refresh that returned refresh_token ${JSON.stringify(blank)}`, async () => {
    const tokens = await signIn();
    const users = new MemoryUserStore();
    const { user, account } = await createLinkedUser(users, op.issuer, 'op', accountTokens(tokens, Date.now() - 1000));
    const vault = createTokenVault({ users, clientFor: async () => client });
    op.faults.tokenResponse = { overrides: { refresh_token: blank } };
    const got = await vault.get(user.id, 'op');
    expect(op.requestsTo('/token').at(-1)?.form?.grant_type).toBe('refresh_token');
    expect(got.accessToken).toBe(op.lastIssued?.accessToken);
    const stored = await users.getAccountById(account.id);
    expect(stored?.tokens?.refreshToken).toBe(tokens.refreshToken);
    expect(stored?.needsReauth).toBeFalsy();
  });
}

it('OidcClient.refresh and a code exchange treat a blank refresh_token as none', async () => {
  const tokens = await signIn();
  op.faults.tokenResponse = { overrides: { refresh_token: '  ' } };
  const refreshed = await client.refresh(tokens.refreshToken!, { previousIdTokenClaims: tokens.idTokenClaims! });
  expect(refreshed.refreshToken).toBe(tokens.refreshToken);
  expect(refreshed.raw).not.toHaveProperty('refresh_token');
  const { tokens: fresh, error } = await runRpFlow(client, { scope: ['openid', 'email', 'offline_access'] });
  expect(error).toBeUndefined();
  expect(fresh).not.toHaveProperty('refreshToken');
});

for (const blank of ['', ' ', '   ']) {
  it(`an access_token ${JSON.stringify(blank)} is no access token: TOKEN_RESPONSE_INVALID`, async () => {
    op.faults.tokenResponse = { overrides: { access_token: blank } };
    const { tokens, error } = await runRpFlow(client, { scope: ['openid'] });
    expect(tokens).toBeUndefined();
    expect(error).toMatchObject({ code: 'TOKEN_RESPONSE_INVALID', claim: 'access_token' });
  });
}
