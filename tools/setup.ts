/**
 * `npm run setup -- --region <id> --account <uid> [--prefix <p>] [--shape direct|buffered] [--endpoint <url>]`
 *
 * Creates the MNS topic the functions publish failures to, the queue that retains them for redrive, the alert
 * function's queue, and the subscriptions of both queues to the topic (and, for the buffered shape, the buffer
 * queues), idempotently: a second run changes nothing and says so. Credentials: `@alicloud/credentials`' default
 * chain (ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET, a profile, an ECS RAM role…).
 */
import { parseArgs } from 'node:util';
import MNSClient from '@alicloud/mns/lib/client.js';
import { credentialsFor, resolveCredentials } from '../shared/credentials/credentials.js';
import { isAccountId, isRegionId } from '../shared/ecs/ids.js';
import { fanoutNames, setUpFanout } from './setup/failure-fanout.js';

const USAGE =
  'usage: npm run setup -- --region <id> --account <uid> [--prefix ram-role-attacher] [--shape direct|buffered] [--endpoint <url>]';

function usageError(problem?: string): never {
  if (problem !== undefined) console.error(problem);
  console.error(USAGE);
  process.exit(2);
}

function parse() {
  try {
    return parseArgs({
      options: {
        region: { type: 'string' },
        account: { type: 'string', default: process.env.ALIBABA_CLOUD_ACCOUNT_ID },
        prefix: { type: 'string', default: 'ram-role-attacher' },
        shape: { type: 'string', default: 'direct' },
        endpoint: { type: 'string' },
      },
      strict: true,
    });
  } catch (error) {
    // An unknown option or a missing value is a usage error like any other (exit 2), not a failed setup.
    return usageError(error instanceof Error ? error.message : String(error));
  }
}

async function main(): Promise<void> {
  const { values } = parse();
  const { region, account, prefix, shape, endpoint } = values;
  if (
    !isRegionId(region) ||
    !isAccountId(account) ||
    !/^[A-Za-z0-9][A-Za-z0-9-]{0,100}$/.test(prefix) ||
    (shape !== 'direct' && shape !== 'buffered')
  ) {
    usageError();
  }
  const mns = new MNSClient(account, {
    ...(await resolveCredentials(credentialsFor(undefined))),
    endpoint: endpoint ?? `https://${account}.mns.${region}.aliyuncs.com`,
  });
  const steps = await setUpFanout(mns, {
    region,
    accountId: account,
    names: fanoutNames(prefix),
    buffered: shape === 'buffered',
  });
  for (const step of steps) {
    const note = {
      created: 'created',
      unchanged: 'exists, unchanged',
      differs: 'exists with other attributes: left as it is',
    }[step.result];
    console.log(`${step.resource}: ${note}`);
  }
  console.log(
    steps.every((s) => s.result !== 'created')
      ? 'Nothing to change.'
      : `Created ${steps.filter((s) => s.result === 'created').length} resources.`,
  );
}

main().catch((error: unknown) => {
  console.error(`setup failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
