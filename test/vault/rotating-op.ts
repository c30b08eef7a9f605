/**
 * A plain OAuth 2.0 token endpoint on 127.0.0.1 that rotates refresh tokens (RFC 9700 §4.14.2)
 * and can be slow: each `refresh_token` grant consumes the presented token and issues a new one,
 * and answers after `delayMs`. A consumed or unknown refresh token gets `invalid_grant`; the
 * tokens already issued stay valid (no grant-wide revocation), as in the lapse report of issue 18.
 * It records every refresh token presented, so a test can tell how often the old one was replayed.
 */
import { randomBytes } from 'node:crypto';
import { OidcClient } from '../../src/core/client.js';
import { CLIENT_ID, CLIENT_SECRET, REDIRECT, startServer } from './support.js';

/** The provider and what it saw. */
export interface RotatingOp {
  readonly issuer: string;
  /** Milliseconds before each token response (mutable). */
  delayMs: number;
  /** Milliseconds before a refusal (`invalid_grant`) instead, when set (mutable): refusals are often faster than issuing. */
  refuseDelayMs: number | undefined;
  /** `expires_in` of issued access tokens, seconds (mutable). */
  expiresIn: number;
  /** A fresh grant: a refresh token the endpoint will honour once, and an access token. */
  issue(): { accessToken: string; refreshToken: string };
  /** How many times `refreshToken` was presented at the token endpoint. */
  presented(refreshToken: string): number;
  /** Token endpoint requests so far. */
  tokenRequests(): number;
  /** The refresh tokens the endpoint would honour now. */
  live(): string[];
  /** The newest refresh token issued. */
  newest(): string | undefined;
  /** A client for it (plain OAuth 2.0, explicit metadata: no discovery). */
  client(timeoutMs?: number): Promise<OidcClient>;
  close(): Promise<void>;
}

/** Starts the rotating provider. */
export async function startRotatingOp(options: { delayMs?: number; refuseDelayMs?: number; expiresIn?: number } = {}): Promise<RotatingOp> {
  const live = new Set<string>();
  const seen = new Map<string, number>();
  let newest: string | undefined;
  let requests = 0;
  const token = (prefix: string): string => `${prefix}-${randomBytes(12).toString('base64url')}`;
  const state: { delayMs: number; refuseDelayMs: number | undefined; expiresIn: number } = {
    delayMs: options.delayMs ?? 0,
    refuseDelayMs: options.refuseDelayMs,
    expiresIn: options.expiresIn ?? 3600,
  };
  const issue = (): { accessToken: string; refreshToken: string } => {
    const refreshToken = token('rt');
    live.add(refreshToken);
    newest = refreshToken;
    return { accessToken: token('at'), refreshToken };
  };
  const server = await startServer((req, res) => {
    if (req.method !== 'POST' || req.url !== '/token') {
      res.writeHead(404).end();
      return;
    }
    requests++;
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => {
      body += chunk;
    });
    req.on('end', () => {
      const form = new URLSearchParams(body);
      const presented = form.get('refresh_token') ?? '';
      seen.set(presented, (seen.get(presented) ?? 0) + 1);
      const authorized = req.headers.authorization === `Basic ${Buffer.from(`${CLIENT_ID}:${CLIENT_SECRET}`).toString('base64')}`;
      let status = 200;
      let answer: Record<string, unknown>;
      if (!authorized) {
        status = 401;
        answer = { error: 'invalid_client' };
      } else if (form.get('grant_type') !== 'refresh_token' || !live.has(presented)) {
        // RFC 6749 §5.2: a consumed, revoked or unknown refresh token.
        status = 400;
        answer = { error: 'invalid_grant' };
      } else {
        // Consumed on arrival: a replay while this answer is still on its way is refused.
        live.delete(presented);
        const next = issue();
        answer = { access_token: next.accessToken, token_type: 'Bearer', expires_in: state.expiresIn, refresh_token: next.refreshToken };
      }
      setTimeout(
        () => {
          res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify(answer));
        },
        status === 200 ? state.delayMs : (state.refuseDelayMs ?? state.delayMs),
      );
    });
  });
  const issuer = server.url;
  return {
    issuer,
    get delayMs() {
      return state.delayMs;
    },
    set delayMs(ms: number) {
      state.delayMs = ms;
    },
    get refuseDelayMs() {
      return state.refuseDelayMs;
    },
    set refuseDelayMs(ms: number | undefined) {
      state.refuseDelayMs = ms;
    },
    get expiresIn() {
      return state.expiresIn;
    },
    set expiresIn(s: number) {
      state.expiresIn = s;
    },
    issue,
    presented: (rt) => seen.get(rt) ?? 0,
    tokenRequests: () => requests,
    live: () => [...live],
    newest: () => newest,
    client: (timeoutMs = 5000) => rotatingClient(issuer, timeoutMs),
    close: () => server.close(),
  };
}

/** A client of the rotating provider at `issuer` (used by the worker processes too). */
export function rotatingClient(issuer: string, timeoutMs = 5000): Promise<OidcClient> {
  return OidcClient.create({
    issuer,
    kind: 'oauth2',
    metadata: { issuer, authorization_endpoint: `${issuer}/authorize`, token_endpoint: `${issuer}/token` },
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    redirectUri: REDIRECT,
    http: { timeoutMs },
  });
}
