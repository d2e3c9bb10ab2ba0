import type MNSClient from '@alicloud/mns/lib/client.js';
import { type DeadLetterMessage, readDeadLetterMessage } from '../dead-letter/dead-letter-message.js';
import type { Deadline } from '../retry/deadline.js';
import { recordDigest } from './sent-ledger.js';

/** One message drained from the alert queue. */
export interface DrainedMessage {
  /** The record's identity across redeliveries (`recordDigest` of the body). */
  digest: string;
  /** The receipt handle of this receive. */
  handle: string;
  message: DeadLetterMessage;
}

export interface DrainOptions {
  queue: string;
  deadline: Deadline;
  /** How long to keep gathering after the first receive. */
  gatherMs: number;
  /** How long the first receive waits: the copy of the record that woke us may not be in the queue yet. */
  firstWaitSeconds: number;
  now: () => number;
}

/** MNS takes at most 16 messages per batch call (cloud-facts MNS-10). */
const BATCH = 16;
/** Enough for any burst; the rest waits for the next wake-up. */
const MAX_DRAINED = 2_000;
/** The longest long poll MNS allows (cloud-facts MNS-9). */
const MAX_POLL_SECONDS = 30;

/**
 * Drains the alert queue (subscribed to the failure topic) in batches of 16: everything queued, then what arrives
 * for `gatherMs` after the first receive (at most half the time left), so failures that trickle in over a few
 * seconds make one alert. Everything
 * received stays invisible for the queue's visibility timeout, so no other consumer takes it meanwhile; an empty
 * first receive ends the drain at once.
 */
export async function drainAlertQueue(mns: MNSClient, options: DrainOptions): Promise<DrainedMessage[]> {
  const drained: DrainedMessage[] = [];
  const started = options.now();
  const stopAt = started + Math.min(options.deadline.remainingMs() / 2, options.gatherMs);
  // Bounded by polls as well as by the clock, so an injected clock that stands still cannot hold a run forever.
  const maxPolls = MAX_DRAINED / BATCH + Math.ceil(options.gatherMs / 1000) + 2;
  let wait = options.firstWaitSeconds;
  for (let polls = 0; polls < maxPolls && drained.length < MAX_DRAINED; polls++) {
    const received = await receiveBatch(mns, options.queue, wait);
    for (const m of received) {
      drained.push({
        digest: recordDigest(m.MessageBody),
        handle: m.ReceiptHandle,
        message: readDeadLetterMessage(m.MessageBody),
      });
    }
    if (drained.length === 0) break; // nothing for us: another run holds it, or it is gone
    // Take everything already queued, window or not; once it runs dry, wait for what is still arriving until the
    // stop time.
    wait = received.length > 0 ? 0 : Math.min(MAX_POLL_SECONDS, Math.floor((stopAt - options.now()) / 1000));
    if (received.length === 0 && wait < 1) break;
  }
  return drained;
}

async function receiveBatch(
  mns: MNSClient,
  queue: string,
  waitSeconds: number,
): Promise<MNSClient.ReceivedMessage[]> {
  try {
    const response = await mns.batchReceiveMessage(queue, BATCH, waitSeconds);
    return response.body ?? [];
  } catch (error) {
    // An empty queue is an error in MNS (MessageNotExist): it only means we are done.
    if (error instanceof Error && error.name === 'MNSMessageNotExistError') return [];
    throw error;
  }
}

/**
 * The message bodies an invocation was handed: a topic notification in STREAM form (the body itself) or JSON
 * form (`{TopicName, Message, …}`), an FC timer tick (none), or a JSON array of any of these (batched delivery).
 */
export function pushedBodies(event: Buffer | string): string[] {
  const text = Buffer.isBuffer(event) ? event.toString('utf8') : event;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [text];
  }
  return bodiesOf(parsed, text);
}

/** The failures an invocation was handed directly (no alert queue configured). */
export function pushedMessages(event: Buffer | string): DeadLetterMessage[] {
  return pushedBodies(event).map(readDeadLetterMessage);
}

function bodiesOf(value: unknown, text: string): string[] {
  if (Array.isArray(value)) return value.flatMap((item) => bodiesOf(item, JSON.stringify(item)));
  if (typeof value === 'object' && value !== null) {
    const v = value as Record<string, unknown>;
    if (typeof v.Message === 'string' && typeof v.TopicName === 'string') return [v.Message];
    if (typeof v.triggerTime === 'string' && typeof v.triggerName === 'string') return [];
  }
  return [text];
}
