import type MNSClient from '@alicloud/mns/lib/client.js';
import { describeError } from '../errors/classify.js';
import type { Logger } from '../logging/logger.js';

/** MNS keeps a message 7 days at most (cloud-facts MNS-15): a lease older than this is replaced on release. */
const RENEW_AFTER_MS = 24 * 3600_000;
/** MNS takes at most 16 messages per batch call; more than one lease message is a leftover to remove. */
const BATCH = 16;
/** The longest long poll MNS allows (cloud-facts MNS-9). */
const MAX_POLL_SECONDS = 30;

/** A lease this run holds: what a continuation needs to take it over (`adoptLease`). */
export interface LeaseHandle {
  receiptHandle: string;
  /** When the lease message was sent (ms), for its renewal before MNS's retention drops it; unknown: `null`. */
  enqueuedAt: number | null;
}

export interface HeldLease {
  state: 'held';
  /** Frees the lease for the next run (visible again in a second). Never throws. */
  release(): Promise<void>;
  /**
   * Keeps the lease held for `holdSeconds` more and gives up this run's hold on it without freeing it: the
   * returned handle lets the next run (a continuation) take it over. `null` if MNS refused (it then frees itself
   * when the current hold runs out).
   */
  handOff(holdSeconds: number): Promise<LeaseHandle | null>;
}

export type LeaseOutcome =
  /** This run holds the lease: no other run does the guarded work until `release()` (or the hold expires). */
  | HeldLease
  /**
   * No lease: `timeout`, not free within the wait (its holder is running, or stuck, or the lease is lost: MNS
   * cannot tell, cloud-facts MNS-25); `no-lease-queue`, the queue does not exist (setup was not run).
   */
  | { state: 'unavailable'; reason: 'timeout' | 'no-lease-queue' };

export interface LeaseOptions {
  /** The lease message's body (what `npm run setup` puts in the lease queue). */
  body: string;
  /** The lease's name in log lines ("alert lease", "sweep lease"). */
  what: string;
  /** How long the lease stays held if this run dies: longer than the function's timeout. */
  holdSeconds: number;
  /** How long to wait for a holder to finish (0: take it only if it is free now). */
  waitSeconds: number;
  /**
   * Past the wait, put a new lease in (hidden for the hold), so a lost lease costs latency, never the work: the
   * caller then goes on without one. `false`: the caller takes `timeout` as "another run holds it" and stops.
   */
  replaceOnTimeout: boolean;
  log: Logger;
  now: () => number;
}

/**
 * A lease held in MNS: a queue holding one message (the alert function's drain, the attach function's sweep). Receiving it takes the lease (MNS hands a message to one consumer
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
          `the ${options.what} queue does not exist (run npm run setup): going on without it`,
        );
        return { state: 'unavailable', reason: 'no-lease-queue' };
      }
      throw error;
    }
    const [lease, ...surplus] = received ?? [];
    if (lease === undefined) continue;
    for (const extra of surplus) await deleteQuietly(mns, queue, extra.ReceiptHandle, options);
    return hold(mns, queue, lease.ReceiptHandle, Number(lease.EnqueueTime), options);
  }
  if (options.replaceOnTimeout) {
    options.log.warn(
      { queue, waitedMs: options.now() - started },
      `the ${options.what} was not free within the wait (its holder is stuck, or the lease is lost): going on anyway and putting a new lease in`,
    );
    await putLease(mns, queue, options);
  }
  return { state: 'unavailable', reason: 'timeout' };
}

/**
 * Takes over a lease an earlier run handed off (`HeldLease.handOff`): extends its hold with the handle it gave.
 * Every ChangeMessageVisibility voids the handle it was given (cloud-facts MNS-13), so of two runs with the same
 * handle (a continuation delivered twice) only the first gets it; `null` for the other, and when the hold ran
 * out and someone else took the lease.
 */
export async function adoptLease(
  mns: MNSClient,
  queue: string,
  handle: LeaseHandle,
  options: Pick<LeaseOptions, 'body' | 'what' | 'holdSeconds' | 'log' | 'now'>,
): Promise<HeldLease | null> {
  let receipt: string;
  try {
    const changed = await mns.changeMessageVisibility(queue, handle.receiptHandle, options.holdSeconds);
    receipt = changed.body?.ReceiptHandle ?? handle.receiptHandle;
  } catch (error) {
    options.log.info(
      { queue, code: describeError(error).code },
      `the ${options.what} handed over is no longer ours`,
    );
    return null;
  }
  return held(mns, queue, receipt, handle.enqueuedAt ?? Number.NaN, options);
}

/** Hides the lease for the hold (independent of the queue's visibility timeout). */
async function hold(
  mns: MNSClient,
  queue: string,
  receipt: string,
  enqueued: number,
  options: LeaseOptions,
): Promise<HeldLease> {
  let handle = receipt;
  try {
    const changed = await mns.changeMessageVisibility(queue, handle, options.holdSeconds);
    if (changed.body?.ReceiptHandle) handle = changed.body.ReceiptHandle;
  } catch (error) {
    // Still held for the queue's own visibility timeout.
    options.log.warn({ queue, code: describeError(error).code }, `could not extend the ${options.what}`);
  }
  return held(mns, queue, handle, enqueued, options);
}

function held(
  mns: MNSClient,
  queue: string,
  receipt: string,
  enqueued: number,
  options: Pick<LeaseOptions, 'body' | 'what' | 'log' | 'now'>,
): HeldLease {
  let handle = receipt;
  let done = false;
  return {
    state: 'held',
    async release() {
      if (done) return;
      done = true;
      try {
        if (Number.isFinite(enqueued) && options.now() - enqueued > RENEW_AFTER_MS) {
          // Before MNS's retention drops it: a fresh lease, then the old one goes.
          await mns.sendMessage(queue, { MessageBody: options.body });
          await mns.deleteMessage(queue, handle);
        } else {
          // Visible again a second from now (MNS's shortest visibility), for the next run.
          await mns.changeMessageVisibility(queue, handle, 1);
        }
      } catch (error) {
        options.log.warn(
          { queue, code: describeError(error).code },
          `could not release the ${options.what}; it frees itself when its hold runs out`,
        );
      }
    },
    async handOff(holdSeconds) {
      if (done) return null;
      done = true;
      try {
        const changed = await mns.changeMessageVisibility(queue, handle, holdSeconds);
        handle = changed.body?.ReceiptHandle ?? handle;
        return { receiptHandle: handle, enqueuedAt: Number.isFinite(enqueued) ? enqueued : null };
      } catch (error) {
        options.log.warn(
          { queue, code: describeError(error).code },
          `could not hand the ${options.what} over; it frees itself when its hold runs out`,
        );
        return null;
      }
    },
  };
}

/** A new lease, hidden until this run is over (so it is not taken while this run drains without one). */
async function putLease(mns: MNSClient, queue: string, options: LeaseOptions): Promise<void> {
  try {
    await mns.sendMessage(queue, { MessageBody: options.body, DelaySeconds: options.holdSeconds });
  } catch (error) {
    options.log.error({ queue, code: describeError(error).code }, `could not put a new ${options.what} in`);
  }
}

async function deleteQuietly(
  mns: MNSClient,
  queue: string,
  handle: string,
  options: Pick<LeaseOptions, 'what' | 'log'>,
): Promise<void> {
  try {
    await mns.deleteMessage(queue, handle);
    options.log.info({ queue }, `deleted a surplus ${options.what}`);
  } catch (error) {
    options.log.warn(
      { queue, code: describeError(error).code },
      `could not delete a surplus ${options.what}`,
    );
  }
}
