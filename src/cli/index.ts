/**
 * The `latchkey` command line: `npx latchkey <command> [options]`.
 *
 * - `dev-idp`: the development identity provider (Google, GitHub, Microsoft, Apple emulations).
 * - `migrate`: applies the SQL migrations (`DATABASE_URL` or `--database-url`).
 * - `secret`: prints a new random secret for `AUTH_SECRET`.
 * - `doctor`: checks the app's `createAuth` result (`--config ./auth.js`) or the environment, prints the redirect URIs to register, checks discovery and
 *   clock skew, and warns about insecure settings.
 *
 * @module
 */
import { fileURLToPath } from 'node:url';
import { isLatchkeyError } from '../errors.js';
import { missingPeer, missingPeerError } from '../internal/peer.js';

type Command = (args: string[], out: (line: string) => void) => Promise<number> | number;

const COMMANDS: Record<string, { summary: string; run: Command }> = {
  'dev-idp': {
    summary: 'run the development identity provider (Google, GitHub, Microsoft, Apple emulations)',
    run: async (args, out) => {
      try {
        // Keeps running (the server holds the process open) until Ctrl+C.
        const { runDevIdp } = await import('../dev/cli.js');
        await runDevIdp(args, out);
        return 0;
      } catch (error) {
        out(error instanceof Error ? error.message : String(error));
        return 2;
      }
    },
  },
  migrate: {
    summary: 'apply the SQL migrations (DATABASE_URL or --database-url)',
    run: async (args, out) => (await import('./migrate.js')).runMigrateCommand(args, out),
  },
  secret: { summary: 'print a new random secret for AUTH_SECRET', run: async (_args, out) => (await import('./secret.js')).runSecret(out) },
  doctor: {
    summary: 'check your app (--config ./auth.js) or the environment: redirect URIs, discovery, clock skew, secrets',
    run: async (args, out) => (await import('./doctor.js')).runDoctorCommand(args, out),
  },
};

/** Runs the CLI with `argv` (without the node and script paths) and returns the exit code. */
export async function main(argv: string[], out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<number> {
  const [name, ...rest] = argv;
  const command = name ? COMMANDS[name] : undefined;
  if (!command) {
    const help = !name || name === 'help' || name === '--help' || name === '-h';
    if (!help) out(`Unknown command "${name}".`);
    out('Usage: latchkey <command> [options]\n');
    for (const [n, c] of Object.entries(COMMANDS)) out(`  ${n.padEnd(10)} ${c.summary}`);
    // The docs ship with the package: point at the copy next to this CLI (dist/cli or src/cli).
    out(`\nDocumentation: ${fileURLToPath(new URL('../../docs/cli.md', import.meta.url))}`);
    return help ? 0 : 2;
  }
  try {
    // Each command loads its own modules, so `--help` and `secret` need no optional peer, and a
    // missing driver is named in one line instead of a stack trace.
    return await command.run(rest, out);
  } catch (error) {
    const peer = missingPeer(error);
    if (peer !== undefined) out(missingPeerError(peer).message);
    else if (isLatchkeyError(error)) out(error.message);
    else throw error;
    return 2;
  }
}
