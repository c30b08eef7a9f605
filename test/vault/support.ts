/**
 * Shared pieces of the vault tests: oidc-provider with refresh-token rotation and `offline_access`
 * (refresh tokens only with that scope and `prompt=consent`), a counter of token endpoint
 * requests, a real sign-in that yields tokens, and small local servers for the failure cases.
 */
import { once } from 'node:events';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { OidcClient } from '../../src/core/client.js';
import type { TokenSet } from '../../src/core/types.js';
import { isLatchkeyError, type LatchkeyError } from '../../src/errors.js';
import type { AccountTokens, UserStore } from '../../src/storage/types.js';
import { type OidcProviderHandle, startOidcProvider } from '../support/oidc-provider.js';
import { UserAgent } from '../support/user-agent.js';

export const REDIRECT = 'http://127.0.0.1:1/cb';
export const CLIENT_ID = 'vault-rp';
export const CLIENT_SECRET = 'a-long-client-secret-for-the-vault-client-0123456789';

/** The provider and what it saw. */
export interface VaultOp {
  readonly op: OidcProviderHandle;
  /** Requests to the token endpoint so far (any grant, any outcome). */
  tokenRequests(): number;
  /** Successful refresh_token grants so far. */
  refreshes(): number;
  /** A new client for the provider (each process or vault its own). */
  client(): Promise<OidcClient>;
  close(): Promise<void>;
}

interface GrantCtx {
  readonly oidc?: { readonly params?: { readonly grant_type?: unknown } };
}

/** Starts oidc-provider with rotation on and refresh tokens only for `offline_access` + consent. */
export async function startVaultOp(options: { accessTokenTtlSeconds?: number } = {}): Promise<VaultOp> {
  const op = await startOidcProvider({
    clients: [
      {
        client_id: CLIENT_ID,
        client_secret: CLIENT_SECRET,
        redirect_uris: [REDIRECT],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    config: {
      // OAuth 2.1 / RFC 9700 §4.14.2: every refresh returns a new refresh token and consumes the old one;
      // oidc-provider also revokes the whole grant when a consumed refresh token is used again.
      rotateRefreshToken: true,
      // OIDC Core §11: a refresh token only for offline_access (which oidc-provider grants only with prompt=consent).
      issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(t: string): boolean }, code: { scopes: Set<string> }) =>
        client.grantTypeAllowed('refresh_token') && code.scopes.has('offline_access'),
      ...(options.accessTokenTtlSeconds !== undefined ? { ttl: { AccessToken: options.accessTokenTtlSeconds } } : {}),
    },
  });
  let tokenRequests = 0;
  let refreshes = 0;
  op.server.prependListener('request', (req: http.IncomingMessage) => {
    if (req.method === 'POST' && req.url?.startsWith('/token')) tokenRequests++;
  });
  const listen = (): void => {
    op.provider.on('grant.success', (...args: unknown[]) => {
      if ((args[0] as GrantCtx).oidc?.params?.grant_type === 'refresh_token') refreshes++;
    });
  };
  listen();
  return {
    op,
    tokenRequests: () => tokenRequests,
    refreshes: () => refreshes,
    client: () => OidcClient.create({ issuer: op.issuer, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, redirectUri: REDIRECT }),
    close: () => op.close(),
  };
}

/** A real sign-in at the provider; `offline` asks for `offline_access` with `prompt=consent`. */
export async function signIn(client: OidcClient, offline = true): Promise<TokenSet> {
  const { url, transaction } = await client.authorizationUrl({
    scope: offline ? ['openid', 'email', 'offline_access'] : ['openid', 'email'],
    ...(offline ? { prompt: 'consent' } : {}),
  });
  const result = await new UserAgent().navigate(url, { stop: (u) => u.startsWith(REDIRECT) });
  if (!result.stopped) throw new Error(`sign-in did not reach the callback (status ${result.status})`);
  return client.callback(new URL(result.url).searchParams, transaction);
}

/** The tokens to store for a sign-in, with the access token's expiry moved (past = expired). */
export function accountTokens(tokens: TokenSet, expiresAt: number | undefined = tokens.expiresAt): AccountTokens {
  return {
    accessToken: tokens.accessToken,
    tokenType: tokens.tokenType,
    ...(tokens.refreshToken !== undefined ? { refreshToken: tokens.refreshToken } : {}),
    ...(tokens.idToken !== undefined ? { idToken: tokens.idToken } : {}),
    ...(expiresAt !== undefined ? { expiresAt } : {}),
  };
}

/** Creates a user with one linked account for `providerId` holding `tokens`. */
export async function createLinkedUser(users: UserStore, issuer: string, providerId: string, tokens: AccountTokens | null, subject = 'alice') {
  const { user, account } = await users.createUserWithAccount(
    { email: `${subject}-${Math.random().toString(36).slice(2)}@example.test`, emailVerified: true, name: subject, image: null },
    { providerId, issuer, subject: `${subject}-${Math.random().toString(36).slice(2)}`, scopes: ['openid', 'email', 'offline_access'], tokens },
  );
  return { user, account };
}

/** A local HTTP server on 127.0.0.1:0. */
export async function startServer(handler: http.RequestListener): Promise<{ url: string; server: http.Server; close(): Promise<void> }> {
  const server = http.createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A free loopback port nobody listens on (a server opened and closed). */
export async function deadPort(): Promise<number> {
  const s = await startServer(() => {});
  const port = Number(new URL(s.url).port);
  await s.close();
  return port;
}

/** A plain OAuth 2.0 client whose token endpoint is `tokenEndpoint` (for down / slow / 5xx providers). */
export function clientAt(issuer: string, tokenEndpoint: string, timeoutMs = 2000): Promise<OidcClient> {
  return OidcClient.create({
    issuer,
    kind: 'oauth2',
    metadata: { issuer, authorization_endpoint: `${issuer}/authorize`, token_endpoint: tokenEndpoint },
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    redirectUri: REDIRECT,
    http: { timeoutMs },
  });
}

/** The typed error a promise rejects with (fails the test if it resolves or rejects with anything else). */
export async function errorOf(p: Promise<unknown>): Promise<LatchkeyError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!isLatchkeyError(e)) throw new Error(`expected a Latchkey error, got ${String(e)}`);
  return e;
}
