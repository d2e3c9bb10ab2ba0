/**
 * `npm run redrive -- --region <id> --account <uid> [--code C] [--kind K] [--older-than D] [--max N] [--dry-run]
 *                     [--queue Q] [--function F] [--fc-api 2016-08-15|2023-03-30] [--service S]
 *                     [--mns-endpoint URL] [--fc-endpoint URL]`
 *
 * Replays dead-lettered failures through the deployed attach-role function and deletes each message whose
 * instance is no longer failing (see tools/redrive/redrive.ts). Durations: `90s`, `10m`, `2h`, `1d`.
 * With PAGERDUTY_ROUTING_KEY set, groups that are now fixed are resolved in PagerDuty.
 * The function is invoked through the FC 3.0 API (`@alicloud/fc20230330`) unless `--fc-api 2016-08-15 --service S`
 * names a deployment on FC 2.0 (`@alicloud/fc2`). Credentials: `@alicloud/credentials`' default chain.
 */
import { loadAlertConfig } from '../shared/alerts/alert-config.js';
import { sendAlerts } from '../shared/alerts/send-alerts.js';
import { credentialsFor, resolveCredentials } from '../shared/credentials/credentials.js';
import { createFcInvoker, fcEndpoint } from '../shared/fc/fc-invoker.js';
import type { FunctionInvoker } from '../shared/fc/function-invoker.js';
import { createLogger } from '../shared/logging/logger.js';
import { createMnsClient } from '../shared/mns/mns-client.js';
import { Deadline } from '../shared/retry/deadline.js';
import {
  ACCOUNT_ALLOWED,
  accountCheck,
  positiveInteger,
  REGION_ALLOWED,
  regionCheck,
} from './cli/flag-checks.js';
import { type Cli, createCli } from './cli.js';
import { createFc2Invoker } from './fc/fc2-invoker.js';
import { parseFcApi } from './redrive/fc-api.js';
import { formatReport, parseDuration, REDRIVE_KINDS, redrive } from './redrive/redrive.js';

const cli: Cli = createCli(
  'redrive',
  'usage: npm run redrive -- --region <id> --account <uid> [--code C] [--kind K] [--older-than 10m] [--max 1000] [--dry-run] [--queue ram-role-attacher-dlq] [--function ecs-ram-role-attacher] [--fc-api 2016-08-15|2023-03-30] [--service S] [--mns-endpoint URL] [--fc-endpoint URL]',
);

/** A replay is a sync invocation: it lasts as long as the function may run. */
const SYNC_TIMEOUT_MS = 300_000;

async function main(): Promise<void> {
  const { values } = cli.parse({
    region: { type: 'string' },
    account: { type: 'string', default: process.env.ALIBABA_CLOUD_ACCOUNT_ID },
    code: { type: 'string' },
    kind: { type: 'string' },
    'older-than': { type: 'string' },
    max: { type: 'string', default: '1000' },
    'dry-run': { type: 'boolean', default: false },
    queue: { type: 'string', default: 'ram-role-attacher-dlq' },
    function: { type: 'string', default: 'ecs-ram-role-attacher' },
    'fc-api': { type: 'string' },
    service: { type: 'string' },
    'mns-endpoint': { type: 'string' },
    'fc-endpoint': { type: 'string' },
  });
  const region = cli.want('region', values.region, REGION_ALLOWED, regionCheck);
  const account = cli.want('account', values.account, ACCOUNT_ALLOWED, accountCheck);
  const max = Number(cli.want('max', values.max, 'a positive whole number', positiveInteger));
  const kind = values.kind === undefined ? undefined : cli.choice('kind', values.kind, REDRIVE_KINDS);
  let olderThanMs: number | undefined;
  let fcApi: ReturnType<typeof parseFcApi>;
  try {
    olderThanMs = values['older-than'] === undefined ? undefined : parseDuration(values['older-than']);
    fcApi = parseFcApi(values);
  } catch (error) {
    cli.usageError(error instanceof Error ? error.message : String(error));
  }
  const credential = credentialsFor(undefined);
  const keys = await resolveCredentials(credential);
  const mns = createMnsClient({
    keys,
    accountId: account,
    regionId: region,
    endpoint: values['mns-endpoint'],
  });
  const fc = { endpoint: values['fc-endpoint'] ?? fcEndpoint(account, region), accountId: account, region };
  const invoker: FunctionInvoker =
    fcApi.api === '2016-08-15'
      ? createFc2Invoker({ ...fc, credentials: keys, serviceName: fcApi.service, timeoutMs: SYNC_TIMEOUT_MS })
      : createFcInvoker({ ...fc, credential, timeoutMs: SYNC_TIMEOUT_MS });
  const pagerDuty = process.env.PAGERDUTY_ROUTING_KEY
    ? loadAlertConfig({
        PAGERDUTY_ROUTING_KEY: process.env.PAGERDUTY_ROUTING_KEY,
        ...(process.env.PAGERDUTY_EVENTS_URL
          ? { PAGERDUTY_EVENTS_URL: process.env.PAGERDUTY_EVENTS_URL }
          : {}),
      })
    : undefined;
  const logger = createLogger({
    level: 'warn',
    destination: { write: (line) => void process.stderr.write(line) },
  });
  const tty = process.stderr.isTTY === true;

  const report = await redrive({
    mns,
    queue: values.queue,
    invoker,
    functionName: values.function,
    filter: {
      ...(values.code === undefined ? {} : { code: values.code }),
      ...(kind === undefined ? {} : { kind }),
      ...(olderThanMs === undefined ? {} : { olderThanMs }),
    },
    max,
    dryRun: values['dry-run'],
    ...(pagerDuty === undefined
      ? {}
      : {
          resolve: async (groups) =>
            void (await sendAlerts(groups, {
              config: pagerDuty,
              logger,
              deadline: new Deadline(Date.now() + 60_000),
              eventAction: 'resolve',
            })),
        }),
    onProgress: (p) => {
      if (tty)
        process.stderr.write(
          `\r\x1b[2Kscanned ${p.scanned} · matched ${p.matched} · replayed ${p.replayed} · fixed ${p.fixed} · still failing ${p.stillFailing}`,
        );
    },
  });
  if (tty) process.stderr.write('\n');
  process.stdout.write(formatReport(report, values['dry-run']));
}

cli.run(main);
