import type MNSClient from '@alicloud/mns/lib/client.js';
import { describeError } from '../errors/classify.js';
import type { Logger } from '../logging/logger.js';

/** The body of the lease queue's one message. */
export const LEASE_BODY = JSON.stringify({ lease: 'dead-letter-alert', about: 'one alert drain at a time' });

/** MNS keeps a message 7 days at most (cloud-facts MNS-15): a lease older than this is replaced on release. */
const RENEW_AFTER_MS = 24 * 3600_000;
/** MNS takes at most 16 messages per batch call; more than one lease message is a leftover to remove. */
const BATCH = 16;
/** The longest long poll MNS allows (cloud-facts MNS-9). */
const MAX_POLL_SECONDS = 30;

export type LeaseOutcome =
  /** This run holds the lease: no other run drains the alert queue until `release()` (or the hold expires). */
  | { state: 'held'; release(): Promise<void> }
  /** No lease within the wait: the holder is stuck or the lease is gone. The caller drains anyway (fail open). */
  | { state: 'unavailable'; reason: 'timeout' | 'no-lease-queue' };

export interface LeaseOptions {
  /** How long the lease stays held if this run dies: longer than the function's timeout. */
  holdSeconds: number;
  /** How long to wait for a holder to finish; at least the gather window, so no two runs gather at once. */
  waitSeconds: number;
  log: Logger;
  now: () => number;
}

/**
 * The alert lease: a queue holding one message. Receiving it takes the lease (MNS hands a message to one consumer
 * at a time and hides it for the hold: cloud-facts MNS-24), releasing makes it visible again a second later, and
 * a run that dies simply lets the hold run out. A run that finds the lease taken waits for it, since the holder
 * is gathering the same burst; past the wait it drains anyway and puts a new lease in (a lost lease must cost
 * latency, never alerts). MNS cannot say whether a hidden message exists (cloud-facts MNS-25), so a surplus lease
 * from such a replacement is deleted by whichever run next receives two.
 */
export async function acquireLease(
  mns: MNSClient,
  queue: string,
  options: LeaseOptions,
): Promise<LeaseOutcome> {
  const started = options.now();
  const waitUntil = started + options.waitSeconds * 1000;
  // Bounded by polls as well as by the clock, so an injected clock that stands still cannot hold a run forever.
  const maxPolls = Math.ceil(options.waitSeconds / MAX_POLL_SECONDS) + 1;
  for (let polls = 0; polls < maxPolls; polls++) {
    const left = Math.max(0, Math.ceil((waitUntil - options.now()) / 1000));
    if (polls > 0 && left === 0) break;
    let received: MNSClient.ReceivedMessage[] | undefined;
    try {
      received = (await mns.batchReceiveMessage(queue, BATCH, Math.min(MAX_POLL_SECONDS, left))).body;
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      if (name === 'MNSMessageNotExistError') continue;
      if (name === 'MNSQueueNotExistError') {
        options.log.error(
          { queue },
          'the alert lease queue does not exist (run npm run setup); draining without it',
        );
        return { state: 'unavailable', reason: 'no-lease-queue' };
      }
      throw error;
    }
    const [lease, ...surplus] = received ?? [];
    if (lease === undefined) continue;
    for (const extra of surplus) await deleteQuietly(mns, queue, extra.ReceiptHandle, options.log);
    return { state: 'held', release: await hold(mns, queue, lease, options) };
  }
  options.log.warn(
    { queue, waitedMs: options.now() - started },
    'the alert lease was not free within the wait (its holder is stuck, or the lease is lost): draining anyway and putting a new lease in',
  );
  await putLease(mns, queue, options.holdSeconds, options.log);
  return { state: 'unavailable', reason: 'timeout' };
}

/** Hides the lease for the hold (independent of the queue's visibility timeout); returns its release. */
async function hold(
  mns: MNSClient,
  queue: string,
  lease: MNSClient.ReceivedMessage,
  options: LeaseOptions,
): Promise<() => Promise<void>> {
  let handle = lease.ReceiptHandle;
  try {
    const changed = await mns.changeMessageVisibility(queue, handle, options.holdSeconds);
    if (changed.body?.ReceiptHandle) handle = changed.body.ReceiptHandle;
  } catch (error) {
    // Still held for the queue's own visibility timeout.
    options.log.warn({ queue, code: describeError(error).code }, 'could not extend the alert lease');
  }
  const enqueued = Number(lease.EnqueueTime);
  return async () => {
    try {
      if (Number.isFinite(enqueued) && options.now() - enqueued > RENEW_AFTER_MS) {
        // Before MNS's retention drops it: a fresh lease, then the old one goes.
        await mns.sendMessage(queue, { MessageBody: LEASE_BODY });
        await mns.deleteMessage(queue, handle);
      } else {
        // Visible again a second from now (MNS's shortest visibility), for the next run.
        await mns.changeMessageVisibility(queue, handle, 1);
      }
    } catch (error) {
      options.log.warn(
        { queue, code: describeError(error).code },
        'could not release the alert lease; it frees itself when its hold runs out',
      );
    }
  };
}

/** A new lease, hidden until this run is over (so it is not taken while this run drains without one). */
async function putLease(mns: MNSClient, queue: string, delaySeconds: number, log: Logger): Promise<void> {
  try {
    await mns.sendMessage(queue, { MessageBody: LEASE_BODY, DelaySeconds: delaySeconds });
  } catch (error) {
    log.error({ queue, code: describeError(error).code }, 'could not put a new alert lease in');
  }
}

async function deleteQuietly(mns: MNSClient, queue: string, handle: string, log: Logger): Promise<void> {
  try {
    await mns.deleteMessage(queue, handle);
    log.info({ queue }, 'deleted a surplus alert lease');
  } catch (error) {
    log.warn({ queue, code: describeError(error).code }, 'could not delete a surplus alert lease');
  }
}
