import { AppError } from '../errors/app-error.js';
import { type Logger, scrubSecrets } from '../logging/logger.js';
import type { BackoffOptions } from '../retry/backoff.js';
import type { Deadline } from '../retry/deadline.js';
import { OperationError, withRetry } from '../retry/retry.js';
import { type AlertConfig, registerAlertSecrets } from './alert-config.js';
import type { AlertGroup } from './alert-group.js';
import { alertTargets } from './targets/from-config.js';
import type {
  AlertRequest,
  AlertTarget,
  AnswerVerdict,
  EventAction,
  TargetAnswer,
  TargetName,
} from './targets/target.js';
import { truncateText } from './targets/truncate.js';

export interface SendAlertsOptions {
  config: AlertConfig;
  logger: Logger;
  /** No attempt starts, and no wait runs, past this. */
  deadline: Deadline;
  /** PagerDuty's `event_action`. `resolve` goes to PagerDuty only: the chat targets have nothing to close. */
  eventAction?: EventAction;
  /** Per HTTP request (connect to last body byte), further capped by the deadline. Default 10 s. */
  requestTimeoutMs?: number;
  /** Attempts per group and target, the first included. Default 4. */
  maxAttempts?: number;
  /** Default 500 ms base, 8 s cap, full jitter; a `Retry-After` is waited out in full. */
  backoff?: BackoffOptions;
  /** Clock for signing timestamps. */
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/**
 * `delivered`: every group reached the target. `configuration`: the target refused with an error no retry fixes
 * (bad URL, token, secret, keyword); logged, not retried, not thrown, and the target's remaining groups are not
 * sent (they would be refused alike). `failed`: still failing after retries (5xx, timeouts, network, rate limit);
 * `sendAlerts` throws. `skipped`: not sent to (a `resolve` only goes to PagerDuty).
 */
export type TargetStatus = 'delivered' | 'configuration' | 'failed' | 'skipped';

export interface TargetReport {
  target: TargetName;
  status: TargetStatus;
  /** Groups that reached the target. */
  delivered: number;
  /** Groups meant for the target. */
  groups: number;
  /** HTTP requests made, retries included. */
  attempts: number;
  /** Why it did not deliver (scrubbed of every credential). */
  problem?: string;
  /** HTTP status of the last answer, when there was one. */
  httpStatus?: number;
}

export interface AlertDeliveryReport {
  groups: number;
  targets: TargetReport[];
}

/** Some target still failed after retries: the invocation should fail so that its trigger redelivers. */
export class AlertDeliveryError extends AppError {
  readonly report: AlertDeliveryReport;

  constructor(message: string, report: AlertDeliveryReport) {
    super('AlertDeliveryFailed', message, { errorClass: 'retryable' });
    this.report = report;
  }
}

/** A retryable failure of one attempt; its `retryAfterMs` is read by `describeError` and honoured by `withRetry`. */
class DeliveryAttemptError extends AppError {
  constructor(code: string, message: string, retryAfterMs?: number) {
    super(code, message, { errorClass: 'retryable', retryAfterMs });
  }
}

const DEFAULTS = {
  requestTimeoutMs: 10_000,
  maxAttempts: 4,
  backoff: { baseMs: 500, capMs: 8_000 },
} as const;
/** Characters of a refusing answer quoted in the log. */
const EXCERPT_CHARS = 300;

/**
 * Sends every group to every configured target with the global `fetch`: targets in parallel, each target's groups
 * one after another (chat robots allow ~20 messages a minute). Retries 5xx, timeouts, network errors and rate
 * limits with backoff, honouring `Retry-After`, never past the deadline. Returns a per-target report; throws
 * AlertDeliveryError (retryable) naming the targets that still failed, after the others have been tried.
 */
export async function sendAlerts(
  groups: readonly AlertGroup[],
  options: SendAlertsOptions,
): Promise<AlertDeliveryReport> {
  registerAlertSecrets(options.config);
  const eventAction = options.eventAction ?? 'trigger';
  const targets = alertTargets(options.config);
  const reports = await Promise.all(
    targets.map((target) =>
      eventAction === 'resolve' && target.name !== 'pagerduty'
        ? Promise.resolve<TargetReport>({
            target: target.name,
            status: 'skipped',
            delivered: 0,
            groups: 0,
            attempts: 0,
          })
        : sendToTarget(target, groups, eventAction, options),
    ),
  );
  const report: AlertDeliveryReport = { groups: groups.length, targets: reports };
  const failed = reports.filter((r) => r.status === 'failed');
  if (failed.length > 0) {
    const detail = failed.map((r) => `${r.target} (${r.problem ?? 'failed'})`).join('; ');
    throw new AlertDeliveryError(
      scrubSecrets(
        `alert delivery failed after retries for ${failed.map((r) => r.target).join(', ')}: ${detail}`,
      ),
      report,
    );
  }
  return report;
}

type ConfigurationVerdict = Extract<AnswerVerdict, { outcome: 'configuration' }>;
type AttemptResult =
  | { kind: 'ok' }
  | { kind: 'configuration'; verdict: ConfigurationVerdict; answer: TargetAnswer };

async function sendToTarget(
  target: AlertTarget,
  groups: readonly AlertGroup[],
  eventAction: EventAction,
  options: SendAlertsOptions,
): Promise<TargetReport> {
  const log = options.logger.child({ target: target.name });
  const now = options.now ?? Date.now;
  const timeoutMs = options.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs;
  const report: TargetReport = {
    target: target.name,
    status: 'delivered',
    delivered: 0,
    groups: groups.length,
    attempts: 0,
  };
  for (const group of groups) {
    let result: AttemptResult;
    try {
      result = await withRetry<AttemptResult>(
        async () => {
          report.attempts++;
          // Built afresh for each attempt: signatures carry a timestamp the service checks.
          const request = target.buildRequest(group, { now: now(), eventAction });
          const answer = await post(request, Math.min(timeoutMs, options.deadline.remainingMs()));
          report.httpStatus = answer.status;
          const verdict = target.classify(answer);
          if (verdict.outcome === 'ok') return { kind: 'ok' };
          if (verdict.outcome === 'configuration') return { kind: 'configuration', verdict, answer };
          throw new DeliveryAttemptError(verdict.code, `answered ${verdict.reason}`, verdict.retryAfterMs);
        },
        {
          deadline: options.deadline,
          maxAttempts: options.maxAttempts ?? DEFAULTS.maxAttempts,
          backoff: options.backoff ?? DEFAULTS.backoff,
          minAttemptMs: 100,
          ...(options.sleep ? { sleep: options.sleep } : {}),
          ...(options.random ? { random: options.random } : {}),
          onRetry: (info, attempt, delayMs) =>
            log.warn(
              { code: info.code, attempt, delayMs, group: group.key, reason: scrubSecrets(info.message) },
              'alert delivery failed; retrying',
            ),
        },
      );
    } catch (error) {
      report.status = 'failed';
      report.problem = scrubSecrets(
        error instanceof OperationError
          ? `${error.info.code}: ${error.info.message}; gave up (${error.stoppedBy})`
          : String(error),
      );
      log.error(
        { group: group.key, attempts: report.attempts, problem: report.problem },
        'alert delivery failed after retries',
      );
      return report;
    }
    if (result.kind === 'configuration') {
      const { verdict, answer } = result;
      report.status = 'configuration';
      report.problem = scrubSecrets(verdict.reason);
      // Loud: nobody is paged when the paging target itself is misconfigured.
      log.error(
        {
          status: answer.status,
          code: verdict.code,
          answer: truncateText(scrubSecrets(answer.body), EXCERPT_CHARS),
          group: group.key,
          notSent: groups.length - report.delivered - 1,
        },
        `alert target ${target.name} refused the alert as misconfigured (${report.problem}); not retried: fix its settings`,
      );
      return report;
    }
    report.delivered++;
  }
  log.info({ groups: groups.length, attempts: report.attempts }, 'alerts delivered');
  return report;
}

/** One POST, its answer read in full, within `timeoutMs`. Failures below HTTP become retryable attempt errors. */
async function post(request: AlertRequest, timeoutMs: number): Promise<TargetAnswer> {
  const signal = AbortSignal.timeout(Math.max(1, timeoutMs));
  try {
    const response = await fetch(request.url, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      signal,
      // A webhook that redirects is misconfigured; following it would send the alert somewhere unchecked.
      redirect: 'manual',
    });
    const body = await response.text();
    return { status: response.status, headers: response.headers, body };
  } catch (error) {
    if (signal.aborted) {
      throw new DeliveryAttemptError('RequestTimeout', `no answer within ${timeoutMs} ms`);
    }
    throw new DeliveryAttemptError('NetworkError', `network error: ${networkCause(error)}`);
  }
}

function networkCause(error: unknown): string {
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const code = (cause as { code?: unknown } | null)?.code;
  const message = cause instanceof Error ? cause.message : String(cause);
  return typeof code === 'string' ? `${code} ${message}` : message;
}
