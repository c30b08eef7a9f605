/**
 * Issue 18 item 4: a token response with `refresh_token: ""` carries no refresh token (RFC 6749
 * §5.1: the member is a token string; §6: without a new one the client keeps the old one). It must
 * not replace the stored refresh token, neither in `OidcClient.refresh` nor in the token vault.
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

it('OidcClient.refresh keeps the old refresh token when the response says refresh_token ""', async () => {
  const tokens = await signIn();
  op.faults.tokenResponse = { overrides: { refresh_token: '' } };
  const refreshed = await client.refresh(tokens.refreshToken!, { previousIdTokenClaims: tokens.idTokenClaims! });
  expect(op.requestsTo('/token').at(-1)?.form?.grant_type).toBe('refresh_token');
  expect(refreshed.accessToken).not.toBe(tokens.accessToken);
  expect(refreshed.refreshToken).toBe(tokens.refreshToken);
  expect(refreshed.raw).not.toHaveProperty('refresh_token');
});

it('a code exchange answering refresh_token "" yields no refresh token (not an empty one)', async () => {
  op.faults.tokenResponse = { overrides: { refresh_token: '' } };
  const { tokens, error } = await runRpFlow(client, { scope: ['openid', 'email', 'offline_access'] });
  expect(error).toBeUndefined();
  expect(tokens).not.toHaveProperty('refreshToken');
});

it('the token vault keeps the stored refresh token after a refresh that returned refresh_token ""', async () => {
  const tokens = await signIn();
  const users = new MemoryUserStore();
  // The stored access token has expired: the vault must refresh.
  const { user, account } = await createLinkedUser(users, op.issuer, 'op', accountTokens(tokens, Date.now() - 1000));
  const vault = createTokenVault({ users, clientFor: async () => client });
  op.faults.tokenResponse = { overrides: { refresh_token: '' } };
  const got = await vault.get(user.id, 'op');
  expect(op.requestsTo('/token').at(-1)?.form?.grant_type).toBe('refresh_token');
  expect(got.accessToken).toBe(op.lastIssued?.accessToken);
  const stored = await users.getAccountById(account.id);
  expect(stored?.tokens?.accessToken).toBe(got.accessToken);
  expect(stored?.tokens?.refreshToken).toBe(tokens.refreshToken);
  expect(stored?.needsReauth).toBeFalsy();
});
