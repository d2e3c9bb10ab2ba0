/**
 * `npm run setup -- --region <id> --account <uid> [--prefix <p>] [--shape direct|buffered] [--endpoint <url>]`
 *
 * Creates the MNS topic the functions publish failures to, the queue that retains them for redrive, the alert
 * function's queue and its lease queue (with the one lease message), and the subscriptions of both queues to the topic (and, for the buffered shape, the buffer
 * queues), idempotently: a second run changes nothing and says so. Credentials: `@alicloud/credentials`' default
 * chain (ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET, a profile, an ECS RAM role…).
 */
import { credentialsFor, resolveCredentials } from '../shared/credentials/credentials.js';
import { createMnsClient } from '../shared/mns/mns-client.js';
import {
  ACCOUNT_ALLOWED,
  accountCheck,
  matching,
  oneOf,
  REGION_ALLOWED,
  regionCheck,
} from './cli/flag-checks.js';
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
  const { endpoint } = values;
  const region = cli.want('region', values.region, REGION_ALLOWED, regionCheck);
  const account = cli.want('account', values.account, ACCOUNT_ALLOWED, accountCheck);
  const prefix = cli.want(
    'prefix',
    values.prefix,
    'letters, digits and "-"',
    matching(/^[A-Za-z0-9][A-Za-z0-9-]{0,100}$/, 'a name prefix (letters, digits and "-", at most 101)'),
  );
  const shape = cli.want('shape', values.shape, 'direct or buffered', oneOf('direct', 'buffered'));
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
