/**
 * The policy as `npm run build` parsed it: `<policy file>.parsed.json` beside the policy, holding the YAML
 * document as plain values, the parser's warnings and the SHA-256 of the text they came from. A cold start whose
 * policy text still has that digest validates the stored document and never loads a YAML parser (a quarter of the
 * bundle); any other policy text is parsed as YAML, as before.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import * as z from 'zod/mini';
import type { PolicyWarning } from './lint-policy.js';

export const parsedPolicyPath = (policyPath: string): string => `${policyPath}.parsed.json`;

const digest = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

const yamlWarningSchema = z.object({
  kind: z.literal('yaml'),
  field: z.string(),
  message: z.string(),
  rule: z.optional(z.string()),
  ruleIndex: z.optional(z.number()),
  line: z.optional(z.number()),
  column: z.optional(z.number()),
  followOn: z.optional(z.literal(true)),
});

const parsedPolicySchema = z.object({
  format: z.literal(1),
  sha256: z.string().check(z.regex(/^[0-9a-f]{64}$/)),
  document: z.unknown(),
  yamlWarnings: z.array(yamlWarningSchema),
});

/**
 * The file's contents for a policy text and what the YAML parser made of it; `undefined` when JSON cannot carry
 * the document exactly (`.inf`, `.nan`: YAML numbers JSON has not), so the cold start parses the YAML instead.
 */
export function encodeParsedPolicy(
  text: string,
  document: unknown,
  yamlWarnings: readonly PolicyWarning[],
): string | undefined {
  const json = JSON.stringify(document);
  if (json === undefined || !isDeepStrictEqual(JSON.parse(json), document)) return undefined;
  return `${JSON.stringify({ format: 1, sha256: digest(text), document, yamlWarnings }, null, 1)}\n`;
}

export type ParsedPolicyLookup =
  | { found: true; document: unknown; yamlWarnings: PolicyWarning[] }
  /** `why` is set when a file was there but could not be used. */
  | { found: false; why?: string };

/** The stored parse of `text`, read from beside `policyPath`, if there is one and it is of this very text. */
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

/** The stored parse in `json` (the file at `path`), if it is of this very `text`. */
export function decodeParsedPolicy(json: string, text: string, path: string): ParsedPolicyLookup {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    return { found: false, why: `${path} is not JSON (${(error as Error).message})` };
  }
  const parsed = parsedPolicySchema.safeParse(value, { jitless: true }); // once per cold start
  if (!parsed.success) return { found: false, why: `${path} is not a parsed policy (format 1)` };
  if (parsed.data.sha256 !== digest(text)) {
    return { found: false, why: `the policy changed since the build parsed it into ${path}` };
  }
  return { found: true, document: parsed.data.document, yamlWarnings: parsed.data.yamlWarnings };
}
