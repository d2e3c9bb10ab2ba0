/** `ram-role-attacher check-roles [--policy F] [--endpoint URL] [--region R] [--json]` */
import { credentialsFor } from '../../shared/credentials/credentials.js';
import { type GetRole, parseEndpoint, ramGetRole } from './check-roles/ram-client.js';
import { allGood, checkRole, type RoleCheck } from './check-roles/role-check.js';
import { type Colours, colours } from './colour.js';
import type { Command } from './command.js';
import { REGION_ALLOWED, regionCheck } from './flag-checks.js';
import { chosenFile, DEFAULT_POLICY_FILE, displayName, loadPolicyFile } from './policy-file.js';

const USAGE = `usage: ram-role-attacher check-roles [--policy F] [--endpoint URL] [--region R] [--json]

Checks, through RAM's GetRole, that every role in the policy's allowedRoles exists and that its trust policy
lets ecs.aliyuncs.com assume it (Effect Allow, Action sts:AssumeRole, Principal.Service naming it): without
that, ECS refuses to attach it (InvalidRamRole.NotEcsRole). A trust that holds only under a Condition is
reported as such. Read-only; needs ram:GetRole on those roles. Credentials: @alicloud/credentials' default chain
(ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET, a profile, an instance role...).

Exit status: 0 when every role exists and trusts ECS, 1 when any does not (or RAM could not be asked),
2 on a usage error.

  --policy F        the policy (default: the repository's policy.yaml); relative to where you ran npm from
  --endpoint URL    RAM's endpoint, http(s)://host[:port] (default: the SDK's, ram.aliyuncs.com); for the
                    emulators of \`npm run emulators\`, the "ram" endpoint it prints
  --region R        the region the client is configured with (default cn-hangzhou; RAM itself is global)
  --json            print one JSON object: {policy, ok, roles: [{role, status, exists, arn, trustsEcs,
                    conditional, note}]}
  -h, --help        show this help`;

const STATUS_TEXT: Record<RoleCheck['status'], string> = {
  ok: 'ok',
  missing: 'missing',
  'not-trusted': 'does not trust ECS',
  unreadable: 'trust policy unreadable',
  failed: 'not checked',
};

const yesNo = (value: boolean | null): string => (value === null ? '?' : value ? 'yes' : 'no');

function render(policyName: string, checks: readonly RoleCheck[], c: Colours): string {
  const header = ['role', 'exists', 'trusts ECS', 'status'];
  const rows = checks.map((check) => [
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
    const status = cells[3] ?? '';
    lines.push(`${padded.slice(0, padded.length - status.length)}${paint(check, status)}`);
  });
  const notes = checks.filter((check) => check.note !== undefined);
  if (notes.length > 0) lines.push('');
  for (const check of notes) lines.push(`${check.role}: ${check.note}`);
  const bad = checks.filter((check) => check.status !== 'ok').length;
  lines.push(
    '',
    bad === 0
      ? `${policyName}: ${c.green(`all ${checks.length} allowed roles exist and trust ECS`)}`
      : `${policyName}: ${c.red(`${bad} of ${checks.length} allowed roles cannot be attached`)}`,
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
      },
      { args },
    );
    const region = cli.want('region', values.region, REGION_ALLOWED, regionCheck);
    const endpoint =
      values.endpoint === undefined
        ? undefined
        : parseEndpoint(
            cli.want('endpoint', values.endpoint, 'http(s)://host[:port]', (value) =>
              parseEndpoint(value) === undefined
                ? `${JSON.stringify(value)} is not an endpoint (http(s)://host[:port], no path)`
                : undefined,
            ),
          );
    const file = chosenFile(values.policy, DEFAULT_POLICY_FILE);
    const { policy } = loadPolicyFile(file);
    const getRole = ramGetRole({
      credential: credentialsFor(undefined),
      region,
      ...(endpoint === undefined ? {} : { endpoint }),
    });
    const checks = await checkRoles(policy.allowedRoles, getRole);
    const ok = allGood(checks);
    cli.io.stdout.write(
      values.json
        ? `${JSON.stringify({ policy: displayName(file), ok, roles: checks }, null, 2)}\n`
        : `${render(displayName(file), checks, colours(cli.io.stdout))}\n`,
    );
    return ok ? 0 : 1;
  },
};
