/**
 * The vault's in-process token cache and its choice of account, against oidc-provider:
 * - the hot path reads the store once per `cacheSeconds`, and on every call with `cacheSeconds: 0`;
 * - the vault's own refresh and revocation drop the cached token at once; another process's
 *   revocation reaches this one at the first 401 from the API, and otherwise within `cacheSeconds`;
 * - a user with two accounts at one provider gets the one asked for (`accountId`) in `get`,
 *   `fetch` and `revoke`, and an account id of another user reaches nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OidcClient } from '../../src/core/client.js';
import type { TokenSet } from '../../src/core/types.js';
import { MemoryUserStore } from '../../src/storage/memory.js';
import type { Account } from '../../src/storage/types.js';
import { createTokenVault } from '../../src/vault/vault.js';
import { accountTokens, createLinkedUser, errorOf, signIn, startServer, startVaultOp, type VaultOp } from './support.js';

let vop: VaultOp;
let client: OidcClient;

beforeAll(async () => {
  vop = await startVaultOp();
  client = await vop.client();
});

afterAll(async () => {
  await vop?.close();
});

/** A memory store that counts the vault's reads. */
class CountingStore extends MemoryUserStore {
  reads = 0;
  override async listAccounts(userId: string): Promise<Account[]> {
    this.reads++;
    return super.listAccounts(userId);
  }
}

/** A clock the test moves forward. */
function testClock(): { now: () => number; advance(ms: number): void } {
  let offset = 0;
  return { now: () => Date.now() + offset, advance: (ms) => void (offset += ms) };
}

const userinfoUrl = () => `${vop.op.issuer}/me`;

describe('token vault cache', () => {
  it('reads the store once per cacheSeconds on the hot path, and every time with cacheSeconds 0', async () => {
    const users = new CountingStore();
    const tokens = await signIn(client);
    const { user } = await createLinkedUser(users, vop.op.issuer, 'op', accountTokens(tokens));
    const clock = testClock();
    const vault = createTokenVault({ users, clientFor: async () => client, cacheSeconds: 5, clock: clock.now });
    const before = vop.tokenRequests();
    const got = await Promise.all(Array.from({ length: 50 }, () => vault.get(user.id, 'op')));
    for (let i = 0; i < 50; i++) await vault.get(user.id, 'op');
    expect(new Set(got.map((g) => g.accessToken))).toEqual(new Set([tokens.accessToken]));
    // The 50 concurrent first calls each read (nothing was cached yet); the 50 after them read nothing.
    const afterWarm = users.reads;
    expect(afterWarm).toBeLessThanOrEqual(50);
    await vault.get(user.id, 'op');
    expect(users.reads).toBe(afterWarm);
    clock.advance(5_001);
    await vault.get(user.id, 'op');
    expect(users.reads).toBe(afterWarm + 1);
    expect(vop.tokenRequests()).toBe(before);

    const uncached = createTokenVault({ users, clientFor: async () => client, cacheSeconds: 0 });
    const start = users.reads;
    for (let i = 0; i < 5; i++) await uncached.get(user.id, 'op');
    expect(users.reads - start).toBe(5);
  });

  it('never hands out a cached token inside the refresh leeway: it refreshes instead', async () => {
    const users = new CountingStore();
    const tokens = await signIn(client);
    // Valid for 90 s; the leeway is 60 s: cacheable for at most 30 s, whatever cacheSeconds says.
    const { user } = await createLinkedUser(users, vop.op.issuer, 'op', accountTokens(tokens, Date.now() + 90_000));
    const clock = testClock();
    const vault = createTokenVault({ users, clientFor: async () => client, cacheSeconds: 3600, clock: clock.now });
    expect((await vault.get(user.id, 'op')).accessToken).toBe(tokens.accessToken);
    const before = vop.refreshes();
    clock.advance(31_000);
    const next = await vault.get(user.id, 'op');
    expect(next.accessToken).not.toBe(tokens.accessToken);
    expect(vop.refreshes() - before).toBe(1);
  });

  it("the vault's own revocation drops the cached token at once", async () => {
    const users = new CountingStore();
    const tokens = await signIn(client);
    const { user } = await createLinkedUser(users, vop.op.issuer, 'op', accountTokens(tokens));
    const vault = createTokenVault({ users, clientFor: async () => client, cacheSeconds: 60 });
    await vault.get(user.id, 'op');
    expect((await vault.revoke(user.id, 'op')).revoked).toBe(true);
    expect((await errorOf(vault.get(user.id, 'op'))).code).toBe('REAUTH_REQUIRED');
  });

  it("another process's revocation: the first 401 from the API ends the cached token; without a call, cacheSeconds bounds it", async () => {
    const users = new CountingStore();
    const tokens = await signIn(client);
    const { user } = await createLinkedUser(users, vop.op.issuer, 'op', accountTokens(tokens));
    const clock = testClock();
    // Two vaults over one store: two app processes, each with its own cache.
    const here = createTokenVault({ users, clientFor: async () => client, cacheSeconds: 5, clock: clock.now });
    const there = createTokenVault({ users, clientFor: async () => client });
    expect((await here.fetch(user.id, 'op', userinfoUrl())).status).toBe(200);
    expect((await there.revoke(user.id, 'op')).revoked).toBe(true);

    // Within cacheSeconds `get` may still hand out the revoked token (the documented window)…
    expect((await here.get(user.id, 'op')).accessToken).toBe(tokens.accessToken);
    // …but the API refuses it (RFC 6750 §3.1 invalid_token), and the vault re-reads the store at once.
    expect((await errorOf(here.fetch(user.id, 'op', userinfoUrl()))).code).toBe('REAUTH_REQUIRED');
    expect((await errorOf(here.get(user.id, 'op'))).code).toBe('REAUTH_REQUIRED');

    // Without an API call in between, the window closes after cacheSeconds.
    const tokens2 = await signIn(client);
    const { user: user2 } = await createLinkedUser(users, vop.op.issuer, 'op', accountTokens(tokens2), 'bob');
    await here.get(user2.id, 'op');
    await there.revoke(user2.id, 'op');
    clock.advance(5_001);
    expect((await errorOf(here.get(user2.id, 'op'))).code).toBe('REAUTH_REQUIRED');
  });
});

describe('token vault: several accounts at one provider', () => {
  async function userWithTwoAccounts(users: MemoryUserStore): Promise<{ userId: string; first: Account; second: Account; t1: TokenSet; t2: TokenSet }> {
    const t1 = await signIn(client);
    const t2 = await signIn(client);
    const { user, account: first } = await createLinkedUser(users, vop.op.issuer, 'op', accountTokens(t1), 'work');
    // The second account is the more recently updated one (timestamps have millisecond precision).
    await new Promise((r) => setTimeout(r, 5));
    const second = await users.linkAccount(user.id, {
      providerId: 'op',
      issuer: vop.op.issuer,
      subject: `personal-${Math.random().toString(36).slice(2)}`,
      scopes: ['openid', 'email', 'offline_access'],
      tokens: accountTokens(t2),
    });
    return { userId: user.id, first, second, t1, t2 };
  }

  it('get and fetch use the account asked for; without one, the most recently updated', async () => {
    const users = new MemoryUserStore();
    const { userId, first, second, t1, t2 } = await userWithTwoAccounts(users);
    // The API server below is not the OP's origin: it is declared as one of its API origins (read at the first fetch).
    const vault = createTokenVault({ users, clientFor: async () => client, apiOrigins: () => [api.url] });
    expect((await vault.get(userId, 'op', { accountId: first.id })).accessToken).toBe(t1.accessToken);
    expect((await vault.get(userId, 'op', { accountId: second.id })).accessToken).toBe(t2.accessToken);
    expect((await vault.get(userId, 'op')).accessToken).toBe(t2.accessToken);

    const seen: (string | undefined)[] = [];
    const api = await startServer((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
    try {
      expect((await vault.fetch(userId, 'op', `${api.url}/calendar`, { accountId: first.id })).status).toBe(200);
      expect((await vault.fetch(userId, 'op', `${api.url}/calendar`, { accountId: second.id })).status).toBe(200);
      expect(seen).toEqual([`Bearer ${t1.accessToken}`, `Bearer ${t2.accessToken}`]);
    } finally {
      await api.close();
    }
  });

  it('revoke ends the grant of the account asked for and leaves the other one working', async () => {
    const users = new MemoryUserStore();
    const { userId, first, second, t1, t2 } = await userWithTwoAccounts(users);
    const vault = createTokenVault({ users, clientFor: async () => client });
    expect((await vault.revoke(userId, 'op', { accountId: first.id })).revoked).toBe(true);
    expect((await errorOf(client.refresh(t1.refreshToken!))).code).toBe('TOKEN_ERROR');
    expect((await users.getAccountById(first.id))!.tokens).toBeNull();
    expect((await users.getAccountById(second.id))!.tokens?.accessToken).toBe(t2.accessToken);
    expect((await vault.fetch(userId, 'op', userinfoUrl(), { accountId: second.id })).status).toBe(200);
  });

  it("an account id of another user's account reaches nothing", async () => {
    const users = new MemoryUserStore();
    const { first } = await userWithTwoAccounts(users);
    const mallory = await createLinkedUser(users, vop.op.issuer, 'op', accountTokens(await signIn(client)), 'mallory');
    const vault = createTokenVault({ users, clientFor: async () => client });
    const e = await errorOf(vault.get(mallory.user.id, 'op', { accountId: first.id }));
    expect(e.code).toBe('REAUTH_REQUIRED');
    expect(e.message).not.toContain(first.id);
  });
});
