import { PendingWork } from './delivery-stats.js';
import {
  functionEvent,
  type NotificationParties,
  type PublishedMessage,
  queueNotification,
} from './notification.js';
import { LIMITS } from './operations.js';
import type { QueueRegistry } from './queue-registry.js';
import { retryDelaySeconds } from './retry-schedule.js';
import type { MnsSubscription } from './subscription.js';
import type { MnsTopic } from './topic.js';

export interface DeliveryOptions {
  queues: QueueRegistry;
  accountId: string;
  /** Multiplies every retry wait (1 = the documented schedule). */
  timeScale: number;
  /** Picks BACKOFF_RETRY's 10–20 s interval; Math.random by default. */
  random?: () => number;
}

interface Job {
  readonly topic: MnsTopic;
  readonly subscription: MnsSubscription;
  readonly message: PublishedMessage;
  attempts: number;
}

/**
 * Pushes published messages to subscriptions and retries failed pushes per NotifyStrategy. A queue gets its copy
 * during PublishMessage (the message is in the queue when the 201 goes out); a function is called in the background.
 * A failed push (queue missing, notification above the queue's 64 KB, `deliver` rejecting) is retried on the
 * strategy's schedule times `timeScale`, and dropped after the last retry.
 */
export class DeliveryEngine {
  /** Every push of every topic not yet finished. */
  readonly pending = new PendingWork();
  readonly #options: DeliveryOptions;
  readonly #random: () => number;
  /** Cancels of every scheduled attempt, so close() leaves no timer behind. */
  readonly #scheduled = new Set<() => void>();
  #closed = false;

  constructor(options: DeliveryOptions) {
    this.#options = options;
    this.#random = options.random ?? Math.random;
  }

  /** Starts a push to every subscription whose filter accepts the message. */
  fanOut(topic: MnsTopic, message: PublishedMessage): void {
    for (const subscription of topic.subscriptions()) {
      if (!subscription.accepts(message.tag)) continue;
      const job: Job = { topic, subscription, message, attempts: 0 };
      this.pending.add();
      topic.pending.add();
      subscription.counters.pending++;
      topic.counters.pending++;
      if (subscription.target.kind === 'queue') this.#attempt(job);
      else this.#later(job, 0);
    }
  }

  /** Cancels every scheduled retry; in-flight function calls finish, unretried. */
  close(): void {
    this.#closed = true;
    for (const cancel of [...this.#scheduled]) cancel();
  }

  #attempt(job: Job): void {
    const { subscription, topic } = job;
    if (this.#closed || subscription.removed) {
      this.#finish(job);
      return;
    }
    job.attempts++;
    if (job.attempts > 1) {
      subscription.counters.retries++;
      topic.counters.retries++;
    }
    const at = Date.now();
    let outcome: Promise<void> | undefined;
    try {
      outcome = this.#push(job);
    } catch (error) {
      this.#failed(job, at, error);
      return;
    }
    if (outcome === undefined) {
      this.#succeeded(job, at);
      return;
    }
    outcome.then(
      () => this.#succeeded(job, at),
      (error: unknown) => this.#failed(job, at, error),
    );
  }

  /** Hands the notification over: synchronously for a queue, a promise for a function. */
  #push(job: Job): Promise<void> | undefined {
    const { subscription, topic, message } = job;
    const parties: NotificationParties = {
      topicOwner: this.#options.accountId,
      topicName: topic.name,
      subscriber: this.#options.accountId,
      subscriptionName: subscription.name,
    };
    const target = subscription.target;
    if (target.kind === 'function') {
      return Promise.resolve().then(() => target.deliver(functionEvent(target.format, message, parties)));
    }
    const queue = this.#options.queues.get(target.queueName);
    if (!queue) throw new Error(`queue ${JSON.stringify(target.queueName)} does not exist`);
    const body = queueNotification(target.format, message, parties);
    const bytes = Buffer.byteLength(body, 'utf8');
    if (bytes > LIMITS.maxMessageBytes) {
      throw new Error(`the notification is ${bytes} bytes, above the queue's ${LIMITS.maxMessageBytes}`);
    }
    queue.send({ body });
    return undefined;
  }

  #succeeded(job: Job, at: number): void {
    job.subscription.recordAttempt({ messageId: job.message.messageId, attempt: job.attempts, at, ok: true });
    job.subscription.counters.delivered++;
    job.topic.counters.delivered++;
    this.#finish(job);
  }

  #failed(job: Job, at: number, error: unknown): void {
    const { subscription, topic } = job;
    subscription.recordAttempt({
      messageId: job.message.messageId,
      attempt: job.attempts,
      at,
      ok: false,
      error: error instanceof Error ? error.message : String(error),
    });
    subscription.counters.failedAttempts++;
    topic.counters.failedAttempts++;
    const delay = retryDelaySeconds(subscription.notifyStrategy, job.attempts - 1, this.#random);
    if (this.#closed || subscription.removed) {
      this.#finish(job);
    } else if (delay === undefined) {
      subscription.counters.exhausted++;
      topic.counters.exhausted++;
      this.#finish(job);
    } else {
      this.#later(job, delay * 1000 * this.#options.timeScale);
    }
  }

  /** Runs the next attempt after `ms`, unless the subscription goes away or the emulator closes first. */
  #later(job: Job, ms: number): void {
    const forget = () => {
      this.#scheduled.delete(cancel);
      unschedule();
    };
    const cancel = () => {
      clearTimeout(timer);
      forget();
      this.#finish(job);
    };
    const timer = setTimeout(() => {
      forget();
      this.#attempt(job);
    }, ms);
    this.#scheduled.add(cancel);
    const unschedule = job.subscription.schedule(cancel);
  }

  #finish(job: Job): void {
    job.subscription.counters.pending--;
    job.topic.counters.pending--;
    job.topic.pending.done();
    this.pending.done();
  }
}
