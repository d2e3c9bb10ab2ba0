import { buildFailureRecord, DEFAULT_RECORD_FORM, type FailureRecordForm } from './failure-record.js';
import type { RunResult } from './function-instance.js';
import type { FunctionRuntime } from './function-runtime.js';
import { errorPayload, failureType } from './invocation-answer.js';
import type { MnsDestination } from './mns-destination.js';
import type { RuntimeIdentity } from './runtime-env.js';
import type { Sleeper } from './sleeper.js';

/** One async invocation from queueing to its end. */
export interface AsyncRequestRecord {
  requestId: string;
  function: string;
  enqueuedAt: number;
  /** Tries made so far. */
  attempts: number;
  /**
   * `expired`: dropped, not retried, because the next try would start after `maxEventAgeSeconds` (× timeScale).
   * `cancelled`: the emulator closed first.
   */
  status: 'pending' | 'succeeded' | 'failed' | 'expired' | 'cancelled';
  /** For a failed request whose function has an onFailure destination: whether the record landed. */
  destination?: 'sent' | 'failed';
  finishedAt?: number;
}

/** FC retries system errors 0.5 s after the failure, then doubling (1, 2, 4, 8 s …); see retryDelayMs. */
const FIRST_RETRY_MS = 500;
const MAX_RETRY_MS = 5 * 60_000;

/**
 * Wait before retry `retry` (1-based) of a failed async invocation. FC documents this schedule for throttling and
 * system errors (0.5 s, then doubling); it does not document one for function errors, so the emulator uses the
 * same for them, capped at 5 minutes, times `timeScale` (cloud-facts FT-7).
 */
export function retryDelayMs(retry: number, timeScale: number): number {
  return Math.min(FIRST_RETRY_MS * 2 ** (retry - 1), MAX_RETRY_MS) * timeScale;
}

export interface AsyncInvokerOptions {
  identity: RuntimeIdentity;
  /** Multiplies retry delays and the max event age. */
  timeScale: number;
  sleeper: Sleeper;
  destination: MnsDestination;
  /** Which documented variant of the onFailure record to send (default: epoch-ms timestamp, FC 3.0 ARN). */
  recordForm?: FailureRecordForm;
  log(functionName: string, requestId: string, line: string): void;
}

/**
 * FC's async queue: runs each queued event, retries failures up to `maxRetryAttempts` with backoff, drops events
 * that would be retried past `maxEventAgeSeconds`, and after the last failed try sends the failure record to the
 * function's onFailure destination.
 */
export class AsyncInvoker {
  readonly requests: AsyncRequestRecord[] = [];
  readonly #options: AsyncInvokerOptions;
  readonly #inFlight = new Set<Promise<void>>();
  #closed = false;

  constructor(options: AsyncInvokerOptions) {
    this.#options = options;
  }

  enqueue(runtime: FunctionRuntime, event: Buffer, requestId: string): void {
    const record: AsyncRequestRecord = {
      requestId,
      function: runtime.fn.functionName,
      enqueuedAt: Date.now(),
      attempts: 0,
      status: 'pending',
    };
    this.requests.push(record);
    const task = this.#process(runtime, event, record).finally(() => {
      record.finishedAt = Date.now();
      this.#inFlight.delete(task);
    });
    this.#inFlight.add(task);
  }

  /** Resolves once no async invocation is pending (retries and destination writes included). */
  async settled(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.#inFlight.size > 0) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`async invocations still pending after ${timeoutMs} ms`);
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...this.#inFlight]),
        new Promise((resolve) => {
          timer = setTimeout(resolve, left);
        }),
      ]);
      clearTimeout(timer);
    }
  }

  /** Stops retrying; tries in flight end with the instances (the owner closes those and the sleeper). */
  close(): void {
    this.#closed = true;
  }

  async #process(runtime: FunctionRuntime, event: Buffer, record: AsyncRequestRecord): Promise<void> {
    const { requestId } = record;
    const fn = runtime.fn;
    const { timeScale, sleeper } = this.#options;
    const log = (line: string) => this.#options.log(fn.functionName, requestId, line);
    const maxAgeMs = fn.asyncInvoke.maxEventAgeSeconds * 1000 * timeScale;
    const maxAttempts = 1 + Math.max(0, fn.asyncInvoke.maxRetryAttempts);

    const end = (status: AsyncRequestRecord['status']) => {
      record.status = status;
    };

    // Let the caller have its 202 before the first try starts.
    if (!(await sleeper.sleep(0))) return end('cancelled');
    for (let attempt = 1; ; attempt++) {
      if (this.#closed) return end('cancelled');
      let result: RunResult;
      try {
        result = await runtime.run(event, { requestId, async: true, attempt });
      } catch {
        return end('cancelled'); // run() rejects only when the emulator closed
      }
      if (this.#closed) return end('cancelled');
      record.attempts = attempt;
      if (result.outcome === 'ok') return end('succeeded');
      const failure = failureType(result);
      if (attempt >= maxAttempts) {
        end('failed');
        log(`async invocation failed after ${attempt} tries (${failure}: ${result.error.errorMessage})`);
        const arn = fn.asyncInvoke.onFailure;
        if (arn === undefined) return;
        const failureRecord = buildFailureRecord(
          {
            identity: this.#options.identity,
            functionName: fn.functionName,
            requestId,
            event,
            attempts: attempt,
            failure,
            errorPayload: errorPayload(result.error),
            at: Date.now(),
          },
          this.#options.recordForm ?? DEFAULT_RECORD_FORM,
        );
        record.destination = (await this.#options.destination.send(arn, failureRecord, log))
          ? 'sent'
          : 'failed';
        return;
      }
      const delay = retryDelayMs(attempt, timeScale);
      if (Date.now() + delay - record.enqueuedAt > maxAgeMs) {
        end('expired');
        log(`async event dropped: older than maxAsyncEventAgeInSeconds by its next retry (try ${attempt})`);
        return;
      }
      log(`try ${attempt} failed (${failure}); retrying in ${Math.round(delay)} ms`);
      if (!(await sleeper.sleep(delay))) return end('cancelled');
    }
  }
}
