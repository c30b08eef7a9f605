/**
 * RP-initiated logout and back-channel logout against oidc-provider: the end-session URL, the OP's
 * confirmation form submitted by the user agent, the post-logout redirect with `state`, and the
 * logout token oidc-provider POSTs to a loopback endpoint, validated with
 * `OidcClient.validateLogoutToken`.
 */
import { once } from 'node:events';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OidcClient } from '../../src/core/client.js';
import type { LogoutTokenClaims } from '../../src/core/types.js';
import { isLatchkeyError } from '../../src/errors.js';
import { type OidcProviderHandle, startOidcProvider } from '../support/oidc-provider.js';
import { UserAgent } from '../support/user-agent.js';

const SECRET = 'a-long-client-secret-for-logout-tests-0123456789abcdef';

let op: OidcProviderHandle;
let rp: http.Server;
let rpBase: string;
let client: OidcClient;
const received: { claims?: LogoutTokenClaims; error?: unknown; status: number }[] = [];
let onReceived: (() => void) | undefined;

beforeAll(async () => {
  // The RP's back-channel logout endpoint: validates the token, answers 200 or 400.
  rp = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      client
        .validateLogoutToken(form.get('logout_token') ?? '')
        .then((claims) => {
          received.push({ claims, status: 200 });
          res.writeHead(200, { 'cache-control': 'no-store' }).end();
        })
        .catch((error: unknown) => {
          received.push({ error, status: 400 });
          res.writeHead(400, { 'cache-control': 'no-store' }).end();
        })
        .finally(() => onReceived?.());
    });
  });
  rp.listen(0, '127.0.0.1');
  await once(rp, 'listening');
  rpBase = `http://127.0.0.1:${(rp.address() as AddressInfo).port}`;
  op = await startOidcProvider({
    clients: [
      {
        client_id: 'rp',
        client_secret: SECRET,
        redirect_uris: [`${rpBase}/cb`],
        post_logout_redirect_uris: [`${rpBase}/logged-out`],
        backchannel_logout_uri: `${rpBase}/backchannel`,
        backchannel_logout_session_required: true,
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
      },
    ],
  });
  client = await OidcClient.create({
    issuer: op.issuer,
    clientId: 'rp',
    clientSecret: SECRET,
    redirectUri: `${rpBase}/cb`,
    postLogoutRedirectUri: `${rpBase}/logged-out`,
  });
});

afterAll(async () => {
  await op?.close();
  await new Promise<void>((r) => {
    rp?.closeAllConnections();
    rp ? rp.close(() => r()) : r();
  });
});

async function loginWith(ua: UserAgent) {
  const { url, transaction } = await client.authorizationUrl({ scope: ['openid', 'email'] });
  const result = await ua.navigate(url, { stop: (u) => u.startsWith(`${rpBase}/cb`) });
  return client.callback(new URL(result.url).searchParams, transaction);
}

function nextLogoutToken(timeoutMs = 5000): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no logout token within the time limit')), timeoutMs);
    onReceived = () => {
      clearTimeout(timer);
      onReceived = undefined;
      resolve();
    };
  });
}

describe('RP-initiated logout with back-channel logout (oidc-provider)', () => {
  it('end-session URL, confirmation form, post-logout redirect with the same state, and a valid logout token', async () => {
    expect(client.metadata.backchannel_logout_supported).toBe(true);
    const ua = new UserAgent();
    const tokens = await loginWith(ua);
    const state = 'logout-state-0123456789';
    const url = client.endSessionUrl({ idTokenHint: tokens.idToken!, state });
    expect(url.searchParams.get('client_id')).toBe('rp');
    expect(url.searchParams.get('post_logout_redirect_uri')).toBe(`${rpBase}/logged-out`);
    expect(url.searchParams.get('id_token_hint')).toBe(tokens.idToken);

    received.length = 0;
    const arrived = nextLogoutToken();
    const out = await ua.navigate(url, { stop: (u) => u.startsWith(`${rpBase}/logged-out`), autoSubmitForms: true });
    expect(out.stopped).toBe(true);
    const params = new URL(out.url).searchParams;
    expect(() => client.validateEndSessionCallback(params, state)).not.toThrow();

    await arrived;
    expect(received).toHaveLength(1);
    expect(received[0]!.status).toBe(200);
    const claims = received[0]!.claims!;
    expect(claims.iss).toBe(op.issuer);
    expect(claims.aud).toBe('rp');
    expect(claims.sub).toBe('alice');
    expect(claims.sid).toBe(tokens.idTokenClaims!.sid);
    expect(claims.events).toHaveProperty(['http://schemas.openid.net/event/backchannel-logout']);
    expect(op.backchannelErrors).toEqual([]);
  });

  it('the post-logout state is checked: another or no state is LOGOUT_STATE_MISMATCH', async () => {
    const ua = new UserAgent();
    const tokens = await loginWith(ua);
    const arrived = nextLogoutToken();
    const out = await ua.navigate(client.endSessionUrl({ idTokenHint: tokens.idToken!, state: 'sent-state' }), {
      stop: (u) => u.startsWith(`${rpBase}/logged-out`),
      autoSubmitForms: true,
    });
    await arrived;
    const params = new URL(out.url).searchParams;
    expect(params.get('state')).toBe('sent-state');
    let error: unknown;
    try {
      client.validateEndSessionCallback(params, 'another-state');
    } catch (e) {
      error = e;
    }
    expect(isLatchkeyError(error, 'LOGOUT_STATE_MISMATCH')).toBe(true);
  });

  it('a replayed logout token is refused with seenJti', async () => {
    const ua = new UserAgent();
    const tokens = await loginWith(ua);
    // Capture the raw token this time with a one-off endpoint wrapper.
    const raw: string[] = [];
    const original = rp.listeners('request');
    const arrived = nextLogoutToken();
    rp.prependListener('request', (req: http.IncomingMessage) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => raw.push(new URLSearchParams(Buffer.concat(chunks).toString('utf8')).get('logout_token') ?? ''));
    });
    try {
      await ua.navigate(client.endSessionUrl({ idTokenHint: tokens.idToken!, state: 's' }), {
        stop: (u) => u.startsWith(`${rpBase}/logged-out`),
        autoSubmitForms: true,
      });
      await arrived;
    } finally {
      rp.removeAllListeners('request');
      for (const l of original) rp.on('request', l as (...args: unknown[]) => void);
    }
    expect(raw).toHaveLength(1);
    const seen = new Set<string>();
    const seenJti = (jti: string) => {
      if (seen.has(jti)) return true;
      seen.add(jti);
      return false;
    };
    await expect(client.validateLogoutToken(raw[0]!, { seenJti })).resolves.toMatchObject({ sub: 'alice' });
    await expect(client.validateLogoutToken(raw[0]!, { seenJti })).rejects.toMatchObject({ code: 'LOGOUT_TOKEN_INVALID' });
  });

  it('END_SESSION_UNSUPPORTED when the provider has no end_session_endpoint (Google)', async () => {
    const { end_session_endpoint: _omit, ...withoutEndSession } = client.metadata;
    const google = await OidcClient.create({
      issuer: op.issuer,
      clientId: 'rp',
      clientSecret: SECRET,
      redirectUri: `${rpBase}/cb`,
      metadata: withoutEndSession,
    });
    let error: unknown;
    try {
      google.endSessionUrl({ state: 'x' });
    } catch (e) {
      error = e;
    }
    expect(isLatchkeyError(error, 'END_SESSION_UNSUPPORTED')).toBe(true);
  });
});
