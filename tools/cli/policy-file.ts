/** The policy file the commands read: the repository's `policy.yaml` unless one is given on the command line. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { type LoadedPolicy, loadPolicy } from '../../shared/policy/load-policy.js';
import { displayName, fileProblem } from '../cli.js';

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
