/**
 * Which providers the demo offers, and where each one points: the real provider when its
 * credentials are in the environment, otherwise (in development) its emulation on the built-in
 * development identity provider.
 */
import { exportJWK, exportPKCS8, generateKeyPair } from 'jose';
import type { RunningDevIdp } from 'latchkey/dev';
import { apple, github, google, microsoft, oidc, type ProviderConfig } from 'latchkey/providers';

/** The environment the demo reads. */
export type DemoEnv = Readonly<Record<string, string | undefined>>;

/** A configured provider plus what the pages need to know about it. */
export interface DemoProvider {
  readonly config: ProviderConfig;
  readonly emulated: boolean;
  /** What the provider talks to, for display. */
  readonly issuer: string;
  /** Whether the provider has an RP-initiated logout endpoint. */
  readonly providerLogout: boolean;
  /** The API the profile page's button calls, or null. */
  readonly api: { readonly label: string; readonly url: string } | null;
}

/** The Google Calendar read-only scope: the emulation serves a Calendar-like API for it. */
export const CALENDAR_SCOPE = 'https://www.googleapis.com/auth/calendar.readonly';
/** The client id the demo uses with the emulations (any id works with `acceptAnyClient`). */
export const DEV_CLIENT_ID = 'latchkey-demo';
/** Not a secret: the emulation accepts any secret for an unregistered client. */
const DEV_CLIENT_SECRET = 'latchkey-demo-dev-secret';
const APPLE_TEAM = 'DEMOTEAM01';
const APPLE_KEY = 'DEMOKEY001';
const APPLE_CLIENT = 'org.latchkey.demo';
/** Registered at the emulation (exact redirect URIs, back-channel logout), unlike the other clients. */
const OIDC_CLIENT = 'latchkey-demo-oidc';

/** Whether a variable is set to something non-blank. */
export function has(env: DemoEnv, name: string): boolean {
  return (env[name] ?? '').trim() !== '';
}

/** The preset ids the demo knows, in display order, with the variable that turns the real one on. */
export const DEMO_PRESETS = [
  { id: 'google', variable: 'GOOGLE_CLIENT_ID' },
  { id: 'github', variable: 'GITHUB_CLIENT_ID' },
  { id: 'microsoft', variable: 'MICROSOFT_CLIENT_ID' },
  { id: 'apple', variable: 'APPLE_CLIENT_ID' },
  { id: 'oidc', variable: 'OIDC_ISSUER' },
] as const;

/**
 * Builds the providers.
 *
 * @param env - the environment.
 * @param dev - the running dev IdP, or null when every provider has credentials (or in production).
 * @param appUrl - the app's base URL (for the clients registered at the dev IdP).
 * @param http - transport options shared by every provider (the inspector's recording fetch).
 */
export async function buildProviders(env: DemoEnv, dev: RunningDevIdp | null, appUrl: string, http: ProviderConfig['http']): Promise<DemoProvider[]> {
  const out: DemoProvider[] = [];
  const common = http ? { http } : {};
  const devUrl = dev?.url ?? '';

  if (has(env, 'GOOGLE_CLIENT_ID')) {
    out.push({
      config: google({ env, offline: true, ...common }),
      emulated: false,
      issuer: 'https://accounts.google.com',
      providerLogout: false,
      api: { label: 'Call the Google userinfo API', url: 'https://openidconnect.googleapis.com/v1/userinfo' },
    });
  } else if (dev) {
    const issuer = dev.issuerFor('google');
    out.push({
      config: google({
        clientId: DEV_CLIENT_ID,
        clientSecret: DEV_CLIENT_SECRET,
        issuer,
        env: {},
        offline: true,
        scopes: ['openid', 'email', 'profile', CALENDAR_SCOPE],
        ...common,
      }),
      emulated: true,
      issuer,
      providerLogout: false,
      api: { label: 'List my calendars (Calendar API)', url: `${issuer}/calendar/v3/users/me/calendarList` },
    });
  }

  if (has(env, 'GITHUB_CLIENT_ID')) {
    out.push({
      config: github({ env, ...common }),
      emulated: false,
      issuer: 'https://github.com',
      providerLogout: false,
      api: { label: 'Get my GitHub user (REST API)', url: 'https://api.github.com/user' },
    });
  } else if (dev) {
    out.push({
      config: github({
        clientId: DEV_CLIENT_ID,
        clientSecret: DEV_CLIENT_SECRET,
        baseUrl: `${devUrl}/github`,
        apiBaseUrl: `${devUrl}/github/api`,
        env: {},
        ...common,
      }),
      emulated: true,
      issuer: `${devUrl}/github`,
      providerLogout: false,
      api: { label: 'Get my GitHub user (REST API)', url: `${devUrl}/github/api/user` },
    });
  }

  if (has(env, 'MICROSOFT_CLIENT_ID')) {
    out.push({
      config: microsoft({ env, ...common }),
      emulated: false,
      issuer: 'https://login.microsoftonline.com',
      providerLogout: true,
      api: { label: 'Call Microsoft Graph userinfo', url: 'https://graph.microsoft.com/oidc/userinfo' },
    });
  } else if (dev) {
    const userinfo = dev.idp.metadataFor('microsoft').userinfo_endpoint;
    out.push({
      config: microsoft({ clientId: DEV_CLIENT_ID, clientSecret: DEV_CLIENT_SECRET, authority: `${devUrl}/microsoft`, env: {}, offline: true, ...common }),
      emulated: true,
      issuer: dev.issuerFor('microsoft'),
      providerLogout: true,
      api: typeof userinfo === 'string' ? { label: 'Call the userinfo API (Graph-like)', url: userinfo } : null,
    });
  }

  if (has(env, 'APPLE_CLIENT_ID')) {
    out.push({ config: apple({ env, ...common }), emulated: false, issuer: 'https://appleid.apple.com', providerLogout: false, api: null });
  } else if (dev) {
    // Apple authenticates clients with an ES256-signed JWT: make a key for this run and register it.
    const pair = await generateKeyPair('ES256', { extractable: true });
    const issuer = dev.issuerFor('apple');
    dev.idp.registerClient({
      client_id: APPLE_CLIENT,
      redirect_uris: [`${appUrl}/auth/apple/callback`],
      apple: { teamId: APPLE_TEAM, keyId: APPLE_KEY, publicKey: await exportJWK(pair.publicKey) },
    });
    out.push({
      config: apple({
        clientId: APPLE_CLIENT,
        teamId: APPLE_TEAM,
        keyId: APPLE_KEY,
        privateKey: await exportPKCS8(pair.privateKey),
        issuer,
        env: {},
        ...common,
      }),
      emulated: true,
      issuer,
      providerLogout: false,
      api: null,
    });
  }

  if (has(env, 'OIDC_ISSUER')) {
    const name = env.OIDC_NAME?.trim() || 'OpenID Connect';
    out.push({ config: oidc({ id: 'oidc', name, env, ...common }), emulated: false, issuer: env.OIDC_ISSUER!.trim(), providerLogout: true, api: null });
  } else if (dev) {
    const issuer = dev.issuerFor('generic');
    // Registered (not just accepted) so the emulation delivers back-channel logout tokens.
    dev.idp.registerClient({
      client_id: OIDC_CLIENT,
      client_secret: DEV_CLIENT_SECRET,
      redirect_uris: [`${appUrl}/auth/oidc/callback`],
      post_logout_redirect_uris: [`${appUrl}/auth/logout/callback`],
      backchannel_logout_uri: `${appUrl}/auth/oidc/backchannel-logout`,
    });
    const userinfo = dev.idp.metadataFor('generic').userinfo_endpoint;
    out.push({
      config: oidc({ id: 'oidc', name: 'Generic OIDC', issuer, clientId: OIDC_CLIENT, clientSecret: DEV_CLIENT_SECRET, env: {}, ...common }),
      emulated: true,
      issuer,
      providerLogout: true,
      api: typeof userinfo === 'string' ? { label: 'Call the userinfo API', url: userinfo } : null,
    });
  }
  return out;
}
