/**
 * Configuration from the environment by convention: `<PREFIX>_CLIENT_ID`, `<PREFIX>_CLIENT_SECRET`
 * and a few provider-specific names (`MICROSOFT_TENANT`, `OKTA_ISSUER`, …). Explicit options always
 * win over the environment. Internal: not exported from the package.
 *
 * @module
 */
import { ConfigurationError } from '../../errors.js';

/** A read-only view of environment variables (`process.env`, a Workers `env` binding, a plain object). */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * The process environment when the runtime has one (Node, Bun, Deno with compat), else an empty
 * object: presets must load in browsers and Workers too.
 */
export function defaultEnv(): Env {
  const proc = (globalThis as { process?: { env?: Env } }).process;
  return proc?.env ?? {};
}

/** A non-empty environment value, trimmed, or `undefined`. */
export function envValue(env: Env | undefined, name: string): string | undefined {
  const value = (env ?? defaultEnv())[name];
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed.length > 0 ? trimmed : undefined;
}

/** An explicit option, else the environment variable, else a {@link ConfigurationError} naming both. */
export function requireSetting(explicit: string | undefined, env: Env | undefined, variable: string, option: string, provider: string): string {
  const value = explicit ?? envValue(env, variable);
  if (value === undefined || value.length === 0) {
    throw new ConfigurationError(`The ${provider} provider needs \`${option}\`: pass it, or set the environment variable ${variable}.`);
  }
  return value;
}

/** The client credentials a preset needs, from options or from `<PREFIX>_CLIENT_ID` / `<PREFIX>_CLIENT_SECRET`. */
export interface CredentialOptions {
  readonly clientId?: string;
  readonly clientSecret?: string;
  readonly env?: Env;
}

/**
 * Resolves `clientId` and `clientSecret` for a preset.
 *
 * @param prefix The environment prefix, e.g. `GOOGLE`.
 * @param provider The display name used in error messages.
 * @param options Explicit options and the environment.
 * @param secret `required` for confidential-only providers, `optional` when public clients (PKCE only) are allowed.
 * @throws {ConfigurationError} `CONFIG_INVALID` naming the variable to set.
 */
export function resolveCredentials(
  prefix: string,
  provider: string,
  options: CredentialOptions,
  secret: 'required' | 'optional',
): { clientId: string; clientSecret?: string } {
  const clientId = requireSetting(options.clientId, options.env, `${prefix}_CLIENT_ID`, 'clientId', provider);
  const clientSecret =
    secret === 'required'
      ? requireSetting(options.clientSecret, options.env, `${prefix}_CLIENT_SECRET`, 'clientSecret', provider)
      : (options.clientSecret ?? envValue(options.env, `${prefix}_CLIENT_SECRET`));
  return clientSecret === undefined ? { clientId } : { clientId, clientSecret };
}
