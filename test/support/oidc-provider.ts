/**
 * The real, certified OpenID Provider (`oidc-provider` 9) running in-process on 127.0.0.1:0, for
 * happy-path tests.
 *
 * ```ts
 * const op = await startOidcProvider({
 *   clients: (issuer) => [{ client_id: 'rp', client_secret: 's…', redirect_uris: ['http://127.0.0.1:1/cb'],
 *     grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] }],
 *   config: { features: { dPoP: { requireNonce: () => true } } },   // deep-merged into the defaults below
 * });
 * op.issuer;                    // http://127.0.0.1:<port>
 * op.knobs.accountId = 'bob';   // the end-user the next login completes as (default 'alice')
 * op.knobs.error = 'access_denied'; // force the next interaction to fail with this error (undefined: succeed)
 * await op.mount(newKeys);      // swap the Provider behind the same server (key rotation); knobs kept
 * await op.close();             // in afterAll
 * ```
 *
 * Defaults (each overridable through `config`):
 * - interactions (login and consent) are auto-completed by a request wrapper (no devInteractions):
 *   a login finishes as `knobs.accountId`, consent grants every requested scope and claim, and
 *   `knobs.error` forces an interaction error instead;
 * - `pkce.required: () => true`, `conformIdTokenClaims: false` (scope claims in the ID token too);
 * - features: backchannelLogout, revocation, clientCredentials, dPoP (with a nonce secret;
 *   `knobs.requireDpopNonce` makes the token endpoint and userinfo ask for a nonce), PAR,
 *   rpInitiatedLogout (the confirmation page is a single form with hidden `xsrf` and `logout=yes`,
 *   so `UserAgent` with `autoSubmitForms` drives it), userinfo;
 * - `issueRefreshToken`: whenever the client has the `refresh_token` grant type (no
 *   `offline_access`/`prompt=consent` dance);
 * - the `fetch` override that lets back-channel logout reach loopback RPs (oidc-provider 9 blocks
 *   special-use IPs by default); `op.backchannelErrors` collects `backchannel.error` events and
 *   `op.serverErrors` the `server_error` ones;
 * - accounts: any account id; claims `sub`, `email` (`<id>@example.test`), `email_verified`, `name`,
 *   `given_name`, `family_name`, `phone_number`, `phone_number_verified`, `address`.
 *
 * `oidc-provider` has no type declarations: the few members used are typed here.
 */
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';

/** A client registration as oidc-provider takes it (RFC 7591 names). */
export type OpClientConfig = Record<string, unknown> & { readonly client_id: string };

/** Test knobs read on every interaction. */
export interface OpKnobs {
  /** The account the next login completes as. Default `alice`. */
  accountId: string;
  /** When set, the interaction ends with this error (e.g. `access_denied`). */
  error: string | undefined;
  /** Ask for a DPoP nonce at the token and userinfo endpoints. Default false. */
  requireDpopNonce: boolean;
}

/** The part of an oidc-provider instance the tests use. */
export interface OidcProviderInstance {
  callback(): (req: http.IncomingMessage, res: http.ServerResponse) => void;
  interactionDetails(req: http.IncomingMessage, res: http.ServerResponse): Promise<InteractionDetails>;
  interactionFinished(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    result: Record<string, unknown>,
    options?: { mergeWithLastSubmission?: boolean },
  ): Promise<void>;
  on(event: string, listener: (...args: unknown[]) => void): void;
  readonly Grant: GrantConstructor;
}

interface InteractionDetails {
  readonly grantId?: string;
  readonly prompt: { readonly name: string; readonly details: Record<string, unknown> };
  readonly params: Record<string, unknown>;
  readonly session?: { readonly accountId?: string };
}

interface GrantInstance {
  addOIDCScope(scope: string): void;
  addOIDCClaims(claims: readonly string[]): void;
  addResourceScope(resource: string, scope: string): void;
  save(): Promise<string>;
}

interface GrantConstructor {
  new (init: { accountId?: string; clientId?: unknown }): GrantInstance;
  find(id: string): Promise<GrantInstance | undefined>;
}

type ProviderConstructor = new (issuer: string, configuration: Record<string, unknown>) => OidcProviderInstance;

/** Options of {@link startOidcProvider}. */
export interface StartOidcProviderOptions {
  /** The registered clients, or a function of the issuer (to build redirect URIs). */
  readonly clients: readonly OpClientConfig[] | ((issuer: string) => readonly OpClientConfig[]);
  /** oidc-provider configuration, deep-merged over the defaults (`features` member by member). */
  readonly config?: Record<string, unknown>;
  /** Signing keys (private JWKs with `kid` and `alg`). Default: one fresh RS256 key, kid `k1`. */
  readonly keys?: readonly JWK[];
}

/** A running provider. */
export interface OidcProviderHandle {
  readonly issuer: string;
  /** The current Provider instance (changes on {@link OidcProviderHandle.mount}). */
  readonly provider: OidcProviderInstance;
  readonly server: http.Server;
  readonly knobs: OpKnobs;
  /** Errors oidc-provider reported while delivering back-channel logout tokens. */
  readonly backchannelErrors: unknown[];
  /** `server_error` events (oidc-provider bugs or test misconfiguration: a test may assert it is empty). */
  readonly serverErrors: unknown[];
  /** Replaces the Provider behind the same server with one signing with `keys` (key rotation). */
  mount(keys: readonly JWK[]): Promise<void>;
  close(): Promise<void>;
}

/** A fresh private signing JWK (RS256 by default) with `kid`, `alg` and `use: sig`. */
export async function generateSigningKey(kid: string, alg = 'RS256'): Promise<JWK> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  return { ...(await exportJWK(privateKey)), kid, alg, use: 'sig' };
}

let ProviderClass: ProviderConstructor | undefined;

async function loadProvider(): Promise<ProviderConstructor> {
  if (!ProviderClass) {
    // Imported by name held in a variable: the package ships no type declarations.
    const specifier = 'oidc-provider';
    const mod = (await import(specifier)) as { default: ProviderConstructor };
    ProviderClass = mod.default;
  }
  return ProviderClass;
}

/** Starts oidc-provider on 127.0.0.1:0 with auto-completed interactions. */
export async function startOidcProvider(options: StartOidcProviderOptions): Promise<OidcProviderHandle> {
  const Provider = await loadProvider();
  const server = http.createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const knobs: OpKnobs = { accountId: 'alice', error: undefined, requireDpopNonce: false };
  const backchannelErrors: unknown[] = [];
  const serverErrors: unknown[] = [];
  const clients = typeof options.clients === 'function' ? options.clients(issuer) : options.clients;
  const cookieKeys = [randomBytes(16).toString('hex')];
  const nonceSecret = randomBytes(32);
  let current: OidcProviderInstance | undefined;

  const build = (keys: readonly JWK[]): OidcProviderInstance => {
    const defaults: Record<string, unknown> = {
      clients: clients.map((c) => ({ ...c })),
      jwks: { keys: keys.map((k) => ({ ...k })) },
      cookies: { keys: cookieKeys },
      scopes: ['openid', 'offline_access', 'email', 'profile', 'phone', 'address'],
      claims: {
        openid: ['sub'],
        email: ['email', 'email_verified'],
        profile: ['name', 'given_name', 'family_name'],
        phone: ['phone_number', 'phone_number_verified'],
        address: ['address'],
      },
      pkce: { required: () => true },
      ttl: {
        AccessToken: 3600,
        AuthorizationCode: 60,
        ClientCredentials: 600,
        Grant: 3600,
        IdToken: 3600,
        Interaction: 600,
        RefreshToken: 86_400,
        Session: 3600,
        BackchannelAuthenticationRequest: 600,
        DeviceCode: 600,
        PushedAuthorizationRequest: 60,
      },
      conformIdTokenClaims: false,
      issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(type: string): boolean }) => client.grantTypeAllowed('refresh_token'),
      // oidc-provider 9 attaches a dispatcher that refuses loopback; drop it so back-channel logout reaches the test RP.
      fetch: (url: string | URL, init: RequestInit & { dispatcher?: unknown }) => {
        delete init.dispatcher;
        return globalThis.fetch(url, init);
      },
      async findAccount(_ctx: unknown, sub: string) {
        return {
          accountId: sub,
          async claims() {
            return {
              sub,
              email: `${sub}@example.test`,
              email_verified: true,
              name: `User ${sub}`,
              given_name: 'User',
              family_name: sub,
              phone_number: '+1 555 0100',
              phone_number_verified: false,
              address: { country: 'Testland' },
            };
          },
        };
      },
      features: {
        devInteractions: { enabled: false },
        backchannelLogout: { enabled: true },
        revocation: { enabled: true, allowedPolicy: async () => true },
        clientCredentials: { enabled: true },
        dPoP: { enabled: true, nonceSecret, requireNonce: () => knobs.requireDpopNonce },
        pushedAuthorizationRequests: { enabled: true },
        userinfo: { enabled: true },
        rpInitiatedLogout: {
          enabled: true,
          // One form, `logout=yes` hidden, so a headless user agent confirms by submitting it.
          async logoutSource(ctx: { body: unknown }, form: string) {
            ctx.body = `<!DOCTYPE html><html><head><title>Logout Request</title></head><body>${form.replace('</form>', '<input type="hidden" name="logout" value="yes"/></form>')}</body></html>`;
          },
          async postLogoutSuccessSource(ctx: { body: unknown }) {
            ctx.body = '<!DOCTYPE html><html><head><title>Signed out</title></head><body>Signed out</body></html>';
          },
        },
      },
    };
    const config = deepMerge(defaults, options.config ?? {});
    const provider = new Provider(issuer, config);
    provider.on('backchannel.error', (...args: unknown[]) => {
      backchannelErrors.push(args);
    });
    provider.on('server_error', (...args: unknown[]) => {
      serverErrors.push(args);
    });
    return provider;
  };

  const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const provider = current!;
    if (!req.url?.startsWith('/interaction/')) {
      provider.callback()(req, res);
      return;
    }
    autoInteraction(provider, knobs, req, res).catch((error: unknown) => {
      if (!res.headersSent) {
        res.statusCode = 500;
        res.end(`interaction failed: ${error instanceof Error ? error.message : 'error'}`);
      }
    });
  };

  const mount = async (keys: readonly JWK[]): Promise<void> => {
    current = build(keys);
  };
  await mount(options.keys ?? [await generateSigningKey('k1')]);
  server.on('request', handler);

  return {
    issuer,
    get provider() {
      return current!;
    },
    server,
    knobs,
    backchannelErrors,
    serverErrors,
    mount,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function autoInteraction(provider: OidcProviderInstance, knobs: OpKnobs, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const details = await provider.interactionDetails(req, res);
  let result: Record<string, unknown>;
  if (knobs.error !== undefined) {
    result = { error: knobs.error, error_description: 'forced by test' };
  } else if (details.prompt.name === 'login') {
    result = { login: { accountId: knobs.accountId } };
  } else {
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session?.accountId, clientId: details.params.client_id });
    if (!grant) throw new Error('grant not found');
    const d = details.prompt.details as { missingOIDCScope?: string[]; missingOIDCClaims?: string[]; missingResourceScopes?: Record<string, string[]> };
    if (d.missingOIDCScope) grant.addOIDCScope(d.missingOIDCScope.join(' '));
    if (d.missingOIDCClaims) grant.addOIDCClaims(d.missingOIDCClaims);
    for (const [resource, scopes] of Object.entries(d.missingResourceScopes ?? {})) grant.addResourceScope(resource, scopes.join(' '));
    result = { consent: { grantId: await grant.save() } };
  }
  await provider.interactionFinished(req, res, result, { mergeWithLastSubmission: true });
}

function deepMerge(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    const prev = out[key];
    out[key] = isMergeable(prev) && isMergeable(value) ? deepMerge(prev, value) : value;
  }
  return out;
}

function isMergeable(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.getPrototypeOf(v) === Object.prototype;
}
