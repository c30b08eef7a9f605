/**
 * `npx latchkey doctor --config ./auth.js`: checks the app's own `createAuth` result instead of the
 * environment. Loads the module (its default export or a named `auth` export; a `.ts` module
 * through the app's `tsx`), then for each provider: discovery through the same client the app
 * uses (the app's issuer overrides included, so an app pointed at the dev IdP checks green
 * offline), the redirect URIs to register, the clock skew against the provider's `Date` header;
 * and the secrets' strength and the production flags (https `baseUrl`, `Secure` cookies, stores).
 * Reads `auth.describe()`: never prints a secret or a token.
 *
 * @module
 */
import { createRequire } from 'node:module';
import { extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Auth } from '../app/create-auth.js';
import { ConfigurationError, isLatchkeyError } from '../errors.js';
import { redactUrlsIn } from '../internal/redact.js';
import { checkClockSkew, createFindings } from './doctor-checks.js';

/** Options of {@link runAppDoctor}. */
export interface AppDoctorOptions {
  /** Skip network checks (discovery, clock skew). */
  readonly offline?: boolean;
  /** Transport for the clock-skew request (tests). */
  readonly fetch?: typeof fetch;
  /** Milliseconds per network request. Default 5000. */
  readonly timeoutMs?: number;
  /** The local clock, epoch ms (tests). */
  readonly now?: () => number;
  /** The app's `createAuth` result. */
  readonly auth: Auth;
  /** Whether to judge it as production. Default: `NODE_ENV` is `production`. */
  readonly production?: boolean;
}

const TS_EXTENSIONS = new Set(['.ts', '.mts', '.cts', '.tsx']);

/**
 * Loads the app's module and returns its `createAuth` result.
 *
 * @param path - the module, relative to `cwd` (`./auth.js`, `./src/auth.ts`).
 * @param cwd - the app folder (where `tsx` is looked up for a `.ts` module).
 * @returns the `Auth`.
 * @throws ConfigurationError `CONFIG_INVALID` when no TypeScript loader is installed, or the module
 *   exports no `createAuth` result; whatever the module throws while loading (e.g. `createAuth`'s
 *   own start-up checks).
 */
export async function loadAuthModule(path: string, cwd: string = process.cwd()): Promise<Auth> {
  const file = resolve(cwd, path);
  const url = pathToFileURL(file).href;
  let mod: Record<string, unknown>;
  if (TS_EXTENSIONS.has(extname(file))) {
    let tsxApi: string;
    try {
      tsxApi = createRequire(join(cwd, 'package.json')).resolve('tsx/esm/api');
    } catch {
      throw new ConfigurationError(
        `${path} is TypeScript and no TypeScript loader is installed in this app: install tsx (npm install -D tsx), or pass the compiled module (--config ./dist/auth.js).`,
      );
    }
    const { tsImport } = (await import(pathToFileURL(tsxApi).href)) as { tsImport: (url: string, parent: string) => Promise<Record<string, unknown>> };
    mod = await tsImport(url, import.meta.url);
  } else {
    mod = (await import(url)) as Record<string, unknown>;
  }
  for (const candidate of [mod.default, mod.auth, (mod.default as Record<string, unknown> | undefined)?.auth]) {
    const value = await candidate;
    if (typeof value === 'object' && value !== null && typeof (value as Auth).describe === 'function' && typeof (value as Auth).handler === 'function') {
      return value as Auth;
    }
  }
  throw new ConfigurationError(
    `${path} exports no createAuth result: export it as the default export (export default createAuth({...})) or as \`auth\` (export const auth = createAuth({...})).`,
  );
}

/**
 * Checks an app's `createAuth` result and prints a report.
 *
 * @param out - where lines go.
 * @param options - the `Auth` and switches.
 * @returns 0 when nothing is wrong (warnings allowed), 1 when something must be fixed.
 */
export async function runAppDoctor(out: (line: string) => void, options: AppDoctorOptions): Promise<number> {
  const d = options.auth.describe();
  const production = options.production ?? process.env.NODE_ENV?.trim().toLowerCase() === 'production';
  const now = options.now ?? Date.now;
  const findings = createFindings(out);
  const say = findings.say;

  out(`Your app${production ? ' (judged as production: NODE_ENV=production)' : ''}`);
  const https = d.baseUrl.startsWith('https:');
  say(
    https || !production ? 'ok' : 'error',
    `baseUrl ${d.baseUrl}${https ? '' : production ? ' is plain http in production: use https.' : ' (plain http is fine on localhost for development)'}`,
  );
  if (production && !d.secureCookies) say('error', 'Cookies are not Secure (baseUrl is http): in production serve the app over https.');
  else if (d.secureCookies) say('ok', 'Cookies are Secure with the __Host- prefix.');
  d.secrets.forEach((s, i) => {
    if (s.weak) say(production ? 'error' : 'warn', `Secret #${i + 1} looks guessable; createAuth refuses it in production. Run \`npx latchkey secret\`.`);
    else say('ok', `Secret #${i + 1} is set (${s.length} characters; not shown).`);
  });
  if (d.memoryStores.users || d.memoryStores.sessions) {
    const which = [d.memoryStores.users ? 'users' : '', d.memoryStores.sessions ? 'sessions' : ''].filter(Boolean).join(' and ');
    say(
      production ? 'warn' : 'info',
      `The ${which} live in memory: lost on restart and not shared between processes. Use createSqlStore (or Redis for sessions).`,
    );
  }
  if (d.trustProxy) say('info', 'trustProxy is on: only correct behind a reverse proxy that sets Forwarded / X-Forwarded-*.');

  out('');
  out('Providers');
  for (const p of d.providers) {
    out('');
    out(redactUrlsIn(`  ${p.name} (${p.id})`));
    say('info', `Redirect URI to register:        ${p.redirectUri}`);
    if (p.kind === 'oidc') {
      say('info', `Post-logout redirect URI:        ${d.postLogoutRedirectUri}`);
      say('info', `Back-channel logout URI:         ${p.backchannelLogoutUri}`);
    }
    if (p.consoleUrl) say('info', `Register it at:                  ${p.consoleUrl}`);
    if (p.clientAuthentication === 'none') say('warn', 'No client secret: this is a public client (PKCE only).');
    if (options.offline) continue;
    try {
      // The app's own client: its issuer override, hooks, transport and endpoint policy.
      const client = await options.auth.client(p.id);
      const m = client.metadata;
      say(
        'ok',
        `${p.explicitEndpoints ? 'Explicit endpoints' : `Discovery: issuer ${m.issuer} matches`}; authorization ${m.authorization_endpoint}, token ${m.token_endpoint}`,
      );
      const discovery = `${p.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
      await checkClockSkew(p.explicitEndpoints ? (m.token_endpoint ?? discovery) : discovery, say, { ...options, now });
    } catch (error) {
      say(
        'error',
        `Discovery of ${p.issuer} failed: ${isLatchkeyError(error) ? `${error.code}: ${error.message}` : error instanceof Error ? error.name : 'error'}`,
      );
    }
  }
  out('');
  return findings.finish();
}
