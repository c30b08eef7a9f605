/**
 * `npx latchkey dev-idp`: runs the development identity provider and prints the issuers and the
 * client setup.
 *
 * @module
 */
import { isIP } from 'node:net';
import { parseArgs } from 'node:util';
import { ConfigurationError } from '../errors.js';
import { redactUrlsIn } from '../internal/redact.js';
import { type RunningDevIdp, startDevIdp } from './server.js';
import { FLAVOR_NAMES } from './types.js';

const USAGE = `Usage: latchkey dev-idp [--port 4000] [--host 127.0.0.1] [--strict-clients] [--force]

Runs a local OpenID Provider with Google, GitHub, Microsoft and Apple emulations.
  --port, -p         port to listen on (default 4000; 0 picks a free port)
  --host             interface to listen on (default 127.0.0.1; anything else is reachable from
                     other machines and prints a warning)
  --strict-clients   refuse unregistered clients (default: any client_id, loopback redirect URIs)
  --force            start even though NODE_ENV says production (refused otherwise: anyone who
                     reaches it can sign in as any user)
  --help, -h         show this help`;

/** Whether `NODE_ENV` says production (`production`, `prod`, any case): the dev IdP must not run there. */
function saysProduction(nodeEnv: string | undefined): boolean {
  return /^prod(uction)?$/i.test((nodeEnv ?? '').trim());
}

/**
 * The warning to print for the address the socket bound (checked after resolution, so `--host
 * localhost` counts by what it became), or undefined for a loopback address.
 *
 * @param address - the bound socket address, as `server.address()` reports it.
 * @returns a warning line for an address other machines can reach, else undefined.
 */
export function bindWarning(address: { readonly address: string; readonly port: number }): string | undefined {
  const a = address.address.replace(/^::ffff:/i, '');
  if ((isIP(a) === 4 && a.startsWith('127.')) || a === '::1') return undefined;
  return `Warning: listening on ${formatAddress(address)}, which other machines can reach: anyone on the network can sign in as any user and get tokens. Use --host 127.0.0.1 unless you need that.`;
}

/** `host:port` of a bound socket, with IPv6 in brackets. */
function formatAddress(address: { readonly address: string; readonly port: number }): string {
  return `${address.address.includes(':') ? `[${address.address}]` : address.address}:${address.port}`;
}

/**
 * Runs the dev IdP from command-line arguments and prints where it listens. It keeps running until
 * the process gets SIGINT or SIGTERM, or until `close()` (which also removes the signal handlers).
 * It refuses to start when `NODE_ENV` says production, unless `--force`; it warns when the socket is
 * bound to anything but loopback, and prints the address it really bound.
 *
 * @param argv - The arguments after `dev-idp`.
 * @param out - Where to print (default: stdout).
 * @param env - The environment whose `NODE_ENV` is checked (default: `process.env`).
 * @returns The running IdP, or `undefined` when only help was printed.
 * @throws {TypeError} For unknown options or an invalid port.
 * @throws ConfigurationError `DEV_FEATURE_DISABLED` when `NODE_ENV` says production and `--force` is absent.
 */
export async function runDevIdp(
  argv: readonly string[],
  out: (line: string) => void = (l) => process.stdout.write(`${l}\n`),
  env: Readonly<Record<string, string | undefined>> = process.env,
): Promise<RunningDevIdp | undefined> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      port: { type: 'string', short: 'p' },
      host: { type: 'string' },
      'strict-clients': { type: 'boolean' },
      force: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) {
    out(USAGE);
    return undefined;
  }
  const port = values.port === undefined ? 4000 : Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new TypeError(`--port must be an integer from 0 to 65535 (got "${values.port}").`);
  if (saysProduction(env.NODE_ENV)) {
    if (!values.force) {
      throw new ConfigurationError(
        `NODE_ENV is "${(env.NODE_ENV ?? '').trim().slice(0, 20)}": the development identity provider signs anyone in as any user and must not run in production. Not started; unset NODE_ENV, or pass --force if this really is a development machine.`,
        'DEV_FEATURE_DISABLED',
      );
    }
    out('Warning: NODE_ENV says production, started anyway because of --force. Anyone who reaches this server can sign in as any user.');
  }
  const dev = await startDevIdp({ port, host: values.host ?? '127.0.0.1', acceptAnyClient: !values['strict-clients'] });
  const bound = formatAddress(dev.address);
  const warning = bindWarning(dev.address);
  if (warning) out(warning);
  out(redactUrlsIn(`Latchkey dev identity provider on ${dev.url}  (development only: state is in memory)`));
  out(
    `Listening on ${bound}${dev.address.address === '0.0.0.0' || dev.address.address === '::' ? ' (every interface)' : ''}; requests must name ${redactUrlsIn(dev.url)} (or localhost) in their Host header.`,
  );
  out('');
  out('Issuers:');
  for (const f of FLAVOR_NAMES) out(redactUrlsIn(`  ${f.padEnd(10)} ${dev.issuerFor(f)}`));
  out('');
  out(
    values['strict-clients']
      ? 'Clients: only registered clients are accepted.'
      : 'Clients: any client_id and client_secret work; redirect URIs must be http(s) on a loopback host.',
  );
  out(
    'Users:   ' +
      dev.idp.users
        .list()
        .map((u) => `${u.name} <${u.email ?? 'no email'}>`)
        .join(', '),
  );
  out('');
  out(redactUrlsIn(`Open ${dev.url}/ for this summary in a browser. Ctrl+C stops it.`));
  const stop = () => {
    void dev.close().finally(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return {
    ...dev,
    close: async () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      await dev.close();
    },
  };
}
