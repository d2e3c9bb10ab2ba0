/**
 * `policy.yaml` text → a validated, frozen Policy, or a PolicyError listing every issue at once: YAML parsing here,
 * the rest in `validate-policy.ts`. Used at build, by the CLI, and at cold start when the policy was not parsed
 * at build.
 */
import { isScalar, parseDocument } from 'yaml';
import type { PolicyWarning } from './lint-policy.js';
import { PolicyError } from './policy-error.js';
import { POLICY_LIMITS } from './policy-schema.js';
import { type LoadedPolicy, validatePolicy } from './validate-policy.js';
import { syntaxIssues, yamlIssue } from './yaml-errors.js';

export type { LoadedPolicy } from './validate-policy.js';

/**
 * The `uniqueKeys` test: scalars that stringify alike are the same JavaScript key (`1` and `"1"`), so they count
 * as duplicates too. Records each duplicate by offset, so that the error can name the key.
 */
function uniqueKeys(duplicateKeys: Map<number, string>) {
  return (a: unknown, b: unknown): boolean => {
    if (a === b) return true;
    if (!isScalar(a) || !isScalar(b) || String(a.value) !== String(b.value)) return false;
    for (const node of [a, b]) if (node.range) duplicateKeys.set(node.range[0], String(node.value));
    return true;
  };
}

/** The YAML document as plain values, and the parser's warnings; PolicyError on a syntax error. */
export function parseYaml(
  text: string,
  source: string | undefined,
): { value: unknown; warnings: PolicyWarning[] } {
  const fail = (message: string, cause?: unknown): never => {
    throw new PolicyError([{ field: '', message }], source, cause);
  };
  if (text.length > POLICY_LIMITS.maxDocumentLength) {
    fail(
      `the document has ${text.length} characters; at most ${POLICY_LIMITS.maxDocumentLength} are accepted`,
    );
  }
  try {
    const duplicateKeys = new Map<number, string>();
    const document = parseDocument(text, {
      uniqueKeys: uniqueKeys(duplicateKeys),
      schema: 'core',
      merge: false,
    });
    if (document.errors.length > 0) {
      // Only the YAML errors: checking the shape of a document that did not parse would bury the cause.
      throw new PolicyError(syntaxIssues(document.errors, text, duplicateKeys), source);
    }
    const warnings = document.warnings.map(
      (warning): PolicyWarning => ({ kind: 'yaml', ...yamlIssue(warning, duplicateKeys) }),
    );
    // Throws once aliases expand beyond the limit ("billion laughs").
    return { value: document.toJS({ maxAliasCount: POLICY_LIMITS.maxAliasCount }), warnings };
  } catch (error) {
    if (error instanceof PolicyError) throw error;
    if (error instanceof ReferenceError && /alias/i.test(error.message)) {
      return fail(
        `YAML aliases expand too much (more than ${POLICY_LIMITS.maxAliasCount} nodes); write the values out`,
        error,
      );
    }
    return fail(`YAML could not be parsed: ${error instanceof Error ? error.message : String(error)}`, error);
  }
}

/**
 * Parses and validates a policy document. Throws PolicyError (code `InvalidPolicy`, permanent) listing every
 * issue; `source` (e.g. the file name) only labels the message.
 */
export function loadPolicy(text: string, source?: string): LoadedPolicy {
  const { value, warnings } = parseYaml(text, source);
  return validatePolicy(value, warnings, source);
}
