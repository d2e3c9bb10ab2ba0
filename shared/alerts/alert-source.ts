import type MNSClient from '@alicloud/mns/lib/client.js';
import { type DeadLetterMessage, readDeadLetterMessage } from '../dead-letter/dead-letter-message.js';
import type { Deadline } from '../retry/deadline.js';

/** A batch of failures to alert on, and how to acknowledge it once the alerts are out. */
export interface AlertBatch {
  messages: DeadLetterMessage[];
  /** Deletes the drained queue messages; nothing to do for a pushed notification. */
  acknowledge(): Promise<void>;
}

/** MNS takes at most 16 messages per batch call. */
const BATCH = 16;
/** Enough for any burst; the rest waits for the next wake-up. */
const MAX_DRAINED = 2_000;

/**
 * Drains the alert queue (subscribed to the failure topic) in batches of 16. Every published failure also wakes
 * the function through the topic trigger, so the first wake-up of a burst takes the whole burst and the alert
 * is one per group instead of one per instance; later wake-ups find the queue empty (the messages are held by
 * the first) and send nothing. The first wake-up keeps gathering for `gatherSeconds`, so failures that trickle
 * in over a few seconds still make one alert.
 */
export async function drainAlertQueue(
  mns: MNSClient,
  queue: string,
  deadline: Deadline,
  gatherSeconds: number,
): Promise<AlertBatch> {
  const drained: { body: string; handle: string }[] = [];
  const started = Date.now();
  // Keep half the remaining time for sending the alerts.
  const stopAt = Math.min(started + deadline.remainingMs() / 2, started + Math.max(1, gatherSeconds) * 1000);
  // The first receive waits a moment for the copy of the message that woke us, which MNS queues at the same time.
  let wait = 1;
  while (drained.length < MAX_DRAINED && Date.now() < stopAt) {
    const received = await receiveBatch(mns, queue, wait);
    drained.push(...received);
    if (drained.length === 0) break; // nothing for us: another wake-up holds it
    // Gather what is still arriving, in long polls that end by the stop time.
    wait = received.length > 0 ? 0 : Math.min(30, Math.floor((stopAt - Date.now()) / 1000));
    if (received.length === 0 && wait < 1) break;
  }
  return {
    messages: drained.map((m) => readDeadLetterMessage(m.body)),
    acknowledge: async () => {
      for (let i = 0; i < drained.length; i += BATCH) {
        await mns.batchDeleteMessage(
          queue,
          drained.slice(i, i + BATCH).map((m) => m.handle),
        );
      }
    },
  };
}

async function receiveBatch(
  mns: MNSClient,
  queue: string,
  waitSeconds: number,
): Promise<{ body: string; handle: string }[]> {
  try {
    const response = await mns.batchReceiveMessage(queue, BATCH, waitSeconds);
    return (response.body ?? []).map((m) => ({ body: m.MessageBody, handle: m.ReceiptHandle }));
  } catch (error) {
    // An empty queue is an error in MNS (MessageNotExist): it only means we are done.
    if (error instanceof Error && error.name === 'MNSMessageNotExistError') return [];
    throw error;
  }
}

/**
 * The failures an invocation was handed directly (no alert queue configured): a topic notification in STREAM
 * form (the message body) or JSON form (`{TopicName, Message, …}`), an FC timer tick (nothing), or a JSON array of
 * any of these (batched delivery).
 */
export function pushedMessages(event: Buffer | string): DeadLetterMessage[] {
  const text = Buffer.isBuffer(event) ? event.toString('utf8') : event;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return [readDeadLetterMessage(text)];
  }
  return fromParsed(parsed, text);
}

function fromParsed(value: unknown, text: string): DeadLetterMessage[] {
  if (Array.isArray(value)) return value.flatMap((item) => fromParsed(item, JSON.stringify(item)));
  if (typeof value === 'object' && value !== null) {
    const v = value as Record<string, unknown>;
    if (typeof v.Message === 'string' && typeof v.TopicName === 'string')
      return [readDeadLetterMessage(v.Message)];
    if (typeof v.triggerTime === 'string' && typeof v.triggerName === 'string') return [];
  }
  return [readDeadLetterMessage(text)];
}
