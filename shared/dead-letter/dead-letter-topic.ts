import pLimit from 'p-limit';
import { AppError } from '../errors/app-error.js';
import { describeError } from '../errors/classify.js';
import type { BackoffOptions } from '../retry/backoff.js';
import type { Deadline } from '../retry/deadline.js';
import { OperationError, withRetry } from '../retry/retry.js';
import { type DeadLetterRecord, encodeRecord } from './dead-letter-record.js';
import { type DeadLetterSink, DeadLetterUnavailableError } from './dead-letter-sink.js';

/** The subset of `@alicloud/mns`' client this module uses. */
export interface MnsPublisher {
  publishMessage(
    topicName: string,
    message: { MessageBody: string },
  ): Promise<{ code: number; body?: unknown }>;
}

export interface MnsDeadLetterTopicOptions {
  topicName: string;
  /** Builds a client whose HTTP timeouts fit in `timeoutMs` (the SDK only takes timeouts at construction). */
  client: (timeoutMs: number) => Promise<MnsPublisher>;
  maxAttempts: number;
  backoff: BackoffOptions;
  concurrency?: number;
  /** Waits between attempts (a test's fake clock); real timers by default. */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/**
 * Publishes each record to an MNS topic (one message per instance, as the retained queue and redrive expect):
 * the topic fans out to the queue that keeps failures for redrive and to the alert function. MNS has no batch
 * publish, so records go out a few at a time, each retried on throttling, 5xx and timeouts within the deadline.
 */
export class MnsDeadLetterTopic implements DeadLetterSink {
  readonly #options: MnsDeadLetterTopicOptions;

  constructor(options: MnsDeadLetterTopicOptions) {
    this.#options = options;
  }

  async send(records: readonly DeadLetterRecord[], deadline: Deadline): Promise<void> {
    if (records.length === 0) return;
    const client = await this.#options.client(Math.max(100, Math.min(10_000, deadline.remainingMs())));
    const limit = pLimit(this.#options.concurrency ?? 8);
    const failures = (
      await Promise.all(
        records.map((record) => limit(() => this.#publish(client, encodeRecord(record), deadline))),
      )
    ).filter((f): f is OperationError => f !== undefined);
    const first = failures[0];
    if (first !== undefined) {
      throw new DeadLetterUnavailableError(
        `could not publish ${failures.length} of ${records.length} dead-letter records to MNS topic ` +
          `"${this.#options.topicName}": ${first.code}: ${first.message}`,
        first,
      );
    }
  }

  async #publish(
    client: MnsPublisher,
    body: string,
    deadline: Deadline,
  ): Promise<OperationError | undefined> {
    try {
      await withRetry(
        async () => {
          const response = await client.publishMessage(this.#options.topicName, { MessageBody: body });
          // A non-XML answer (a gateway's 503) does not throw in @alicloud/mns (cloud-facts MNS-12): make it an
          // error, retried when the status says the service may take it later.
          if (response.code !== 201) {
            throw new AppError('BadResponse', `MNS answered PublishMessage with HTTP ${response.code}`, {
              errorClass: response.code >= 500 || response.code === 429 ? 'retryable' : 'permanent',
              status: response.code,
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
      if (error instanceof OperationError) return error;
      throw error;
    }
  }
}
