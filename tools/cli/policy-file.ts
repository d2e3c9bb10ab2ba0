/** The policy file the commands read: the repository's `policy.yaml` unless one is given on the command line. */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type LoadedPolicy, loadPolicy } from '../../shared/policy/load-policy.js';
import { userPath } from '../cli.js';

/** The policy `npm run build` bundles. */
export const DEFAULT_POLICY_FILE = fileURLToPath(new URL('../../policy.yaml', import.meta.url));
export const DEFAULT_S_YAML = fileURLToPath(new URL('../../s.yaml', import.meta.url));

/** A given path resolved where the user ran npm (INIT_CWD), or the default. */
export const chosenFile = (given: string | undefined, fallback: string): string =>
  given === undefined ? fallback : userPath(given);

/** How a file is named in messages: relative to where the user is, when it is below it. */
export function displayName(file: string): string {
  const rel = relative(process.env.INIT_CWD ?? process.cwd(), file);
  return rel !== '' && !rel.startsWith('..') ? rel : file;
}

/** The file's text, or an error that says which file and why (not a stack trace about `open`). */
export function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const why =
      code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : String(code ?? error);
    throw new Error(`cannot read ${what} ${displayName(file)}: ${why}`, { cause: error });
  }
}

/** Reads and validates a policy; throws PolicyError (every issue) when it is invalid. */
export const loadPolicyFile = (file: string): LoadedPolicy =>
  loadPolicy(readText(file, 'the policy'), displayName(file));
