/**
 * `npx latchkey doctor`: checks the configuration in the environment the way `createAuth` and the
 * demo read it, prints the exact redirect URIs to register at each provider, fetches each
 * provider's discovery document (issuer equality, endpoints), measures the clock skew against the
 * provider's `Date` header, and warns about insecure settings. Never prints a secret: every line
 * passes through one redaction step that masks credentials inside URLs (`postgres://user:***@host`).
 *
 * @module
 */
import { discover } from '../core/discovery.js';
import { isLoopbackHost } from '../core/http.js';
import { isLatchkeyError } from '../errors.js';
import { redactUrlsIn } from '../internal/redact.js';
import { oidc, PRESETS_FROM_ENV } from '../providers/index.js';
import type { ProviderConfig } from '../providers/types.js';
import { parseDatabaseUrl } from '../storage/sql/url.js';

/** The environment doctor reads. */
export type DoctorEnv = Readonly<Record<string, string | undefined>>;

/** Options of {@link runDoctor}. */
export interface DoctorOptions {
  /** Default `process.env`. */
  readonly env?: DoctorEnv;
  /** Skip network checks (discovery, clock skew). */
  readonly offline?: boolean;
  /** The auth routes' base path. Default `/auth`. */
  readonly basePath?: string;
  /** Transport for discovery (tests). */
  readonly fetch?: typeof fetch;
  /** Milliseconds per network request. Default 5000. */
  readonly timeoutMs?: number;
  /** The local clock, epoch ms (tests). */
  readonly now?: () => number;
}

/** Clock skew above this is a warning (seconds): ID token `iat`/`exp` checks tolerate 30 s by default. */
export const SKEW_WARN_SECONDS = 10;
/** Clock skew above this is an error: sign-ins fail with ID_TOKEN_IAT_INVALID / ID_TOKEN_EXPIRED. */
export const SKEW_ERROR_SECONDS = 30;

type Level = 'ok' | 'warn' | 'error' | 'info';
const MARK: Record<Level, string> = { ok: '  ✓', warn: '  !', error: '  ✗', info: '   ' };

function value(env: DoctorEnv, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

/** How many distinct characters a secret has: a cheap guard against "aaaa…" or a word repeated. */
function looksWeak(secret: string): boolean {
  return new Set(secret).size < 12 || /^(.{1,8})\1+$/.test(secret);
}

function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname;
  } catch {
    return undefined;
  }
}

/**
 * Runs the checks and prints a report.
 *
 * @param out - where lines go.
 * @param options - environment and switches.
 * @returns 0 when nothing is wrong (warnings allowed), 1 when something must be fixed.
 */
export async function runDoctor(out: (line: string) => void, options: DoctorOptions = {}): Promise<number> {
  const env = options.env ?? process.env;
  const now = options.now ?? Date.now;
  const basePath = options.basePath ?? '/auth';
  const production = env.NODE_ENV === 'production';
  let errors = 0;
  let warnings = 0;
  const say = (level: Level, text: string): void => {
    if (level === 'error') errors++;
    if (level === 'warn') warnings++;
    // Every finding may quote a URL from the environment or an error message: mask its credentials.
    out(`${MARK[level]} ${redactUrlsIn(text)}`);
  };

  // ── the app's URL ─────────────────────────────────────────────────────────────────────────────
  out('Application');
  const port = value(env, 'PORT') ?? '3000';
  const appUrlRaw = value(env, 'APP_URL');
  let appUrl = `http://localhost:${port}`;
  if (appUrlRaw === undefined) {
    say(production ? 'error' : 'warn', `APP_URL is not set: assuming ${appUrl}. Set it to the URL users see (https in production).`);
  } else {
    try {
      const u = new URL(appUrlRaw);
      appUrl = `${u.origin}${u.pathname.replace(/\/+$/, '')}`;
      if (u.search || u.hash || u.username || u.password) say('error', 'APP_URL must not contain a query, a fragment or credentials.');
      if (u.protocol === 'https:') say('ok', `APP_URL ${appUrl}`);
      else if (u.protocol === 'http:' && isLoopbackHost(u.hostname))
        say(
          production ? 'error' : 'ok',
          `APP_URL ${appUrl}${production ? ' is plain http in production: use https.' : ' (plain http is fine on localhost for development)'}`,
        );
      else say('error', `APP_URL ${appUrl} must use https: cookies are Secure and providers refuse http redirect URIs except on localhost.`);
    } catch {
      say('error', `APP_URL "${appUrlRaw.slice(0, 100)}" is not an absolute URL such as https://app.example.com.`);
    }
  }

  // ── the secret ────────────────────────────────────────────────────────────────────────────────
  const secret = value(env, 'AUTH_SECRET');
  if (secret === undefined) {
    say(
      production ? 'error' : 'warn',
      `AUTH_SECRET is not set${production ? '' : ' (the demo generates a development one under .latchkey/)'}: run \`npx latchkey secret\` and set it.`,
    );
  } else if (secret.length < 32) {
    say('error', `AUTH_SECRET is ${secret.length} characters; it needs at least 32. Run \`npx latchkey secret\`.`);
  } else if (looksWeak(secret)) {
    say('warn', 'AUTH_SECRET looks low-entropy (few distinct characters or a repeated pattern). Run `npx latchkey secret`.');
  } else {
    say('ok', `AUTH_SECRET is set (${secret.length} characters; not shown).`);
  }

  // ── storage ───────────────────────────────────────────────────────────────────────────────────
  const db = value(env, 'DATABASE_URL');
  if (db === undefined) say(production ? 'warn' : 'info', 'DATABASE_URL is not set: the demo uses SQLite at .latchkey/demo.db.');
  else {
    // The same rules createSqlStore applies: a value without a scheme is refused, not taken as a file.
    let kind: string | undefined;
    try {
      kind = parseDatabaseUrl(db).kind;
    } catch (error) {
      say('error', `DATABASE_URL: ${isLatchkeyError(error) ? error.message : 'invalid'}`);
    }
    if (kind === 'postgres' || kind === 'mysql') {
      const scheme = db.split(':')[0]!.toLowerCase();
      const host = hostOf(db);
      say('ok', `DATABASE_URL: ${scheme} on ${host ?? '(unknown host)'} (credentials not shown).`);
      if (host && !isLoopbackHost(host) && /sslmode=disable/i.test(db))
        say('warn', 'DATABASE_URL disables TLS (sslmode=disable) to a non-local database: tokens travel encrypted at rest but the connection is clear text.');
    } else if (kind === 'sqlite')
      say(
        production ? 'warn' : 'ok',
        `DATABASE_URL: SQLite (${production ? 'one process only: use PostgreSQL or MySQL to run several instances' : 'fine for development'}).`,
      );
  }
  const redis = value(env, 'REDIS_URL');
  if (redis !== undefined) {
    const host = hostOf(redis);
    if (redis.startsWith('redis://') && host && !isLoopbackHost(host))
      say('warn', `REDIS_URL uses plain redis:// to ${host}: use rediss:// (TLS) off the local machine.`);
    else say('ok', `REDIS_URL: ${host ?? 'set'} (credentials not shown).`);
  }

  // ── insecure switches ─────────────────────────────────────────────────────────────────────────
  if (env.NODE_TLS_REJECT_UNAUTHORIZED === '0')
    say('error', 'NODE_TLS_REJECT_UNAUTHORIZED=0 turns off TLS certificate checks for every connection, provider calls included. Remove it.');
  if (value(env, 'OAUTHLIB_INSECURE_TRANSPORT') !== undefined)
    say('warn', 'OAUTHLIB_INSECURE_TRANSPORT is set: Latchkey ignores it (plain http is allowed only to loopback hosts).');

  // ── providers ─────────────────────────────────────────────────────────────────────────────────
  out('');
  out('Providers');
  const providers: ProviderConfig[] = [];
  for (const p of PRESETS_FROM_ENV) {
    if (value(env, p.variable) === undefined) continue;
    try {
      providers.push(p.create({ env }));
    } catch (error) {
      say('error', isLatchkeyError(error) ? error.message : `${p.variable}: ${error instanceof Error ? error.name : 'invalid'}`);
    }
  }
  if (value(env, 'OIDC_ISSUER') !== undefined || value(env, 'OIDC_CLIENT_ID') !== undefined) {
    try {
      providers.push(oidc({ id: 'oidc', name: value(env, 'OIDC_NAME') ?? 'OpenID Connect', env }));
    } catch (error) {
      say('error', isLatchkeyError(error) ? error.message : 'OIDC_*: invalid');
    }
  }
  if (providers.length === 0 && errors === 0) {
    say(
      production ? 'error' : 'info',
      `No provider credentials are set${production ? '' : ': the demo uses the development identity provider for every provider'}. Set GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET (and others) to use real providers.`,
    );
  }

  for (const p of providers) {
    out('');
    out(redactUrlsIn(`  ${p.name} (${p.id})`));
    say('info', `Redirect URI to register:        ${appUrl}${basePath}/${p.id}/callback`);
    if (p.kind === 'oidc') say('info', `Post-logout redirect URI:        ${appUrl}${basePath}/logout/callback`);
    if (p.id === 'oidc') say('info', `Back-channel logout URI:         ${appUrl}${basePath}/${p.id}/backchannel-logout`);
    if (p.docs?.consoleUrl) say('info', `Register it at:                  ${p.docs.consoleUrl}`);
    if (p.clientSecret === undefined && p.tokenEndpointAuthMethod !== 'none' && p.clientPrivateKey === undefined)
      say('warn', 'No client secret: this is a public client (PKCE only).');
    if (options.offline) continue;
    await checkProvider(p, say, { ...options, now });
  }

  out('');
  out(errors > 0 ? `${errors} problem(s) to fix, ${warnings} warning(s).` : warnings > 0 ? `No problems; ${warnings} warning(s).` : 'No problems found.');
  return errors > 0 ? 1 : 0;
}

async function checkProvider(p: ProviderConfig, say: (level: Level, text: string) => void, options: DoctorOptions & { now: () => number }): Promise<void> {
  const timeoutMs = options.timeoutMs ?? 5000;
  const http = { timeoutMs, ...(options.fetch ? { fetch: options.fetch } : {}), ...(p.http ?? {}) };
  if (p.metadata) {
    say('ok', `Explicit endpoints (no discovery): authorization ${p.metadata.authorization_endpoint ?? '?'}, token ${p.metadata.token_endpoint ?? '?'}`);
  } else {
    try {
      const m = await discover(p.issuer, {
        http,
        ...(p.hooks ? { hooks: p.hooks } : {}),
        ...(p.allowPrivateNetwork !== undefined ? { allowPrivateNetwork: p.allowPrivateNetwork } : {}),
        ...(p.issuerSource !== undefined ? { issuerSource: p.issuerSource } : {}),
        ttlSeconds: 0,
      });
      say('ok', `Discovery: issuer ${m.issuer} matches; authorization ${m.authorization_endpoint}, token ${m.token_endpoint}`);
      if (!m.code_challenge_methods_supported?.includes('S256')) say('info', 'The provider does not advertise PKCE S256; Latchkey sends it anyway.');
      if (m.end_session_endpoint === undefined) say('info', 'No end_session_endpoint: "sign out at the provider" is not possible; only local sign-out.');
    } catch (error) {
      say(
        'error',
        `Discovery of ${p.issuer} failed: ${isLatchkeyError(error) ? `${error.code}: ${error.message}` : error instanceof Error ? error.name : 'error'}`,
      );
      return;
    }
  }
  // Clock skew: the provider's Date header against our clock (1 s resolution).
  const target = p.metadata?.token_endpoint ?? `${p.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  try {
    const f = options.fetch ?? fetch;
    const started = options.now();
    const res = await f(target, { method: 'GET', redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    await res.body?.cancel();
    const date = res.headers.get('date');
    if (!date) {
      say('info', 'Clock skew: the provider sent no Date header; cannot compare clocks.');
      return;
    }
    const local = (started + options.now()) / 2;
    const skew = Math.round((local - Date.parse(date)) / 1000);
    const abs = Math.abs(skew);
    const text = `Clock skew: ${abs <= 1 ? 'under 2 s' : `${abs} s (${skew > 0 ? 'this machine is ahead' : 'this machine is behind'})`}`;
    if (abs > SKEW_ERROR_SECONDS) say('error', `${text}: ID token checks will fail. Synchronize the clock (NTP).`);
    else if (abs > SKEW_WARN_SECONDS) say('warn', `${text}: close to the ${SKEW_ERROR_SECONDS} s tolerance. Synchronize the clock (NTP).`);
    else say('ok', text);
  } catch (error) {
    say('warn', `Clock skew: could not reach ${new URL(target).origin} (${error instanceof Error ? error.name : 'error'}).`);
  }
}

/**
 * Parses `doctor` arguments (`--offline`, `--base-path /auth`) and runs it.
 *
 * @param args - the arguments after `doctor`.
 * @param out - where lines go.
 * @returns the exit code (2 for bad arguments).
 */
export async function runDoctorCommand(args: readonly string[], out: (line: string) => void): Promise<number> {
  let offline = false;
  let basePath: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--offline') offline = true;
    else if (a === '--base-path' && args[i + 1] !== undefined) basePath = args[++i];
    else if (a.startsWith('--base-path=')) basePath = a.slice('--base-path='.length);
    else if (a === '--help' || a === '-h') {
      out('Usage: latchkey doctor [--offline] [--base-path /auth]');
      out('Checks APP_URL, AUTH_SECRET, DATABASE_URL, REDIS_URL and every provider configured in the environment;');
      out('prints the redirect URIs to register; checks discovery and clock skew (skipped with --offline).');
      return 0;
    } else {
      out(`Unknown option "${a}". Usage: latchkey doctor [--offline] [--base-path /auth]`);
      return 2;
    }
  }
  return runDoctor(out, { offline, ...(basePath !== undefined ? { basePath } : {}) });
}
