/**
 * `npx latchkey doctor`: checks the configuration in the environment the way `createAuth` and the
 * provider presets read it (`--config ./auth.js` checks the app's own `createAuth` result instead:
 * `doctor-app.ts`), prints the exact redirect URIs to register at each provider, fetches each
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
import { checkClockSkew, createFindings, type DoctorLevel as Level, MARK } from './doctor-checks.js';

export { SKEW_ERROR_SECONDS, SKEW_WARN_SECONDS } from './doctor-checks.js';

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
  const findings = createFindings(out);
  const say = findings.say;

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
      `AUTH_SECRET is not set: run \`npx latchkey secret\` and set it (or check your app's own configuration with \`npx latchkey doctor --config ./auth.js\`).`,
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
  if (db === undefined)
    say(
      production ? 'warn' : 'info',
      'DATABASE_URL is not set: your app keeps users and sessions wherever its createAuth `store` says (in memory by default).',
    );
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
  if (providers.length === 0 && findings.errors() === 0) {
    say(
      production ? 'error' : 'info',
      `No provider credentials are set in the environment. Set GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET (and others), or, if your app configures its providers in code, run \`npx latchkey doctor --config ./auth.js\`.`,
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
  return findings.finish();
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
  await checkClockSkew(p.metadata?.token_endpoint ?? `${p.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`, say, options);
}

const USAGE = 'Usage: latchkey doctor [--config ./auth.js] [--offline] [--base-path /auth]';

/**
 * Parses `doctor` arguments (`--config ./auth.js`, `--offline`, `--base-path /auth`) and runs it.
 *
 * @param args - the arguments after `doctor`.
 * @param out - where lines go.
 * @returns the exit code (2 for bad arguments).
 */
export async function runDoctorCommand(args: readonly string[], out: (line: string) => void): Promise<number> {
  let offline = false;
  let basePath: string | undefined;
  let config: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--offline') offline = true;
    else if (a === '--base-path' && args[i + 1] !== undefined) basePath = args[++i];
    else if (a.startsWith('--base-path=')) basePath = a.slice('--base-path='.length);
    else if (a === '--config' && args[i + 1] !== undefined) config = args[++i];
    else if (a.startsWith('--config=')) config = a.slice('--config='.length);
    else if (a === '--help' || a === '-h') {
      out(USAGE);
      out("With --config, checks your app's createAuth result (the default export or `auth` of that module; .ts through tsx):");
      out("every provider's discovery (your issuer overrides included), redirect URIs, clock skew, secrets and production flags.");
      out('Without it, checks APP_URL, AUTH_SECRET, DATABASE_URL, REDIS_URL and every provider configured in the environment.');
      out('Network checks (discovery, clock skew) are skipped with --offline.');
      return 0;
    } else {
      out(`Unknown option "${a}". ${USAGE}`);
      return 2;
    }
  }
  if (config !== undefined) {
    const { loadAuthModule, runAppDoctor } = await import('./doctor-app.js');
    let auth: Awaited<ReturnType<typeof loadAuthModule>>;
    try {
      auth = await loadAuthModule(config);
    } catch (error) {
      // createAuth's own start-up checks (a weak secret in production, a bad baseUrl) land here.
      const why = isLatchkeyError(error)
        ? `${error.code}: ${error.message}`
        : error instanceof Error
          ? `${error.name}: ${error.message.split('\n')[0]}`
          : String(error);
      out(`${MARK.error} Loading ${config} failed: ${redactUrlsIn(why)}`);
      return 1;
    }
    return runAppDoctor(out, { auth, offline });
  }
  return runDoctor(out, { offline, ...(basePath !== undefined ? { basePath } : {}) });
}
