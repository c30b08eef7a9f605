/**
 * The `latchkey` command line: `npx latchkey <command> [options]`.
 *
 * @module
 */
import { runSecret } from './secret.js';

type Command = (args: string[], out: (line: string) => void) => Promise<number> | number;

const COMMANDS: Record<string, { summary: string; run: Command }> = {
  secret: { summary: 'print a new random secret for AUTH_SECRET', run: (_args, out) => runSecret(out) },
};

/** Runs the CLI with `argv` (without the node and script paths) and returns the exit code. */
export async function main(argv: string[], out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<number> {
  const [name, ...rest] = argv;
  const command = name ? COMMANDS[name] : undefined;
  if (!command) {
    if (name && name !== 'help' && name !== '--help') out(`Unknown command "${name}".`);
    out('Usage: latchkey <command> [options]\n');
    for (const [n, c] of Object.entries(COMMANDS)) out(`  ${n.padEnd(10)} ${c.summary}`);
    return name && name !== 'help' && name !== '--help' ? 2 : 0;
  }
  return command.run(rest, out);
}
