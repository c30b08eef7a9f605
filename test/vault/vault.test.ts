/**
 * The token vault in one process against oidc-provider (refresh-token rotation on): the hot path,
 * single-flight refresh, the 401 invalid_token retry, invalid_grant → REAUTH_REQUIRED, provider
 * down / slow / 5xx → TOKEN_REFRESH_FAILED without a hang, LOCK_TIMEOUT, revocation, onTokens.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OidcClient } from '../../src/core/client.js';
import { type LatchkeyError, type ProviderError, TokenError } from '../../src/errors.js';
import { conformTwitchTokenError } from '../../src/providers/twitch.js';
import { MemoryUserStore } from '../../src/storage/memory.js';
import { createMemoryLock } from '../../src/vault/locks/memory.js';
import { refreshLockKey } from '../../src/vault/locks/types.js';
import { createTokenVault, type TokenEvent } from '../../src/vault/vault.js';
import {
  accountTokens,
  CLIENT_ID,
  CLIENT_SECRET,
  clientAt,
  createLinkedUser,
  deadPort,
  errorOf,
  REDIRECT,
  signIn,
  startServer,
  startVaultOp,
  type VaultOp,
} from './support.js';

let vop: VaultOp;
let client: OidcClient;

beforeAll(async () => {
  vop = await startVaultOp();
  client = await vop.client();
});

afterAll(async () => {
  await vop?.close();
});

const PAST = () => Date.now() - 1000;
const userinfoUrl = () => `${vop.op.issuer}/me`;

describe('token vault (one process, oidc-provider with rotation)', () => {
  it('hot path: a token valid beyond the leeway is returned without a provider call', async () => {
    const users = new MemoryUserStore();
    const tokens = await signIn(client);
    const { user } = await createLinkedUser(users, vop.op.issuer, 'op', accountTokens(tokens));
    const vault = createTokenVault({ users, clientFor: async () => client });
    const before = vop.tokenRequests();
    const got = await vault.get(user.id, 'op');
    expect(got.accessToken).toBe(tokens.accessToken);
    expect(got.tokenType).toBe('Bearer');
    expect(vop.tokenRequests()).toBe(before);
  });

  it('a token inside the leeway is refreshed: 50 concurrent callers share one refresh; the rotated refresh token is stored before anyone gets the access token', async () => {
    const users = new MemoryUserStore();
    const tokens = await signIn(client);
    expect(tokens.refreshToken).toBeTypeOf('string');
    // Expires in 30 s: inside the 60 s leeway.
    const { user, account } = await createLinkedUser(users, vop.op.issuer, 'op', accountTokens(tokens, Date.now() + 30_000));
    const events: TokenEvent[] = [];
    const storedAtHook: (string | undefined)[] = [];
    const vault = createTokenVault({
      users,
      clientFor: async () => client,
      lock: createMemoryLock(),
      onTokens: async (e) => {
        events.push(e);
        storedAtHook.push((await users.getAccountById(e.accountId))?.tokens?.refreshToken);
      },
    });
    const before = vop.refreshes();
    const results = await Promise.all(Array.from({ length: 50 }, () => vault.get(user.id, 'op')));
    expect(vop.refreshes() - before).toBe(1);
    const fresh = new Set(results.map((r) => r.accessToken));
    expect(fresh.size).toBe(1);
    expect([...fresh][0]).not.toBe(tokens.accessToken);
    const stored = (await users.getAccountById(account.id))!;
    expect(stored.tokens?.refreshToken).not.toBe(tokens.refreshToken);
    expect(stored.tokens?.accessToken).toBe(results[0]!.accessToken);
    expect(stored.tokenVersion).toBe(account.tokenVersion + 1);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ reason: 'refreshed', userId: user.id, providerId: 'op', accountId: account.id });
    // onTokens ran after the store write.
    expect(storedAtHook[0]).toBe(stored.tokens?.refreshToken);
    // The refreshed access token works at the provider.
    const res = await vault.fetch(user.id, 'op', userinfoUrl());
    expect(res.status).toBe(200);
    expect(((await res.json()) as { sub: string }).sub).toBe('alice');
  });

  it('fetch: a 401 invalid_token (an access token the provider no longer knows) refreshes once and retries once', async () => {
    const users = new MemoryUserStore();
    const tokens = await signIn(client);
    // Looks valid for an hour to the vault; the provider does not know it (oidc-provider revokes the
    // whole grant when an access token is revoked, so an unknown token stands in for a revoked one).
    const { user } = await createLinkedUser(users, vop.op.issuer, 'op', {
      ...accountTokens(tokens, Date.now() + 3_600_000),
      accessToken: 'unknown-access-token',
    });
    const vault = createTokenVault({ users, clientFor: async () => client });
    const before = vop.refreshes();
    const res = await vault.fetch(user.id, 'op', userinfoUrl());
    expect(res.status).toBe(200);
    expect(vop.refreshes() - before).toBe(1);
  });

  it('fetch: a 401 after the retry is returned, not retried again (no loop)', async () => {
    const rs = await startServer((_req, res) => {
      res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"', 'content-type': 'application/json' }).end('{}');
    });
    try {
      const users = new MemoryUserStore();
      const tokens = await signIn(client);
      const { user } = await createLinkedUser(users, vop.op.issuer, 'op', accountTokens(tokens, Date.now() + 3_600_000));
      // The resource server is not the OP's origin: it must be declared as one of its API origins.
      const vault = createTokenVault({ users, clientFor: async () => client, apiOrigins: () => [rs.url] });
      const before = vop.refreshes();
      const res = await vault.fetch(user.id, 'op', `${rs.url}/api`);
      expect(res.status).toBe(401);
      expect(vop.refreshes() - before).toBe(1);
    } finally {
      await rs.close();
    }
  });

  it('invalid_grant marks the account needsReauth and throws REAUTH_REQUIRED; later calls do not hit the provider', async () => {
    const users = new MemoryUserStore();
    const tokens = await signIn(client);
    await client.revoke(tokens.refreshToken!, 'refresh_token');
    const { user, account } = await createLinkedUser(users, vop.op.issuer, 'op', accountTokens(tokens, PAST()));
    const events: TokenEvent[] = [];
    const vault = createTokenVault({ users, clientFor: async () => client, onTokens: (e) => void events.push(e) });
    const before = vop.tokenRequests();
    const e = await errorOf(vault.get(user.id, 'op'));
    expect(e).toBeInstanceOf(TokenError);
    expect(e.code).toBe('REAUTH_REQUIRED');
    expect((e as TokenError).provider).toBe('op');
    expect(vop.tokenRequests() - before).toBe(1);
    const stored = (await users.getAccountById(account.id))!;
    expect(stored.needsReauth).toBe(true);
    expect(stored.tokens?.refreshToken).toBeUndefined();
    expect(events.map((x) => x.reason)).toEqual(['reauth-required']);
    expect((await errorOf(vault.get(user.id, 'op'))).code).toBe('REAUTH_REQUIRED');
    expect((await errorOf(vault.fetch(user.id, 'op', userinfoUrl()))).code).toBe('REAUTH_REQUIRED');
    expect(vop.tokenRequests() - before).toBe(1);
    // The message never carries a token.
    expect(e.message).not.toContain(tokens.refreshToken!);
    expect(JSON.stringify(e)).not.toContain(tokens.refreshToken!);
  });

  it('no refresh token (signed in without offline access) → REAUTH_REQUIRED without a provider call', async () => {
    const users = new MemoryUserStore();
    const tokens = await signIn(client, false);
    expect(tokens.refreshToken).toBeUndefined();
    const { user } = await createLinkedUser(users, vop.op.issuer, 'op', accountTokens(tokens, PAST()));
    const vault = createTokenVault({ users, clientFor: async () => client });
    const before = vop.tokenRequests();
    expect((await errorOf(vault.get(user.id, 'op'))).code).toBe('REAUTH_REQUIRED');
    expect(vop.tokenRequests()).toBe(before);
  });

  it("a provider's own error shape for a dead refresh token (Twitch) still marks re-consent: REAUTH_REQUIRED, not a retry", async () => {
    const twitchLike = await startServer((req, res) => {
      // Twitch answers a refused refresh token with its own body, not RFC 6749 §5.2.
      if (req.method === 'POST')
        res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 400, message: 'Invalid refresh token' }));
      else res.writeHead(404).end();
    });
    try {
      const issuer = twitchLike.url;
      const twitchClient = await OidcClient.create({
        issuer,
        kind: 'oauth2',
        metadata: { issuer, authorization_endpoint: `${issuer}/authorize`, token_endpoint: `${issuer}/token` },
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        redirectUri: REDIRECT,
        hooks: { conformTokenError: conformTwitchTokenError },
      });
      const users = new MemoryUserStore();
      const { user, account } = await createLinkedUser(users, issuer, 'twitch', {
        accessToken: 'at',
        tokenType: 'Bearer',
        refreshToken: 'dead',
        expiresAt: PAST(),
      });
      const vault = createTokenVault({ users, clientFor: async () => twitchClient });
      const e = await errorOf(vault.get(user.id, 'twitch'));
      expect(e.code).toBe('REAUTH_REQUIRED');
      expect(((e as TokenError).cause as ProviderError).error).toBe('invalid_grant');
      expect((await users.getAccountById(account.id))!.needsReauth).toBe(true);
    } finally {
      await twitchLike.close();
    }
  });

  it('no linked account for the provider → REAUTH_REQUIRED; another user never gets these tokens', async () => {
    const users = new MemoryUserStore();
    const tokens = await signIn(client);
    await createLinkedUser(users, vop.op.issuer, 'op', accountTokens(tokens));
    const { user: other } = await createLinkedUser(users, vop.op.issuer, 'other', accountTokens(tokens), 'bob');
    const vault = createTokenVault({ users, clientFor: async () => client });
    expect((await errorOf(vault.get(other.id, 'op'))).code).toBe('REAUTH_REQUIRED');
    expect((await errorOf(vault.get('usr_nobody', 'op'))).code).toBe('REAUTH_REQUIRED');
  });

  describe('provider failures give typed errors, never a hang, and never mark reauth', () => {
    async function expectRefreshFailed(tokenEndpoint: string, causeCode: string, timeoutMs = 2000): Promise<number> {
      const users = new MemoryUserStore();
      const { user, account } = await createLinkedUser(users, 'http://127.0.0.1:1', 'broken', {
        accessToken: 'at-old',
        tokenType: 'Bearer',
        refreshToken: 'rt-old',
        expiresAt: PAST(),
      });
      const broken = await clientAt('http://127.0.0.1:1', tokenEndpoint, timeoutMs);
      const vault = createTokenVault({ users, clientFor: async () => broken });
      const started = Date.now();
      const e = await errorOf(vault.get(user.id, 'broken'));
      const elapsed = Date.now() - started;
      expect(e.code).toBe('TOKEN_REFRESH_FAILED');
      expect((e.cause as LatchkeyError).code).toBe(causeCode);
      expect(e.message).toContain(causeCode);
      const stored = (await users.getAccountById(account.id))!;
      expect(stored.needsReauth).toBe(false);
      expect(stored.tokens?.refreshToken).toBe('rt-old');
      return elapsed;
    }

    it('provider down (connection refused) → TOKEN_REFRESH_FAILED (HTTP_REQUEST_FAILED)', async () => {
      await expectRefreshFailed(`http://127.0.0.1:${await deadPort()}/token`, 'HTTP_REQUEST_FAILED');
    });

    it('provider slow (no answer) → TOKEN_REFRESH_FAILED (HTTP_TIMEOUT) after the transport timeout', async () => {
      const slow = await startServer(() => {
        /* never answers */
      });
      try {
        const elapsed = await expectRefreshFailed(`${slow.url}/token`, 'HTTP_TIMEOUT', 300);
        expect(elapsed).toBeGreaterThanOrEqual(250);
        expect(elapsed).toBeLessThan(3000);
      } finally {
        await slow.close();
      }
    });

    it('provider 503 → TOKEN_REFRESH_FAILED (HTTP_PROVIDER_UNAVAILABLE)', async () => {
      const down = await startServer((_req, res) => {
        res.writeHead(503, { 'content-type': 'text/html' }).end('<h1>maintenance</h1>');
      });
      try {
        await expectRefreshFailed(`${down.url}/token`, 'HTTP_PROVIDER_UNAVAILABLE');
      } finally {
        await down.close();
      }
    });
  });

  it('LOCK_TIMEOUT when another holder keeps the refresh lock past the wait bound', async () => {
    const users = new MemoryUserStore();
    const tokens = await signIn(client);
    const { user, account } = await createLinkedUser(users, vop.op.issuer, 'op', accountTokens(tokens, PAST()));
    const lock = createMemoryLock();
    const held = await lock.acquire(refreshLockKey(account.id), { ttlMs: 10_000, waitMs: 0 });
    try {
      const vault = createTokenVault({ users, clientFor: async () => client, lock, lockWaitMs: 200 });
      const before = vop.tokenRequests();
      const started = Date.now();
      const e = await errorOf(vault.get(user.id, 'op'));
      expect(e.code).toBe('LOCK_TIMEOUT');
      expect(Date.now() - started).toBeGreaterThanOrEqual(180);
      expect(vop.tokenRequests()).toBe(before);
    } finally {
      await held.release();
    }
  });

  it('a waiter whose holder refreshed meanwhile re-reads the store and does not refresh again', async () => {
    const users = new MemoryUserStore();
    const tokens = await signIn(client);
    const { user, account } = await createLinkedUser(users, vop.op.issuer, 'op', accountTokens(tokens, PAST()));
    const lock = createMemoryLock();
    const held = await lock.acquire(refreshLockKey(account.id), { ttlMs: 10_000, waitMs: 0 });
    const vault = createTokenVault({ users, clientFor: async () => client, lock });
    const before = vop.refreshes();
    const pending = vault.get(user.id, 'op');
    // "Another process" refreshes and stores while our caller waits for the lock.
    const refreshed = await client.refresh(tokens.refreshToken!);
    await users.updateAccountTokens(account.id, { tokens: accountTokens(refreshed) }, account.tokenVersion);
    await held.release();
    const got = await pending;
    expect(got.accessToken).toBe(refreshed.accessToken);
    expect(vop.refreshes() - before).toBe(1);
  });

  it('DPoP-bound tokens: the refresh uses the same key, fetch sends a DPoP proof (nonce retry included)', async () => {
    const dpopClient = await OidcClient.create({ issuer: vop.op.issuer, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUri: REDIRECT, dpop: true });
    const tokens = await signIn(dpopClient);
    expect(tokens.tokenType).toBe('DPoP');
    const users = new MemoryUserStore();
    const { user } = await createLinkedUser(users, vop.op.issuer, 'op', accountTokens(tokens, PAST()));
    const vault = createTokenVault({ users, clientFor: async () => dpopClient });
    const before = vop.refreshes();
    vop.op.knobs.requireDpopNonce = true;
    try {
      const res = await vault.fetch(user.id, 'op', userinfoUrl());
      expect(res.status).toBe(200);
    } finally {
      vop.op.knobs.requireDpopNonce = false;
    }
    expect(vop.refreshes() - before).toBe(1);
    expect((await vault.get(user.id, 'op')).tokenType).toBe('DPoP');
  });

  it('revoke: revokes at the provider (the refresh token no longer works), clears the store, emits "revoked"', async () => {
    const users = new MemoryUserStore();
    const tokens = await signIn(client);
    const { user, account } = await createLinkedUser(users, vop.op.issuer, 'op', accountTokens(tokens));
    const events: TokenEvent[] = [];
    const vault = createTokenVault({ users, clientFor: async () => client, onTokens: (e) => void events.push(e) });
    const result = await vault.revoke(user.id, 'op');
    expect(result).toEqual({ revoked: true });
    const e = await errorOf(client.refresh(tokens.refreshToken!));
    expect(e.code).toBe('TOKEN_ERROR');
    const stored = (await users.getAccountById(account.id))!;
    expect(stored.tokens).toBeNull();
    expect(events.map((x) => x.reason)).toEqual(['revoked']);
    expect((await errorOf(vault.get(user.id, 'op'))).code).toBe('REAUTH_REQUIRED');
  });

  it('revoke with the provider down still clears local tokens and reports the typed error', async () => {
    const users = new MemoryUserStore();
    const { user, account } = await createLinkedUser(users, 'http://127.0.0.1:1', 'broken', { accessToken: 'at', refreshToken: 'rt', tokenType: 'Bearer' });
    const port = await deadPort();
    const broken = await clientAt('http://127.0.0.1:1', `http://127.0.0.1:${port}/token`);
    // The client's metadata has no revocation endpoint: the typed error is reported, local tokens go anyway.
    const vault = createTokenVault({ users, clientFor: async () => broken });
    const result = await vault.revoke(user.id, 'broken');
    expect(result.revoked).toBe(false);
    expect(result.error?.code).toBe('METADATA_MISSING_ENDPOINT');
    expect((await users.getAccountById(account.id))!.tokens).toBeNull();
  });
});
