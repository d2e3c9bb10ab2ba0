/**
 * The `yaml` package's errors as policy issues, in an order a person can act on: the library reports them in the
 * order its passes find them, not by position, and one real mistake (a tab, a missing `]`) is followed by several
 * errors that only follow from it. So the earliest syntax error comes first as the cause, the ones after it are
 * marked `followOn` (the message counts them instead of listing them), and duplicate keys, which are independent
 * mistakes, are always listed.
 */
import { LineCounter, Parser, type YAMLError } from 'yaml';
import { quote } from './display.js';
import type { PolicyIssue } from './policy-error.js';

/** What an issue is made of: a YAMLError, or one moved to where its mistake is. */
type YamlProblem = Pick<YAMLError, 'code' | 'message' | 'name' | 'pos' | 'linePos'>;

/** Plain one-line message of a YAML error, without the position and source excerpt the library appends. */
export function yamlIssue(error: YamlProblem, duplicateKeys: ReadonlyMap<number, string>): PolicyIssue {
  const position = error.linePos?.[0];
  const firstLine = error.message.split('\n', 1)[0] ?? error.message;
  let message = firstLine.replace(/ at line \d+, column \d+:?$/, '');
  const duplicate = duplicateKeys.get(error.pos[0]);
  if (error.code === 'DUPLICATE_KEY' && duplicate !== undefined) {
    message = `duplicate key ${quote(duplicate)} (keys must be unique)`;
  }
  return {
    field: '',
    message: `YAML ${error.name === 'YAMLWarning' ? 'warning' : 'syntax error'}: ${message}`,
    ...(position === undefined ? {} : { line: position.line, column: position.col }),
  };
}

const CLOSED = {
  'double-quoted-scalar': /^"(?:[^"\\]|\\.)*"$/s,
  'single-quoted-scalar': /^'(?:[^']|'')*'$/s,
} as const;

/** Offsets where a quoted scalar opens and never closes, from the concrete syntax tree. */
function unclosedQuoteOffsets(text: string): number[] {
  const offsets: number[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const child of node) visit(child);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    const token = node as { type?: unknown; source?: unknown; offset?: unknown };
    if (
      (token.type === 'double-quoted-scalar' || token.type === 'single-quoted-scalar') &&
      typeof token.source === 'string' &&
      typeof token.offset === 'number' &&
      !CLOSED[token.type].test(token.source.trimEnd())
    ) {
      offsets.push(token.offset);
    }
    for (const child of Object.values(node)) if (typeof child === 'object') visit(child);
  };
  for (const token of new Parser().parse(text)) visit(token);
  return offsets;
}

/**
 * Where the mistake is: the library places "Missing closing quote" at the end of the document, which can be
 * hundreds of lines after the quote that opened; this points at the opening quote instead.
 */
function located(error: YAMLError, text: string, lines: LineCounter, opened: number[]): YamlProblem {
  if (error.code !== 'MISSING_CHAR' || !/^Missing closing .?quote/.test(error.message)) return error;
  const start = opened.filter((offset) => offset <= error.pos[0]).at(-1);
  if (start === undefined || start >= text.length) return error;
  const at = lines.linePos(start);
  const { code, message, name } = error;
  return { code, message, name, pos: [start, start + 1], linePos: [at] };
}

/** Every YAML error as an issue, earliest first; see the module comment for `followOn`. */
export function syntaxIssues(
  errors: readonly YAMLError[],
  text: string,
  duplicateKeys: ReadonlyMap<number, string>,
): PolicyIssue[] {
  const lines = new LineCounter();
  lines.addNewLine(0);
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) lines.addNewLine(i + 1);
  const opened = errors.some((e) => e.code === 'MISSING_CHAR') ? unclosedQuoteOffsets(text) : [];
  const ordered = errors
    .map((error) => located(error, text, lines, opened))
    .map((error, order) => ({ error, order }))
    .sort((a, b) => a.error.pos[0] - b.error.pos[0] || a.order - b.order);
  let causeSeen = false;
  return ordered.map(({ error }) => {
    const issue = yamlIssue(error, duplicateKeys);
    if (error.code === 'DUPLICATE_KEY') return issue;
    if (!causeSeen) {
      causeSeen = true;
      return issue;
    }
    return { ...issue, followOn: true };
  });
}
