import { AppError } from '../errors/app-error.js';

/** One problem in a policy document, located precisely enough for a person to fix it without guessing. */
export interface PolicyIssue {
  /** The rule's name, when the rule has a usable one. */
  rule?: string;
  /** Index in `rules`, for issues inside a rule (also set when the rule has no usable name). */
  ruleIndex?: number;
  /** Path of the field, relative to the rule for rule issues (`when.tags.env[1]`); `''` for the whole document. */
  field: string;
  message: string;
  /** 1-based position, for YAML syntax errors. */
  line?: number;
  column?: number;
  /** A YAML error reported after an earlier one it probably follows from: counted in the message, not listed. */
  followOn?: true;
}

/** Issues listed in the message; the `issues` array always holds all of them. */
const MAX_LISTED = 50;

/** `rule "payments" (rules[1]) field "role": "AdminRole" is not in allowedRoles` */
export function formatIssue(issue: PolicyIssue): string {
  const where: string[] = [];
  if (issue.ruleIndex !== undefined) {
    where.push(
      issue.rule === undefined
        ? `rules[${issue.ruleIndex}]`
        : `rule ${JSON.stringify(issue.rule)} (rules[${issue.ruleIndex}])`,
    );
  }
  if (issue.field !== '') where.push(`field ${JSON.stringify(issue.field)}`);
  if (issue.line !== undefined) where.push(`line ${issue.line}, column ${issue.column ?? 1}`);
  return where.length === 0 ? issue.message : `${where.join(' ')}: ${issue.message}`;
}

/** A policy that cannot be used. Permanent: the same document fails the same way until someone edits it. */
export class PolicyError extends AppError {
  readonly issues: readonly PolicyIssue[];
  readonly source: string | undefined;

  constructor(issues: readonly PolicyIssue[], source?: string, cause?: unknown) {
    const shown = issues.filter((issue) => issue.followOn !== true);
    const followOn = issues.length - shown.length;
    const listed = shown.slice(0, MAX_LISTED).map((issue) => `  - ${formatIssue(issue)}`);
    if (shown.length > MAX_LISTED) listed.push(`  - … and ${shown.length - MAX_LISTED} more`);
    if (followOn > 0) {
      const errors = followOn === 1 ? '1 more YAML error' : `${followOn} more YAML errors`;
      listed.push(`  - … and ${errors} after it, probably caused by it: fix the first and run again`);
    }
    const count = issues.length === 1 ? '1 issue' : `${issues.length} issues`;
    const from = source === undefined ? '' : ` in ${source}`;
    super('InvalidPolicy', `Invalid tag policy${from} (${count}):\n${listed.join('\n')}`, {
      errorClass: 'permanent',
      cause,
    });
    this.issues = issues;
    this.source = source;
  }
}
