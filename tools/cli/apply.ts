/** `ram-role-attacher apply [--yes] [--region R]... [--policy F] [--endpoint URL] [--json] [dead-letter flags]` */
import { colours } from './colour.js';
import type { Command } from './command.js';
import { confirm } from './fleet/confirm.js';
import {
  DEAD_LETTER_HELP,
  DEAD_LETTER_OPTIONS,
  deadLetterSender,
  deadLetterTarget,
} from './fleet/dead-letter-flags.js';
import { fleetAccess, lazyOperatorCredentials } from './fleet/ecs-access.js';
import { FLEET_FLAGS_HELP, FLEET_OPTIONS, fleetFlags } from './fleet/fleet-flags.js';
import { type ApplyDocument, changeKeys, type FleetReport, reportFailed } from './fleet/fleet-report.js';
import { createProgress } from './fleet/progress.js';
import {
  renderProblems,
  renderRegionCounts,
  renderReport,
  renderTable,
  renderTotals,
} from './fleet/render.js';
import { type FleetRunOptions, newRunId, runFleet } from './fleet/run-fleet.js';

const USAGE = `usage: ram-role-attacher apply [--yes] [--account A]... [--accounts-from S [--folder F]] [--region R]... [--policy F] [--endpoint URL]
                              [--calls-per-second N] [--json] [--dead-letter-topic T | --dead-letter-queue Q]

Brings the fleet to the policy now: prints the plan (as \`plan\` does), asks for confirmation, then runs the
fleet sweep from this machine with writes on: the same engine as the function's sweep (DescribeInstances by 100,
roles by 50, AttachInstanceRamRole / DetachInstanceRamRole by 100) on its rate limiter. Each instance is decided
again from what ECS says when it is written, so an instance that changed since the plan gets what the policy
says now (and apply says so). Prints progress on stderr (on a terminal), then what changed and what failed,
per region. Needs the four ECS actions and ram:PassRole on the allowed roles, as the function does.

Exit status: 0 when every instance ended as the policy says (or nothing needed changing), 1 when any instance
failed, a region could not be listed, or the confirmation was not "yes", 2 on a usage error (also: stdin is not
a terminal and --yes is missing).

  --yes             apply without asking (needed when stdin is not a terminal, and with --json)
${FLEET_FLAGS_HELP}
  --json            print one JSON document at the end: {plan, apply}, each as plan --json prints it (apply:
                    null when nothing was applied)
${DEAD_LETTER_HELP}
  -h, --help        show this help`;

const changeWords = (report: FleetReport): string => {
  const { attach, replace } = report.counts.total;
  const parts = [attach > 0 ? `${attach} to attach` : '', replace > 0 ? `${replace} to replace` : ''];
  return parts.filter((p) => p !== '').join(', ');
};

export const applyCommand: Command = {
  name: 'apply',
  summary: 'show the plan, ask, then bring every instance to its role now (the sweep, from this machine)',
  usage: USAGE,
  async run(cli, args) {
    const { values } = cli.parse(
      { ...FLEET_OPTIONS, ...DEAD_LETTER_OPTIONS, yes: { type: 'boolean', default: false } },
      { args },
    );
    const yes = values.yes === true;
    if (values.json === true && !yes) {
      cli.usageError(
        '--json needs --yes: apply cannot ask for confirmation in the middle of a JSON document',
      );
    }
    const stdin = cli.io.stdin;
    if (!yes && stdin?.isTTY !== true) {
      cli.usageError(
        'stdin is not a terminal, so apply cannot ask for confirmation: pass --yes to apply without asking',
      );
    }
    const caller = lazyOperatorCredentials();
    const flags = await fleetFlags(cli, values, caller);
    const firstRegion = flags.regions[0] ?? '';
    const target = deadLetterTarget(cli, values, firstRegion);
    if (flags.loaded.policy.mode === 'dry-run') {
      throw new Error(
        `${flags.policyName} has mode: dry-run, so apply would write nothing; set mode: enforce (plan shows what would change)`,
      );
    }
    const credential = await caller();
    const { stdout, stderr } = cli.io;
    const c = colours(stdout);
    const runId = newRunId('apply', Date.now());
    const base: Omit<FleetRunOptions, 'kind' | 'writes' | 'onProgress'> = {
      runId,
      policy: flags.loaded.policy,
      policyName: flags.policyName,
      accounts: flags.targets,
      access: fleetAccess(flags, credential, runId),
      callsPerSecond: flags.callsPerSecond,
      ...(target === undefined ? {} : { deadLetter: deadLetterSender(target, credential) }),
    };
    const walk = async (kind: 'plan' | 'apply', verb: string): Promise<FleetReport> => {
      const progress = createProgress(stderr, verb);
      try {
        return await runFleet({
          ...base,
          kind,
          writes: kind === 'apply',
          onProgress: (p) => progress.update(p),
        });
      } finally {
        progress.end();
      }
    };
    const finish = (document: ApplyDocument, status: number): number => {
      if (flags.json) stdout.write(`${JSON.stringify(document, null, 2)}\n`);
      return status;
    };

    const plan = await walk('plan', 'reading');
    if (!flags.json) stdout.write(`${renderReport(plan, c)}\n`);
    if (reportFailed(plan)) {
      stderr.write('the plan is incomplete (see above): nothing applied\n');
      return finish({ plan, apply: null }, 1);
    }
    if (plan.changes === 0) {
      if (!flags.json) stdout.write('\nNo changes: every instance already is as the policy says.\n');
      return finish({ plan, apply: null }, 0);
    }
    if (!yes && stdin !== undefined) {
      const accounts = plan.accounts.length === 0 ? '' : ` of accounts ${plan.accounts.join(', ')}`;
      const question = `\nApply ${plan.changes} changes (${changeWords(plan)}) in ${flags.regions.join(', ')}${accounts}? Only "yes" applies: `;
      if (!(await confirm(stdin, stderr, question))) {
        stderr.write('Apply cancelled: nothing written.\n');
        return 1;
      }
    }

    const applied = await walk('apply', 'writing');
    if (!flags.json) {
      const done = applied.instances.filter((r) => r.action !== 'none' && r.action !== 'skip');
      const parts = [''];
      if (done.length > 0) parts.push(renderTable(done, c), '');
      parts.push(renderRegionCounts(applied, c), '', renderTotals(applied, c), ...renderProblems(applied, c));
      stdout.write(`${parts.join('\n')}\n`);
      if (target !== undefined && applied.counts.total.error > 0) {
        stdout.write(`failures dead-lettered to MNS ${target.kind} ${target.name} (${target.regionId})\n`);
      }
    }
    const planned = changeKeys(plan);
    const made = changeKeys(applied);
    const unplanned = [...made].filter((k) => !planned.has(k));
    const notMade = [...planned].filter((k) => !made.has(k));
    if (unplanned.length > 0 || notMade.length > 0) {
      stderr.write(
        `note: the fleet changed between the plan and the writes: ${unplanned.length} changes not in the plan, ` +
          `${notMade.length} planned changes not made (${[...unplanned, ...notMade].slice(0, 3).join('; ')})\n`,
      );
    }
    return finish({ plan, apply: applied }, reportFailed(applied) ? 1 : 0);
  },
};
