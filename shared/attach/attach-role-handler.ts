import pLimit from 'p-limit';
import type { AccountDirectory } from '../accounts/account-directory.js';
import type { Config } from '../config/config.js';
import { deadlineMarginMs } from '../config/config.js';
import { type CredentialProvider, credentialsFor } from '../credentials/credentials.js';
import type { MemberCredentials } from '../credentials/member-credentials.js';
import type { DeadLetterSink } from '../dead-letter/dead-letter-sink.js';
import { poisonRecords } from '../dead-letter/poison-records.js';
import type { EcsGateway } from '../ecs/ecs-gateway.js';
import { decodeEvent } from '../events/decode-event.js';
import { DEFAULT_TIMEOUT_SECONDS, type FcContext } from '../fc/fc-context.js';
import type { Logger } from '../logging/logger.js';
import type { Policy } from '../policy/policy.js';
import { Deadline } from '../retry/deadline.js';
import { sweepTrigger } from '../sweep/sweep-event.js';
import type { SweepDeps, SweepSummary } from '../sweep/sweep-handler.js';
import { accessFor } from './account-access.js';
import type { Summary } from './outcomes.js';
import { RecentWrites } from './recent-writes.js';
import { reconcile } from './reconcile.js';

export interface AttachRoleDeps {
  config: Config;
  policy: Policy;
  logger: Logger;
  /**
   * ECS for this invocation's credentials (in production a coalescing view over an `SdkEcsGateway`); `release`,
   * when there, is called once the invocation is done with ECS.
   */
  ecs: (credential: CredentialProvider, accountId: string) => EcsGateway & { release?(): void };
  /** Where this invocation's dead-letter records go (an MNS topic or queue), with its credentials. */
  deadLetters: (credential: CredentialProvider, accountId: string, regionId: string) => DeadLetterSink;
  /** The clock and the waits between retries (a test's fake clock); real time by default. */
  now?: () => number;
  /** Many accounts (ACCOUNTS set): which accounts are configured, and their assumed credentials. */
  accounts?: { directory: AccountDirectory; members: MemberCredentials };
  /**
   * The fleet sweep's lease and self-invocation (without them a timer event sweeps nothing, logged) and its own
   * ECS gateways: the sweep keeps its own budget, so in production they are the bare SDK gateways, not the event
   * path's shared, budgeted views (absent: `ecs`). Its waits are the handler's unless given here.
   */
  sweep?: Pick<SweepDeps, 'lease' | 'invoker' | 'sleep' | 'random'> & { ecs?: SweepDeps['ecs'] };
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/** Poison entries logged one by one; the rest are counted (every one has its dead-letter record). */
const MAX_POISON_LOG_LINES = 20;

/** Time kept after the soft deadline for writing dead-letter records, before FC's hard timeout. */
const HARD_STOP_SAFETY_MS = 100;

/**
 * The attach-role invocation: decode the event, reconcile the instances it names, dead-letter what needs a
 * person, log and return the summary. Throws only when the dead-letter queue cannot be written, so that FC's
 * async retries and `onFailure` destination keep the event (design: "Nothing is lost").
 */
export function createAttachRoleHandler(deps: AttachRoleDeps) {
  const now = deps.now ?? Date.now;
  // Shared by the invocations of this FC instance, as the ECS coalescer is.
  const recentWrites = new RecentWrites(deps.config.newInstanceGraceMs);
  return async function handler(event: Buffer | string, context: FcContext): Promise<Summary | SweepSummary> {
    const startedAt = now();
    const log = deps.logger.child({ requestId: context.requestId });
    const regionId = context.region ?? deps.config.region;
    const accountId = context.accountId ?? deps.config.accountId;
    if (regionId === undefined || accountId === undefined) {
      throw new Error(
        'the invocation context gives no region or account id, and FC_REGION/FC_ACCOUNT_ID are unset',
      );
    }
    const timeoutSeconds = context.function?.timeout ?? DEFAULT_TIMEOUT_SECONDS;
    const margin = deadlineMarginMs(deps.config, timeoutSeconds);
    const deadline = Deadline.fromTimeout(timeoutSeconds, margin, startedAt, now);
    const hardStop = Deadline.fromTimeout(
      timeoutSeconds,
      Math.min(HARD_STOP_SAFETY_MS, margin),
      startedAt,
      now,
    );

    const trigger = sweepTrigger(event);
    if (trigger !== undefined) {
      if (trigger.kind === 'invalid' || deps.sweep === undefined) {
        log.error(
          { reason: trigger.kind === 'invalid' ? trigger.reason : 'no sweep wiring' },
          'a sweep event this function cannot act on: ignored',
        );
        return { counts: {}, results: [] };
      }
      // Loaded on the first sweep: an event invocation's cold start never pays for the sweep's code.
      const { sweepInvocation } = await import('../sweep/sweep-handler.js');
      return sweepInvocation(
        {
          ...deps.sweep,
          ...(deps.accounts === undefined ? {} : { accounts: deps.accounts }),
          ...(deps.sweep?.sleep === undefined && deps.sleep !== undefined ? { sleep: deps.sleep } : {}),
          ...(deps.sweep?.random === undefined && deps.random !== undefined ? { random: deps.random } : {}),
          config: deps.config,
          policy: deps.policy,
          ecs: deps.sweep?.ecs ?? deps.ecs,
          deadLetters: deps.deadLetters,
          now,
        },
        {
          trigger,
          credential: credentialsFor(context.credentials),
          accountId,
          regionId,
          functionName: context.function?.name ?? 'ecs-ram-role-attacher',
          fcRequestId: context.requestId,
          timeoutSeconds,
          deadline,
          hardStop,
          log,
        },
      );
    }

    const decoded = decodeEvent(event, { defaultRegionId: regionId, defaultAccountId: accountId });
    for (const poison of decoded.poison.slice(0, MAX_POISON_LOG_LINES)) {
      log.warn(
        {
          code: poison.error.code,
          path: poison.error.path,
          eventId: poison.eventId,
          ...(poison.instances?.length ? { instances: poison.instances.length } : {}),
        },
        poison.error.message,
      );
    }
    if (decoded.poison.length > MAX_POISON_LOG_LINES) {
      log.warn(
        { poison: decoded.poison.length },
        `${decoded.poison.length - MAX_POISON_LOG_LINES} more poison entries: see the dead-letter records`,
      );
    }
    if (decoded.ignored.length > 0)
      log.info({ ignored: decoded.ignored }, 'events about no instance: nothing to do');

    const credential = credentialsFor(context.credentials);
    const gateway = deps.ecs(credential, accountId);
    // Member accounts' views, released with the invocation's own (the coalescer counts the views it serves).
    const views: { release?(): void }[] = [];
    const access =
      deps.accounts === undefined
        ? undefined
        : accessFor({
            ...deps.accounts,
            caller: credential,
            ownAccountId: accountId,
            ecs: deps.ecs,
            own: gateway,
            onView: (view) => views.push(view),
            requestId: context.requestId,
            timeoutSeconds,
            neededUntil: startedAt + timeoutSeconds * 1000,
            retry: {
              deadline,
              maxAttempts: deps.config.retry.maxAttempts,
              backoff: { baseMs: deps.config.retry.baseMs, capMs: deps.config.retry.capMs },
            },
          });
    const { summary, ledger } = await reconcile(
      {
        gateway,
        ...(access === undefined ? {} : { accessFor: access }),
        policy: deps.policy,
        deadline,
        retry: {
          maxAttempts: deps.config.retry.maxAttempts,
          backoff: { baseMs: deps.config.retry.baseMs, capMs: deps.config.retry.capMs },
        },
        ecsLimit: pLimit(deps.config.ecs.concurrency),
        newInstanceGraceMs: deps.config.newInstanceGraceMs,
        recentWrites,
        now,
        fcRequestId: context.requestId,
        logger: log,
        ...(deps.sleep === undefined ? {} : { sleep: deps.sleep }),
        ...(deps.random === undefined ? {} : { random: deps.random }),
      },
      decoded.refs,
    ).finally(() => {
      gateway.release?.();
      for (const view of views) view.release?.();
    });

    const at = new Date(now()).toISOString();
    const poison = decoded.poison.flatMap((p) =>
      poisonRecords(p, { fcRequestId: context.requestId, accountId, regionId, at }),
    );
    const records = [...poison, ...ledger.deadLetters];
    // Not even walked when info is off: 10,000 results would build 10,000 messages for nothing (issue 9).
    for (const result of log.isLevelEnabled('info') ? summary.results : []) {
      if (
        result.outcome !== 'already-correct' &&
        result.outcome !== 'skipped' &&
        result.outcome !== 'no-rule'
      ) {
        log.info(result, `${result.instanceId}: ${result.outcome}`);
      }
    }
    if (records.length > 0) {
      try {
        await deps.deadLetters(credential, accountId, regionId).send(records, hardStop);
      } catch (error) {
        // The invocation fails so FC's async retries and onFailure destination keep the event.
        log.error(
          { err: error, counts: summary.counts, deadLetters: records.length },
          'dead-letter queue unavailable',
        );
        throw error;
      }
    }
    log.info(
      {
        counts: summary.counts,
        instances: summary.results.length,
        poison: poison.length,
        deadLetters: records.length,
        durationMs: now() - startedAt,
        mode: deps.policy.mode,
      },
      'summary',
    );
    return summary;
  };
}
