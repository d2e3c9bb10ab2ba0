/**
 * `ram-role-attacher <command> [options]`: finds the command and runs it. Every command: `--help` exits 0 with
 * its usage on stdout; a usage error prints one line naming the bad value and what is allowed, then the usage,
 * and exits 2; a failure prints `ram-role-attacher <command> failed: …` without a stack trace and exits 1.
 */
import { closestMatch } from '../../shared/text/did-you-mean.js';
import { type Cli, type CliIo, createCli } from '../cli.js';
import { COMMANDS } from './commands.js';

export const PROGRAM = 'ram-role-attacher';

const width = Math.max(...COMMANDS.map((c) => c.name.length));

export const USAGE = `usage: ${PROGRAM} <command> [options]    (npx ${PROGRAM} <command> --help for its options)

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Exit status: 0 success, 1 failure (or, for validate, an invalid policy), 2 usage error.
Colour only on a terminal, never with NO_COLOR set. Paths are relative to the directory you ran npm from.`;

export async function dispatch(argv: readonly string[], io: CliIo): Promise<void> {
  const [name, ...args] = argv;
  const top: Cli = createCli(PROGRAM, USAGE, io);
  if (name === undefined) top.usageError('a command is required');
  if (name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(`${USAGE}\n`);
    io.exit(0);
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    const names = COMMANDS.map((c) => c.name);
    const guess = name.startsWith('-') ? undefined : closestMatch(name, names);
    return top.usageError(
      `unknown command ${JSON.stringify(name)}${guess === undefined ? '' : ` (did you mean ${guess}?)`}; commands: ${names.join(', ')}`,
    );
  }
  const cli: Cli = createCli(`${PROGRAM} ${command.name}`, command.usage, io);
  await cli.run(() => command.run(cli, args));
}
