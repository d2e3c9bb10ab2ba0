/**
 * The files the local commands (`npm start`, `npm run emulators`, `npm run invoke`) take on the command line:
 * each resolved where the user ran npm (INIT_CWD) — a default in the repository — then read and checked, so a
 * file that is missing or wrong is a usage error naming the flag and the file, before anything starts.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { loadPolicy } from '../shared/policy/load-policy.js';
import { formatIssue, PolicyError } from '../shared/policy/policy-error.js';
import { policyPathProblem } from '../tools/cli/policy-file.js';
import { type Cli, fileProblem, userPath } from '../tools/cli.js';
import { readScenario, type Scenario } from './sandbox/scenario.js';
import { readSeed, type Seed } from './seed.js';

/** A file to read, and how messages name it. */
export interface UserFile {
  file: string;
  shown: string;
}

const inRepository = (path: string): UserFile => ({
  file: fileURLToPath(new URL(`../${path}`, import.meta.url)),
  shown: path,
});

export const DEFAULT_SEED = inRepository('local/examples/seed.json');
export const DEFAULT_SCENARIO = inRepository('local/scenarios/default.yaml');
export const DEFAULT_POLICY = inRepository('policy.yaml');

/** A file as the user named it on the command line: resolved where they ran npm, shown as they typed it. */
export const typedFile = (path: string): UserFile => ({ file: userPath(path), shown: path });

/** The file a flag names, or its default. */
export const fileFor = (given: string | undefined, fallback: UserFile): UserFile =>
  given === undefined ? fallback : typedFile(given);

/** `read` on the flag's file; what it throws becomes a usage error `--<flag>: <message>`. */
export async function readFlagFile<T>(
  cli: Cli,
  flag: string,
  { file, shown }: UserFile,
  read: (file: string, shown: string) => T | Promise<T>,
): Promise<T> {
  try {
    return await read(file, shown);
  } catch (error) {
    return cli.usageError(`--${flag}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

export const seedFrom = (cli: Cli, given: string | undefined): Promise<Seed> =>
  readFlagFile(cli, 'seed', fileFor(given, DEFAULT_SEED), readSeed);

export const scenarioFrom = (cli: Cli, given: string | undefined): Promise<Scenario> =>
  readFlagFile(cli, 'scenario', fileFor(given, DEFAULT_SCENARIO), readScenario);

/** The event's bytes, as FC hands them to the handler (not parsed: a malformed event is worth trying too). */
export const eventFrom = (cli: Cli, given: string | undefined): Promise<Buffer> =>
  readFlagFile(
    cli,
    'event',
    typedFile(cli.want('event', given, 'a file holding the event, e.g. local/examples/event.json')),
    async (file, shown) => {
      try {
        return await readFile(file);
      } catch (error) {
        throw new Error(`cannot read ${shown}: ${fileProblem(error)}`, { cause: error });
      }
    },
  );

/**
 * The tag policy's path, once it is known to load: a policy the function would refuse at cold start is the
 * user's mistake, said on one line (`npx ram-role-attacher validate` lists every issue).
 */
export const policyFrom = (cli: Cli, given: string | undefined): Promise<string> =>
  readFlagFile(cli, 'policy', fileFor(given, DEFAULT_POLICY), async (file, shown) => {
    const problem = policyPathProblem(file);
    if (problem !== undefined) throw new Error(problem);
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      throw new Error(`cannot read ${shown}: ${fileProblem(error)}`, { cause: error });
    }
    try {
      loadPolicy(text, shown);
    } catch (error) {
      if (!(error instanceof PolicyError)) throw error;
      const [first] = error.issues.filter((i) => i.followOn !== true);
      const more =
        error.issues.length > 1
          ? ` (and ${error.issues.length - 1} more: npx ram-role-attacher validate ${shown})`
          : '';
      throw new Error(
        `${shown} is not a valid tag policy: ${first === undefined ? error.message : formatIssue(first)}${more}`,
        {
          cause: error,
        },
      );
    }
    return file;
  });
