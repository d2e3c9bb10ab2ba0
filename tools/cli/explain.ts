/** `ram-role-attacher explain --tags k=v … [--region R] [--current-role X] [--policy F] [--json]` */
import { isRoleName, ROLE_NAME } from '../../shared/ecs/ids.js';
import { quote } from '../../shared/policy/display.js';
import type { Mismatch } from '../../shared/policy/explain.js';
import type { Decision } from '../../shared/policy/policy.js';
import type { OutOfScope } from '../../shared/policy/scope.js';
import { type Colours, colours } from './colour.js';
import type { Command } from './command.js';
import { explainInstance, type InstanceExplanation } from './explain/explain-instance.js';
import { parseTagArgs } from './explain/tag-args.js';
import { accountCheck, REGION_ALLOWED, regionCheck } from './flag-checks.js';
import { givenPolicyFile, loadPolicyFile } from './policy-file.js';

const USAGE = `usage: ram-role-attacher explain [--tags k=v]... [--region R] [--account A] [--current-role X] [--policy F] [--json]

Shows how the policy decides for an instance with these tags, without calling the cloud: the rule that decides,
the outcome the function would report, and for every earlier rule each condition that did not hold.

  --tags k=v          a tag of the instance; repeat it for more tags (k=v arguments after the options count
                      too). The value may be empty or contain "="; no tags at all is an untagged instance.
  --region R          the instance's region (default: the policy's first region, else cn-hangzhou)
  --account A         the instance's account id (default: the first of the policy's accounts, else none)
  --current-role X    the role the instance has now (default: none); with onExistingRole and mode it decides
                      the outcome: already-correct, conflict, replaced, would-attach...
  --policy F          the policy (default: the repository's policy.yaml); relative to where you ran npm from
  --json              print one JSON object: {regionId, tags, currentRole, decision, outcome, decidedBy,
                      notMatched: [{rule, index, mismatches}], outsideRegions?,
                      outsideAccount?, accountId?}
  -h, --help          show this help`;

const tag = (key: string): string => `tag ${quote(key)}`;

export function describeMismatch(m: Mismatch): string {
  switch (m.kind) {
    case 'region':
      return `region ${m.regionId} is not one of its regions (${m.regions.join(', ')})`;
    case 'account':
      return m.accountId === undefined
        ? `it is limited to accounts (${m.accounts.join(', ')}) and the instance's account is not given (pass --account)`
        : `account ${m.accountId} is not one of its accounts (${m.accounts.join(', ')})`;
    case 'tag-absent':
      return `${tag(m.key)} is absent`;
    case 'tag-present':
      return `${tag(m.key)} is present (${quote(m.value)}), and the rule needs it absent`;
    case 'value-differs':
      return `${tag(m.key)} is ${quote(m.value)}, not ${quote(m.expected)}`;
    case 'value-not-in-list':
      return `${tag(m.key)} is ${quote(m.value)}, not one of ${m.values.map((v) => quote(v)).join(', ')}`;
    case 'glob-mismatch':
      return `${tag(m.key)} is ${quote(m.value)}, which does not match ${quote(m.pattern)}`;
  }
}

function describeDecision(decision: Decision): string {
  switch (decision.action) {
    case 'attach':
      return `attach ${decision.role}`;
    case 'skip':
      return decision.reason === 'policy' ? 'skip' : `skip (${decision.reason})`;
    case 'no-rule':
      return 'no rule matches';
    case 'refused':
      return `refused: ${decision.reason}`;
  }
}

function describeOutside(outside: OutOfScope): string {
  if (outside.reason === 'account') {
    return outside.accountId === undefined
      ? `the policy lists accounts (${outside.accounts.join(', ')}) and the instance's account is not given (pass --account)`
      : `account ${outside.accountId} is not in the policy's accounts (${outside.accounts.join(', ')})`;
  }
  return `${outside.regionId} is not in its account's regions (${outside.regions.join(', ')})`;
}

interface Assumed {
  region: boolean;
  account: boolean;
}

function render(result: InstanceExplanation, assumed: Assumed, c: Colours): string {
  const tags = Object.entries(result.tags);
  const account =
    result.accountId === undefined
      ? ''
      : ` of account ${result.accountId}${assumed.account ? ' (assumed; pass --account)' : ''}`;
  const lines = [
    `instance in ${result.regionId}${assumed.region ? ' (assumed; pass --region)' : ''}${account}, ` +
      `${tags.length === 0 ? 'no tags' : `tags ${tags.map(([k, v]) => `${k}=${v}`).join(', ')}`}, ` +
      `${result.currentRole === null ? 'no role now' : `role ${result.currentRole} now`}`,
  ];
  if (result.outsideRegions !== undefined) {
    lines.push(
      `  ${c.dim('no rule consulted')}: ${result.regionId} is not in the policy's regions (${result.outsideRegions.regions.join(', ')})`,
    );
  }
  if (result.outsideAccount !== undefined) {
    lines.push(`  ${c.dim('no rule consulted')}: ${describeOutside(result.outsideAccount)}`);
  }
  const width = Math.max(
    0,
    ...result.notMatched.map((t) => t.rule.length),
    result.decidedBy?.rule.length ?? 0,
  );
  const label = (index: number, rule: string) => `  rules[${index}] ${c.bold(rule.padEnd(width))}`;
  for (const trace of result.notMatched) {
    const [first, ...rest] = trace.mismatches.map(describeMismatch);
    lines.push(`${label(trace.index, trace.rule)}  ${c.dim('no match:')} ${first ?? ''}`);
    for (const more of rest)
      lines.push(`${' '.repeat(`  rules[${trace.index}] `.length + width)}  ${c.dim('and')} ${more}`);
  }
  if (result.decidedBy !== undefined) {
    lines.push(
      `${label(result.decidedBy.index, result.decidedBy.rule)}  ${c.green('decides:')} ${describeDecision(result.decision)}`,
    );
  } else if (result.outsideRegions === undefined && result.outsideAccount === undefined) {
    lines.push(`  ${c.yellow('no rule matches')}`);
  }
  const { outcome, role, previousRole, reason } = result.outcome;
  const details = [
    role === undefined || role === '' ? undefined : `role ${role}`,
    previousRole === undefined ? undefined : `previous role ${previousRole}`,
    reason,
  ].filter((d) => d !== undefined);
  lines.push(`outcome: ${c.bold(outcome)}${details.length > 0 ? ` (${details.join('; ')})` : ''}`);
  return lines.join('\n');
}

export const explainCommand: Command = {
  name: 'explain',
  summary: 'show which rule decides for given tags, the outcome, and why each earlier rule did not match',
  usage: USAGE,
  async run(cli, args) {
    const { values, positionals } = cli.parse(
      {
        tags: { type: 'string', multiple: true, default: [] },
        region: { type: 'string' },
        account: { type: 'string' },
        'current-role': { type: 'string' },
        policy: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
      { args, positionals: true },
    );
    const parsedTags = parseTagArgs([...values.tags, ...positionals]);
    if ('problem' in parsedTags) return cli.usageError(parsedTags.problem);
    const currentRole = values['current-role'] ?? null;
    if (currentRole !== null && !isRoleName(currentRole)) {
      cli.usageError(`--current-role: ${quote(currentRole)} is not a RAM role name (${ROLE_NAME.source})`);
    }
    const region =
      values.region === undefined
        ? undefined
        : cli.want('region', values.region, REGION_ALLOWED, regionCheck);
    const account =
      values.account === undefined
        ? undefined
        : cli.want('account', values.account, 'an account id (UID), digits only', accountCheck);
    const { policy } = loadPolicyFile(givenPolicyFile(cli, values.policy, '--policy'));
    const regionId = region ?? policy.regions?.[0] ?? 'cn-hangzhou';
    const accountId = account ?? policy.accounts?.[0]?.id;
    const result = explainInstance(policy, { regionId, accountId, tags: parsedTags.tags, currentRole });
    const assumed = { region: region === undefined, account: account === undefined };
    cli.io.stdout.write(
      values.json
        ? `${JSON.stringify(result, null, 2)}\n`
        : `${render(result, assumed, colours(cli.io.stdout))}\n`,
    );
    return 0;
  },
};
