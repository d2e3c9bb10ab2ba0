import type { Cli } from '../cli.js';

/**
 * One `ram-role-attacher <name>` command. The dispatcher (`main.ts`) handles `--help` at the top level and the
 * exit codes; a command parses its own arguments through `cli` (so `<name> --help` and usage errors behave the
 * same everywhere), writes to `cli.io`, and resolves to its exit status (validate's 1 for an invalid policy).
 */
export interface Command {
  name: string;
  /** One line for `ram-role-attacher --help`. */
  summary: string;
  /** The full help: usage line, what it does, every option. */
  usage: string;
  run(cli: Cli, args: string[]): Promise<number>;
}
