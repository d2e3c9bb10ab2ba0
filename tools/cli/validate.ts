/** `ram-role-attacher validate [policy.yaml] [--json]`: the schema and the lint, errors exit 1. */
import type { PolicyWarning } from '../../shared/policy/lint-policy.js';
import { formatIssue, PolicyError, type PolicyIssue } from '../../shared/policy/policy-error.js';
import { type Colours, colours } from './colour.js';
import type { Command } from './command.js';
import { displayName, givenPolicyFile, loadPolicyFile } from './policy-file.js';

const USAGE = `usage: ram-role-attacher validate [policy.yaml] [--json]

Checks a tag policy the way the build and the function's cold start do, and lints it. Errors (the policy
cannot be used) list every problem at once, each naming the rule and the field; a YAML syntax error is
reported alone, its cause first. Warnings (it can be used, but probably not as meant):
  - a rule that can never match: an earlier rule always wins, or its regions are outside the policy's
  - an allowed role that no rule can attach (the function would still be granted ram:PassRole on it)
  - a later rule competing with an earlier rule's glob on the same tag key, so that their order decides
  - a region Alibaba Cloud has closed
Region ids that are not Alibaba Cloud regions are errors, with "did you mean".

Exit status: 0 when the policy is valid (warnings do not fail), 1 when it has errors, 2 on a usage error
(a policy file that is missing or a directory included).

  policy.yaml   the policy (default: the repository's policy.yaml); relative to the directory you ran npm from
  --json        print one JSON object: {file, valid, errors: [...], warnings: [...]}
  -h, --help    show this help`;

const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;

function report(
  file: string,
  errors: readonly PolicyIssue[],
  warnings: readonly PolicyWarning[],
  c: Colours,
): string {
  const lines: string[] = [];
  const shown = errors.filter((issue) => issue.followOn !== true);
  for (const issue of shown) lines.push(`${file}: ${c.red('error')}: ${formatIssue(issue)}`);
  const followOn = errors.length - shown.length;
  if (followOn > 0) {
    lines.push(
      `${file}: ${c.red('error')}: … and ${plural(followOn, 'more YAML error')} after it, probably caused by it: fix the first and run again`,
    );
  }
  for (const warning of warnings) lines.push(`${file}: ${c.yellow('warning')}: ${formatIssue(warning)}`);
  const counts = [plural(shown.length + followOn, 'error'), plural(warnings.length, 'warning')];
  lines.push(
    errors.length > 0
      ? `${file}: ${c.red('invalid')} (${counts.join(', ')})`
      : `${file}: ${c.green('valid')}${warnings.length > 0 ? ` (${counts[1]})` : ''}`,
  );
  return lines.join('\n');
}

export const validate: Command = {
  name: 'validate',
  summary: 'check a policy: the schema and the lint (errors exit 1, warnings do not)',
  usage: USAGE,
  async run(cli, args) {
    const { values, positionals } = cli.parse(
      { json: { type: 'boolean', default: false } },
      { args, positionals: true },
    );
    if (positionals.length > 1) {
      cli.usageError(`one policy file at most, not ${positionals.length} (${positionals.join(', ')})`);
    }
    const file = givenPolicyFile(cli, positionals[0], undefined);
    const name = displayName(file);
    let errors: readonly PolicyIssue[] = [];
    let warnings: readonly PolicyWarning[] = [];
    try {
      warnings = loadPolicyFile(file).findings;
    } catch (error) {
      if (!(error instanceof PolicyError)) throw error;
      errors = error.issues;
    }
    cli.io.stdout.write(
      values.json
        ? `${JSON.stringify({ file: name, valid: errors.length === 0, errors, warnings }, null, 2)}\n`
        : `${report(name, errors, warnings, colours(cli.io.stdout))}\n`,
    );
    return errors.length > 0 ? 1 : 0;
  },
};
