import pLimit from 'p-limit';
import { AppError } from '../errors/app-error.js';
import { describeError } from '../errors/classify.js';
import type { BackoffOptions } from '../retry/backoff.js';
import type { Deadline } from '../retry/deadline.js';
import { OperationError, withRetry } from '../retry/retry.js';
import { type DeadLetterRecord, encodeRecord, MAX_MESSAGE_BYTES } from './dead-letter-record.js';
import { type DeadLetterSink, DeadLetterUnavailableError } from './dead-letter-sink.js';

/** The subset of `@alicloud/mns`' client this module uses. */
export interface MnsBatchSender {
  batchSendMessage(
    queueName: string,
    messages: { MessageBody: string }[],
  ): Promise<{ code: number; body?: unknown }>;
}

export interface MnsDeadLetterQueueOptions {
  queueName: string;
  /** Builds a client whose HTTP timeouts fit in `timeoutMs` (the SDK only takes timeouts at construction). */
  client: (timeoutMs: number) => Promise<MnsBatchSender>;
  maxAttempts: number;
  backoff: BackoffOptions;
  concurrency?: number;
  /** Waits between attempts (a test's fake clock); real timers by default. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/** MNS BatchSendMessage takes at most 16 messages and 64 KB in all. */
const MAX_BATCH_MESSAGES = 16;

/** Sends records with BatchSendMessage, retrying throttling, 5xx and partial failures within the deadline. */
export class MnsDeadLetterQueue implements DeadLetterSink {
  readonly #options: MnsDeadLetterQueueOptions;

  constructor(options: MnsDeadLetterQueueOptions) {
    this.#options = options;
  }

  async send(records: readonly DeadLetterRecord[], deadline: Deadline): Promise<void> {
    if (records.length === 0) return;
    const client = await this.#options.client(Math.max(100, Math.min(10_000, deadline.remainingMs())));
    const limit = pLimit(this.#options.concurrency ?? 4);
    const batches = packBatches(records.map(encodeRecord));
    const failures = await Promise.all(
      batches.map((batch) => limit(() => this.#sendBatch(client, batch, deadline))),
    );
    const unsent = failures.reduce((sum, f) => sum + (f?.count ?? 0), 0);
    const first = failures.find((f) => f !== undefined);
    if (first !== undefined) {
      throw new DeadLetterUnavailableError(
        `could not write ${unsent} of ${records.length} dead-letter records to MNS queue ` +
          `"${this.#options.queueName}": ${first.error.code}: ${first.error.message}`,
        first.error,
      );
    }
  }

  async #sendBatch(
    client: MnsBatchSender,
    bodies: string[],
    deadline: Deadline,
  ): Promise<{ count: number; error: OperationError } | undefined> {
    let pending = bodies;
    try {
      await withRetry(
        async () => {
          const response = await callSdk(() =>
            client.batchSendMessage(
              this.#options.queueName,
              pending.map((MessageBody) => ({ MessageBody })),
            ),
          );
          if (response.code === 201) return;
          const failed = failedEntries(response.body, pending.length);
          if (failed === undefined) {
            throw new AppError('BadResponse', `MNS answered HTTP ${response.code} without a result list`, {
              errorClass: response.code >= 500 || response.code === 429 ? 'retryable' : 'permanent',
            });
          }
          pending = pending.filter((_, i) => failed.has(i));
          if (pending.length > 0) {
            throw new AppError('BatchPartialFailure', `MNS refused ${pending.length} messages of a batch`, {
              errorClass: 'retryable',
            });
          }
        },
        {
          deadline,
          maxAttempts: this.#options.maxAttempts,
          backoff: this.#options.backoff,
          describe: (error) => describeError(error),
          ...(this.#options.sleep === undefined ? {} : { sleep: this.#options.sleep }),
          ...(this.#options.random === undefined ? {} : { random: this.#options.random }),
        },
      );
      return undefined;
    } catch (error) {
      if (error instanceof OperationError) return { count: pending.length, error };
      throw error;
    }
  }
}

/**
 * `@alicloud/mns` crashes with a TypeError when a batch call gets a non-XML answer (a gateway's HTML 503):
 * that is a bad response to retry, not a bug to give up on.
 */
async function callSdk<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof TypeError) {
      throw new AppError('BadResponse', `MNS answered without a parsable body (${error.message})`, {
        errorClass: 'retryable',
        cause: error,
      });
    }
    throw error;
  }
}

/** Indices of the messages a partially failed batch refused (entries carrying an ErrorCode). */
function failedEntries(body: unknown, sent: number): Set<number> | undefined {
  if (!Array.isArray(body) || body.length !== sent) return undefined;
  const failed = new Set<number>();
  body.forEach((entry: unknown, i) => {
    if (typeof entry !== 'object' || entry === null || 'ErrorCode' in entry) failed.add(i);
  });
  return failed;
}

/** Groups bodies into batches of ≤ 16 messages and ≤ 64 KB in all. */
export function packBatches(bodies: readonly string[]): string[][] {
  const batches: string[][] = [];
  let current: string[] = [];
  let size = 0;
  for (const body of bodies) {
    const bytes = Buffer.byteLength(body);
    if (current.length > 0 && (current.length === MAX_BATCH_MESSAGES || size + bytes > MAX_MESSAGE_BYTES)) {
      batches.push(current);
      current = [];
      size = 0;
    }
    current.push(body);
    size += bytes;
  }
  if (current.length > 0) batches.push(current);
  return batches;
}
