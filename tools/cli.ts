import { type ParseArgsConfig, parseArgs } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

// Callers declare `const cli: Cli`: TypeScript narrows after a `never` call only through explicitly typed references.
export interface Cli {
  usageError(problem?: string): never;
  /** Parses strictly; an unknown option or a missing value is a usage error like any other, not a failed run. */
  parse<O extends Options>(options: O): ReturnType<typeof parseArgs<{ options: O; strict: true }>>;
  run(main: () => Promise<void>): void;
}

/** What the command-line tools share: usage errors exit 2, failures exit 1, each with a one-line reason. */
export function createCli(name: string, usage: string): Cli {
  const usageError = (problem?: string): never => {
    if (problem !== undefined) console.error(problem);
    console.error(usage);
    process.exit(2);
  };
  return {
    usageError,
    parse(options) {
      try {
        return parseArgs({ options, strict: true });
      } catch (error) {
        return usageError(error instanceof Error ? error.message : String(error));
      }
    },
    run(main: () => Promise<void>): void {
      main().catch((error: unknown) => {
        console.error(`${name} failed: ${error instanceof Error ? error.message : String(error)}`);
        process.exit(1);
      });
    },
  };
}
