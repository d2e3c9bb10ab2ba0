import { relative, resolve } from 'node:path';
import { type ParseArgsConfig, parseArgs } from 'node:util';
import { oneOf } from './cli/flag-checks.js';

type Options = NonNullable<ParseArgsConfig['options']>;
type WithHelp<O extends Options> = O & { help: { type: 'boolean'; short: 'h' } };
type Parsed<O extends Options> = ReturnType<
  typeof parseArgs<{ options: WithHelp<O>; strict: true; allowPositionals: boolean }>
>;

/** Where a command's output goes and how it ends: the process's own, or a test's. */
export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  /** Where a command asks a person (`apply`'s confirmation); absent: nobody to ask, as when it is not a terminal. */
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
  /** Ends the command with this status; never returns (a test's version throws `CliExit`). */
  exit(code: number): never;
}

export const processIo: CliIo = {
  stdout: process.stdout,
  stderr: process.stderr,
  // A getter: Node opens stdin on first use, and only a command that asks should.
  get stdin() {
    return process.stdin;
  },
  exit: (code) => process.exit(code),
};

/** What a test's `CliIo.exit` throws instead of ending the process; `run` lets it through untouched. */
export class CliExit extends Error {
  readonly code: number;

  constructor(code: number) {
    super(`exit ${code}`);
    this.code = code;
  }
}

export interface ParseOptions {
  /** The arguments; the process's own (`process.argv.slice(2)`) when left out. */
  args?: string[];
  /** Accept arguments that are not options (`validate [policy.yaml]`); refused otherwise. */
  positionals?: boolean;
}

// Callers declare `const cli: Cli`: TypeScript narrows after a `never` call only through explicitly typed references.
export interface Cli {
  readonly name: string;
  readonly io: CliIo;
  /** One line naming what is wrong and what is allowed, then the usage, on stderr; exit 2. */
  usageError(problem: string): never;
  /**
   * Parses strictly; an unknown option or a missing value is a usage error like any other, not a failed run.
   * `--help` (`-h`) prints the usage on stdout and exits 0.
   */
  parse<O extends Options>(options: O, config?: ParseOptions): Parsed<O>;
  /**
   * The value of `--<flag>`: a usage error naming the flag when it is missing or when `problem` (which returns
   * what is wrong with a value, if anything) objects to it. `allowed` says what is accepted, for the missing case.
   */
  want(
    flag: string,
    value: string | undefined,
    allowed: string,
    problem?: (value: string) => string | undefined,
  ): string;
  /** `cli.want` for a flag whose value is one of `allowed`, narrowed to it. */
  choice<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T;
  /**
   * Runs `main`. A status it resolves to ends the process with that status, 0 included, so nothing left running
   * can keep a finished command alive; with none (a server left serving) the process lives on. A rejection
   * prints `<name> failed: <message>` (no stack trace) and exits 1.
   */
  run(main: () => Promise<number | undefined> | Promise<void>): Promise<void>;
}

const firstSentence = (message: string): string => message.split(/\.\s/, 1)[0] ?? message;

/** Node's parseArgs errors, rewritten to name the option and what is allowed, on one line. */
function parseProblem(error: unknown, options: Options): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = (error as { code?: unknown }).code;
  const known = Object.keys(options)
    .map((name) => `--${name}`)
    .join(', ');
  const quoted = /'([^']+)'/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && quoted !== undefined) {
    return `unknown option ${quoted} (options: ${known})`;
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL' && quoted !== undefined) {
    return `unexpected argument ${JSON.stringify(quoted)} (this command takes options only: ${known})`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && /argument missing/.test(message) && quoted) {
    return `${quoted.replace(/ <value>$/, '')} needs a value`;
  }
  return firstSentence(message.split('\n', 1)[0] ?? message);
}

/**
 * What the command-line tools share: `--help` exits 0 with the usage on stdout; a usage error prints one line
 * naming the bad flag or value and what is allowed, then the usage, and exits 2; a failure prints
 * `<name> failed: <message>` without a stack trace and exits 1.
 */
export function createCli(name: string, usage: string, io: CliIo = processIo): Cli {
  const usageError = (problem: string): never => {
    io.stderr.write(`${name}: ${problem}\n${usage}\n`);
    return io.exit(2);
  };
  const want: Cli['want'] = (flag, value, allowed, problem) => {
    if (value === undefined || value === '') return usageError(`--${flag} is required (${allowed})`);
    const wrong = problem?.(value);
    return wrong === undefined ? value : usageError(`--${flag}: ${wrong}`);
  };
  return {
    name,
    io,
    usageError,
    parse<O extends Options>(options: O, config: ParseOptions = {}): Parsed<O> {
      const all = { ...options, help: { type: 'boolean', short: 'h' } } as WithHelp<O>;
      const args = config.args ?? process.argv.slice(2);
      // --help wins over anything else on the line, even a mistake.
      const beforeEnd = args.includes('--') ? args.slice(0, args.indexOf('--')) : args;
      if (beforeEnd.some((a) => a === '--help' || a === '-h')) {
        io.stdout.write(`${usage}\n`);
        return io.exit(0);
      }
      let parsed: Parsed<O>;
      try {
        parsed = parseArgs({
          options: all,
          strict: true,
          allowPositionals: config.positionals === true,
          args,
        });
      } catch (error) {
        return usageError(parseProblem(error, all));
      }
      return parsed;
    },
    want,
    choice<T extends string>(flag: string, value: string | undefined, allowed: readonly T[]): T {
      const chosen = want(flag, value, allowed.join(' or '), oneOf(...allowed));
      return allowed.find((a) => a === chosen) ?? usageError(`--${flag}: ${JSON.stringify(chosen)}`);
    },
    async run(main) {
      let status: unknown;
      try {
        status = await main();
      } catch (error) {
        if (error instanceof CliExit) throw error;
        io.stderr.write(`${name} failed: ${error instanceof Error ? error.message : String(error)}\n`);
        return io.exit(1);
      }
      if (typeof status === 'number') io.exit(status);
    },
  };
}

/**
 * A path given on the command line, resolved against the directory the user ran npm (or npx) from: npm runs
 * scripts in the package root and says where it was started in `INIT_CWD`.
 */
export const userPath = (path: string): string => resolve(process.env.INIT_CWD ?? process.cwd(), path);

/** A path given on the command line resolved where the user ran npm (`userPath`), or the default as it is. */
export const chosenFile = (given: string | undefined, fallback: string): string =>
  given === undefined ? fallback : userPath(given);

/** How a file is named in messages: relative to where the user is, when it is below it. */
export function displayName(file: string): string {
  const rel = relative(process.env.INIT_CWD ?? process.cwd(), file);
  return rel !== '' && !rel.startsWith('..') ? rel : file;
}

export { fileProblem } from '../shared/text/file-problem.js';

/** Problems on one line, for a usage error: the first few, then how many more (the error keeps them all). */
export function someIssues(issues: readonly string[], shown = 3): string {
  const more = issues.length - shown;
  return `${issues.slice(0, shown).join('; ')}${more > 0 ? `; and ${more} more` : ''}`;
}
