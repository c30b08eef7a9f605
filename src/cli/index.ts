/**
 * The `latchkey` command line: `npx latchkey <command> [options]`.
 *
 * - `dev-idp`: the development identity provider (Google, GitHub, Microsoft, Apple emulations).
 * - `migrate`: applies the SQL migrations (`DATABASE_URL` or `--database-url`).
 * - `secret`: prints a new random secret for `AUTH_SECRET`.
 * - `doctor`: checks the configuration, prints the redirect URIs to register, checks discovery and
 *   clock skew, and warns about insecure settings.
 *
 * @module
 */
import { runDevIdp } from '../dev/cli.js';
import { runDoctorCommand } from './doctor.js';
import { runMigrateCommand } from './migrate.js';
import { runSecret } from './secret.js';

type Command = (args: string[], out: (line: string) => void) => Promise<number> | number;

const COMMANDS: Record<string, { summary: string; run: Command }> = {
  'dev-idp': {
    summary: 'run the development identity provider (Google, GitHub, Microsoft, Apple emulations)',
    run: async (args, out) => {
      try {
        // Keeps running (the server holds the process open) until Ctrl+C.
        await runDevIdp(args, out);
        return 0;
      } catch (error) {
        out(error instanceof Error ? error.message : String(error));
        return 2;
      }
    },
  },
  migrate: { summary: 'apply the SQL migrations (DATABASE_URL or --database-url)', run: (args, out) => runMigrateCommand(args, out) },
  secret: { summary: 'print a new random secret for AUTH_SECRET', run: (_args, out) => runSecret(out) },
  doctor: { summary: 'check the configuration, print the redirect URIs, check discovery and clock skew', run: (args, out) => runDoctorCommand(args, out) },
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
    out('\nDocumentation: docs/cli.md');
    return help ? 0 : 2;
  }
  return command.run(rest, out);
}
