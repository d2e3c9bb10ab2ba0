/**
 * The policy as `npm run build` validated it: `<policy file>.parsed.json` beside the policy, holding the validated
 * policy, the warnings its validation gave, the SHA-256 of the text they came from, and a second SHA-256 binding
 * that text to what is stored. A cold start whose policy text is still that text takes the stored policy, and loads
 * neither the YAML parser nor the validator (about a tenth of the cold start: BENCHMARKS.md); any other text, or a
 * file changed after the build wrote it, is parsed and validated from the YAML, as without the file.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import * as z from 'zod/mini';
import { deepFreeze } from '../collections/deep-freeze.js';
import { compiledPolicy } from './compiled-policy.js';
import type { Policy } from './policy.js';
import type { LoadedPolicy } from './validate-policy.js';

/** Bumped whenever `Policy` changes shape: a file from an earlier build is then not taken, and the YAML is. */
const FORMAT = 2;

export const parsedPolicyPath = (policyPath: string): string => `${policyPath}.parsed.json`;

const digest = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * What `storedSha256` covers: the text's digest with what is stored. Not a defence against someone who can write
 * the code directory (they can change the code too), but a hand edit of the stored policy would otherwise bypass
 * validation (`allowedRoles` included).
 */
const storedDigest = (textSha256: string, policy: unknown, warnings: readonly string[]): string =>
  digest(JSON.stringify([FORMAT, textSha256, policy, warnings]));

const hexSha256 = z.string().check(z.regex(/^[0-9a-f]{64}$/));

const parsedPolicySchema = z.object({
  format: z.literal(FORMAT),
  sha256: hexSha256,
  storedSha256: hexSha256,
  policy: z.unknown(),
  warnings: z.array(z.string()),
});

/** What the build validated: the policy, and its warnings one line each. */
export type ValidatedPolicy = Pick<LoadedPolicy, 'policy' | 'warnings'>;

/**
 * The file's contents for a policy text and what validating it gave; `undefined` when JSON cannot carry the policy
 * exactly, so the cold start validates the YAML instead.
 */
export function encodeParsedPolicy(text: string, { policy, warnings }: ValidatedPolicy): string | undefined {
  const json = JSON.stringify(policy);
  if (json === undefined || !isDeepStrictEqual(JSON.parse(json), policy)) return undefined;
  const sha256 = digest(text);
  const file = {
    format: FORMAT,
    sha256,
    storedSha256: storedDigest(sha256, policy, warnings),
    policy,
    warnings,
  };
  return `${JSON.stringify(file, null, 1)}\n`;
}

export type ParsedPolicyLookup =
  | { found: true; policy: Policy; warnings: string[] }
  /** `why` is set when a file was there but could not be used. */
  | { found: false; why?: string };

/** The stored validation of `text`, read from beside `policyPath`, if there is one and it is of this very text. */
export function readParsedPolicy(policyPath: string, text: string): ParsedPolicyLookup {
  const path = parsedPolicyPath(policyPath);
  let json: string;
  try {
    json = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { found: false };
    return { found: false, why: `${path} could not be read (${(error as Error).message})` };
  }
  return decodeParsedPolicy(json, text, path);
}

/** The stored validation in `json` (the file at `path`), if it is of this very `text` and unchanged since. */
export function decodeParsedPolicy(json: string, text: string, path: string): ParsedPolicyLookup {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    return { found: false, why: `${path} is not JSON (${(error as Error).message})` };
  }
  const parsed = parsedPolicySchema.safeParse(value, { jitless: true }); // once per cold start
  if (!parsed.success) return { found: false, why: `${path} is not a validated policy (format ${FORMAT})` };
  const { sha256, storedSha256, policy, warnings } = parsed.data;
  if (sha256 !== digest(text)) {
    return { found: false, why: `the policy changed since the build validated it into ${path}` };
  }
  if (storedSha256 !== storedDigest(sha256, policy, warnings)) {
    return { found: false, why: `${path} was changed after the build wrote it` };
  }
  // Frozen and compiled as `validatePolicy` leaves a policy: a glob that does not compile fails here, at start.
  const frozen = deepFreeze(policy as Policy);
  compiledPolicy(frozen);
  return { found: true, policy: frozen, warnings };
}
