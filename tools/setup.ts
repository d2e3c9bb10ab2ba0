/**
 * `npm run setup -- --region <id> --account <uid> [--prefix <p>] [--shape direct|buffered] [--endpoint <url>]`
 *
 * Creates the MNS topic the functions publish failures to, the queue that retains them for redrive, the alert
 * function's queue, and the subscriptions of both queues to the topic (and, for the buffered shape, the buffer
 * queues), idempotently: a second run changes nothing and says so. Credentials: `@alicloud/credentials`' default
 * chain (ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET, a profile, an ECS RAM role…).
 */
import { credentialsFor, resolveCredentials } from '../shared/credentials/credentials.js';
import { isAccountId, isRegionId } from '../shared/ecs/ids.js';
import { createMnsClient } from '../shared/mns/mns-client.js';
import { type Cli, createCli } from './cli.js';
import { fanoutNames, setUpFanout } from './setup/failure-fanout.js';

const cli: Cli = createCli(
  'setup',
  'usage: npm run setup -- --region <id> --account <uid> [--prefix ram-role-attacher] [--shape direct|buffered] [--endpoint <url>]',
);

async function main(): Promise<void> {
  const { values } = cli.parse({
    region: { type: 'string' },
    account: { type: 'string', default: process.env.ALIBABA_CLOUD_ACCOUNT_ID },
    prefix: { type: 'string', default: 'ram-role-attacher' },
    shape: { type: 'string', default: 'direct' },
    endpoint: { type: 'string' },
  });
  const { region, account, prefix, shape, endpoint } = values;
  if (
    !isRegionId(region) ||
    !isAccountId(account) ||
    !/^[A-Za-z0-9][A-Za-z0-9-]{0,100}$/.test(prefix) ||
    (shape !== 'direct' && shape !== 'buffered')
  ) {
    cli.usageError();
  }
  const mns = createMnsClient({
    keys: await resolveCredentials(credentialsFor(undefined)),
    accountId: account,
    regionId: region,
    endpoint,
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

cli.run(main);
