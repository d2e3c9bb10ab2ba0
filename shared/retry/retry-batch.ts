import { AppError } from '../errors/app-error.js';
import { describeError, type ErrorInfo } from '../errors/classify.js';
import { OperationError, type RetryOptions, type StopReason, withRetry } from './retry.js';

/** One item's part of a batch call. */
export type ItemResult<T> = { ok: true; value: T } | { ok: false; info: ErrorInfo };

export interface ItemFailure {
  info: ErrorInfo;
  attempts: number;
  stoppedBy: StopReason;
}

export interface BatchOutcome<T> {
  ok: Map<string, T>;
  failed: Map<string, ItemFailure>;
}

export interface RetryBatchOptions<T> extends RetryOptions {
  /**
   * After an error that leaves it unknown whether the call took effect (timeout, reset, 5xx), called before the
   * next attempt with the items still pending: returns those that already are as wanted, which are then not
   * written again. Writes without an idempotency token need this to stay correct under faults.
   */
  verify?: (pending: string[]) => Promise<Map<string, T>>;
}

/**
 * Retries a batch call (≤ 100 ids) until every item succeeded or failed for good. A request-level error retries
 * the whole remaining batch; a per-item retryable failure (HTTP 200 with some items failed) retries only those
 * items; a per-item permanent failure settles that item. Backoff, attempts and the deadline are `withRetry`'s.
 */
export async function retryBatch<T>(
  ids: readonly string[],
  call: (pending: string[]) => Promise<Map<string, ItemResult<T>>>,
  options: RetryBatchOptions<T>,
): Promise<BatchOutcome<T>> {
  const ok = new Map<string, T>();
  const failed = new Map<string, ItemFailure>();
  const lastItemError = new Map<string, ErrorInfo>();
  let pending = [...ids];
  let attempts = 0;
  let uncertain = false;

  try {
    await withRetry(async (attempt) => {
      attempts = attempt;
      if (uncertain && options.verify !== undefined) {
        const confirmed = await options.verify(pending);
        for (const [id, value] of confirmed) ok.set(id, value);
        pending = pending.filter((id) => !confirmed.has(id));
        if (pending.length === 0) return;
      }
      uncertain = false;
      let results: Map<string, ItemResult<T>>;
      try {
        results = await call(pending);
      } catch (error) {
        uncertain = describeError(error).uncertain;
        for (const id of pending) lastItemError.delete(id);
        throw error;
      }
      const retry: string[] = [];
      for (const id of pending) {
        const result: ItemResult<T> = results.get(id) ?? {
          ok: false,
          info: {
            code: 'NoResult',
            message: 'no result for this item',
            errorClass: 'retryable',
            uncertain: true,
          },
        };
        if (result.ok) {
          ok.set(id, result.value);
        } else if (result.info.errorClass === 'permanent') {
          failed.set(id, { info: result.info, attempts: attempt, stoppedBy: 'permanent' });
        } else {
          retry.push(id);
          lastItemError.set(id, result.info);
          uncertain ||= result.info.uncertain;
        }
      }
      pending = retry;
      const first = retry[0] === undefined ? undefined : lastItemError.get(retry[0]);
      if (first !== undefined) {
        // Surface the item's own error so backoff honours its retry-after and the give-up reason is accurate.
        throw new AppError(first.code, `${retry.length} item(s) failed: ${first.message}`, {
          errorClass: 'retryable',
          retryAfterMs: first.retryAfterMs,
        });
      }
    }, options);
  } catch (error) {
    if (!(error instanceof OperationError)) throw error;
    for (const id of pending) {
      failed.set(id, { info: lastItemError.get(id) ?? error.info, attempts, stoppedBy: error.stoppedBy });
    }
  }
  return { ok, failed };
}
