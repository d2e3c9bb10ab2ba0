import { AppError } from '../errors/app-error.js';
import { describeError, type ErrorInfo, retriesUntilDeadline } from '../errors/classify.js';
import { type BackoffOptions, backoffDelay } from './backoff.js';
import type { Deadline } from './deadline.js';

export interface RetryOptions {
  deadline: Deadline;
  /** Total attempts, the first included (throttling is retried until the deadline instead). */
  maxAttempts: number;
  backoff: BackoffOptions;
  describe?: (error: unknown) => ErrorInfo;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  onRetry?: (info: ErrorInfo, attempt: number, delayMs: number) => void;
  /** Shortest time worth starting an attempt in (a call cut shorter would only time out). Default 0. */
  minAttemptMs?: number;
}

/** Why `withRetry` gave up. */
export type StopReason = 'permanent' | 'attempts' | 'deadline';

/** The last error of an operation that `withRetry` gave up on, with how many attempts it made and why it stopped. */
export class OperationError extends AppError {
  readonly info: ErrorInfo;
  readonly attempts: number;
  readonly stoppedBy: StopReason;

  constructor(info: ErrorInfo, attempts: number, stoppedBy: StopReason, cause: unknown) {
    super(info.code, info.message, { errorClass: info.errorClass, cause });
    this.info = info;
    this.attempts = attempts;
    this.stoppedBy = stoppedBy;
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `operation` until it succeeds, fails permanently, runs out of attempts, or the deadline is too near for
 * another useful attempt. Never sleeps past the deadline: a wait that would leave less than `minAttemptMs` for
 * the next attempt is not started, so the error reported is the service's, not a timeout of our own making.
 */
export async function withRetry<T>(
  operation: (attempt: number) => Promise<T>,
  options: RetryOptions,
): Promise<T> {
  const describe = options.describe ?? ((error: unknown) => describeError(error));
  const wait = options.sleep ?? sleep;
  const minAttemptMs = options.minAttemptMs ?? 0;
  for (let attempt = 1; ; attempt++) {
    if (options.deadline.remainingMs() <= minAttemptMs) {
      const info = describe(
        new AppError('DeadlineExceeded', 'no time left before the deadline', { errorClass: 'retryable' }),
      );
      throw new OperationError(info, attempt - 1, 'deadline', undefined);
    }
    try {
      return await operation(attempt);
    } catch (error) {
      const info = describe(error);
      if (info.errorClass === 'permanent') throw new OperationError(info, attempt, 'permanent', error);
      if (attempt >= options.maxAttempts && !retriesUntilDeadline(info.code)) {
        throw new OperationError(info, attempt, 'attempts', error);
      }
      const delay = backoffDelay(attempt - 1, options.backoff, info.retryAfterMs, options.random);
      if (options.deadline.wouldPass(delay + minAttemptMs))
        throw new OperationError(info, attempt, 'deadline', error);
      options.onRetry?.(info, attempt, delay);
      await wait(delay);
    }
  }
}
