import type MNSClient from '@alicloud/mns/lib/client.js';
import type { FunctionInvoker } from '../../shared/fc/function-invoker.js';
import type { MnsStreamTrigger } from '../deployment/deployment.js';
import { payloadLimitBytes } from '../fc-emulator/payload-limits.js';
import { splitBatch } from './batch-split.js';
import { type DeliveryListener, errorText, notify } from './delivery-record.js';
import { jsonPayload } from './direct-delivery.js';
import { type AsyncInvocationTypeMeaning, invokesAsync } from './invocation-type.js';
import { mnsSourceEvent } from './mns-source-event.js';
import { xmlEscape } from './queue-delivery.js';
import { retryDelaysSeconds } from './retry-schedule.js';
import { Sleeper } from './sleep.js';

export type StreamMns = Pick<MNSClient, 'batchReceiveMessage' | 'batchDeleteMessage' | 'sendMessage'>;

export interface StreamPollerOptions {
  functionName: string;
  trigger: MnsStreamTrigger;
  invoker: FunctionInvoker;
  mns: StreamMns;
  /** For the `subject` of the delivered events. */
  region: string;
  accountId: string;
  /** Multiplies the batch window and the retry waits. */
  timeScale: number;
  /** Long-poll wait (whole seconds, MNS `waitseconds`) while nothing is buffered. */
  pollWaitSeconds: number;
  /** What the trigger's `asyncInvocationType: true` means (cloud-facts FT-1). */
  asyncInvocationTypeMeans: AsyncInvocationTypeMeaning;
  onDelivery?: DeliveryListener;
  random?: () => number;
}

export interface StreamStats {
  enabled: boolean;
  /** Messages received from the queue. */
  received: number;
  /** Batches invoked (each at least once), after cutting them to the payload limit. */
  batches: number;
  /** Invocations, retries included. */
  invocations: number;
  retries: number;
  /** Events in batches the function took. */
  delivered: number;
  /** Events in batches that ran out of retries. */
  failed: number;
  /** Events sent to the dead-letter queue. */
  deadLettered: number;
  /** `errorsTolerance: NONE` and a batch ran out of retries: the stream no longer reads the queue. */
  stopped: boolean;
}

/** MNS answers at most 16 messages per batch receive. */
const MNS_MAX_BATCH = 16;
/** Pause between short polls while a batch window is open, and after a failed receive. */
const POLL_INTERVAL_MS = 20;
const RECEIVE_ERROR_PAUSE_MS = 200;

/**
 * An FC EventBridge trigger whose source is an MNS queue, in event-streaming mode (buffered shape), following
 * Alibaba's "Event streams: MNS" and "Retry policies and dead-letter queues" pages:
 * - batches: "triggered if the condition that is specified by the Messages parameter or the Batch Push Interval
 *   parameter is met": up to `maxEvents`, or whatever arrived `windowSeconds` after the batch's first message;
 * - one invocation per batch with a JSON array of `mns:Queue:SendMessage` CloudEvents (or their `data` for
 *   RawData), synchronous or not as `asyncInvocationType` reads under `asyncInvocationTypeMeans` (FT-1); a batch
 *   whose array would pass the invocation type's payload limit (sync 32 MB, async 128 KB) is cut into parts that
 *   fit, each pushed on its own (FT-13); a part's messages are deleted once it is delivered — for an async
 *   invocation that is FC's 202, and FC's async retries and onFailure destination take over;
 * - a failed push is retried per `retryStrategy`; then `errorsTolerance: ALL` sends the events (as delivered) to
 *   the dead-letter queue, or drops them without one, and moves on; `NONE` stops the stream and leaves the
 *   messages in the queue (FT-4).
 * Batches are delivered one at a time, in order. A batch held longer than the queue's visibility timeout (long
 * retries at `timeScale` 1) can be received again: delivery is at-least-once, as EventBridge's is.
 */
export class StreamPoller {
  readonly #o: StreamPollerOptions;
  readonly #sleeper = new Sleeper();
  readonly #stats: StreamStats;
  #closed = false;
  #loop: Promise<void> | undefined;
  #longPolling = false;
  /** Receives started so far; an idle waiter needs an empty receive that started after it asked. */
  #receiveSeq = 0;
  #idleWaiters: Array<{ after: number; resolve: () => void }> = [];

  constructor(options: StreamPollerOptions) {
    this.#o = options;
    this.#stats = {
      enabled: options.trigger.enabled,
      received: 0,
      batches: 0,
      invocations: 0,
      retries: 0,
      delivered: 0,
      failed: 0,
      deadLettered: 0,
      stopped: false,
    };
  }

  get name(): string {
    return this.#o.trigger.name;
  }

  start(): void {
    if (this.#loop !== undefined || !this.#o.trigger.enabled) return;
    this.#loop = this.#run().finally(() => this.#wakeIdle(Number.POSITIVE_INFINITY));
  }

  stats(): StreamStats {
    return { ...this.#stats };
  }

  /**
   * Resolves when the stream has nothing in hand: a receive that started after this call found the queue empty
   * and no batch was open; at once when the stream is not running.
   */
  idle(): Promise<void> {
    if (this.#loop === undefined || this.#closed || this.#stats.stopped) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push({ after: this.#receiveSeq, resolve }));
  }

  /**
   * Stops reading. Waits for a batch being delivered (retry waits end at once, leaving the batch in the queue),
   * but not for an idle long poll: that request is abandoned and ends within `pollWaitSeconds` (or when MNS
   * closes); a message it still receives becomes visible again after the queue's visibility timeout.
   */
  async close(): Promise<void> {
    this.#closed = true;
    this.#sleeper.cancelAll();
    if (!this.#longPolling) await this.#loop;
  }

  async #run(): Promise<void> {
    while (!this.#closed && !this.#stats.stopped) {
      const batch = await this.#collectBatch();
      if (batch.length > 0 && !this.#closed) await this.#deliver(batch);
    }
  }

  /** Up to `maxEvents` messages, or what arrived within the window opened by the first one. */
  async #collectBatch(): Promise<MNSClient.ReceivedMessage[]> {
    const { maxEvents, windowSeconds } = this.#o.trigger.batch;
    const windowMs = windowSeconds * 1000 * this.#o.timeScale;
    const batch: MNSClient.ReceivedMessage[] = [];
    let closesAt: number | undefined;
    while (!this.#closed) {
      // Long-poll while idle, unless someone waits for idleness (then answer fast); short polls inside a window.
      const wait = closesAt === undefined && this.#idleWaiters.length === 0 ? this.#o.pollWaitSeconds : 0;
      const seq = ++this.#receiveSeq;
      const got = await this.#receive(Math.min(MNS_MAX_BATCH, maxEvents - batch.length), wait);
      if (got === undefined) {
        await this.#sleeper.sleep(RECEIVE_ERROR_PAUSE_MS);
        continue;
      }
      this.#stats.received += got.length;
      batch.push(...got);
      if (batch.length === 0) {
        this.#wakeIdle(seq);
        if (wait === 0) await this.#sleeper.sleep(POLL_INTERVAL_MS);
        continue;
      }
      closesAt ??= Date.now() + windowMs;
      const left = closesAt - Date.now();
      if (batch.length >= maxEvents || left <= 0) break;
      if (got.length === 0) await this.#sleeper.sleep(Math.min(POLL_INTERVAL_MS, left));
    }
    return batch;
  }

  /** The messages received (none when the queue is empty), or undefined when the call failed. */
  async #receive(count: number, waitSeconds: number): Promise<MNSClient.ReceivedMessage[] | undefined> {
    this.#longPolling = waitSeconds > 0;
    try {
      const response = await this.#o.mns.batchReceiveMessage(this.#o.trigger.queueName, count, waitSeconds);
      return response.body;
    } catch (error) {
      if (error instanceof Error && error.name === 'MNSMessageNotExistError') return [];
      if (!this.#closed) {
        notify(this.#o.onDelivery, {
          kind: 'stream-error',
          route: this.name,
          operation: 'receive',
          error: errorText(error),
        });
      }
      return undefined;
    } finally {
      this.#longPolling = false;
    }
  }

  async #deliver(messages: MNSClient.ReceivedMessage[]): Promise<void> {
    const { trigger } = this.#o;
    const async = invokesAsync(trigger.asyncInvocationType, this.#o.asyncInvocationTypeMeans);
    const received = messages.map((message) => {
      const event = mnsSourceEvent(message, {
        region: this.#o.region,
        accountId: this.#o.accountId,
        queueName: trigger.queueName,
        isBase64Decode: trigger.isBase64Decode,
      });
      const delivered = trigger.eventSchema === 'RawData' ? event.data : event;
      return { message, event: delivered, bytes: jsonPayload(delivered).length };
    });
    for (const part of splitBatch(received, (r) => r.bytes, payloadLimitBytes(async))) {
      if (this.#closed || this.#stats.stopped) return;
      await this.#deliverPart(
        part.map((r) => r.message),
        part.map((r) => r.event),
        async,
      );
    }
  }

  async #deliverPart(
    messages: MNSClient.ReceivedMessage[],
    events: unknown[],
    async: boolean,
  ): Promise<void> {
    const { trigger, invoker, functionName } = this.#o;
    const payload = jsonPayload(events);
    const delays = retryDelaysSeconds(trigger.retryStrategy, this.#o.random);
    this.#stats.batches++;

    for (let attempt = 0; ; attempt++) {
      this.#stats.invocations++;
      let ok = false;
      let errorType: string | undefined;
      try {
        const result = await invoker.invoke(functionName, payload, { async });
        ok = result.ok;
        errorType = result.errorType;
      } catch (error) {
        errorType = errorText(error);
      }
      notify(this.#o.onDelivery, {
        kind: 'batch',
        route: this.name,
        events: events.length,
        attempt,
        ok,
        async,
        ...(errorType === undefined ? {} : { errorType }),
      });
      if (ok) {
        this.#stats.delivered += events.length;
        await this.#delete(messages);
        return;
      }
      const delay = delays[attempt];
      if (delay === undefined) break;
      await this.#sleeper.sleep(delay * 1000 * this.#o.timeScale);
      // Closing mid-retry leaves the batch in the queue; it becomes visible again.
      if (this.#closed) return;
      this.#stats.retries++;
    }

    this.#stats.failed += events.length;
    if (trigger.errorsTolerance === 'NONE') {
      this.#stats.stopped = true;
      notify(this.#o.onDelivery, { kind: 'stream-stopped', route: this.name, events: events.length });
      return;
    }
    if (await this.#deadLetter(events)) await this.#delete(messages);
  }

  /** Sends each event to the dead-letter queue; true when all went (or there is no queue: dropped). */
  async #deadLetter(events: unknown[]): Promise<boolean> {
    const queue = this.#o.trigger.deadLetterQueue?.name;
    if (queue === undefined) {
      notify(this.#o.onDelivery, { kind: 'dead-letter', route: this.name, events: events.length, ok: true });
      return true;
    }
    let sent = 0;
    try {
      for (const event of events) {
        await this.#o.mns.sendMessage(queue, { MessageBody: xmlEscape(JSON.stringify(event)) });
        sent++;
        this.#stats.deadLettered++;
      }
      notify(this.#o.onDelivery, { kind: 'dead-letter', route: this.name, queue, events: sent, ok: true });
      return true;
    } catch (error) {
      // Keep the source messages: they come back after the visibility timeout and are tried again.
      notify(this.#o.onDelivery, {
        kind: 'dead-letter',
        route: this.name,
        queue,
        events: sent,
        ok: false,
        error: errorText(error),
      });
      return false;
    }
  }

  async #delete(messages: MNSClient.ReceivedMessage[]): Promise<void> {
    for (let start = 0; start < messages.length; start += MNS_MAX_BATCH) {
      const handles = messages.slice(start, start + MNS_MAX_BATCH).map((m) => m.ReceiptHandle);
      try {
        const response = await this.#o.mns.batchDeleteMessage(this.#o.trigger.queueName, handles);
        const failed = response.body ?? [];
        if (failed.length > 0) throw new Error(`${failed.length} receipt handles were refused`);
      } catch (error) {
        notify(this.#o.onDelivery, {
          kind: 'stream-error',
          route: this.name,
          operation: 'delete',
          error: errorText(error),
        });
      }
    }
  }

  #wakeIdle(seq: number): void {
    const ready = this.#idleWaiters.filter((waiter) => waiter.after < seq);
    this.#idleWaiters = this.#idleWaiters.filter((waiter) => waiter.after >= seq);
    for (const waiter of ready) waiter.resolve();
  }
}
