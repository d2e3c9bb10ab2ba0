/** The policy file the commands read: the repository's `policy.yaml` unless one is given on the command line. */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type LoadedPolicy, loadPolicy } from '../../shared/policy/load-policy.js';
import { type Cli, chosenFile, displayName, fileProblem } from '../cli.js';

export { chosenFile, displayName } from '../cli.js';

/** The policy `npm run build` bundles. */
export const DEFAULT_POLICY_FILE = fileURLToPath(new URL('../../policy.yaml', import.meta.url));
export const DEFAULT_S_YAML = fileURLToPath(new URL('../../s.yaml', import.meta.url));

/** The file's text, or an error that says which file and why (not a stack trace about `open`). */
export function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(`cannot read ${what} ${displayName(file)}: ${fileProblem(error)}`, { cause: error });
  }
}

/** Reads and validates a policy; throws PolicyError (every issue) when it is invalid. */
export const loadPolicyFile = (file: string): LoadedPolicy =>
  loadPolicy(readText(file, 'the policy'), displayName(file));

/**
 * What is wrong with a policy path given on the command line, before reading it: missing, unreadable, or a
 * directory (then the policy.yaml inside it, if there is one, is suggested).
 */
export function policyPathProblem(file: string): string | undefined {
  try {
    if (!statSync(file).isDirectory()) return undefined;
  } catch (error) {
    return `cannot read ${displayName(file)}: ${fileProblem(error)}`;
  }
  const inside = join(file, 'policy.yaml');
  const hint = existsSync(inside) ? ` (did you mean ${displayName(inside)}?)` : '';
  return `${displayName(file)} is a directory, not a policy file${hint}`;
}

/**
 * The policy file a command was given (`label`: how the user gave it, e.g. `--policy`), or the repository's. One
 * the user named that is missing or a directory is a usage error: their mistake, on one line, exit 2.
 */
export function givenPolicyFile(cli: Cli, given: string | undefined, label: string | undefined): string {
  if (given === undefined) return DEFAULT_POLICY_FILE;
  const file = chosenFile(given, DEFAULT_POLICY_FILE);
  const problem = policyPathProblem(file);
  if (problem === undefined) return file;
  return cli.usageError(label === undefined ? problem : `${label}: ${problem}`);
}
