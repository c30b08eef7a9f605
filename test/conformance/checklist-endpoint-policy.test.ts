/**
 * Issue 18 item 1 (and the `.localhost` part of item 4): discovery metadata that aims the client
 * at internal services. A hostile OP (the misbehaving OP, named `https://op.example` and reached
 * through a routing `fetch`) publishes each payload; an "internal service" on 127.0.0.1 stands for
 * what must never be reached. Each case runs the whole sign-in as an app would (create the client,
 * authorization URL, the OP's redirect, callback, userinfo) and asserts the typed refusal, the
 * member it names, and that nothing reached the target. Then the happy paths against
 * oidc-provider in both policy modes, and the plumbing through `createAuth`.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createAuth } from '../../src/app/create-auth.js';
import { OidcClient } from '../../src/core/client.js';
import { clearDiscoveryCache } from '../../src/core/discovery.js';
import type { HostResolver, IssuerSource } from '../../src/core/endpoint-policy.js';
import type { HttpOptions } from '../../src/core/http.js';
import { createDevIdp } from '../../src/dev/idp.js';
import { LatchkeyError, TransportError } from '../../src/errors.js';
import { oidc } from '../../src/providers/oidc.js';
import { opProvider, SECRET_A } from '../app/support.js';
import {
  INTERNAL_BANNER,
  type InternalService,
  type MisbehavingOp,
  routedFetch,
  runRpFlow,
  startInternalService,
  startMisbehavingOp,
} from '../support/misbehaving-op.js';
import { type OidcProviderHandle, startOidcProvider } from '../support/oidc-provider.js';
import { UserAgent } from '../support/user-agent.js';

const REDIRECT = 'http://127.0.0.1:9/cb';
const PUBLIC_ISSUER = 'https://op.example';

let op: MisbehavingOp;
let localOp: MisbehavingOp;
let internal: InternalService;

beforeAll(async () => {
  op = await startMisbehavingOp({ advertisedIssuer: PUBLIC_ISSUER });
  localOp = await startMisbehavingOp();
  internal = await startInternalService();
});
afterAll(async () => {
  await op.close();
  await localOp.close();
  await internal.close();
});
beforeEach(() => {
  op.reset();
  localOp.reset();
  internal.requests.length = 0;
  clearDiscoveryCache();
});

/** DNS as the tests see it: op.example is public; tokens.op.example is a public-looking name for an internal address. */
function resolver(extra: Readonly<Record<string, readonly string[]>> = {}): HostResolver {
  const answers: Record<string, readonly string[]> = { 'op.example': ['93.184.216.34'], 'tokens.op.example': ['10.0.0.5'], ...extra };
  return async (hostname) => {
    const a = answers[hostname];
    if (!a) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return a;
  };
}

/** Everything a sign-in through the hostile OP touched, and how it ended. */
interface Attempt {
  readonly outcome: unknown;
  /** URLs the client (and the test's browser step) asked the routing fetch for. */
  readonly calls: readonly string[];
}

/** The whole sign-in against the public-looking OP, through the routing fetch. */
async function signInThroughPublicOp(options: { allowPrivateNetwork?: boolean; resolve?: Readonly<Record<string, readonly string[]>> } = {}): Promise<Attempt> {
  const routed = routedFetch({ 'op.example': op.origin, 'tokens.op.example': internal.origin });
  const http: HttpOptions = { fetch: routed.fetch, resolveHost: resolver(options.resolve) };
  let outcome: unknown;
  try {
    const client = await OidcClient.create({
      issuer: PUBLIC_ISSUER,
      clientId: op.clientId,
      clientSecret: op.clientSecret,
      redirectUri: REDIRECT,
      http,
      ...(options.allowPrivateNetwork !== undefined ? { allowPrivateNetwork: options.allowPrivateNetwork } : {}),
    });
    const { url, transaction } = await client.authorizationUrl({ scope: ['openid', 'email'] });
    const answer = await routed.fetch(url, { redirect: 'manual' });
    const params = new URL(answer.headers.get('location') ?? 'http://127.0.0.1:9/cb?missing=location').searchParams;
    const tokens = await client.callback(params, transaction);
    await client.userinfo(tokens);
    client.endSessionUrl({ state: 'x' });
    outcome = 'signed in';
  } catch (error) {
    outcome = error;
  }
  return { outcome, calls: routed.calls };
}

function expectRefusal(outcome: unknown, member: string): TransportError {
  expect(outcome).toBeInstanceOf(TransportError);
  const error = outcome as TransportError;
  expect(error.code).toBe('ENDPOINT_REFUSED');
  expect(error.message).toContain(member);
  expect(error.message).not.toContain(INTERNAL_BANNER);
  expect(error.message).not.toContain(op.clientSecret);
  return error;
}

describe('the hostile OP and its routing work (the control case)', () => {
  it('a public-looking OP whose endpoints are all on its public name signs in, with the DNS check on', async () => {
    const { outcome, calls } = await signInThroughPublicOp();
    expect(outcome).toBe('signed in');
    expect(calls.every((c) => c.startsWith(`${PUBLIC_ISSUER}/`))).toBe(true);
    expect(op.requestsTo('/token')).toHaveLength(1);
  });
});

describe('discovery payloads that point inward are refused, and nothing reaches the target', () => {
  const payloads: { name: string; member: string; value: () => string; target: () => string }[] = [
    {
      name: 'loopback http token endpoint (would receive the Basic secret, code and PKCE verifier)',
      member: 'token_endpoint',
      value: () => `http://127.0.0.1:${internal.port}/internal`,
      target: () => internal.origin,
    },
    {
      name: 'the same, written as a decimal number',
      member: 'token_endpoint',
      value: () => `http://2130706433:${internal.port}/internal`,
      target: () => internal.origin,
    },
    {
      name: 'the same, written in hex short form',
      member: 'token_endpoint',
      value: () => `http://0x7f.1:${internal.port}/internal`,
      target: () => internal.origin,
    },
    {
      name: 'loopback over https',
      member: 'token_endpoint',
      value: () => `https://127.0.0.1:${internal.port}/internal`,
      target: () => `https://127.0.0.1:${internal.port}`,
    },
    {
      name: 'the cloud metadata service as jwks_uri',
      member: 'jwks_uri',
      value: () => 'https://169.254.169.254/latest/meta-data/',
      target: () => 'https://169.254.169.254',
    },
    {
      name: 'the metadata service as an IPv4-mapped IPv6 address',
      member: 'userinfo_endpoint',
      value: () => 'https://[::ffff:a9fe:a9fe]/latest/meta-data/',
      target: () => 'https://[::ffff:a9fe:a9fe]',
    },
    {
      name: 'a unique-local IPv6 userinfo endpoint',
      member: 'userinfo_endpoint',
      value: () => 'https://[fd00::1]/userinfo',
      target: () => 'https://[fd00::1]',
    },
    {
      name: 'a private-network PAR endpoint',
      member: 'pushed_authorization_request_endpoint',
      value: () => 'https://10.0.0.5/par',
      target: () => 'https://10.0.0.5',
    },
    {
      name: 'a shared-address-space revocation endpoint',
      member: 'revocation_endpoint',
      value: () => 'https://100.64.0.7/revoke',
      target: () => 'https://100.64.0.7',
    },
    {
      name: 'credentials in the token endpoint URL',
      member: 'token_endpoint',
      value: () => 'https://admin:hunter2@op.example/token',
      target: () => 'https://admin:hunter2@op.example',
    },
    {
      name: 'an end_session_endpoint on a foreign host (would receive the ID token)',
      member: 'end_session_endpoint',
      value: () => 'https://evil.example/logout',
      target: () => 'https://evil.example',
    },
  ];
  it.each(payloads)('$name', async ({ member, value, target }) => {
    op.faults.discoveryOverrides = { [member]: value() };
    const { outcome, calls } = await signInThroughPublicOp();
    const error = expectRefusal(outcome, `metadata ${member}`);
    expect(error.message).not.toContain('hunter2');
    // Refused at discovery: nothing after the discovery document, nothing to the target.
    expect(calls).toEqual([`${PUBLIC_ISSUER}/.well-known/openid-configuration`]);
    expect(calls.some((c) => c.startsWith(target()))).toBe(false);
    expect(internal.requests).toEqual([]);
    expect(op.requestsTo('/token')).toEqual([]);
  });

  it('a public-looking token endpoint name that resolves to 10.0.0.5 is refused at the callback, before the POST', async () => {
    op.faults.discoveryOverrides = { token_endpoint: 'https://tokens.op.example/token' };
    const { outcome, calls } = await signInThroughPublicOp();
    const error = expectRefusal(outcome, 'metadata token_endpoint');
    expect(error.message).toContain('resolves to a private-network address');
    expect(calls.some((c) => c.startsWith('https://tokens.op.example'))).toBe(false);
    expect(internal.requests).toEqual([]);
  });

  it('with allowPrivateNetwork: true the same provider is reached (the opt-in works, and is per provider)', async () => {
    op.faults.discoveryOverrides = { token_endpoint: 'https://tokens.op.example/token' };
    const { outcome } = await signInThroughPublicOp({ allowPrivateNetwork: true });
    // The "internal" service is now the token endpoint: it answers with its OAuth error.
    expect((outcome as LatchkeyError).code).toBe('TOKEN_ERROR');
    expect(internal.requests.map((r) => r.path)).toEqual(['/token']);
  });
});

describe('loopback issuers, by who chose them', () => {
  async function createFor(issuer: string, issuerSource?: IssuerSource, allowPrivateNetwork?: boolean): Promise<unknown> {
    return OidcClient.create({
      issuer,
      clientId: localOp.clientId,
      clientSecret: localOp.clientSecret,
      redirectUri: REDIRECT,
      ...(issuerSource !== undefined ? { issuerSource } : {}),
      ...(allowPrivateNetwork !== undefined ? { allowPrivateNetwork } : {}),
    }).catch((error: unknown) => error);
  }

  it('an issuer like http://127.0.0.1:6379 chosen at run time is refused, and the service gets nothing', async () => {
    expectRefusal(await createFor(internal.origin, 'runtime'), 'issuer');
    expect(internal.requests).toEqual([]);
  });

  it('the same issuer written in code is the developer’s local provider: its discovery is fetched', async () => {
    const outcome = await createFor(internal.origin);
    // The service is no OP: its answer is not metadata.
    expect(outcome).toBeInstanceOf(LatchkeyError);
    expect((outcome as LatchkeyError).code).not.toBe('ENDPOINT_REFUSED');
    expect(internal.requests.map((r) => r.path)).toEqual(['/.well-known/openid-configuration']);
  });

  it('a configured loopback issuer may not name another loopback host, or a private address', async () => {
    localOp.faults.discoveryOverrides = { token_endpoint: `http://localhost:${internal.port}/internal` };
    expectRefusal(await createFor(localOp.issuer), 'metadata token_endpoint');
    localOp.faults.discoveryOverrides = { jwks_uri: 'https://192.168.1.1/jwks' };
    clearDiscoveryCache();
    expectRefusal(await createFor(localOp.issuer), 'metadata jwks_uri');
    expect(internal.requests).toEqual([]);
  });

  it('strict mode: a loopback OP signs in only with allowPrivateNetwork', async () => {
    expectRefusal(await createFor(localOp.issuer, 'runtime'), 'issuer');
    expect(localOp.requests).toEqual([]);
    const client = (await createFor(localOp.issuer, 'runtime', true)) as OidcClient;
    expect(client).toBeInstanceOf(OidcClient);
    const flow = await runRpFlow(client);
    expect(flow.error).toBeUndefined();
    expect(flow.userinfo?.sub).toBe(localOp.subject);
  });
});

describe('.localhost issuers count as loopback only when they resolve to loopback', () => {
  function localhostIssuer(): string {
    return `http://idp.localhost:${new URL(localOp.origin).port}`;
  }
  async function attempt(answer: readonly string[]): Promise<{ outcome: unknown; calls: readonly string[] }> {
    const issuer = localhostIssuer();
    const routed = routedFetch({ [new URL(issuer).host]: localOp.origin });
    localOp.faults.discoveryIssuer = issuer;
    localOp.faults.discoveryOverrides = {
      authorization_endpoint: `${issuer}/authorize`,
      token_endpoint: `${issuer}/token`,
      userinfo_endpoint: `${issuer}/userinfo`,
      jwks_uri: `${issuer}/jwks`,
      revocation_endpoint: `${issuer}/revoke`,
      end_session_endpoint: `${issuer}/end_session`,
      pushed_authorization_request_endpoint: `${issuer}/par`,
    };
    const outcome = await OidcClient.create({
      issuer,
      clientId: localOp.clientId,
      clientSecret: localOp.clientSecret,
      redirectUri: REDIRECT,
      http: { fetch: routed.fetch, resolveHost: async () => answer },
    }).catch((error: unknown) => error);
    return { outcome, calls: routed.calls };
  }

  it('http://idp.localhost resolving to a public address is refused, and nothing is fetched', async () => {
    const { outcome, calls } = await attempt(['93.184.216.34']);
    expectRefusal(outcome, 'does not resolve to loopback');
    expect(calls).toEqual([]);
    expect(localOp.requests).toEqual([]);
  });

  it('http://idp.localhost resolving to 127.0.0.1 is a local provider', async () => {
    const { outcome, calls } = await attempt(['127.0.0.1']);
    expect(outcome).toBeInstanceOf(OidcClient);
    expect(calls).toEqual([`${localhostIssuer()}/.well-known/openid-configuration`]);
  });
});

describe('the in-process dev IdP on a .localhost name (docs/dev-idp.md)', () => {
  it('works once the name is resolved to loopback through resolveHost', async () => {
    const idp = createDevIdp({ baseUrl: 'http://dev-idp.localhost', acceptAnyClient: true });
    const customFetch = (async (url: string | URL | Request, init?: RequestInit) => idp.handler(new Request(url, init))) as typeof fetch;
    const client = await OidcClient.create({
      issuer: 'http://dev-idp.localhost/oidc',
      clientId: 'app',
      redirectUri: REDIRECT,
      http: { fetch: customFetch, resolveHost: async () => ['127.0.0.1'] },
    });
    expect(client.metadata.token_endpoint).toBe('http://dev-idp.localhost/oidc/token');
    clearDiscoveryCache();
    const wrong = await OidcClient.create({
      issuer: 'http://dev-idp.localhost/oidc',
      clientId: 'app',
      redirectUri: REDIRECT,
      http: { fetch: customFetch, resolveHost: async () => ['198.51.100.7', '93.184.216.34'] },
    }).catch((e: unknown) => e);
    expectRefusal(wrong, 'does not resolve to loopback');
  });
});

describe('happy paths against oidc-provider', () => {
  const SECRET = 'a-long-client-secret-for-the-endpoint-policy-client-0123';
  let real: OidcProviderHandle;
  beforeAll(async () => {
    real = await startOidcProvider({
      clients: [
        {
          client_id: 'rp-policy',
          client_secret: SECRET,
          redirect_uris: [REDIRECT],
          grant_types: ['authorization_code', 'refresh_token'],
          response_types: ['code'],
        },
      ],
    });
  });
  afterAll(async () => {
    await real?.close();
  });

  async function login(issuerSource?: IssuerSource, allowPrivateNetwork?: boolean): Promise<{ outcome: unknown; calls: string[] }> {
    const calls: string[] = [];
    const counting = ((input: string | URL | Request, init?: RequestInit) => {
      calls.push(String(input));
      return fetch(input, init);
    }) as typeof fetch;
    try {
      const client = await OidcClient.create({
        issuer: real.issuer,
        clientId: 'rp-policy',
        clientSecret: SECRET,
        redirectUri: REDIRECT,
        http: { fetch: counting },
        ...(issuerSource !== undefined ? { issuerSource } : {}),
        ...(allowPrivateNetwork !== undefined ? { allowPrivateNetwork } : {}),
      });
      const { url, transaction } = await client.authorizationUrl({ scope: ['openid', 'email'] });
      const result = await new UserAgent().navigate(url, { stop: (u) => u.startsWith(REDIRECT) });
      const tokens = await client.callback(new URL(result.url).searchParams, transaction);
      const info = await client.userinfo(tokens);
      const refreshed = await client.refresh(tokens.refreshToken!, { previousIdTokenClaims: tokens.idTokenClaims! });
      return { outcome: { sub: info.sub, refreshedSub: refreshed.idTokenClaims?.sub }, calls };
    } catch (error) {
      return { outcome: error, calls };
    }
  }

  it('configured mode (the default): sign-in, userinfo and refresh are unchanged', async () => {
    const { outcome } = await login();
    expect(outcome).toEqual({ sub: 'alice', refreshedSub: 'alice' });
  });

  it('strict mode: refused before any request; with allowPrivateNetwork it signs in', async () => {
    const refused = await login('runtime');
    expectRefusal(refused.outcome, 'issuer');
    expect(refused.calls).toEqual([]);
    const optedIn = await login('runtime', true);
    expect(optedIn.outcome).toEqual({ sub: 'alice', refreshedSub: 'alice' });
  });
});

describe('createAuth carries allowPrivateNetwork and issuerSource from the ProviderConfig', () => {
  async function loginStatus(provider: ReturnType<typeof opProvider>): Promise<number> {
    const auth = createAuth({ baseUrl: 'http://127.0.0.1:9', secret: SECRET_A, providers: [provider] });
    const response = await auth.handler(new Request('http://127.0.0.1:9/auth/op/login'));
    return response.status;
  }
  it('a runtime-chosen loopback issuer is refused (502, nothing sent); allowPrivateNetwork lets it through', async () => {
    const base = { clientId: localOp.clientId, clientSecret: localOp.clientSecret };
    expect(await loginStatus(opProvider(localOp.issuer, { ...base, issuerSource: 'runtime' }))).toBe(502);
    expect(localOp.requests).toEqual([]);
    expect(await loginStatus(opProvider(localOp.issuer, { ...base, issuerSource: 'runtime', allowPrivateNetwork: true }))).toBe(302);
    expect(localOp.requests.map((r) => r.path)).toEqual(['/.well-known/openid-configuration']);
  });
  it('presets pass allowPrivateNetwork through', () => {
    expect(oidc({ id: 'corp', issuer: 'https://sso.corp.example', clientId: 'app', allowPrivateNetwork: true }).allowPrivateNetwork).toBe(true);
    expect(oidc({ id: 'corp', issuer: 'https://sso.corp.example', clientId: 'app' }).allowPrivateNetwork).toBeUndefined();
  });
});
