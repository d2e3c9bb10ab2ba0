/** The flags `plan` and `apply` share, parsed and checked once: the policy, the regions, ECS, the budget. */

import type { CredentialProvider } from '../../../shared/credentials/credentials.js';
import type { LoadedPolicy } from '../../../shared/policy/load-policy.js';
import { inScope } from '../../../shared/policy/scope.js';
import type { SweepTarget } from '../../../shared/sweep/sweep.js';
import type { Cli } from '../../cli.js';
import { ENDPOINT_ALLOWED, type Endpoint, endpointFlag } from '../endpoint-flag.js';
import { REGION_ALLOWED, regionCheck } from '../flag-checks.js';
import { displayName, givenPolicyFile, loadPolicyFile } from '../policy-file.js';
import {
  ACCOUNT_FLAGS_HELP,
  ACCOUNT_OPTIONS,
  type AccountFlags,
  type AccountValues,
  accountFlags,
  coveredAccounts,
} from './account-flags.js';
import { DEFAULT_SWEEP_CALLS_PER_SECOND } from './run-fleet.js';

export const FLEET_OPTIONS = {
  ...ACCOUNT_OPTIONS,
  region: { type: 'string', multiple: true },
  policy: { type: 'string' },
  endpoint: { type: 'string' },
  'calls-per-second': { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

export const FLEET_FLAGS_HELP = `  --region R        a region to walk; repeat it (or comma-separate) for more (default: the policy's
                    regions, or an account's own regions); must be among the policy's regions when it names any
${ACCOUNT_FLAGS_HELP}
  --policy F        the policy (default: the repository's policy.yaml); relative to where you ran npm from
  --endpoint URL    ECS's endpoint for every region, ${ENDPOINT_ALLOWED} (default: the SDK's per region);
                    for the emulators of \`npm run emulators\`, the "ecs" endpoint it prints
  --calls-per-second N
                    the budget per ECS action and region, as the sweep's SWEEP_CALLS_PER_SECOND
                    (default ${DEFAULT_SWEEP_CALLS_PER_SECOND}); throttling halves it and it recovers`;

export interface FleetFlags {
  loaded: LoadedPolicy;
  policyName: string;
  /** The regions given, or the policy's (an account may narrow them: `targets`). */
  regions: string[];
  /** What to walk: each account with its regions. */
  targets: SweepTarget[];
  accounts: AccountFlags;
  endpoint: Endpoint | undefined;
  callsPerSecond: number;
  json: boolean;
}

interface FleetValues extends AccountValues {
  region?: string[] | undefined;
  policy?: string | undefined;
  endpoint?: string | undefined;
  'calls-per-second'?: string | undefined;
  json?: boolean | undefined;
}

const BUDGET = /^(?:\d{1,4}(?:\.\d{1,3})?)$/;

/**
 * The checked flags. Usage errors (exit 2) name the flag: a region that is no Alibaba Cloud region ("did you
 * mean"), one outside the policy's regions, no region at all, a bad endpoint or budget. An invalid policy is a
 * failure (exit 1, every problem listed), as in `check-roles`. `caller` (your credentials) is asked for only
 * when the accounts come from the Resource Directory, which is read here.
 */
export async function fleetFlags(
  cli: Cli,
  values: FleetValues,
  caller: () => Promise<CredentialProvider>,
): Promise<FleetFlags> {
  const given = (values.region ?? [])
    .flatMap((v) => v.split(','))
    .map((r) => r.trim())
    .filter((r) => r !== '');
  const checked = given.map((r) => cli.want('region', r, REGION_ALLOWED, regionCheck));
  const endpoint = endpointFlag(cli, 'endpoint', values.endpoint);
  const budget = values['calls-per-second'];
  const callsPerSecond =
    budget === undefined
      ? DEFAULT_SWEEP_CALLS_PER_SECOND
      : Number(
          cli.want('calls-per-second', budget, 'calls per second, like 5', (v) =>
            BUDGET.test(v) && Number(v) > 0 ? undefined : `${JSON.stringify(v)} is not a positive number`,
          ),
        );
  const file = givenPolicyFile(cli, values.policy, '--policy');
  const loaded = loadPolicyFile(file);
  const { policy } = loaded;
  const policyRegions = policy.regions;
  const accounts = await coveredAccounts(cli, accountFlags(cli, values, policy), policy, caller);
  const ownRegions = (accountId: string | undefined) =>
    policy.accounts?.find((a) => a.id === accountId)?.regions ?? policyRegions;
  if (checked.length === 0 && accounts.accounts.some((a) => ownRegions(a) === undefined)) {
    return cli.usageError(`--region is required: ${displayName(file)} names no regions (${REGION_ALLOWED})`);
  }
  const outside = checked.filter((r) => policyRegions !== undefined && !policyRegions.includes(r));
  const first = outside[0];
  if (first !== undefined) {
    return cli.usageError(
      `--region: ${JSON.stringify(first)} is not one of the policy's regions (${policyRegions?.join(', ')}); ` +
        'the function skips instances there',
    );
  }
  // Each account's regions: the given ones, else its own in the policy, else the policy's; only where the policy
  // governs that account (the scope module).
  const targets = accounts.accounts
    .map((accountId) => ({
      accountId,
      regions: [...new Set(checked.length > 0 ? checked : (ownRegions(accountId) ?? []))].filter((regionId) =>
        inScope(policy, { regionId, accountId }),
      ),
    }))
    .filter((t) => t.regions.length > 0);
  if (targets.length === 0) {
    return cli.usageError(
      `--region: ${checked.join(', ')} is none of the regions the policy governs in ${accounts.accounts.join(', ')}`,
    );
  }
  return {
    loaded,
    policyName: displayName(file),
    regions: [...new Set(targets.flatMap((t) => t.regions))],
    targets,
    accounts,
    endpoint,
    callsPerSecond,
    json: values.json === true,
  };
}
