import type MNSClient from '@alicloud/mns/lib/client.js';
import * as z from 'zod/mini';
import { fcAccountId, fcRegion, logLevel, mnsEndpoint, mnsName } from '../config/config.js';
import { ConfigError, readEnv, wholeNumber } from '../config/env-vars.js';
import { credentialsFor, resolveCredentials } from '../credentials/credentials.js';
import { DEFAULT_TIMEOUT_SECONDS, type FcContext } from '../fc/fc-context.js';
import { createLogger, type Logger } from '../logging/logger.js';
import { createMnsClient } from '../mns/mns-client.js';
import { Deadline } from '../retry/deadline.js';
import { sleep as realSleep } from '../retry/retry.js';
import { acknowledge } from './acknowledge.js';
import { type AlertConfig, readAlertConfig, registerAlertSecrets } from './alert-config.js';
import type { AlertGroup } from './alert-group.js';
import { acquireLease, type LeaseOutcome } from './alert-lease.js';
import { drainAlertQueue, pushedBodies, pushedMessages } from './alert-source.js';
import { groupFailures } from './group-failures.js';
import { type AlertDeliveryReport, sendAlerts } from './send-alerts.js';
import { recordDigest, SentLedger } from './sent-ledger.js';

/** The dead-letter-alert function's own settings (the targets are `loadAlertConfig`'s). */
const envSchema = z.object({
  ALERT_QUEUE: z.optional(mnsName('queue')),
  /** A queue holding one message, the lease: one run drains the alert queue at a time (`alert-lease.ts`). */
  ALERT_LEASE_QUEUE: z.optional(mnsName('queue')),
  MNS_ENDPOINT: z.optional(mnsEndpoint),
  /** How long the first wake-up of a burst keeps gathering failures before alerting. */
  ALERT_GATHER_SECONDS: z._default(wholeNumber(0, 30), 5),
  LOG_LEVEL: logLevel,
  FC_REGION: z.optional(fcRegion),
  FC_ACCOUNT_ID: z.optional(fcAccountId),
});

export interface AlertFunctionConfig {
  alertQueue?: string;
  leaseQueue?: string;
  gatherSeconds: number;
  mnsEndpoint?: string;
  logLevel: string;
  region?: string;
  accountId?: string;
  targets: AlertConfig;
}

/**
 * Reads and validates the environment once (cold start), its own variables and the targets together, so one
 * ConfigError lists every problem; empty variables count as unset (s.yaml leaves unused targets empty).
 */
export function loadAlertFunctionConfig(env: NodeJS.ProcessEnv): AlertFunctionConfig {
  const { values: e, set, problems } = readEnv(envSchema, env);
  if (set.ALERT_LEASE_QUEUE !== undefined) {
    if (set.ALERT_QUEUE === undefined)
      problems.push('ALERT_LEASE_QUEUE needs ALERT_QUEUE (the queue it guards)');
    // The lease message would be drained as a failure, and the lease never held.
    else if (set.ALERT_LEASE_QUEUE === set.ALERT_QUEUE)
      problems.push('ALERT_LEASE_QUEUE must differ from ALERT_QUEUE');
  }
  const targets = readAlertConfig(env);
  problems.push(...targets.problems);
  if (e === undefined || targets.config === undefined || problems.length > 0) throw new ConfigError(problems);
  return {
    ...(e.ALERT_QUEUE === undefined ? {} : { alertQueue: e.ALERT_QUEUE }),
    ...(e.ALERT_LEASE_QUEUE === undefined ? {} : { leaseQueue: e.ALERT_LEASE_QUEUE }),
    gatherSeconds: e.ALERT_GATHER_SECONDS,
    ...(e.MNS_ENDPOINT === undefined ? {} : { mnsEndpoint: e.MNS_ENDPOINT.replace(/\/$/, '') }),
    logLevel: e.LOG_LEVEL,
    ...(e.FC_REGION === undefined ? {} : { region: e.FC_REGION }),
    ...(e.FC_ACCOUNT_ID === undefined ? {} : { accountId: e.FC_ACCOUNT_ID }),
    targets: targets.config,
  };
}

export interface AlertSummary {
  /** Records alerted by this run. */
  records: number;
  groups: number;
  targets: AlertDeliveryReport['targets'];
  /** Records drained that this instance had alerted already (their delete had failed): deleted, not alerted. */
  repeated?: number;
  /** Alerted messages that could not be deleted yet (parked or kept; a later run deletes them). */
  undeleted?: number;
  /** `held`: this run drained alone; `unavailable`: it drained without the lease; absent: no lease configured. */
  lease?: 'held' | 'unavailable';
  /** Why nothing was drained: every record that woke this run had been alerted already. */
  skipped?: 'already-alerted';
}

/** Clock, sleep and randomness, injected by tests; the real ones by default. */
export interface AlertRuntime {
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/** Time kept back from FC's timeout, so a slow target cannot make FC kill us mid-send. */
const MARGIN_MS = 2_000;
/** The lease outlasts a run FC kills at its timeout by this much. */
const LEASE_SPARE_SECONDS = 10;

/**
 * The dead-letter-alert invocation: collect the failures (drained from the alert queue, or the pushed ones when
 * there is none), group them, send one alert per group to every target, then delete what was alerted. With an
 * alert queue: a wake-up whose records this instance alerted already ends at once; otherwise it takes the lease
 * (when configured), deletes what earlier runs could not, drains for the gather window, and never alerts a record
 * this instance has alerted before. If a target still fails after its retries the invocation fails and nothing is
 * deleted: the messages reappear and a later run sends them.
 */
export function createAlertHandler(config: AlertFunctionConfig, logger: Logger, runtime: AlertRuntime = {}) {
  registerAlertSecrets(config.targets);
  const now = runtime.now ?? Date.now;
  const sleep = runtime.sleep ?? realSleep;
  // Kept between invocations of this instance: what it has alerted, and what it still has to delete.
  const ledger = new SentLedger({ now });
  return async function handler(event: Buffer | string, context: FcContext): Promise<AlertSummary> {
    const log = logger.child({ requestId: context.requestId });
    const timeout = context.function?.timeout ?? DEFAULT_TIMEOUT_SECONDS;
    const deadline = Deadline.fromTimeout(timeout, Math.min(MARGIN_MS, timeout * 200), now(), now);
    const regionId = context.region ?? config.region;
    const accountId = context.accountId ?? config.accountId;
    const send = (groups: AlertGroup[]) =>
      sendAlerts(groups, {
        config: config.targets,
        logger: log,
        deadline,
        now,
        sleep,
        ...(runtime.random === undefined ? {} : { random: runtime.random }),
      });
    const grouping = regionId === undefined ? {} : { defaultRegionId: regionId };

    if (config.alertQueue === undefined) {
      const messages = pushedMessages(event);
      const groups = groupFailures(messages, grouping);
      const report = groups.length > 0 ? await send(groups) : undefined;
      return summarise(log, { records: messages.length, groups, targets: report?.targets ?? [] });
    }

    const woke = pushedBodies(event).map(recordDigest);
    if (woke.length > 0 && woke.every((digest) => ledger.has(digest))) {
      // This instance drained and alerted the records that woke it, with the rest of their burst: FC ran this
      // wake-up after that run, one at a time (cloud-facts FC-18, MNS-26).
      return summarise(log, { records: 0, groups: [], targets: [], skipped: 'already-alerted' });
    }
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
    const lease = await takeLease(mns, config, timeout, deadline, log, now);
    try {
      const ack = { queue: config.alertQueue, ledger, deadline, log, sleep, ...random(runtime) };
      const undeletedBefore = ledger.undeleted();
      if (undeletedBefore.length > 0) await acknowledge(mns, undeletedBefore, ack);
      const drained = await drainAlertQueue(mns, {
        queue: config.alertQueue,
        deadline,
        gatherMs: config.gatherSeconds * 1000,
        // A sweep has no record of its own to wait for.
        firstWaitSeconds: woke.length > 0 ? 1 : 0,
        now,
      });
      const fresh = drained.filter((m) => !ledger.has(m.digest));
      const groups = groupFailures(
        fresh.map((m) => m.message),
        grouping,
      );
      // Throws when a target still fails: nothing is marked or deleted, so the next run sends it again.
      const report = groups.length > 0 ? await send(groups) : undefined;
      ledger.markSent(fresh.map((m) => m.digest));
      const acknowledged = await acknowledge(mns, drained, ack);
      return summarise(log, {
        records: fresh.length,
        groups,
        targets: report?.targets ?? [],
        repeated: drained.length - fresh.length,
        undeleted: acknowledged.parked + acknowledged.kept,
        ...(lease === undefined ? {} : { lease: lease.state }),
      });
    } finally {
      if (lease?.state === 'held') await lease.release();
    }
  };
}

const random = (runtime: AlertRuntime) => (runtime.random === undefined ? {} : { random: runtime.random });

/** The lease, when one is configured: held for longer than this run can last, waited for past a gather window. */
async function takeLease(
  mns: MNSClient,
  config: AlertFunctionConfig,
  timeoutSeconds: number,
  deadline: Deadline,
  log: Logger,
  now: () => number,
): Promise<LeaseOutcome | undefined> {
  if (config.leaseQueue === undefined) return undefined;
  return acquireLease(mns, config.leaseQueue, {
    // MNS hides a message for 12 hours at most (cloud-facts MNS-13).
    holdSeconds: Math.min(43_200, Math.ceil(timeoutSeconds) + LEASE_SPARE_SECONDS),
    waitSeconds: Math.min(
      config.gatherSeconds + LEASE_SPARE_SECONDS,
      Math.floor(deadline.remainingMs() / 2000),
    ),
    log,
    now,
  });
}

function summarise(
  log: Logger,
  outcome: Omit<AlertSummary, 'groups'> & { groups: readonly AlertGroup[] },
): AlertSummary {
  const { groups, ...rest } = outcome;
  const summary: AlertSummary = { ...rest, groups: groups.length };
  log.info(
    {
      ...summary,
      groups: groups.map((g) => ({ key: g.key, kind: g.kind, code: g.code, role: g.role, count: g.count })),
      targets: summary.targets.map((t) => ({ target: t.target, status: t.status, delivered: t.delivered })),
    },
    'summary',
  );
  return summary;
}

/** Cold start of the dead-letter-alert function: configuration and targets read and validated once. */
export function alertColdStart(
  env: NodeJS.ProcessEnv,
  options: AlertRuntime & { logDestination?: { write(line: string): void } } = {},
) {
  const { logDestination, ...runtime } = options;
  const config = loadAlertFunctionConfig(env);
  const logger = createLogger({
    level: config.logLevel,
    base: { fn: env.FC_FUNCTION_NAME ?? 'dead-letter-alert' },
    ...(logDestination === undefined ? {} : { destination: logDestination }),
  });
  return createAlertHandler(config, logger, runtime);
}
