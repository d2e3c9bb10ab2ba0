import * as z from 'zod/mini';
import {
  ConfigError,
  configProblems,
  fcAccountId,
  fcRegion,
  logLevel,
  mnsEndpoint,
  mnsName,
} from '../config/config.js';
import { credentialsFor, resolveCredentials } from '../credentials/credentials.js';
import { DEFAULT_TIMEOUT_SECONDS, type FcContext } from '../fc/fc-context.js';
import { createLogger, type Logger } from '../logging/logger.js';
import { createMnsClient } from '../mns/mns-client.js';
import { Deadline } from '../retry/deadline.js';
import { type AlertConfig, loadAlertConfig, registerAlertSecrets } from './alert-config.js';
import { type AlertBatch, drainAlertQueue, pushedMessages } from './alert-source.js';
import { groupFailures } from './group-failures.js';
import { type AlertDeliveryReport, sendAlerts } from './send-alerts.js';

/** The dead-letter-alert function's own settings (the targets are `loadAlertConfig`'s). */
const envSchema = z.object({
  ALERT_QUEUE: z.optional(mnsName('queue')),
  MNS_ENDPOINT: z.optional(mnsEndpoint),
  /** How long the first wake-up of a burst keeps gathering failures before alerting. */
  ALERT_GATHER_SECONDS: z._default(z.coerce.number().check(z.gte(0), z.lte(30)), 5),
  LOG_LEVEL: logLevel,
  FC_REGION: z.optional(fcRegion),
  FC_ACCOUNT_ID: z.optional(fcAccountId),
});

export interface AlertFunctionConfig {
  alertQueue?: string;
  gatherSeconds: number;
  mnsEndpoint?: string;
  logLevel: string;
  region?: string;
  accountId?: string;
  targets: AlertConfig;
}

/** Reads and validates the environment once (cold start); empty variables count as unset (s.yaml leaves unused targets empty). */
export function loadAlertFunctionConfig(env: NodeJS.ProcessEnv): AlertFunctionConfig {
  const set = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = envSchema.safeParse(set);
  if (!parsed.success) {
    throw new ConfigError(`invalid configuration: ${configProblems(parsed.error.issues, set).join('; ')}`);
  }
  const e = parsed.data;
  return {
    ...(e.ALERT_QUEUE === undefined ? {} : { alertQueue: e.ALERT_QUEUE }),
    gatherSeconds: e.ALERT_GATHER_SECONDS,
    ...(e.MNS_ENDPOINT === undefined ? {} : { mnsEndpoint: e.MNS_ENDPOINT.replace(/\/$/, '') }),
    logLevel: e.LOG_LEVEL,
    ...(e.FC_REGION === undefined ? {} : { region: e.FC_REGION }),
    ...(e.FC_ACCOUNT_ID === undefined ? {} : { accountId: e.FC_ACCOUNT_ID }),
    targets: loadAlertConfig(set),
  };
}

export interface AlertSummary {
  records: number;
  groups: number;
  targets: AlertDeliveryReport['targets'];
}

/** Time kept back from FC's timeout, so a slow target cannot make FC kill us mid-send. */
const MARGIN_MS = 2_000;

/**
 * The dead-letter-alert invocation: collect the failures (drained from the alert queue, or the pushed ones when
 * there is none), group them, send one alert per group to every target. The drained messages are deleted only
 * once every target took the alerts (or refused them for bad configuration, which retrying cannot fix); if a
 * target still fails after its retries the invocation fails, the messages reappear and a later run sends them.
 */
export function createAlertHandler(config: AlertFunctionConfig, logger: Logger) {
  registerAlertSecrets(config.targets);
  return async function handler(event: Buffer | string, context: FcContext): Promise<AlertSummary> {
    const log = logger.child({ requestId: context.requestId });
    const timeout = context.function?.timeout ?? DEFAULT_TIMEOUT_SECONDS;
    const deadline = Deadline.fromTimeout(timeout, Math.min(MARGIN_MS, timeout * 200));
    const regionId = context.region ?? config.region;
    const accountId = context.accountId ?? config.accountId;

    let batch: AlertBatch;
    if (config.alertQueue !== undefined) {
      if (regionId === undefined || accountId === undefined) {
        throw new Error('the context gives no region or account id, and FC_REGION/FC_ACCOUNT_ID are unset');
      }
      const mns = createMnsClient({
        keys: await resolveCredentials(credentialsFor(context.credentials)),
        accountId,
        regionId,
        endpoint: config.mnsEndpoint,
        timeoutMs: 35_000, // outlasts the longest (30 s) receive poll
      });
      batch = await drainAlertQueue(mns, config.alertQueue, deadline, config.gatherSeconds);
    } else {
      batch = { messages: pushedMessages(event), acknowledge: async () => undefined };
    }

    const groups = groupFailures(batch.messages, regionId === undefined ? {} : { defaultRegionId: regionId });
    const report =
      groups.length > 0
        ? await sendAlerts(groups, { config: config.targets, logger: log, deadline })
        : undefined;
    await batch.acknowledge();
    const summary: AlertSummary = {
      records: batch.messages.length,
      groups: groups.length,
      targets: report?.targets ?? [],
    };
    log.info(
      {
        records: summary.records,
        groups: groups.map((g) => ({ kind: g.kind, code: g.code, role: g.role, count: g.count })),
        targets: summary.targets.map((t) => ({ target: t.target, status: t.status, delivered: t.delivered })),
      },
      'summary',
    );
    return summary;
  };
}

/** Cold start of the dead-letter-alert function: configuration and targets read and validated once. */
export function alertColdStart(
  env: NodeJS.ProcessEnv,
  options: { logDestination?: { write(line: string): void } } = {},
) {
  const config = loadAlertFunctionConfig(env);
  const logger = createLogger({
    level: config.logLevel,
    base: { fn: env.FC_FUNCTION_NAME ?? 'dead-letter-alert' },
    ...(options.logDestination === undefined ? {} : { destination: options.logDestination }),
  });
  return createAlertHandler(config, logger);
}
