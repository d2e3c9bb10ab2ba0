/** `ram-role-attacher plan [--account A]... [--region R]... [--policy F] [--endpoint URL] [--json] [--detailed-exitcode]` */
import { colours } from './colour.js';
import type { Command } from './command.js';
import { fleetAccess, lazyOperatorCredentials } from './fleet/ecs-access.js';
import { FLEET_FLAGS_HELP, FLEET_OPTIONS, fleetFlags } from './fleet/fleet-flags.js';
import { type FleetReport, reportFailed } from './fleet/fleet-report.js';
import { createProgress } from './fleet/progress.js';
import { renderReport } from './fleet/render.js';
import { newRunId, runFleet } from './fleet/run-fleet.js';

const USAGE = `usage: ram-role-attacher plan [--account A]... [--accounts-from S [--folder F]] [--region R]... [--policy F] [--endpoint URL] [--calls-per-second N]
                             [--json] [--detailed-exitcode]

What the policy would change on the instances that exist now, read-only: the fleet sweep's own walk with writes
off (DescribeInstances by NextToken, 100 a page; DescribeInstanceRamRole, 50 at a time; the same decisions),
on the sweep's rate limiter. Prints each instance with its current role, the role the policy gives it and the
action (attach, replace, none, skip, or error when it could not be read, each with its reason), then the
counts per region (and per account) and in total. A progress line on stderr when it is a terminal. With
accounts: in the policy, every account (or each --account) is walked in its own regions, a member account
through its member role (STS AssumeRole with your credentials), each on its own budget.
Needs ecs:DescribeInstances and ecs:DescribeInstanceRamRole. Credentials: @alicloud/credentials' default chain
(ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET, a profile, an instance role...).

Exit status: 0 success (with --detailed-exitcode: success and no changes), 2 with --detailed-exitcode when
there are changes (as terraform plan), 1 when ECS could not be asked, an instance or region could not be
read or an account's member role could not be assumed, 2 on a usage error.

${FLEET_FLAGS_HELP}
  --json            print one JSON document: {kind: "plan", version, policy, accounts, regions, instances:
                    [{instanceId, accountId, regionId, currentRole, desiredRole, action, outcome, rule, reason,
                    error}], counts: {total, regions, accounts}, changes, unlistedRegions, failedAccounts,
                    incomplete} (accountId null with a policy without accounts:)
  --detailed-exitcode
                    exit 0 when nothing would change, 2 when something would, 1 on an error
  -h, --help        show this help`;

/** The exit status of a plan: errors win, then changes (only with `--detailed-exitcode`). */
export function planExitCode(report: FleetReport, detailed: boolean): number {
  if (reportFailed(report)) return 1;
  return detailed && report.changes > 0 ? 2 : 0;
}

export const planCommand: Command = {
  name: 'plan',
  summary: "show what the policy would change on the fleet's instances now (read-only)",
  usage: USAGE,
  async run(cli, args) {
    const { values } = cli.parse(
      { ...FLEET_OPTIONS, 'detailed-exitcode': { type: 'boolean', default: false } },
      { args },
    );
    const caller = lazyOperatorCredentials();
    const flags = await fleetFlags(cli, values, caller);
    const credential = await caller();
    const progress = createProgress(cli.io.stderr, 'reading');
    const runId = newRunId('plan', Date.now());
    let report: FleetReport;
    try {
      report = await runFleet({
        kind: 'plan',
        runId,
        policy: flags.loaded.policy,
        policyName: flags.policyName,
        accounts: flags.targets,
        access: fleetAccess(flags, credential, runId),
        writes: false,
        callsPerSecond: flags.callsPerSecond,
        onProgress: (p) => progress.update(p),
      });
    } finally {
      progress.end();
    }
    cli.io.stdout.write(
      flags.json
        ? `${JSON.stringify(report, null, 2)}\n`
        : `${renderReport(report, colours(cli.io.stdout))}\n`,
    );
    return planExitCode(report, values['detailed-exitcode'] === true);
  },
};
