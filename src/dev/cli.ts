/**
 * `npx latchkey dev-idp`: runs the development identity provider and prints the issuers and the
 * client setup.
 *
 * @module
 */
import { parseArgs } from 'node:util';
import { startDevIdp, type RunningDevIdp } from './server.js';
import { FLAVOR_NAMES } from './types.js';

const USAGE = `Usage: latchkey dev-idp [--port 4000] [--host 127.0.0.1] [--strict-clients]

Runs a local OpenID Provider with Google, GitHub, Microsoft and Apple emulations.
  --port, -p         port to listen on (default 4000; 0 picks a free port)
  --host             interface to listen on (default 127.0.0.1)
  --strict-clients   refuse unregistered clients (default: any client_id, loopback redirect URIs)
  --help, -h         show this help`;

/**
 * Runs the dev IdP from command-line arguments and prints where it listens. It keeps running until
 * the process gets SIGINT or SIGTERM, or until `close()` (which also removes the signal handlers).
 *
 * @param argv The arguments after `dev-idp`.
 * @param out Where to print (default: stdout).
 * @returns The running IdP, or `undefined` when only help was printed.
 * @throws {TypeError} For unknown options or an invalid port.
 */
export async function runDevIdp(argv: readonly string[], out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<RunningDevIdp | undefined> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      port: { type: 'string', short: 'p' },
      host: { type: 'string' },
      'strict-clients': { type: 'boolean' },
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
  const dev = await startDevIdp({ port, host: values.host ?? '127.0.0.1', acceptAnyClient: !values['strict-clients'] });
  out(`Latchkey dev identity provider on ${dev.url}  (development only: state is in memory)`);
  out('');
  out('Issuers:');
  for (const f of FLAVOR_NAMES) out(`  ${f.padEnd(10)} ${dev.issuerFor(f)}`);
  out('');
  out(values['strict-clients'] ? 'Clients: only registered clients are accepted.' : 'Clients: any client_id and client_secret work; redirect URIs must be http(s) on a loopback host.');
  out('Users:   ' + dev.idp.users.list().map((u) => `${u.name} <${u.email ?? 'no email'}>`).join(', '));
  out('');
  out(`Open ${dev.url}/ for this summary in a browser. Ctrl+C stops it.`);
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
