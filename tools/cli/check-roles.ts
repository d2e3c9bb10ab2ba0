/** `ram-role-attacher check-roles [--account A]... [--policy F] [--endpoint URL] [--region R] [--json]` */
import { credentialsFor } from '../../shared/credentials/credentials.js';
import { describeError } from '../../shared/errors/classify.js';
import { type GetRole, ramGetRole } from './check-roles/ram-client.js';
import { allGood, checkRole, type RoleCheck } from './check-roles/role-check.js';
import { type Colours, colours } from './colour.js';
import type { Command } from './command.js';
import { endpointFlag } from './endpoint-flag.js';
import { REGION_ALLOWED, regionCheck } from './flag-checks.js';
import {
  ACCOUNT_FLAGS_HELP,
  ACCOUNT_OPTIONS,
  accountCredentials,
  accountFlags,
  coveredAccounts,
} from './fleet/account-flags.js';
import { newRunId } from './fleet/run-fleet.js';
import { displayName, givenPolicyFile, loadPolicyFile } from './policy-file.js';

const USAGE = `usage: ram-role-attacher check-roles [--account A]... [--accounts-from S [--folder F]] [--policy F] [--endpoint URL] [--region R] [--json]

Checks, through RAM's GetRole, that every role in the policy's allowedRoles exists and that its trust policy
lets ecs.aliyuncs.com assume it (Effect Allow, Action sts:AssumeRole, Principal.Service naming it): without
that, ECS refuses to attach it (InvalidRamRole.NotEcsRole). A trust that holds only under a Condition is
reported as such. Read-only; needs ram:GetRole on those roles. Credentials: @alicloud/credentials' default chain
(ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET, a profile, an instance role...). With accounts: in the policy, every
account's roles are checked (the roles must exist in each account the function attaches them in), each account
through its member role, as plan does; with --accounts-from resource-directory, every member the Resource
Directory lists.

Exit status: 0 when every role exists and trusts ECS, 1 when any does not (or RAM could not be asked, or an
account's member role could not be assumed), 2 on a usage error.

${ACCOUNT_FLAGS_HELP}
  --policy F        the policy (default: the repository's policy.yaml); relative to where you ran npm from
  --endpoint URL    RAM's endpoint, http(s)://host[:port] (default: the SDK's, ram.aliyuncs.com); for the
                    emulators of \`npm run emulators\`, the "ram" endpoint it prints
  --region R        the region the client is configured with (default cn-hangzhou; RAM itself is global)
  --json            print one JSON object: {policy, ok, roles: [{accountId, role, status, exists, arn,
                    trustsEcs, conditional, note}], failedAccounts: [{accountId, code, message}]}
                    (accountId null for a policy without accounts:)
  -h, --help        show this help`;

const STATUS_TEXT: Record<RoleCheck['status'], string> = {
  ok: 'ok',
  missing: 'missing',
  'not-trusted': 'does not trust ECS',
  unreadable: 'trust policy unreadable',
  failed: 'not checked',
};

const yesNo = (value: boolean | null): string => (value === null ? '?' : value ? 'yes' : 'no');

/** One role's check in one account (`null`: the credentials' own, unnamed). */
export type AccountRoleCheck = RoleCheck & { accountId: string | null };

export interface FailedAccountCheck {
  accountId: string;
  code: string;
  message: string;
}

function render(
  policyName: string,
  checks: readonly AccountRoleCheck[],
  failed: readonly FailedAccountCheck[],
  c: Colours,
): string {
  const withAccount = checks.some((check) => check.accountId !== null) || failed.length > 0;
  const header = [...(withAccount ? ['account'] : []), 'role', 'exists', 'trusts ECS', 'status'];
  const rows = checks.map((check) => [
    ...(withAccount ? [check.accountId ?? '-'] : []),
    check.role,
    yesNo(check.exists),
    check.trustsEcs === true && check.conditional ? 'yes, with conditions' : yesNo(check.trustsEcs),
    STATUS_TEXT[check.status],
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  const paint = (check: RoleCheck, text: string): string =>
    check.status === 'ok' ? (check.conditional ? c.yellow(text) : c.green(text)) : c.red(text);
  const lines = [c.bold(line(header))];
  checks.forEach((check, i) => {
    const cells = rows[i] ?? [];
    const padded = line(cells);
    const status = cells[cells.length - 1] ?? '';
    lines.push(`${padded.slice(0, padded.length - status.length)}${paint(check, status)}`);
  });
  const notes = checks.filter((check) => check.note !== undefined);
  if (notes.length > 0) lines.push('');
  for (const check of notes)
    lines.push(`${check.accountId === null ? '' : `${check.accountId} `}${check.role}: ${check.note}`);
  if (failed.length > 0) lines.push('');
  for (const f of failed)
    lines.push(
      c.red(
        `account ${f.accountId}: not checked, its member role could not be assumed (${f.code}): ${f.message}`,
      ),
    );
  const bad = checks.filter((check) => check.status !== 'ok').length;
  const where = withAccount
    ? ` in ${new Set(checks.map((check) => check.accountId)).size + failed.length} accounts`
    : '';
  lines.push(
    '',
    bad === 0 && failed.length === 0
      ? `${policyName}: ${c.green(`all ${checks.length} allowed roles${where} exist and trust ECS`)}`
      : `${policyName}: ${c.red(`${bad} of ${checks.length} allowed roles${where} cannot be attached${failed.length > 0 ? `, ${failed.length} accounts not checked` : ''}`)}`,
  );
  return lines.join('\n');
}

/** Asks RAM about every allowed role, a few at a time (a policy lists a handful). */
export async function checkRoles(roles: readonly string[], getRole: GetRole): Promise<RoleCheck[]> {
  const checks: RoleCheck[] = [];
  for (let i = 0; i < roles.length; i += 5) {
    const batch = roles.slice(i, i + 5);
    const answers = await Promise.all(batch.map((role) => getRole(role)));
    batch.forEach((role, k) => {
      const answer = answers[k];
      if (answer !== undefined) checks.push(checkRole(role, answer));
    });
  }
  return checks;
}

export const checkRolesCommand: Command = {
  name: 'check-roles',
  summary: 'check that each allowed role exists in RAM and its trust policy lets ECS assume it',
  usage: USAGE,
  async run(cli, args) {
    const { values } = cli.parse(
      {
        policy: { type: 'string' },
        endpoint: { type: 'string' },
        region: { type: 'string', default: 'cn-hangzhou' },
        json: { type: 'boolean', default: false },
        ...ACCOUNT_OPTIONS,
      },
      { args },
    );
    const region = cli.want('region', values.region, REGION_ALLOWED, regionCheck);
    const endpoint = endpointFlag(cli, 'endpoint', values.endpoint);
    const file = givenPolicyFile(cli, values.policy, '--policy');
    const { policy } = loadPolicyFile(file);
    const caller = credentialsFor(undefined);
    const flags = await coveredAccounts(cli, accountFlags(cli, values, policy), policy, async () => caller);
    const credentialsOf = accountCredentials(flags, caller, newRunId('check-roles', Date.now()));
    const checks: AccountRoleCheck[] = [];
    const failed: FailedAccountCheck[] = [];
    for (const accountId of flags.accounts) {
      let credential: Awaited<ReturnType<typeof credentialsOf>>;
      try {
        credential = await credentialsOf(accountId);
      } catch (error) {
        const info = describeError(error);
        failed.push({
          accountId: accountId ?? '-',
          code: info.code,
          message: info.message.split('\n', 1)[0] ?? '',
        });
        continue;
      }
      const getRole = ramGetRole({ credential, region, ...(endpoint === undefined ? {} : { endpoint }) });
      for (const check of await checkRoles(policy.allowedRoles, getRole))
        checks.push({ accountId: accountId ?? null, ...check });
    }
    const ok = allGood(checks) && failed.length === 0;
    cli.io.stdout.write(
      values.json
        ? `${JSON.stringify({ policy: displayName(file), ok, roles: checks, failedAccounts: failed }, null, 2)}\n`
        : `${render(displayName(file), checks, failed, colours(cli.io.stdout))}\n`,
    );
    return ok ? 0 : 1;
  },
};
