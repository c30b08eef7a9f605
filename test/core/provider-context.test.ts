/**
 * One provider context: a `ProviderConfig` maps once to a frozen per-provider object (metadata
 * source, credentials, DPoP, transport with its endpoint policy, clock, hooks) that `OidcClient`
 * is built from.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../src/app/config.js';
import { providerContext } from '../../src/app/provider-context.js';
import { OidcClient, providerContextFromOptions } from '../../src/core/client.js';
import { createProviderContext } from '../../src/core/provider-context.js';
import { ConfigurationError } from '../../src/errors.js';
import { oidc } from '../../src/providers/oidc.js';
import type { ProviderConfig } from '../../src/providers/types.js';
import { type OidcProviderHandle, startOidcProvider } from '../support/oidc-provider.js';
import { UserAgent } from '../support/user-agent.js';

const BASE = 'http://127.0.0.1:3000';
const SECRET = 'a-long-client-secret-for-the-context-client-0123456789';
const REDIRECT = `${BASE}/auth/corp/callback`;

let op: OidcProviderHandle;

beforeAll(async () => {
  op = await startOidcProvider({
    clients: [
      {
        client_id: 'rp-context',
        client_secret: SECRET,
        redirect_uris: [REDIRECT],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
  });
});

afterAll(async () => {
  await op?.close();
});

function corp(extra: Partial<ProviderConfig> = {}): ProviderConfig {
  return { ...oidc({ id: 'corp', issuer: op.issuer, clientId: 'rp-context', clientSecret: SECRET }), ...extra };
}

describe('the provider context of a ProviderConfig', () => {
  it('is built once, frozen all the way down, with the endpoint policy of its issuer and the app clock', () => {
    const clock = () => 1_700_000_000_000;
    const provider = corp({ http: { timeoutMs: 1234 } });
    const config = resolveConfig({ baseUrl: BASE, secret: 'x'.repeat(32), providers: [provider], clock });
    const context = providerContext(config.providers.get('corp')!, config);
    expect(Object.isFrozen(context)).toBe(true);
    expect(Object.isFrozen(context.credentials)).toBe(true);
    expect(Object.isFrozen(context.metadata)).toBe(true);
    expect(Object.isFrozen(context.http)).toBe(true);
    expect(context.metadata.issuer).toBe(op.issuer);
    expect(context.credentials).toMatchObject({ clientId: 'rp-context', clientSecret: SECRET, redirectUri: REDIRECT });
    expect(context.credentials.postLogoutRedirectUri).toBe(`${BASE}/auth/logout/callback`);
    expect(context.http.timeoutMs).toBe(1234);
    expect(context.http.endpointPolicy.key).toBe(`configured|0|${new URL(op.issuer).hostname}`);
    expect(context.clock).toBe(clock);
    expect(context.kind).toBe('oidc');
    expect(context.usePar).toBe(false);
  });

  it('maps the public OidcClientOptions to the same shape (one policy per issuer and opt-in)', () => {
    const fromOptions = providerContextFromOptions({ issuer: op.issuer, clientId: 'rp-context', clientSecret: SECRET, redirectUri: REDIRECT });
    const config = resolveConfig({ baseUrl: BASE, secret: 'x'.repeat(32), providers: [corp()] });
    const fromConfig = providerContext(config.providers.get('corp')!, config);
    expect(fromOptions.http.endpointPolicy.key).toBe(fromConfig.http.endpointPolicy.key);
    expect(fromOptions.credentials.clientId).toBe(fromConfig.credentials.clientId);
    // The private-network opt-in is part of the policy, not lost on the way.
    const open = createProviderContext({
      metadata: { issuer: op.issuer },
      credentials: { clientId: 'c', redirectUri: REDIRECT },
      endpoints: { allowPrivateNetwork: true },
    });
    expect(open.http.endpointPolicy.allowPrivateNetwork).toBe(true);
    expect(fromOptions.http.endpointPolicy.allowPrivateNetwork).toBe(false);
  });

  it('OidcClient.fromContext logs in against oidc-provider with the context transport', async () => {
    const config = resolveConfig({ baseUrl: BASE, secret: 'x'.repeat(32), providers: [corp({ http: { timeoutMs: 4321 } })] });
    const client = await OidcClient.fromContext(providerContext(config.providers.get('corp')!, config));
    expect(client.requestTimeoutMs).toBe(4321);
    expect(client.client).toEqual({ client_id: 'rp-context', token_endpoint_auth_method: 'client_secret_basic' });
    const { url, transaction } = await client.authorizationUrl({ scope: ['openid', 'email'] });
    expect(url.searchParams.get('redirect_uri')).toBe(REDIRECT);
    const result = await new UserAgent().navigate(url, { stop: (u) => u.startsWith(REDIRECT) });
    expect(result.stopped).toBe(true);
    const tokens = await client.callback(new URL(result.url).searchParams, transaction);
    expect(tokens.idTokenClaims?.sub).toBe('alice');
    expect((await client.userinfo(tokens)).sub).toBe('alice');
  });

  it('fromContext validates the context like create validates its options', async () => {
    const context = createProviderContext({
      metadata: { issuer: op.issuer },
      credentials: { clientId: 'rp-context', tokenEndpointAuthMethod: 'client_secret_basic', redirectUri: REDIRECT },
    });
    const error = await OidcClient.fromContext(context).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as ConfigurationError).message).toContain('clientSecret');
  });
});
