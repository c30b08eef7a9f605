/**
 * The token vault through `createAuth`, against oidc-provider: `auth.fetch` refreshes once for
 * concurrent callers and calls the provider API with the new token, `auth.tokens.get` hands out a
 * token, `auth.unlink` keeps the last way to sign in, and `tokens.revokeOnLogout` revokes the grant
 * at the provider (RFC 7009) and clears the stored tokens.
 */
import type http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { latchkey } from '../../src/adapters/node.js';
import { type Auth, createAuth } from '../../src/app/create-auth.js';
import { OidcClient } from '../../src/core/client.js';
import type { TokenSet } from '../../src/core/types.js';
import { AccountError } from '../../src/errors.js';
import type { Account } from '../../src/storage/types.js';
import type { OidcProviderHandle } from '../support/oidc-provider.js';
import { CLIENT_SECRET, listen, login, logout, opProvider, type RpServer, SECRET_A, sessionOf, startOp, UserAgent } from './support.js';

describe('token vault through createAuth', () => {
  let rp: RpServer;
  let op: OidcProviderHandle;
  let auth: Auth;
  const seen: string[] = [];

  beforeAll(async () => {
    rp = await listen(() => (req, res) => {
      void latchkey(auth)
        .handle(req, res)
        .then((handled) => {
          if (!handled) res.end('page');
        });
    });
    op = await startOp(rp.base);
    op.server.prependListener('request', (req: http.IncomingMessage) => {
      if (req.method === 'POST') seen.push(new URL(req.url ?? '/', op.issuer).pathname);
    });
    auth = createAuth({
      baseUrl: rp.base,
      secret: SECRET_A,
      providers: [opProvider(op.issuer)],
      // A leeway longer than the access token's lifetime: every get() finds it "about to expire".
      tokens: { leewaySeconds: 7200, revokeOnLogout: true },
    });
  });
  afterAll(async () => {
    await rp?.close();
    await op?.close();
  });

  it('refreshes once for concurrent auth.fetch calls, and revokes at logout', async () => {
    const ua = new UserAgent();
    const landed = await login(ua, rp.base);
    expect(landed.stopped).toBe(true);
    const session = await sessionOf(ua, rp.base);
    const userId = (session.body.user as { id: string }).id;
    const [account] = await auth.users.listAccounts(userId);
    expect(account?.tokens?.refreshToken).toBeTruthy();
    const firstAccessToken = account!.tokens!.accessToken;

    seen.length = 0;
    const responses = await Promise.all(Array.from({ length: 8 }, () => auth.fetch(userId, 'op', `${op.issuer}/me`)));
    expect(responses.map((r) => r.status)).toEqual(Array(8).fill(200));
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as { sub: string }[];
    expect(new Set(bodies.map((b) => b.sub))).toEqual(new Set([account!.subject]));
    // One refresh for all eight callers (single flight), and the new tokens are stored.
    expect(seen.filter((p) => p === '/token')).toHaveLength(1);
    const [after] = await auth.users.listAccounts(userId);
    expect(after!.tokens!.accessToken).not.toBe(firstAccessToken);
    expect((await auth.tokens.get(userId, 'op')).accessToken).toBeTruthy();

    // The only account is the last way to sign in: unlink refuses, tokens untouched.
    const refused = await auth.unlink(userId, after!.id).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AccountError);
    expect((refused as AccountError).code).toBe('LAST_LOGIN_METHOD');
    expect(seen.filter((p) => p.startsWith('/token/revocation'))).toHaveLength(0);

    // Logout with revokeOnLogout: the grant is revoked at the provider and the stored tokens cleared.
    seen.length = 0;
    await logout(ua, rp.base);
    expect((await sessionOf(ua, rp.base)).status).toBe(401);
    expect(seen.filter((p) => p.startsWith('/token/revocation')).length).toBeGreaterThanOrEqual(1);
    const [cleared] = await auth.users.listAccounts(userId);
    expect(cleared!.tokens?.refreshToken).toBeUndefined();
    const reauth = await auth.tokens.get(userId, 'op').catch((e: unknown) => e);
    expect((reauth as { code?: string }).code).toBe('REAUTH_REQUIRED');
  });

  /** Signs in through the app, and links a second identity at the same provider with a grant obtained outside the app. */
  async function userWithSecondIdentity(): Promise<{
    ua: UserAgent;
    userId: string;
    signedIn: Account;
    linked: Account;
    direct: OidcClient;
    second: TokenSet;
  }> {
    const ua = new UserAgent();
    expect((await login(ua, rp.base)).stopped).toBe(true);
    const userId = ((await sessionOf(ua, rp.base)).body.user as { id: string }).id;
    const [signedIn] = await auth.users.listAccounts(userId);
    const direct = await OidcClient.create({ issuer: op.issuer, clientId: 'rp', clientSecret: CLIENT_SECRET, redirectUri: `${rp.base}/auth/op/callback` });
    const { url, transaction } = await direct.authorizationUrl({ scope: ['openid', 'email', 'offline_access'], prompt: 'consent' });
    const reached = await new UserAgent().navigate(url, { autoSubmitForms: true, stop: (u) => u.startsWith(`${rp.base}/auth/op/callback`) });
    expect(reached.stopped).toBe(true);
    const second = await direct.callback(new URL(reached.url).searchParams, transaction);
    expect(second.refreshToken).toBeTruthy();
    const linked = await auth.users.linkAccount(userId, {
      providerId: 'op',
      issuer: op.issuer,
      subject: `second-identity-${Math.random().toString(36).slice(2)}`,
      scopes: ['openid', 'email', 'offline_access'],
      tokens: {
        accessToken: second.accessToken,
        tokenType: 'Bearer',
        refreshToken: second.refreshToken!,
        ...(second.expiresAt ? { expiresAt: second.expiresAt } : {}),
      },
    });
    return { ua, userId, signedIn: signedIn!, linked, direct, second };
  }

  /** Makes `account` the most recently updated one: the vault's default choice at its provider. */
  async function touch(account: Account): Promise<void> {
    await new Promise((r) => setTimeout(r, 5));
    expect(await auth.users.updateAccountTokens(account.id, { tokens: account.tokens })).not.toBeNull();
  }

  it('unlink revokes the tokens of the account unlinked, not those of another account at the same provider', async () => {
    const { userId, signedIn, linked, direct, second } = await userWithSecondIdentity();
    // The signed-in account is the vault's default choice; the unlink must still revoke the linked one.
    await touch(signedIn);

    await auth.unlink(userId, linked.id);
    // RFC 7009: the unlinked account's grant is gone at the provider…
    const refused = await direct.refresh(second.refreshToken!).catch((e: unknown) => e);
    expect((refused as { code?: string }).code).toBe('TOKEN_ERROR');
    // …and the account the user signed in with still refreshes (leewaySeconds 7200 forces a refresh).
    const remaining = await auth.users.listAccounts(userId);
    expect(remaining.map((a) => a.id)).toEqual([signedIn.id]);
    const token = await auth.tokens.get(userId, 'op', { accountId: signedIn.id });
    expect(token.accessToken).not.toBe(signedIn.tokens!.accessToken);
  });

  it("logout with revokeOnLogout revokes the session's own identity, not another account at the same provider", async () => {
    const { ua, userId, signedIn, linked, direct, second } = await userWithSecondIdentity();
    // The linked account is the vault's default choice; logout must still revoke the signed-in one.
    await touch(linked);

    await logout(ua, rp.base);
    expect((await auth.users.getAccountById(signedIn.id))!.tokens?.refreshToken).toBeUndefined();
    // The other identity's grant still works at the provider, and its tokens are still stored.
    expect((await direct.refresh(second.refreshToken!)).accessToken).toBeTruthy();
    expect((await auth.users.getAccountById(linked.id))!.tokens?.refreshToken).toBe(second.refreshToken);
    expect((await auth.users.listAccounts(userId)).map((a) => a.id).sort()).toEqual([signedIn.id, linked.id].sort());
  });
});
